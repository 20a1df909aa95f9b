// How a pull plan or its result reads in the terminal and in --json.

import { changedPaths, type PullPlan, type ComponentPlan } from '../sync/pull-plan.js';
import { short } from './render.js';

interface Printer {
  log(line?: string): void;
}

function label(entry: ComponentPlan['from']): string {
  if (!entry) return '(none)';
  return entry.version ? `${entry.version} (${short(entry.commit)})` : short(entry.commit);
}

export function printPlan(out: Printer, plan: PullPlan, options: { dryRun: boolean; verb?: string }): void {
  const prefix = options.dryRun ? 'Would ' : '';
  for (const c of plan.components) {
    const files = `${changedPaths(c).length} file(s)`;
    switch (c.action) {
      case 'no-op':
        if (c.note) out.log(`${c.name}: ${c.note}`);
        break;
      case 'install':
        out.log(`${options.dryRun ? 'Would install' : 'Installed'} ${c.name} ${label(c.to)} into ${c.dest} (${files})`);
        break;
      case 'fast-forward':
        out.log(`${options.dryRun ? 'Would update' : 'Updating'} ${c.name}: ${label(c.from)} → ${label(c.to)} (${files})`);
        break;
      case 'overwrite':
        out.log(`${prefix}${options.dryRun ? 'overwrite' : 'Overwrote'} ${c.localChanges.length} local change(s) in ${c.name}: ${label(c.from)} → ${label(c.to)}${options.dryRun ? '' : " (kept for 'forge sync undo')"}`);
        break;
      case 'stash':
        out.log(`${options.dryRun ? 'Would stash' : 'Stashed'} ${c.localChanges.length} local change(s) of ${c.name}, ${options.dryRun ? 'then update' : 'updated'} ${label(c.from)} → ${label(c.to)}`);
        break;
      case 'merge':
      case 'rebase':
      case 'conflict':
        {
          const rebasing = c.action === 'rebase' || plan.strategy === 'rebase';
          out.log(`${options.dryRun ? `Would ${rebasing ? 'rebase' : 'merge'}` : rebasing ? (c.action === 'rebase' ? 'Rebased' : 'Rebasing') : 'Merging'} ${c.name}: ${label(c.from)} → ${label(c.to)}`);
          // A stopped rebase says at which step (the consumer commit, or the uncommitted changes).
          if (rebasing && c.note && c.conflicts.length && !options.dryRun) out.log(`The ${c.note}`);
        }
        if (c.merged.length) out.log(`Auto-merge successful for: ${c.merged.join(', ')}`);
        for (const x of c.conflicts) out.log(`Conflict (${x.type}) in: ${x.file}`);
        if (c.conflicts.length && !options.dryRun) out.log(`Run 'forge sync resolve ${c.name}' to resolve conflicts`);
        break;
      case 'remove':
        out.log(`${options.dryRun ? 'Would remove' : 'Removed'} ${c.name} (${c.dest}): ${c.note ?? ''}`);
        break;
      case 'blocked':
        break;
    }
  }
}

/** Where a changed file of a component is here (a single-file component is its dest). */
function where(c: ComponentPlan, path: string): string {
  return c.shape.kind === 'file' ? c.dest : `${c.dest}/${path}`;
}

export function printBlocked(out: Printer, plan: PullPlan): void {
  for (const c of plan.components.filter((x) => x.action === 'blocked')) {
    if (c.note?.startsWith('waits for')) {
      out.log(`${c.name}: not updated; it ${c.note}`);
      continue;
    }
    if (c.note && c.localChanges.length === 0) {
      out.log(`${c.name}: not updated: ${c.note}`);
      continue;
    }
    if (c.note?.startsWith('no longer needed')) {
      out.log(`Warning: Component '${c.name}' is no longer needed, but it has local changes; it is left as it is:`);
      for (const change of c.localChanges) out.log(`  ${change.kind}: ${where(c, change.path)}`);
      out.log('Options:');
      out.log(`  1. Keep it: put '${c.name}' back in forge.yaml`);
      out.log(`  2. Remove it anyway (kept for 'forge sync undo ${c.name}'): forge sync pull --overwrite`);
      continue;
    }
    out.log(`Warning: Component '${c.name}' has local changes${c.note ? ` (${c.note})` : ''}; it is left as it is:`);
    for (const change of c.localChanges) out.log(`  ${change.kind}: ${where(c, change.path)}`);
    out.log('Options:');
    out.log(`  1. Stash changes and pull: forge sync pull ${c.name} --stash`);
    out.log(`  2. Merge with upstream: forge sync pull ${c.name} --merge`);
    out.log(`  3. Rebase on upstream: forge sync pull ${c.name} --rebase`);
    out.log(`  4. Overwrite local changes: forge sync pull ${c.name} --overwrite`);
  }
}

export function planJson(plan: PullPlan) {
  return {
    strategy: plan.strategy,
    fetched: plan.fetched,
    components: plan.components.map((c) => ({
      name: c.name,
      action: c.action,
      dest: c.dest,
      from: c.from ? { version: c.from.version ?? null, commit: c.from.commit } : null,
      // A single-file component is known by its blob (and mode), as the lock records it.
      to: c.to ? { version: c.to.version ?? null, commit: c.to.commit, ...(c.to.blob !== undefined ? { blob: c.to.blob, mode: c.to.mode } : { tree: c.to.tree }) } : null,
      localChanges: c.localChanges.map((x) => x.path),
      changes: changedPaths(c),
      merged: c.merged,
      conflicts: c.conflicts.map((x) => ({ type: x.type, file: x.file, message: x.message })),
      ...(c.note ? { note: c.note } : {}),
    })),
  };
}
