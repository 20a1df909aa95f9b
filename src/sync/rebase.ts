// forge sync pull --rebase: local changes replayed onto upstream as patches,
// one per consumer-repository commit that touched the folder since it was
// last synced, then the uncommitted changes. Each patch is a three-way step
// (base: the state before the patch, local: after it, upstream: what has been
// built so far). A conflicting step stops the rebase; `forge sync resolve`
// continues it and `--abort` puts everything back.

import { ForgeError } from '../errors.js';
import { applyPlan, type ApplyResult } from './apply.js';
import type { EngineContext } from './engine-context.js';
import { EMPTY_TREE, type FileEntry, type LockEntry, type Oid } from '../core/model.js';
import type { ConflictSet, FileChange, RebaseStep } from '../core/ports.js';
import { mergeSnapshots, type ComponentPlan, type PullPlan } from './pull-plan.js';
import { repositoryUrl } from '../core/repository.js';
import { byPath } from './snapshot.js';
import { backupFiles, filesAfter, filesOf } from './transaction.js';
import { comparePaths } from '../core/paths.js';

type FileMap = Map<string, { mode: FileEntry['mode']; content: Uint8Array } | null>;

async function putFiles(ctx: EngineContext, files: FileMap): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for (const [path, f] of [...files].sort(([a], [b]) => comparePaths(a, b))) {
    if (f === null) continue; // absent at that commit
    out.push({ path, mode: f.mode, oid: await ctx.blobs.put(f.content) });
  }
  return out;
}

/** The patches to replay for one component, oldest first; blobs stored in the BlobStore. */
async function rebaseSteps(ctx: EngineContext, c: ComponentPlan, since: string): Promise<RebaseStep[]> {
  const steps: RebaseStep[] = [];
  const commits = ctx.worktree.commitsTouching ? await ctx.worktree.commitsTouching(c.dest, since, c.shape) : [];
  let last: FileEntry[] | null = null;
  const locked = await lockedFiles(ctx, c.from!);
  for (const commit of commits) {
    let base = await putFiles(ctx, commit.parentFiles);
    const local = await putFiles(ctx, commit.files);
    // A commit of forge's own files (the user committing an install or pull) is no local change;
    // one that created the folder starts from the locked files, not from nothing (else add/add clashes).
    if (sameFiles(local, locked)) {
      last = local;
      continue;
    }
    if (base.length === 0) base = locked;
    steps.push({ label: `commit ${commit.oid.slice(0, 7)} ${commit.message.split('\n')[0] ?? ''}`.trim(), base: await ctx.trees.putFiles(base), local: await ctx.trees.putFiles(local) });
    last = local;
  }
  // Uncommitted changes: from the last commit's files (or the locked tree) to the folder.
  // The scan's blob ids are the blob store's keys, so backing the folder up is all it takes.
  await backupFiles(ctx, c.dest, c.local.files, c.shape);
  const working = c.local.files;
  const from = last ?? locked;
  if (!sameFiles(from, working)) steps.push({ label: 'uncommitted changes', base: await ctx.trees.putFiles(from), local: await ctx.trees.putFiles(working) });
  return steps;
}

async function lockedFiles(ctx: EngineContext, entry: LockEntry): Promise<FileEntry[]> {
  const snapshot = await ctx.trees.get(entry.tree);
  if (!snapshot) throw new ForgeError('E_INTERNAL', `The file list of ${entry.name}'s locked tree is missing.`, { hint: 'Run the pull again.' });
  await storeUpstreamBlobs(ctx, entry.repository, snapshot.files);
  return snapshot.files;
}

/** Copies upstream files from the git cache into the blob store, so every rebase step reads one place. */
async function storeUpstreamBlobs(ctx: EngineContext, repository: string, files: readonly FileEntry[]): Promise<void> {
  const git = ctx.git();
  const url = repositoryUrl(repository);
  const batch = git.readBlobs ? await git.readBlobs(url, files.map((f) => f.oid)) : new Map<string, Uint8Array>();
  for (const f of files) await ctx.blobs.put(batch.get(f.oid) ?? (await git.readBlob(url, f.oid)));
}

function sameFiles(a: readonly FileEntry[], b: readonly FileEntry[]): boolean {
  if (a.length !== b.length) return false;
  const map = byPath(a);
  return b.every((f) => map.get(f.path)?.oid === f.oid && map.get(f.path)?.mode === f.mode);
}

export interface ReplayOutcome {
  files: FileEntry[];
  changes: FileChange[];
  merged: string[];
  conflicts: ComponentPlan['conflicts'];
  stoppedAt: string | null;
  remaining: RebaseStep[];
  /** The contents the conflict records name, by blob id. */
  blobs: Map<Oid, Uint8Array>;
}

/** Replays steps onto `onto` (blobs in the BlobStore); stops at the first conflicting step. */
export async function replay(ctx: EngineContext, onto: FileEntry[], steps: RebaseStep[], current: FileEntry[]): Promise<ReplayOutcome> {
  const read = (e: FileEntry) => ctx.blobs.get(e.oid);
  let built = onto;
  const merged = new Set<string>();
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const stepBase = await filesOf(ctx, step.base, `rebase step '${step.label}'`);
    const stepLocal = await filesOf(ctx, step.local, `rebase step '${step.label}'`);
    const result = await mergeSnapshots({ base: stepBase, local: stepLocal, upstream: built, readBase: read, readLocal: read, readUpstream: read });
    // mergeSnapshots describes changes relative to the local side; rebuild the full result.
    const resultFiles = filesAfter(stepLocal, result.changes);
    for (const change of result.changes) if (change.action === 'write') await ctx.blobs.put(change.content);
    result.merged.forEach((m) => merged.add(m));
    built = resultFiles;
    if (result.conflicts.length > 0) {
      return { files: built, changes: await toChanges(ctx, current, built), merged: [...merged], conflicts: result.conflicts, stoppedAt: step.label, remaining: steps.slice(i + 1), blobs: result.blobs };
    }
  }
  return { files: built, changes: await toChanges(ctx, current, built), merged: [...merged], conflicts: [], stoppedAt: null, remaining: [], blobs: new Map() };
}

async function toChanges(ctx: EngineContext, current: readonly FileEntry[], target: readonly FileEntry[]): Promise<FileChange[]> {
  const have = byPath(current);
  const want = byPath(target);
  const out: FileChange[] = [];
  for (const f of current) if (!want.has(f.path)) out.push({ action: 'delete', path: f.path });
  for (const f of target) {
    const h = have.get(f.path);
    if (h && h.oid === f.oid && h.mode === f.mode) continue;
    out.push({ action: 'write', path: f.path, mode: f.mode, content: await ctx.blobs.get(f.oid) });
  }
  return out;
}

/** Replaces the merge results of rebasing components in the plan with a commit-by-commit replay, then applies. */
export async function rebaseComponents(ctx: EngineContext, plan: PullPlan): Promise<ApplyResult> {
  const stops = new Map<string, NonNullable<ConflictSet['rebase']>>();
  const components: ComponentPlan[] = [];
  for (const c of plan.components) {
    if ((c.action !== 'rebase' && c.action !== 'conflict') || !c.from || !c.target) {
      components.push(c);
      continue;
    }
    const since = await lastSyncTime(ctx, c.name, c.from);
    const steps = await rebaseSteps(ctx, c, since);
    await storeUpstreamBlobs(ctx, c.to!.repository, c.target.files);
    const outcome = await replay(ctx, c.target.files, steps, c.local.files);
    components.push({
      ...c,
      action: outcome.conflicts.length ? 'conflict' : 'rebase',
      changes: outcome.changes,
      merged: outcome.merged,
      conflicts: outcome.conflicts,
      conflictBlobs: outcome.blobs,
      note: outcome.stoppedAt ? `rebase stopped at ${outcome.stoppedAt}` : `replayed ${steps.length} step(s)`,
    });
    if (outcome.stoppedAt) {
      stops.set(c.name, { stoppedAt: outcome.stoppedAt, remaining: outcome.remaining, before: { lock: c.from, tree: c.local.files.length ? c.local.tree : EMPTY_TREE } });
    }
  }
  const rebased: PullPlan = { ...plan, components };
  return applyPlan(ctx, rebased, { op: 'rebase', rebaseStops: stops });
}

/** When the component was last synced: its newest pull-like history entry, else the lock's resolvedAt. */
async function lastSyncTime(ctx: EngineContext, name: string, entry: LockEntry): Promise<string> {
  const history = await ctx.state.history(name);
  const syncs = history.filter((h) => !h.undone && ['add', 'pull', 'merge', 'rebase', 'overwrite', 'stash', 'resolve'].includes(h.op));
  const newest = syncs.map((h) => h.at).sort().pop();
  // Git commit times have one-second resolution: a commit made in the same second as the sync
  // counts as after it (a commit of forge's own files is skipped when replaying anyway).
  const at = Date.parse(newest ?? entry.resolvedAt);
  return new Date(Math.floor(at / 1000) * 1000 - 1).toISOString();
}

