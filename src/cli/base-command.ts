// What every forge command shares: --json, -q/--quiet, -v/--verbose, errors → exit codes, no
// prompts when not interactive, colour only where the terminal and environment allow it, the
// progress line, the one-process-per-repository lock, and recovery of an interrupted operation
// before anything else runs.

import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { buildContext, findRoot, lockWorkspace, requireRoot } from '../context.js';
import { createManifestStore, MANIFEST_FILE } from '../store/manifest.js';
import { ExitCode, redact, toForgeError, type ForgeError } from '../errors.js';
import type { EngineContext } from '../sync/engine-context.js';
import type { ProgressEvent, Reporter } from '../core/ports.js';
import { recover } from '../sync/recovery.js';
import { Actions } from './actions.js';
import { printError } from './error-output.js';
import { ProgressView } from './progress.js';
import { paint } from './render.js';
import { colorEnabled, cursorEscapes, isCI, progressEnabled } from './terminal.js';
import { isUsageError, usageError } from './usage.js';

// oclif's FlagOutput/ArgOutput, which its public types do not export.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Output = { [name: string]: any };

export abstract class ForgeCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    // oclif adds --json for enableJsonFlag; this only gives it forge's description.
    json: Flags.boolean({ description: 'Print the result as JSON on stdout (errors too, as {"error": …}); nothing else goes there.', helpGroup: 'GLOBAL' }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'Print only what you asked for, warnings and errors: no progress, no confirmations.',
      helpGroup: 'GLOBAL',
      exclusive: ['verbose'],
    }),
    verbose: Flags.boolean({
      char: 'v',
      description: 'Also print what forge does on the way (repositories listed and fetched, retries) on stderr.',
      helpGroup: 'GLOBAL',
    }),
  };

  /** --concurrency, for the commands that work on many repositories at once. */
  static concurrencyFlag = Flags.integer({ description: 'How many repositories to work on at once.', default: 8, min: 1, max: 64 });

  private quietFlag = false;
  private verboseFlag = false;
  private view: ProgressView | undefined;

  protected get json(): boolean {
    return this.jsonEnabled();
  }

  protected get quiet(): boolean {
    return this.quietFlag;
  }

  protected get verbose(): boolean {
    return this.verboseFlag;
  }

  protected get interactive(): boolean {
    return Boolean(process.stdin.isTTY) && !isCI(process.env);
  }

  /** Colour on stdout (never under --json: stdout is the machine output then). */
  protected get colors(): boolean {
    return !this.json && colorEnabled(process.stdout.isTTY, process.env);
  }

  protected get stderrColors(): boolean {
    return colorEnabled(process.stderr.isTTY, process.env);
  }

  protected override async parse<F extends Output, B extends Output, A extends Output>(options?: Interfaces.Input<F, B, A>, argv?: string[]): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv);
    const flags = parsed.flags as { quiet?: boolean; verbose?: boolean };
    this.quietFlag = Boolean(flags.quiet);
    this.verboseFlag = Boolean(flags.verbose);
    return parsed;
  }

  /** Output the user asked for; silent under --json. */
  protected say(line = ''): void {
    if (!this.json) this.log(line);
  }

  /** A confirmation or step of a command that worked ("✓ Added …"); silent under --json and --quiet. */
  protected note(line = ''): void {
    if (!this.json && !this.quiet) this.log(line);
  }

  override log(message = '', ...args: unknown[]): void {
    // Text on stdout must not land in the middle of the progress line on stderr.
    this.view?.clear();
    super.log(message, ...args);
  }

  protected c = (style: Parameters<typeof paint>[0], text: string) => paint(style, text, this.colors);

  private progress(): ProgressView {
    const colors = this.stderrColors;
    this.view ??= new ProgressView({
      write: (text) => process.stderr.write(text),
      live: progressEnabled(process.stderr.isTTY, process.env, { json: this.json, quiet: this.quiet }),
      verbose: this.verbose,
      escapes: cursorEscapes(process.env),
      now: () => performance.now(),
      columns: () => process.stderr.columns || 80,
      dim: (text) => paint('dim', text, colors),
    });
    return this.view;
  }

  protected reporter(): Reporter {
    const view = this.progress();
    return {
      emit: (event: ProgressEvent) => {
        if (event.type === 'warning') {
          // stderr even under --json and --quiet: only stdout is reserved for the machine output.
          view.line(`${paint('yellow', 'warning', this.stderrColors)}: ${redact(event.message)}`);
          this.actions.annotate('warning', event.message, { title: `forge ${this.commandName}` });
          return;
        }
        view.handle(event);
      },
    };
  }

  /** The command as the user types it: `sync pull`, never oclif's `sync:pull`. */
  protected get commandName(): string {
    return (this.id ?? '').split(':').join(' ');
  }

  /**
   * Runs `work` with a context on the workspace that holds forge.yaml. Mutating commands hold
   * the workspace lock and first finish or roll back an interrupted operation.
   */
  protected async withEngine<T>(options: { mutate: boolean; offline?: boolean; concurrency?: number; consumerRepo?: boolean }, work: (ctx: EngineContext, root: string) => Promise<T>): Promise<T> {
    const root = requireRoot(process.cwd());
    const reporter = this.reporter();
    reporter.emit({ type: 'debug', message: `workspace ${root}${options.offline ? ' (offline)' : ''}` });
    const ctx = await buildContext({ root, env: process.env, reporter, concurrency: options.concurrency ?? 8, offline: options.offline ?? false, consumerRepo: options.consumerRepo ?? false });
    const holder = `forge ${this.commandName}`.trim();
    if (!options.mutate) {
      // A read after a crash still finishes or rolls back the interrupted operation first,
      // so it never reports a half-written folder.
      if (await ctx.state.pending()) {
        const held = await lockWorkspace(root, holder);
        try {
          await recover(ctx);
        } finally {
          await held.release();
        }
      }
      return work(ctx, root);
    }
    const lock = await lockWorkspace(root, holder);
    try {
      await recover(ctx);
      return await work(ctx, root);
    } finally {
      await lock.release();
    }
  }

  /** Ends with exit code 1 (work left for the user), still printing the result under --json. */
  protected exitWithWorkLeft(result: unknown): never {
    if (this.json) this.logJson(result);
    this.exit(ExitCode.failed);
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    this.view?.clear();
    if (error instanceof Errors.ExitError) throw error;
    const forge: ForgeError = isUsageError(error)
      ? usageError(error, this.config.bin, {
          id: this.commandName,
          args: this.ctor.args,
          flags: { ...this.ctor.baseFlags, ...this.ctor.flags, ...(this.ctor.enableJsonFlag ? { json: {} } : {}) },
          strict: this.ctor.strict,
        })
      : toForgeError(error);
    if (forge.exitCode === ExitCode.interrupted && !this.json) {
      // Ctrl-C: quiet, as a shell expects (the prompt already showed where it stopped).
      process.stderr.write('\n');
      this.exit(forge.exitCode);
    }
    const where = this.actions.enabled ? await annotationTarget(forge, (root, file) => this.workspacePath(root, file)) : undefined;
    printError(forge, { json: this.json, colors: this.stderrColors, ...(where ? { where } : {}) });
    this.exit(forge.exitCode);
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.view?.clear();
    return super.finally(error);
  }

  private actionsWriter: Actions | undefined;

  /**
   * Annotations, outputs and the job summary under GitHub Actions (nothing elsewhere). Annotations
   * go to stdout, or to stderr under --json (stdout holds the JSON; the runner reads both).
   */
  protected get actions(): Actions {
    this.actionsWriter ??= new Actions(process.env, (text) => {
      this.view?.clear();
      (this.json ? process.stderr : process.stdout).write(text);
    });
    return this.actionsWriter;
  }

  /** A file of the workspace as annotations name it: relative to the checkout ($GITHUB_WORKSPACE) when forge.yaml sits in a subfolder of it. */
  protected workspacePath(root: string, file: string): string {
    const workspace = process.env.GITHUB_WORKSPACE;
    if (!workspace) return file;
    const rel = relative(resolve(workspace), join(root, file));
    return rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
  }

  /** Appends outputs for a GitHub Actions step. */
  protected actionsOutput(values: Record<string, string | number | boolean | null | object>): void {
    this.actions.output(values);
  }

  protected actionsSummary(markdown: string): void {
    this.actions.summary(markdown);
  }
}

/**
 * Where an error's annotation points in the workflow's files: the line of forge.yaml it names, or
 * the line of the component it names there (read again here; a forge.yaml that cannot be read
 * leaves the annotation on the step).
 */
async function annotationTarget(error: ForgeError, path: (root: string, file: string) => string): Promise<{ file: string; line?: number } | undefined> {
  const data = error.data as { file?: unknown; line?: unknown; component?: unknown };
  const root = findRoot(process.cwd());
  if (typeof data.file === 'string' && typeof data.line === 'number') return { file: root ? path(root, data.file) : data.file, line: data.line };
  if (typeof data.component !== 'string' || !root) return undefined;
  try {
    const spec = (await createManifestStore(root).read()).components.find((c) => c.name === data.component);
    return spec ? { file: path(root, MANIFEST_FILE), line: spec.line } : undefined;
  } catch {
    return undefined;
  }
}
