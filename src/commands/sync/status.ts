import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { ago, short, table } from '../../cli/render.js';
import { status, type ComponentStatus } from '../../sync/status.js';
import { STATUS_ORDER } from '../../core/model.js';

const symbol: Record<string, string> = { synced: '✓', modified: '⚠', outdated: '⬆', conflict: '✗', forked: '⑂', detached: '⊘' };

export default class Status extends ForgeCommand {
  static override summary = 'Show the state of each component: synced, modified, outdated, conflict, forked or detached.';
  static override strict = false;
  static override examples = ['<%= config.bin %> sync status', '<%= config.bin %> sync status salesforce-lookup --detailed', '<%= config.bin %> sync status --all --offline --json'];
  static override args = { component: Args.string({ description: 'Component names (default: all).' }) };
  static override flags = {
    concurrency: ForgeCommand.concurrencyFlag,
    all: Flags.boolean({ description: 'Every component (the default when no name is given).' }),
    detailed: Flags.boolean({ description: 'List changed files and fields.' }),
    offline: Flags.boolean({ description: 'No network: local changes only; upstream fields are null.' }),
  };

  async run() {
    const { argv, flags } = await this.parse(Status);
    const names = (argv as string[]).filter(Boolean);
    return this.withEngine({ mutate: false, offline: flags.offline, concurrency: flags.concurrency }, async (ctx) => {
      const report = await status(ctx, { names: flags.all ? [] : names, offline: flags.offline, detailed: flags.detailed });
      const components = report.components.map(({ note: _note, changes, requiredBy: _r, ...rest }) => ({ ...rest, ...(changes ? { changes } : {}) }));
      const summaryLine = STATUS_ORDER.slice()
        .reverse()
        .filter((s) => report.summary[s] > 0)
        .map((s) => `${symbol[s]} ${report.summary[s]} ${s}`)
        .join(', ');
      if (!this.json) {
        if (report.components.length === 0) this.say("No components yet. Add one with 'forge add REPOSITORY COMPONENT'.");
        else if (flags.detailed) report.components.forEach((c) => this.detailed(c));
        else {
          this.say(
            table(
              ['Component', 'Status', 'Version', 'Local', 'Upstream', 'Last sync'],
              report.components.map((c) => [
                c.name,
                this.c(c.status === 'synced' ? 'green' : c.status === 'conflict' ? 'red' : 'yellow', c.status),
                c.version ?? (c.constraint ? '-' : 'ref'),
                short(c.commit),
                report.offline ? '(offline)' : c.upstreamCommit ? `${short(c.upstreamCommit)}${c.latestVersion && c.latestVersion !== c.version ? ` (${c.latestVersion})` : ''}` : '-',
                ago(c.lastSyncAt),
              ]),
            ),
          );
          for (const c of report.components) for (const problem of c.problems) this.say(`✗ ${c.name}: ${problem}`);
        }
        this.say('');
        this.say(`Summary: ${summaryLine || 'nothing to report'}`);
      }
      this.actionsOutput(Object.fromEntries(STATUS_ORDER.map((s) => [s, report.summary[s]])));
      if (process.env.GITHUB_STEP_SUMMARY) {
        this.actionsSummary(
          ['### forge sync status', '', '| Component | Status | Version | Upstream |', '| --- | --- | --- | --- |',
            ...report.components.map((c) => `| ${c.name} | ${c.status} | ${c.version ?? '-'} | ${c.latestVersion ?? short(c.upstreamCommit)} |`), '', summaryLine].join('\n'),
        );
      }
      return { components, summary: report.summary };
    });
  }

  private detailed(c: ComponentStatus): void {
    this.say(`Component: ${c.name}`);
    this.say(`Status: ${c.status}${c.behind && c.status !== 'outdated' ? ' (also behind upstream)' : ''}`);
    this.say(`Repository: ${c.repository}`);
    this.say(`Path: ${c.path} → ${c.dest}`);
    if (c.constraint) this.say(`Constraint: ${c.constraint}`);
    this.say(`Local commit: ${c.commit ?? '-'}${c.version ? ` (${c.version})` : ''}`);
    this.say(`Upstream commit: ${c.upstreamCommit ?? '(offline)'}${c.latestVersion ? ` (${c.latestVersion})` : ''}`);
    if (c.requiredBy.length) this.say(`Required by: ${c.requiredBy.join(', ')}`);
    if (c.localChanges.length) {
      this.say(`Local changes: ${c.localChanges.length} file(s)`);
      for (const change of c.changes ?? c.localChanges.map((file) => ({ file, kind: 'modified' }))) this.say(`  - ${change.file} (${change.kind})`);
    } else this.say('Local changes: none');
    for (const conflict of c.conflicts) this.say(`Conflict: ${conflict.type}: ${conflict.file}`);
    if (c.pullRequest) this.say(`Pull request: ${c.pullRequest}`);
    if (c.fork) this.say(`Fork: ${c.fork}`);
    if (c.note && c.note !== 'ref-gone') this.say(`Note: ${c.note}`);
    if (c.note === 'ref-gone') this.say('Note: the locked ref no longer exists upstream');
    for (const problem of c.problems) this.say(`✗ ${problem}`);
    this.say(`Last sync: ${c.lastSyncAt ?? 'never'} (${ago(c.lastSyncAt)})`);
    this.say('');
  }
}
