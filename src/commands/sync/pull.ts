import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { planJson, printBlocked, printPlan } from '../../cli/pull-output.js';
import { pull } from '../../sync/pull.js';
import type { Strategy } from '../../sync/pull-plan.js';

const strategies = ['merge', 'rebase', 'overwrite', 'stash'] as const;

export default class Pull extends ForgeCommand {
  static override summary = 'Bring components to the newest upstream commit their constraint allows.';
  static override strict = false;
  static override examples = [
    '<%= config.bin %> sync pull --all',
    '<%= config.bin %> sync pull salesforce-lookup --merge',
    '<%= config.bin %> sync pull salesforce-lookup --to 2.1.4 --dry-run',
  ];
  static override args = { component: Args.string({ description: 'Component names (default: all).' }) };
  static override flags = {
    concurrency: ForgeCommand.concurrencyFlag,
    all: Flags.boolean({ description: 'Every component (the default when no name is given).' }),
    merge: Flags.boolean({ description: 'Three-way merge local changes with upstream.', exclusive: ['rebase', 'overwrite', 'stash'] }),
    rebase: Flags.boolean({ description: 'Replay local commits and changes onto upstream.', exclusive: ['merge', 'overwrite', 'stash'] }),
    overwrite: Flags.boolean({ description: "Upstream wins; replaced files are kept for 'forge sync undo'.", exclusive: ['merge', 'rebase', 'stash'] }),
    stash: Flags.boolean({ description: 'Set local changes aside, then update.', exclusive: ['merge', 'rebase', 'overwrite'] }),
    to: Flags.string({ description: 'A version, ref or commit to go to (one component).' }),
    'dry-run': Flags.boolean({ description: 'Print the plan, change nothing.' }),
  };

  async run() {
    const { argv, flags } = await this.parse(Pull);
    const names = flags.all ? [] : (argv as string[]).filter(Boolean);
    const strategy: Strategy | null = strategies.find((s) => flags[s]) ?? null;
    return this.withEngine({ mutate: true, concurrency: flags.concurrency }, async (ctx) => {
      const result = await pull(ctx, { names, strategy, ...(flags.to !== undefined ? { to: flags.to } : {}), dryRun: flags['dry-run'] });
      const json = { ...planJson(result.plan), dryRun: flags['dry-run'], conflicted: result.conflicted, blocked: result.blocked };
      const workLeft = result.blocked.length > 0 || result.conflicted.length > 0;
      if (!this.json) {
        // Under --quiet a pull that worked prints nothing; one that leaves work says why.
        if (!this.quiet || workLeft || flags['dry-run']) printPlan(this, result.plan, { dryRun: flags['dry-run'] });
        if (result.blocked.length) printBlocked(this, result.plan);
        const active = result.plan.components.filter((c) => c.action !== 'no-op' && c.action !== 'blocked');
        if (!flags['dry-run'] && result.conflicted.length === 0) {
          const updated = active.length === 1 ? 'Component updated successfully' : `${active.length} components updated`;
          if (result.blocked.length === 0) this.note(active.length ? `${this.c('green', '✓')} ${updated}` : 'Already up to date.');
          else if (active.length) this.note(`${this.c('green', '✓')} ${updated}; not updated: ${result.blocked.join(', ')}`);
          else this.say(`Nothing changed: ${result.blocked.join(', ')} ${result.blocked.length === 1 ? 'is' : 'are'} blocked.`);
        }
        if (flags['dry-run'] && active.length === 0 && result.blocked.length === 0) this.note('Already up to date.');
      }
      if (workLeft) {
        this.exitWithWorkLeft(json);
      }
      return json;
    });
  }
}
