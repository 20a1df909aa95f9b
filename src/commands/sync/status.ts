import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { ago, short, table } from '../../cli/render.js';
import { status, type ComponentStatus, type StatusReport } from '../../sync/status.js';
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
    return this.withEngine({ mutate: false, offline: flags.offline, concurrency: flags.concurrency }, async (ctx, root) => {
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
      this.annotateStatus(report, root);
      this.actionsOutput({
        ...Object.fromEntries(STATUS_ORDER.map((s) => [s, report.summary[s]])),
        changed: report.components.filter((c) => c.status !== 'synced').map((c) => c.name),
      });
      this.actionsSummary(statusSummary(report, summaryLine));
      return { components, summary: report.summary };
    });
  }

  /**
   * Under GitHub Actions: a warning per outdated component, an error per conflict, a notice per
   * modified or forked one, each on the component's line of forge.yaml (a dependency's on the
   * line of the component that needs it).
   */
  private annotateStatus(report: StatusReport, root: string): void {
    if (!this.actions.enabled) return;
    const file = this.workspacePath(root, 'forge.yaml');
    for (const c of report.components) {
      const line = report.lines[c.name] ?? c.requiredBy.map((n) => report.lines[n]).find((l) => l !== undefined);
      const at = { file, ...(line !== undefined ? { line } : {}), title: `forge: ${c.name} is ${c.status}` };
      if (c.status === 'outdated') this.actions.annotate('warning', `${c.name} ${c.version ?? short(c.commit)} is behind upstream ${c.latestVersion ?? short(c.upstreamCommit)}. Run 'forge sync pull ${c.name}'.`, at);
      else if (c.status === 'conflict') this.actions.annotate('error', `${c.name} has unresolved conflicts in ${c.conflicts.map((x) => x.file).join(', ')}. Run 'forge sync resolve ${c.name}'.`, at);
      else if (c.status === 'modified') this.actions.annotate('notice', `${c.name} has local changes to ${c.localChanges.length} file(s)${c.behind ? `, and upstream has ${c.latestVersion ?? 'a newer commit'}` : ''}.`, at);
      else if (c.status === 'forked') this.actions.annotate('notice', `${c.name}'s local changes await upstream${c.pullRequest ? ` in ${c.pullRequest}` : c.fork ? ` on ${c.fork}` : ''}.`, at);
    }
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

function statusSummary(report: StatusReport, summaryLine: string): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '### forge sync status',
    '',
    '| Component | Status | Version | Upstream |',
    '| --- | --- | --- | --- |',
    ...report.components.map((c) => `| ${cell(c.name)} | ${symbol[c.status]} ${c.status} | ${cell(c.version ?? short(c.commit))} | ${report.offline ? '(offline)' : cell(c.latestVersion ?? short(c.upstreamCommit))} |`),
    '',
    `Summary: ${summaryLine || 'nothing to report'}`,
  ].join('\n');
}
