// applyPlan(): turns a pull plan (or add's, or remove's) into one transaction
// (transaction.ts): every folder, forge.yaml and the lock written together, with the undo
// steps, stashes and conflicts it records.

import type { EngineContext } from './engine-context.js';
import type { LockEntry, Lockfile } from '../core/model.js';
import type { ConflictSet, HistoryEntry, StateChange } from '../core/ports.js';
import type { ComponentPlan, PullPlan } from './pull-plan.js';
import { commitTransaction, keepBlobs, newId, prepareFolder, type PreparedFolder } from './transaction.js';
import { sameShape, shapeOf } from '../core/file-filter.js';

export interface ApplyResult {
  plan: PullPlan;
  written: boolean;
  /** Components left with conflicts. */
  conflicted: string[];
  /** Components left as they were because of local changes (nothing written for them). */
  blocked: string[];
}

export interface ApplyOptions {
  /** The history operation name, when not implied by the plan action (e.g. 'add', 'remove'). */
  op?: HistoryEntry['op'];
  /** forge.yaml's text after the operation (add, remove), written in the same transaction. */
  manifest?: { before: string | null; after: string; component: string };
  /** Removals leave the files where they are (forge remove --keep-files). */
  keepFiles?: boolean;
  /** Stopped --rebase steps, per component, kept with its conflicts. */
  rebaseStops?: Map<string, NonNullable<ConflictSet['rebase']>>;
}

const REACHES_TARGET = new Set<ComponentPlan['action']>(['install', 'fast-forward', 'overwrite', 'stash']);

const actionOp: Partial<Record<ComponentPlan['action'], HistoryEntry['op']>> = {
  install: 'pull',
  'fast-forward': 'pull',
  merge: 'merge',
  conflict: 'merge',
  overwrite: 'overwrite',
  stash: 'stash',
  rebase: 'rebase',
  remove: 'remove',
};

export async function applyPlan(ctx: EngineContext, plan: PullPlan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const blocked = plan.components.filter((c) => c.action === 'blocked').map((c) => c.name);
  const active = plan.components.filter((c) => c.action !== 'no-op' && c.action !== 'blocked');
  const at = ctx.clock.now().toISOString();
  const operation = newId(ctx, options.op ?? 'pull');
  const prepared: { plan: ComponentPlan; folder: PreparedFolder }[] = [];
  for (const c of active) {
    await keepBlobs(ctx, c.conflictBlobs);
    const folder = await prepareFolder(ctx, {
      name: c.name,
      dest: c.dest,
      current: c.local,
      shape: c.shape,
      changes: c.action === 'remove' ? (options.keepFiles ? [] : 'remove') : c.changes,
      ...(c.source ? { source: c.source } : {}),
      backupAll: c.action === 'stash',
      // These reach the upstream tree exactly: its file list is known, nothing to hash again.
      ...(c.target && REACHES_TARGET.has(c.action) ? { result: { tree: c.target.tree, files: c.target.files } } : {}),
    });
    prepared.push({ plan: c, folder });
  }

  const state: StateChange[] = [];
  for (const { plan: c, folder } of prepared) {
    const entry: HistoryEntry = {
      id: newId(ctx, c.name),
      component: c.name,
      op: options.op ?? actionOp[c.action] ?? 'pull',
      at,
      summary: summarize(c),
      before: { lock: c.from, tree: folder.before },
      after: { lock: c.to, tree: folder.after },
      operation,
    };
    if (options.manifest && options.manifest.component === c.name) entry.manifest = { before: options.manifest.before, after: options.manifest.after };
    if (c.action === 'stash' && c.from) {
      const stash = { id: newId(ctx, c.name), component: c.name, at, base: c.from, tree: folder.before };
      entry.stash = stash.id;
      state.push({ kind: 'stash', entry: stash });
    }
    if (c.conflicts.length > 0) {
      const stop = options.rebaseStops?.get(c.name);
      const set: ConflictSet = { component: c.name, operation: stop ? 'rebase' : 'merge', at, target: c.to, records: c.conflicts };
      // A pull that changed include/exclude left conflicts on files of both sets: resolve works on both.
      if (!c.to || !sameShape(c.shape, shapeOf(c.to))) set.shape = c.shape;
      if (stop) set.rebase = stop;
      state.push({ kind: 'conflicts', component: c.name, set });
    }
    state.push({ kind: 'history', entry });
  }
  const result = await commitTransaction(ctx, {
    id: operation,
    operation: options.op ?? 'pull',
    folders: prepared.map((p) => p.folder),
    lock: plan.lock,
    ...(options.manifest ? { manifest: options.manifest.after } : {}),
    trees: prepared.flatMap((p) => (p.plan.target ? [p.plan.target] : [])),
    state,
  });
  const conflicted = prepared.filter((p) => p.plan.conflicts.length > 0).map((p) => p.plan.name);
  return { plan, written: prepared.length > 0 || result.lockWritten, conflicted, blocked };
}

/** At most this many file names in a history summary: the log is for people, the state must stay small. */
const SUMMARY_FILES = 5;
function fileList(files: readonly string[]): string {
  return files.length <= SUMMARY_FILES ? files.join(', ') : `${files.slice(0, SUMMARY_FILES).join(', ')} and ${files.length - SUMMARY_FILES} more`;
}

export function summarize(c: ComponentPlan): string {
  const from = c.from ? (c.from.version ?? c.from.commit.slice(0, 7)) : null;
  const to = c.to ? (c.to.version ?? c.to.commit.slice(0, 7)) : null;
  const move = from && to && from !== to ? `${from} → ${to}` : to ? `${to}` : `${from ?? ''}`;
  switch (c.action) {
    case 'install':
      return `installed ${to}`;
    case 'fast-forward':
      return `updated ${move}`;
    case 'merge':
      return `merged upstream ${move}${c.merged.length ? ` (auto-merged: ${fileList(c.merged)})` : ''}`;
    case 'conflict':
      return `merged upstream ${move} with ${c.conflicts.length} conflict(s): ${fileList(c.conflicts.map((x) => x.file))}`;
    case 'rebase':
      return `rebased local changes onto ${to}`;
    case 'overwrite':
      return `overwrote ${c.localChanges.length} local change(s) with upstream ${move}`;
    case 'stash':
      return `stashed ${c.localChanges.length} local change(s), updated ${move}`;
    case 'remove':
      return `removed${c.note ? ` (${c.note})` : ''}`;
    default:
      return c.action;
  }
}

export function withEntry(lock: Lockfile, name: string, entry: LockEntry | null): Lockfile {
  const components = { ...lock.components };
  if (entry) components[name] = entry;
  else delete components[name];
  return { lockfileVersion: 1, components };
}
