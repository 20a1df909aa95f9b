import { Args, Flags } from '@oclif/core';
import { ForgeCommand } from '../../cli/base-command.js';
import { planJson, printBlocked, printPlan } from '../../cli/pull-output.js';
import { updateSummary } from '../../cli/update-output.js';
import { pull } from '../../sync/pull.js';
import type { Strategy } from '../../sync/pull-plan.js';
import { DEFAULT_UPDATE_BRANCH, updatePullRequests, type UpdatePrResult } from '../../sync/update-pr.js';

const strategies = ['merge', 'rebase', 'overwrite', 'stash'] as const;

/** Who commits the update in a workflow where git has no identity: the Actions bot, as actions/checkout users expect. */
const ACTIONS_BOT = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' };

export default class Pull extends ForgeCommand {
  static override summary = 'Bring components to the newest upstream commit their constraint allows.';
  static override description =
    "With --pr (the update bot, for a scheduled GitHub Actions job): pull with local edits merged three-way, commit the result on top of HEAD on the branch forge/update, push it to origin and open (or update) one pull request against the default branch. Components whose merge would conflict are left out and listed as needing a person (exit 1). With nothing left to update, an open update pull request is closed.";
  static override strict = false;
  static override examples = [
    '<%= config.bin %> sync pull --all',
    '<%= config.bin %> sync pull salesforce-lookup --merge',
    '<%= config.bin %> sync pull salesforce-lookup --to 2.1.4 --dry-run',
    '<%= config.bin %> sync pull --all --pr',
    '<%= config.bin %> sync pull --all --pr --pr-per-component',
  ];
  static override args = { component: Args.string({ description: 'Component names (default: all).' }) };
  static override flags = {
    concurrency: ForgeCommand.concurrencyFlag,
    all: Flags.boolean({ description: 'Every component (the default when no name is given).' }),
    merge: Flags.boolean({ description: 'Three-way merge local changes with upstream.', exclusive: ['rebase', 'overwrite', 'stash'] }),
    rebase: Flags.boolean({ description: 'Replay local commits and changes onto upstream.', exclusive: ['merge', 'overwrite', 'stash', 'pr'] }),
    overwrite: Flags.boolean({ description: "Upstream wins; replaced files are kept for 'forge sync undo'.", exclusive: ['merge', 'rebase', 'stash', 'pr'] }),
    stash: Flags.boolean({ description: 'Set local changes aside, then update.', exclusive: ['merge', 'rebase', 'overwrite', 'pr'] }),
    to: Flags.string({ description: 'A version, ref or commit to go to (one component).', exclusive: ['pr'] }),
    'dry-run': Flags.boolean({ description: 'Print the plan, change nothing.', exclusive: ['pr'] }),
    pr: Flags.boolean({
      description: 'Commit the update on a branch of this repository, push it to origin and open or update its pull request (merges local edits; leaves out what would conflict).',
      helpGroup: 'PULL REQUEST',
    }),
    'pr-branch': Flags.string({ description: `The branch for --pr (default ${DEFAULT_UPDATE_BRANCH}; with --pr-per-component, the prefix of BRANCH/NAME).`, dependsOn: ['pr'], helpGroup: 'PULL REQUEST' }),
    'pr-per-component': Flags.boolean({ description: 'One pull request per component, on BRANCH/NAME.', dependsOn: ['pr'], helpGroup: 'PULL REQUEST' }),
  };

  async run() {
    const { argv, flags } = await this.parse(Pull);
    const names = flags.all ? [] : (argv as string[]).filter(Boolean);
    if (flags.pr) return this.updatePullRequest(names, flags);
    const strategy: Strategy | null = strategies.find((s) => flags[s]) ?? null;
    return this.withEngine({ mutate: true, concurrency: flags.concurrency }, async (ctx, root) => {
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
      if (this.actions.enabled && !flags['dry-run']) {
        const manifest = await ctx.manifest.read().catch(() => null);
        const lineOf = (name: string) => manifest?.components.find((c) => c.name === name)?.line;
        for (const c of result.plan.components) {
          if (c.conflicts.length > 0) {
            this.actions.annotate('error', `${c.name}: the merge left conflicts in ${c.conflicts.map((x) => x.file).join(', ')}. Run 'forge sync resolve ${c.name}'.`, this.annotationAt(root, lineOf(c.name), 'forge sync pull'));
          } else if (c.action === 'blocked') {
            this.actions.annotate('error', `${c.name} was not updated: ${c.note ?? 'it has local changes'}. Run 'forge sync pull ${c.name} --merge' (or --stash, --rebase, --overwrite).`, this.annotationAt(root, lineOf(c.name), 'forge sync pull'));
          }
        }
        const changed = result.plan.components.filter((c) => c.action !== 'no-op' && c.action !== 'blocked').map((c) => c.name);
        this.actionsOutput({ changed, updated: changed.length, conflict: result.conflicted.length, blocked: result.blocked.length });
      }
      if (workLeft) {
        this.exitWithWorkLeft(json);
      }
      return json;
    });
  }

  private async updatePullRequest(names: string[], flags: { concurrency: number; 'pr-branch'?: string | undefined; 'pr-per-component': boolean }) {
    return this.withEngine({ mutate: true, concurrency: flags.concurrency, consumerRepo: true }, async (ctx, root) => {
      const result = await updatePullRequests(ctx, {
        names,
        branch: flags['pr-branch'] ?? DEFAULT_UPDATE_BRANCH,
        perComponent: flags['pr-per-component'],
        ...(this.actions.enabled ? { fallbackIdentity: ACTIONS_BOT } : {}),
      });
      const json = updateJson(result);
      if (!this.json) this.printUpdate(result);
      for (const n of result.needsPerson) {
        this.actions.annotate('error', `${n.name} needs a person: ${n.message} Run locally: ${n.command}`, this.annotationAt(root, n.line ?? undefined, 'forge sync pull --pr'));
      }
      const main = result.pullRequests.find((p) => p.operation !== 'closed') ?? result.pullRequests[0];
      this.actionsOutput({
        changed: result.updates.map((u) => u.name),
        updated: result.updates.length,
        'needs-person': result.needsPerson.length,
        'needs-person-components': result.needsPerson.map((n) => n.name),
        'pr-url': main?.url ?? '',
        'pr-number': main?.number ?? '',
        'pr-operation': main?.operation ?? 'none',
        'pull-requests': result.pullRequests.map((p) => ({ branch: p.branch, number: p.number, url: p.url, operation: p.operation, components: p.components })),
      });
      this.actionsSummary(updateSummary(result));
      if (result.needsPerson.length > 0) this.exitWithWorkLeft(json);
      return json;
    });
  }

  private printUpdate(result: UpdatePrResult): void {
    if (!this.quiet || result.needsPerson.length > 0) printPlan(this, result.plan, { dryRun: false });
    for (const pr of result.pullRequests) {
      const what = pr.operation === 'created' ? 'Opened' : pr.operation === 'updated' ? 'Updated' : pr.operation === 'closed' ? 'Closed' : 'Unchanged:';
      if (pr.pushed) this.note(`${this.c('green', '✓')} Pushed ${pr.branch} (${pr.commit!.slice(0, 7)}) to ${result.repository}`);
      this.note(`${this.c('green', '✓')} ${what} pull request #${pr.number}${pr.operation === 'closed' ? ' (nothing left to update)' : ''}: ${pr.url}`);
    }
    if (result.pullRequests.length === 0 && result.updates.length === 0 && result.needsPerson.length === 0) this.note('Already up to date: no pull request needed.');
    for (const n of result.needsPerson) {
      this.say(`${this.c('red', '✗')} ${n.name} needs a person: ${n.message}`);
      this.say(`  Run locally: ${n.command}`);
    }
  }

  /** file and line for an annotation on forge.yaml, relative to the checkout as GitHub wants them. */
  private annotationAt(root: string, line: number | undefined, title: string) {
    return { file: this.workspacePath(root, 'forge.yaml'), ...(line !== undefined ? { line } : {}), title };
  }
}

function updateJson(result: UpdatePrResult) {
  const { plan: _plan, ...rest } = result;
  return { ...rest, plan: planJson(result.plan) };
}
