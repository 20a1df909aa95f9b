import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { terminalChooser } from '../../cli/interactive-chooser.js';
import { ExitCode, ForgeError } from '../../errors.js';
import { resolveConflicts, type ResolveMode } from '../../sync/resolve-conflicts.js';

export default class Resolve extends ForgeCommand {
  static override summary = 'Settle conflicts left by a pull (and continue a stopped --rebase); --abort puts everything back.';
  static override strict = false;
  static override examples = [
    '<%= config.bin %> sync resolve salesforce-lookup --interactive',
    '<%= config.bin %> sync resolve salesforce-lookup --prefer-local',
    '<%= config.bin %> sync resolve salesforce-lookup --strategy union schema.json',
    '<%= config.bin %> sync resolve salesforce-lookup   # after fixing the files by hand',
    '<%= config.bin %> sync resolve salesforce-lookup --abort',
  ];
  static override args = {
    component: Args.string({ required: true, description: 'Local name of the component.' }),
    file: Args.string({ description: 'Only these files (paths inside the component).' }),
  };
  static override flags = {
    interactive: Flags.boolean({ char: 'i', description: 'Walk conflict by conflict.', exclusive: ['prefer-local', 'prefer-upstream', 'strategy', 'abort'] }),
    'prefer-local': Flags.boolean({ description: 'Conflicting hunks take the local side; clean hunks from both stay.', exclusive: ['prefer-upstream', 'strategy', 'abort'] }),
    'prefer-upstream': Flags.boolean({ description: 'Conflicting hunks take the upstream side; clean hunks from both stay.', exclusive: ['prefer-local', 'strategy', 'abort'] }),
    strategy: Flags.string({ description: 'ours/theirs take a whole side, union keeps both, merge retries the structured merge.', options: ['ours', 'theirs', 'union', 'merge'] }),
    abort: Flags.boolean({ description: 'Put the files and lock entry back as before the pull.' }),
  };

  async run() {
    const { argv, flags } = await this.parse(Resolve);
    const [component, ...files] = argv as string[];
    let mode: ResolveMode | { kind: 'abort' };
    if (flags.abort) mode = { kind: 'abort' };
    else if (flags['prefer-local']) mode = { kind: 'prefer', side: 'local' };
    else if (flags['prefer-upstream']) mode = { kind: 'prefer', side: 'upstream' };
    else if (flags.strategy) mode = { kind: 'strategy', strategy: flags.strategy as 'ours' | 'theirs' | 'union' | 'merge' };
    else if (flags.interactive) {
      if (!this.interactive || this.json) {
        throw new ForgeError('E_NOT_INTERACTIVE', '--interactive needs a terminal (stdin is not a TTY, or CI is set).', {
          hint: 'Use --prefer-local, --prefer-upstream or --strategy, or edit the files and run resolve without flags.',
          exitCode: ExitCode.usage,
        });
      }
      mode = { kind: 'interactive', chooser: terminalChooser((line) => this.log(line)) };
    } else mode = { kind: 'marked' };
    return this.withEngine({ mutate: true }, async (ctx) => {
      const result = await resolveConflicts(ctx, { component: component!, files, mode });
      const json = {
        component: result.component,
        aborted: result.aborted,
        resolved: result.resolved,
        remaining: result.remaining.map((r) => ({ type: r.type, file: r.file })),
        rebase: result.rebase,
        state: result.state,
      };
      if (result.aborted) this.note(`${this.c('green', '✓')} Aborted: ${result.component} is back as it was before the pull`);
      else {
        for (const file of result.resolved) this.note(`Resolved: ${file}`);
        if (result.rebase?.continued) this.say(result.rebase.stoppedAt ? `Rebase stopped again at ${result.rebase.stoppedAt}` : 'Rebase finished');
        if (result.remaining.length) {
          for (const r of result.remaining) this.say(`Still in conflict (${r.type}): ${r.file}`);
          if (mode.kind === 'marked') this.say('Edit those files to remove the conflict markers, or use --interactive, --prefer-local, --prefer-upstream or --strategy.');
          this.exitWithWorkLeft(json);
        }
        this.note(
          result.state === 'synced'
            ? `${this.c('green', '✓')} All conflicts in ${result.component} resolved; it is now 'synced' (its files are upstream's)`
            : `${this.c('green', '✓')} All conflicts in ${result.component} resolved; it is now 'modified' (push or keep your changes)`,
        );
      }
      return json;
    });
  }
}
