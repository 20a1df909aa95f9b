// What every forge command shares: --json, errors → exit codes, no prompts
// when not interactive, NO_COLOR, the one-process-per-repository lock, and
// recovery of an interrupted operation before anything else runs.

import { Command, Errors, Flags } from '@oclif/core';
import { appendFileSync } from 'node:fs';
import { buildContext, lockWorkspace, requireRoot } from '../context.js';
import { ExitCode, ForgeError, redact, toForgeError } from '../errors.js';
import type { EngineContext } from '../sync/engine-context.js';
import type { ProgressEvent, Reporter } from '../core/ports.js';
import { recover } from '../sync/recovery.js';
import { paint } from './render.js';

export abstract class ForgeCommand extends Command {
  static override enableJsonFlag = true;

  /** --concurrency, for the commands that work on many repositories at once. */
  static concurrencyFlag = Flags.integer({ description: 'How many repositories to work on at once.', default: 8, min: 1, max: 64 });

  protected get json(): boolean {
    return this.jsonEnabled();
  }

  protected get interactive(): boolean {
    return Boolean(process.stdin.isTTY) && !process.env.CI;
  }

  protected get colors(): boolean {
    return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !this.json;
  }

  /** A line for people; silent under --json. */
  protected say(line = ''): void {
    if (!this.json) this.log(line);
  }

  protected c = (style: Parameters<typeof paint>[0], text: string) => paint(style, text, this.colors);

  protected reporter(): Reporter {
    const show = !this.json && Boolean(process.stderr.isTTY) && !process.env.CI;
    return {
      emit: (event: ProgressEvent) => {
        if (event.type === 'warning') {
          // stderr even under --json: only stdout is reserved for the machine output.
          process.stderr.write(`${this.c('yellow', 'warning')}: ${redact(event.message)}\n`);
          if (process.env.GITHUB_ACTIONS === 'true') process.stdout.write(`::warning title=forge::${escapeAnnotation(event.message)}\n`);
          return;
        }
        if (!show) return;
        if (event.type === 'fetch') process.stderr.write(`Fetching ${event.repository}...\n`);
        else if (event.type === 'component') process.stderr.write(`${event.name}: ${event.message}\n`);
      },
    };
  }

  /**
   * Runs `work` with a context on the workspace that holds forge.yaml. Mutating commands hold
   * the workspace lock and first finish or roll back an interrupted operation.
   */
  protected async withEngine<T>(options: { mutate: boolean; offline?: boolean; concurrency?: number }, work: (ctx: EngineContext, root: string) => Promise<T>): Promise<T> {
    const root = requireRoot(process.cwd());
    const ctx = await buildContext({ root, env: process.env, reporter: this.reporter(), concurrency: options.concurrency ?? 8, offline: options.offline ?? false });
    if (!options.mutate) {
      // A read after a crash still finishes or rolls back the interrupted operation first,
      // so it never reports a half-written folder.
      if (await ctx.state.pending()) {
        const held = await lockWorkspace(root, `forge ${this.id ?? ''}`.trim());
        try {
          await recover(ctx);
        } finally {
          await held.release();
        }
      }
      return work(ctx, root);
    }
    const lock = await lockWorkspace(root, `forge ${this.id ?? ''}`.trim());
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
    if (error instanceof Errors.ExitError) throw error;
    // oclif's own parse errors (unknown flag, missing argument) are usage errors: exit 2.
    const parseError = error.constructor?.name?.endsWith('Error') && 'parse' in (error as object);
    const forge = error instanceof ForgeError
      ? error
      : parseError || isOclifUsageError(error)
        ? new ForgeError('E_USAGE', error.message.split('\n')[0] ?? 'Bad usage.', { hint: `See 'forge ${this.id?.replace(/:/g, ' ') ?? ''} --help'.` })
        : toForgeError(error);
    if (this.json) {
      this.logJson({ error: forge.toJSON() });
    } else if (forge.exitCode === ExitCode.interrupted) {
      // Ctrl-C: quiet, as a shell expects (the prompt already showed where it stopped).
      process.stderr.write('\n');
    } else {
      process.stderr.write(`${this.c('red', 'Error')}: ${forge.message}\n`);
      if (forge.hint) process.stderr.write(`${forge.hint}\n`);
    }
    if (process.env.GITHUB_ACTIONS === 'true') process.stdout.write(`::error title=forge::${escapeAnnotation(forge.message)}\n`);
    if ((process.env.DEBUG ?? '').split(',').some((d) => d.trim() === 'forge' || d.trim() === '*')) {
      process.stderr.write(`${redact(String((forge.cause as Error | undefined)?.stack ?? forge.stack ?? ''))}\n`);
    }
    this.exit(forge.exitCode);
  }

  /** Appends `name=value` lines for a GitHub Actions step. */
  protected actionsOutput(values: Record<string, string | number>): void {
    const file = process.env.GITHUB_OUTPUT;
    if (!file) return;
    appendFileSync(file, Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join(''));
  }

  protected actionsSummary(markdown: string): void {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (!file) return;
    appendFileSync(file, `${markdown}\n`);
  }
}

function isOclifUsageError(error: unknown): boolean {
  const e = error as { oclif?: { exit?: number }; name?: string; constructor?: { name?: string } };
  if (e?.oclif?.exit === 2) return true;
  const name = e?.constructor?.name ?? '';
  return /(Required|Unexpected|NonExistent|Invalid|Failed|Validation)(Args|Flag|Flags|Choice|Input)?Error/.test(name) || name === 'CLIParseError';
}

function escapeAnnotation(text: string): string {
  return redact(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
