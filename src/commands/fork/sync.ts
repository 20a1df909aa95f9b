import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { syncForks } from '../../sync/fork-sync.js';

export default class ForkSync extends ForgeCommand {
  static override summary = "Bring your forks' default branches up to date with upstream (GitHub's sync fork).";
  static override description =
    "One line per fork: up to date, N commits behind and fast-forwarded or merged, or a merge conflict to settle by hand. Exit code 1 if any fork could not be synced. A token without the workflow scope cannot sync upstream changes to workflow files.";
  static override examples = ['<%= config.bin %> fork sync --all', '<%= config.bin %> fork sync octocat/crm-tools'];
  static override args = { fork: Args.string({ description: 'The fork to sync (owner/name, as forge fork list shows it).' }) };
  static override flags = {
    concurrency: ForgeCommand.concurrencyFlag,
    all: Flags.boolean({ description: 'Every fork forge fork list shows.' }),
  };

  async run() {
    const { args, flags } = await this.parse(ForkSync);
    return this.withEngine({ mutate: false, concurrency: flags.concurrency }, async (ctx) => {
      const report = await syncForks(ctx, { ...(args.fork ? { fork: args.fork } : {}), all: flags.all });
      if (report.forks.length === 0) this.say('No forks of the repositories in forge.yaml.');
      for (const r of report.forks) {
        const mark = r.outcome === 'failed' || r.outcome === 'conflict' ? this.c('red', '✗') : this.c('green', '✓');
        this.say(`${mark} ${r.fork} (fork of ${r.upstream}, ${r.branch}): ${r.message}`);
        if (r.error?.hint) this.say(`  ${r.error.hint}`);
        if (r.outcome === 'conflict') this.say(`  Merge ${r.upstream} into ${r.branch} by hand: ${r.url}`);
      }
      for (const gone of report.gone) this.say(`${this.c('yellow', '!')} ${gone} is gone from GitHub.`);
      const json = { forks: report.forks, notOnGitHub: report.notOnGitHub, gone: report.gone, failed: report.failed };
      if (report.failed > 0) this.exitWithWorkLeft(json);
      return json;
    });
  }
}
