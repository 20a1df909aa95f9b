// planPull(): decides, for every component, what a pull would do, and computes
// every byte it would write, without writing anything. applyPlan() (apply.ts)
// is the only writer; `--dry-run` prints this plan and stops.

import PQueue from 'p-queue';
import semver from 'semver';
import { ForgeError } from '../errors.js';
import { isBinaryContent, mergeFile, type FileSide } from '../merge/index.js';
import { parseComponentManifest } from '../resolve/index.js';
import type { EngineContext } from './engine-context.js';
import { EMPTY_TREE, type ComponentShape, type ConflictRecord, type FileEntry, type LockEntry, type Lockfile, type Manifest, type Oid, type Snapshot } from '../core/model.js';
import type { FileChange, FolderSource, UpstreamSnapshot } from '../core/ports.js';
import { describeFilter, filterOf, sameFilter, shapeOf, snapshotOptionsOf, unionShapes } from '../core/file-filter.js';
import { RemoteView, checkTarget, ensure, lockMatchesSpec, resolveGraph, type ResolvedComponent, type ResolveOptions } from './resolution.js';
import { repositoryId, repositoryUrl } from '../core/repository.js';
import { byPath, changesToReach, diffSnapshots, type PathChange } from './snapshot.js';
import { blobId } from '../core/blob-id.js';
import { readLocalFile } from './local-files.js';

export { readLocalFile };

export type Strategy = 'merge' | 'rebase' | 'overwrite' | 'stash';

export type PlanAction =
  | 'no-op'
  | 'install'
  | 'fast-forward'
  | 'blocked'
  | 'merge'
  | 'conflict'
  | 'overwrite'
  | 'stash'
  | 'rebase'
  | 'remove';

export interface ComponentPlan {
  name: string;
  dest: string;
  action: PlanAction;
  from: LockEntry | null;
  /** The lock entry after the pull; null when the component is removed. */
  to: LockEntry | null;
  /** Local edits against the locked tree. */
  localChanges: PathChange[];
  /** What the pull changes in the folder. */
  changes: FileChange[];
  /** Files auto-merged cleanly (merge/rebase). */
  merged: string[];
  conflicts: ConflictRecord[];
  /** The contents the conflict records name, by blob id (kept in the blob store when the plan is applied). */
  conflictBlobs: Map<Oid, Uint8Array>;
  /** The folder before (for backups and undo), scanned with `shape`. */
  local: Snapshot;
  /**
   * Which files at `dest` the pull reads and writes: the component's before and after (a folder whose
   * include/exclude changed covers both sets, so files leaving the set are compared like any other).
   */
  shape: ComponentShape;
  /** Upstream tree at the target. */
  target: Snapshot | null;
  /** Stash: the local files set aside. */
  stash?: FileEntry[];
  /** An install into an empty folder written whole from the git cache (then `changes` is empty). */
  source?: FolderSource;
  /** Why a component was skipped or removed, for the user. */
  note?: string;
}

/** What the plan does to each path of the folder (an install from a source writes every file). */
export function changedPaths(c: ComponentPlan): { action: FileChange['action']; path: string }[] {
  if (c.source) return c.source.files.files.map((f) => ({ action: 'write' as const, path: f.path }));
  return c.changes.map((x) => ({ action: x.action, path: x.path }));
}

export interface PullPlan {
  components: ComponentPlan[];
  lock: Lockfile;
  strategy: Strategy | null;
  /** Repositories that were fetched during planning (incremental sync proof). */
  fetched: string[];
}

export interface PullOptions {
  /** Local names to pull; empty = all. */
  names: string[];
  strategy: Strategy | null;
  to?: string;
  /** forge.yaml as it will be (lets `forge add` plan before writing forge.yaml). */
  manifest?: Manifest;
  /** Only these names may be unlocked (add: the new one); default: the names pulled. */
  unlock?: Set<string> | 'all';
  /**
   * Let the resolution move a locked component to a lower version when the graph demands it
   * (forge add of a component whose dependencies only an older version accepts; the plan shows
   * it). A pull never does: a move down there is refused unless --to asks for it.
   */
  allowDowngrade?: boolean;
  /**
   * Components to keep at their lock entry whatever upstream has (the update pull request leaves
   * out those that would conflict); everything else still moves, as with local changes that block.
   */
  hold?: ReadonlySet<string>;
}

export async function planPull(ctx: EngineContext, options: PullOptions): Promise<PullPlan> {
  const manifest = options.manifest ?? (await ctx.manifest.read());
  const lock = await ctx.lock.read();
  const known = new Set([...manifest.components.map((c) => c.name), ...Object.keys(lock.components)]);
  for (const name of options.names) {
    if (!known.has(name)) {
      throw new ForgeError('E_UNKNOWN_COMPONENT', `No component named '${name}' in forge.yaml.`, {
        hint: known.size ? `Known components: ${[...known].sort().join(', ')}.` : "Add one with 'forge add'.",
      });
    }
  }
  if (options.to !== undefined && options.names.length !== 1) {
    throw new ForgeError('E_USAGE', '--to needs exactly one component name.', { hint: 'forge sync pull NAME --to VERSION' });
  }
  const conflicts = await ctx.state.conflicts();
  const blockedByConflict = conflicts.filter((c) => options.names.length === 0 || options.names.includes(c.component));
  if (blockedByConflict.length > 0) {
    const names = blockedByConflict.map((c) => c.component).join(', ');
    throw new ForgeError('E_CONFLICTS', `Unresolved conflicts in ${names}; pull would overwrite them.`, {
      hint: `Run 'forge sync resolve ${blockedByConflict[0]!.component}' (or --abort) first.`,
    });
  }

  const view = new RemoteView(ctx);
  const unlock: ResolveOptions['unlock'] = options.unlock ?? (options.names.length === 0 ? 'all' : new Set(options.names));
  const to = options.to !== undefined ? { name: options.names[0]!, target: await checkTarget(view, manifest, lock, options.names[0]!, options.to) } : undefined;
  const resolve = (hold?: Set<string>) => resolveGraph(ctx, view, manifest, lock, { unlock, ...(to ? { to } : {}), ...(hold ? { hold } : {}) });
  let resolution = await resolve();
  let selected = selection(options, manifest, lock, resolution);

  // Without a strategy, a component with local changes cannot move. Hold those where they are and
  // resolve again, so everything else still moves; if the others cannot move without them, nothing does.
  const held = options.strategy === null ? await dirtyMovers(ctx, lock, resolution, selected) : new Set<string>();
  for (const name of options.hold ?? []) if (lock.components[name]) held.add(name);
  let stuck = false;
  if (held.size > 0) {
    const again = await resolve(held);
    stuck = again.components.some((c) => held.has(c.name) && moved(lock.components[c.name], c));
    if (!stuck) {
      resolution = again;
      selected = selection(options, manifest, lock, resolution);
    }
  }
  if (!options.allowDowngrade) guardDowngrades(manifest, lock, resolution, to?.name);

  const now = isoSeconds(ctx.clock.now());
  const fetchedRepos = new Set<string>();
  const reporter = ctx.reporter;
  ctx.reporter = {
    emit: (e) => {
      if (e.type === 'fetched' && e.fetched) fetchedRepos.add(e.repository);
      reporter.emit(e);
    },
  };

  try {
    // Fetch what moved, one call per repository, repositories in parallel.
    const byRepo = new Map<string, { repository: string; wants: { commit: string; ref?: string }[] }>();
    for (const c of resolution.components) {
      if (selected && !selected.has(c.name)) continue;
      if (held.has(c.name) || stuck) continue;
      const old = lock.components[c.name];
      if (!moved(old, c)) continue; // not moved: nothing to fetch
      const group = byRepo.get(repositoryId(c.repository)) ?? { repository: c.repository, wants: [] };
      group.wants.push({ commit: c.commit, ...(c.ref ? { ref: c.ref } : {}) });
      if (old && old.commit !== c.commit && options.strategy) group.wants.push({ commit: old.commit, ...(old.ref ? { ref: old.ref } : {}) });
      byRepo.set(repositoryId(c.repository), group);
    }
    const queue = new PQueue({ concurrency: Math.max(1, ctx.concurrency) });
    await Promise.all([...byRepo.values()].map((g) => queue.add(() => ensure(ctx, g.repository, g.wants))));

    const plans = await Promise.all(
      resolution.components.map((c) => {
        const old = lock.components[c.name] ?? null;
        const isSelected = selected === null || selected.has(c.name);
        if (isSelected && (held.has(c.name) || (stuck && moved(old ?? undefined, c)))) return queue.add(() => planBlocked(ctx, c, old, held.has(c.name) ? undefined : `waits for ${[...held].join(', ')}`));
        return queue.add(() => planComponent(ctx, c, old, isSelected, options.strategy, now));
      }),
    );

    // A new component that cannot be installed (its folder holds other files) leaves nothing to build on.
    if (plans.some((p) => p.action === 'blocked' && p.from === null)) stuck = true;
    const nextLock: Lockfile = { lockfileVersion: 1, components: {} };
    for (const p of plans) if (p.to) nextLock.components[p.name] = p.to;
    // Locked components nobody needs any more (a dependency dropped upstream, or removed from forge.yaml).
    // One with local changes follows the rule of a pull: without --overwrite it stays, untouched.
    const removals: ComponentPlan[] = [];
    for (const [name, entry] of Object.entries(lock.components)) {
      if (nextLock.components[name]) continue;
      const removal = await planRemoval(ctx, entry, 'no longer needed by any component');
      if (stuck || (removal.localChanges.length > 0 && options.strategy !== 'overwrite')) {
        removal.action = 'blocked';
        removal.to = entry;
        removal.changes = [];
        removal.note = stuck ? 'no longer needed, but the pull is blocked' : 'no longer needed by any component, but it has local changes';
        nextLock.components[name] = entry;
      }
      removals.push(removal);
    }
    if (stuck) {
      // Nothing moves: the lock stays exactly as it was.
      const blockers = plans.filter((p) => p.action === 'blocked' && !p.note?.startsWith('waits')).map((p) => p.name);
      for (const p of plans) {
        if (p.action === 'blocked' || p.action === 'no-op') continue;
        Object.assign(p, { action: 'blocked', to: p.from, changes: [], merged: [], conflicts: [], target: null, note: `waits for ${blockers.join(', ')}` });
      }
      return { components: [...plans, ...removals], lock, strategy: options.strategy, fetched: [...fetchedRepos].sort() };
    }
    return { components: [...plans, ...removals], lock: nextLock, strategy: options.strategy, fetched: [...fetchedRepos].sort() };
  } finally {
    ctx.reporter = reporter;
  }
}

/** Whether the resolution takes a component somewhere else than its lock entry. */
function moved(old: LockEntry | undefined | null, c: ResolvedComponent): boolean {
  return !old || old.commit !== c.commit || old.path !== c.path || old.dest !== c.dest || !sameFilter(filterOf(old), filterOf(c));
}

/** Which components the pull works on: those named, forge.yaml changed, or forced to move, and their dependencies; null for all. */
function selection(options: PullOptions, manifest: Manifest, lock: Lockfile, resolution: { components: ResolvedComponent[] }): Set<string> | null {
  if (options.names.length === 0) return null;
  // A component whose entry in forge.yaml changed (range, ref, repository) was asked to move too.
  const changed = manifest.components.filter((s) => lock.components[s.name] && !lockMatchesSpec(s, lock.components[s.name])).map((s) => s.name);
  // The solver keeps locked versions unless no solution does: one it had to move (to satisfy a new
  // requirement) must move, or the lock contradicts itself. Branch-following components are left alone.
  const forced = resolution.components
    .filter((c) => c.version !== undefined && lock.components[c.name]?.version !== undefined && lock.components[c.name]!.commit !== c.commit)
    .map((c) => c.name);
  return closure([...options.names, ...changed, ...forced], resolution.components);
}

/** Selected components the resolution moves whose folder has local changes (or holds files forge did not install). */
async function dirtyMovers(ctx: EngineContext, lock: Lockfile, resolution: { components: ResolvedComponent[] }, selected: Set<string> | null): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of resolution.components) {
    if (selected && !selected.has(c.name)) continue;
    const old = lock.components[c.name];
    // A new component's files are looked at once its kind (file or folder) is known upstream: planComponent.
    if (!old || !moved(old, c)) continue;
    const local = await ctx.worktree.scan(c.dest, movingShape(old, c));
    if (local.tree !== old.tree) out.add(c.name);
  }
  return out;
}

/** The files a locked component's pull looks at: its own, and those its new include/exclude select (a folder). */
function movingShape(old: LockEntry, c: ResolvedComponent): ComponentShape {
  const before = shapeOf(old);
  return before.kind === 'file' ? before : unionShapes(before, shapeOf(c));
}

/**
 * No pull moves a component to a lower version unless --to asks for it, or forge.yaml's own range
 * no longer allows the locked one. A ref listing that lost tags (a server that cut it short, or a
 * tag deleted upstream) therefore never reads as "update to an older version".
 */
function guardDowngrades(manifest: Manifest, lock: Lockfile, resolution: { components: ResolvedComponent[] }, to: string | undefined): void {
  for (const c of resolution.components) {
    const old = lock.components[c.name];
    if (!old?.version || !c.version || c.name === to || !semver.lt(c.version, old.version)) continue;
    const spec = manifest.components.find((s) => s.name === c.name);
    if (spec?.selector.kind === 'version' && !semver.satisfies(old.version, spec.selector.range)) continue;
    throw new ForgeError('E_DOWNGRADE', `The pull would move ${c.name} from ${old.version} down to ${c.version}; forge never moves a component to a lower version on its own.`, {
      hint: `If ${c.version} is what you want, run 'forge sync pull ${c.name} --to ${c.version}'; 'forge verify ${c.name}' checks what upstream has.`,
      data: { component: c.name, from: old.version, to: c.version },
    });
  }
}

/** A component left as it is because its local changes (or foreign files in its folder) block the pull. */
async function planBlocked(ctx: EngineContext, c: ResolvedComponent, old: LockEntry | null, note?: string): Promise<ComponentPlan> {
  // A new component waiting for others: its kind upstream is not read, and nothing here is touched.
  const shape = old ? movingShape(old, c) : shapeOf(c);
  const local = old ? await ctx.worktree.scan(c.dest, shape) : { tree: EMPTY_TREE, files: [] };
  const base = old ? await ctx.trees.get(old.tree) : null;
  const localChanges = old && local.tree === old.tree ? [] : base ? diffSnapshots(base, local) : diffSnapshots([], local);
  return {
    name: c.name,
    dest: c.dest,
    action: 'blocked',
    from: old,
    to: old,
    localChanges,
    changes: [],
    merged: [],
    conflicts: [],
    conflictBlobs: new Map(),
    local,
    shape,
    target: null,
    ...(note ? { note } : {}),
  };
}

/** The components named and everything they depend on. */
function closure(names: string[], components: ResolvedComponent[]): Set<string> {
  const byName = new Map(components.map((c) => [c.name, c]));
  const out = new Set<string>();
  const visit = (name: string) => {
    if (out.has(name)) return;
    out.add(name);
    for (const dep of byName.get(name)?.dependencies ?? []) visit(dep);
  };
  names.forEach(visit);
  return out;
}

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function planRemoval(ctx: EngineContext, entry: LockEntry, note: string): Promise<ComponentPlan> {
  const shape = shapeOf(entry);
  const local = await ctx.worktree.scan(entry.dest, shape);
  // Without the locked file list (a fresh clone), a folder that differs counts as changed throughout.
  const base = local.tree === entry.tree ? null : await ctx.trees.get(entry.tree);
  const localChanges = local.tree === entry.tree ? [] : base ? diffSnapshots(base, local) : diffSnapshots([], local);
  return {
    name: entry.name,
    dest: entry.dest,
    action: 'remove',
    from: entry,
    to: null,
    localChanges,
    changes: local.files.map((f) => ({ action: 'delete' as const, path: f.path })),
    merged: [],
    conflicts: [],
    conflictBlobs: new Map(),
    local,
    shape,
    target: null,
    note,
  };
}

async function planComponent(
  ctx: EngineContext,
  c: ResolvedComponent,
  old: LockEntry | null,
  selected: boolean,
  strategy: Strategy | null,
  now: string,
): Promise<ComponentPlan> {
  const git = ctx.git();
  /** The lock entry at `c`'s commit: the tree of its files, and for a single file its blob and mode. */
  const entryFor = (found: { tree: string; file?: { oid: Oid; mode: FileEntry['mode'] } }, resolvedAt: string): LockEntry => ({
    name: c.name,
    repository: c.repository,
    path: c.path,
    dest: c.dest,
    ...(c.include !== undefined ? { include: c.include } : {}),
    ...(c.exclude !== undefined ? { exclude: c.exclude } : {}),
    ...(c.constraint !== undefined ? { constraint: c.constraint } : {}),
    ...(c.version !== undefined ? { version: c.version } : {}),
    ...(c.ref !== undefined ? { ref: c.ref } : {}),
    commit: c.commit,
    tree: found.tree,
    ...(found.file ? { blob: found.file.oid, mode: found.file.mode } : {}),
    resolvedAt,
    dependencies: c.dependencies,
    ...(c.requiredBy.length > 0 && !c.direct ? { requiredBy: c.requiredBy } : {}),
  });
  const unmoved = (shape: ComponentShape): ComponentPlan => ({
    name: c.name,
    dest: c.dest,
    action: 'no-op',
    from: old,
    to: old,
    localChanges: [],
    changes: [],
    merged: [],
    conflicts: [],
    conflictBlobs: new Map(),
    local: { tree: old?.tree ?? EMPTY_TREE, files: [] },
    shape,
    target: null,
  });
  if (old !== null && !moved(old, c)) {
    // Upstream has not moved: nothing to scan, read or fetch (incremental sync); the lock
    // entry only takes fresh graph facts (dependencies, requiredBy, constraint).
    return { ...unmoved(shapeOf(old)), to: entryFor({ tree: old.tree, ...(old.blob !== undefined ? { file: { oid: old.blob, mode: old.mode! } } : {}) }, old.resolvedAt) };
  }
  // Not asked for: keep the lock entry as it was, and read nothing.
  if (!selected) return unmoved(old ? shapeOf(old) : shapeOf(c));
  if (old && old.dest !== c.dest) {
    throw new ForgeError('E_USAGE', `Component '${c.name}' moved from '${old.dest}' to '${c.dest}' in forge.yaml.`, {
      hint: `Move the folder yourself (git mv ${old.dest} ${c.dest}) and update the lock with 'forge remove ${c.name} --keep-files' then 'forge add', or restore the old dest.`,
    });
  }
  // What `path` is upstream (a folder or a single file) decides how its dest here is read.
  const target: UpstreamSnapshot = await git.readSnapshot(c.url, c.commit, c.path, snapshotOptionsOf(c));
  if (target.kind === 'file' && filterOf(c)) {
    throw new ForgeError('E_MANIFEST_INVALID', `${c.path} is a single file in ${c.repository} at ${c.commit.slice(0, 12)}, but forge.yaml gives '${c.name}' include/exclude patterns (${describeFilter(filterOf(c))}), which choose files of a folder.`, {
      hint: `Remove include and exclude from '${c.name}' in forge.yaml, or point path at the folder.`,
      data: { component: c.name, path: c.path },
    });
  }
  const shape: ComponentShape = target.kind === 'file' ? { kind: 'file' } : shapeOf(c);
  if (old && shapeOf(old).kind !== shape.kind) {
    // A file that became a folder upstream (or the reverse) cannot be followed into the same dest.
    const was = shapeOf(old).kind === 'file' ? 'a single file' : 'a folder';
    const now = shape.kind === 'file' ? 'a single file' : 'a folder';
    return { ...unmoved(shapeOf(old)), action: 'blocked', note: `${c.path} was ${was} at ${old.commit.slice(0, 12)} and is ${now} at ${c.commit.slice(0, 12)}; forge remove it and add it again to follow it` };
  }
  checkUpstreamNames(c, target);
  const to = entryFor({ tree: target.tree, ...(target.kind === 'file' ? { file: target.files[0]! } : {}) }, now);
  const scanShape = old ? movingShape(old, c) : shape;
  const local = await ctx.worktree.scan(c.dest, scanShape);
  const base: Snapshot | null = old ? await lockedSnapshot(ctx, old) : null;
  const localChanges = base ? (local.tree === base.tree ? [] : diffSnapshots(base, local)) : local.files.length ? diffSnapshots([], local) : [];
  const plan: ComponentPlan = {
    name: c.name,
    dest: c.dest,
    action: 'no-op',
    from: old,
    to,
    localChanges,
    changes: [],
    merged: [],
    conflicts: [],
    conflictBlobs: new Map(),
    local,
    shape: scanShape,
    target,
  };

  const blocked = localChanges.length > 0 && (strategy === null || (!old && local.files.length > 0 && strategy !== 'overwrite'));
  if (blocked) {
    // Nothing moves for it: the lock keeps what it had.
    plan.action = 'blocked';
    plan.to = old;
    if (!old) plan.note = shape.kind === 'file' ? `${c.dest} already exists and forge did not install it` : `the folder ${c.dest} already has files forge did not install`;
    return plan;
  }
  // Into an empty folder, the upstream folder is written whole, straight from the git cache:
  // thousands of files never pass through memory (a cold pull of 24,000 files held them all).
  // Only a whole folder: a single file is one write, and a filtered folder's dest may hold files
  // outside its patterns, which a folder moved into place would replace; apply() writes those.
  const wholeFolder = (s: ComponentShape) => s.kind === 'folder' && s.filters === undefined;
  if (localChanges.length === 0 && local.files.length === 0 && target.files.length > 0 && wholeFolder(shape) && wholeFolder(scanShape) && git.exportFolders && ctx.worktree.install) {
    plan.action = old ? 'fast-forward' : 'install';
    plan.source = {
      files: target,
      path: c.path,
      group: `${repositoryId(c.repository)}@${c.commit}`,
      write: (into, paths) => git.exportFolders!(c.url, c.commit, paths, into),
    };
    return plan;
  }
  // Read the files this pull writes in one batch.
  const wanted = diffSnapshots(local, target).flatMap((d) => (d.after ? [d.after.oid] : []));
  const batch = git.readBlobs && wanted.length > 0 ? await git.readBlobs(c.url, wanted) : new Map<string, Uint8Array>();
  const readTarget = async (e: FileEntry) => batch.get(e.oid) ?? git.readBlob(c.url, e.oid);
  if (localChanges.length === 0) {
    plan.action = old ? 'fast-forward' : 'install';
    plan.changes = await changesToReach(local.files, target.files, readTarget);
    return plan;
  }
  switch (strategy) {
    case null:
      plan.action = 'blocked';
      return plan;
    case 'overwrite':
      plan.action = 'overwrite';
      plan.changes = await changesToReach(local.files, target.files, readTarget);
      return plan;
    case 'stash':
      plan.action = 'stash';
      plan.stash = local.files;
      plan.changes = await changesToReach(local.files, target.files, readTarget);
      return plan;
    case 'merge':
    case 'rebase': {
      // --rebase without consumer-repository commits is the same three-way step as --merge;
      // apply.ts replays commits first when the worktree can list them.
      const merged = await mergeSnapshots({
        base: base!,
        local,
        upstream: target,
        readBase: (e) => git.readBlob(c.url, e.oid),
        readLocal: (e) => readLocalFile(ctx, c.dest, e.path, scanShape),
        readUpstream: readTarget,
      });
      plan.changes = merged.changes;
      plan.merged = merged.merged;
      plan.conflicts = merged.conflicts;
      plan.conflictBlobs = merged.blobs;
      plan.action = merged.conflicts.length > 0 ? 'conflict' : strategy === 'rebase' ? 'rebase' : 'merge';
      return plan;
    }
  }
}

/**
 * Whatever the git adapter let through, forge installs no file whose name could climb out of the
 * component folder or write into git's own (`..`, `.git`, backslashes on systems that read them
 * as separators).
 */
function checkUpstreamNames(c: ResolvedComponent, target: Snapshot): void {
  for (const file of target.files) {
    const bad = file.path.split('/').find((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git' || s.includes('\\') || s.includes('\0'));
    if (bad === undefined) continue;
    throw new ForgeError('E_COMPONENT_INVALID', `${c.repository} ${c.path} at ${c.version ?? c.commit.slice(0, 12)} holds ${JSON.stringify(file.path)}; forge refuses names that could write outside the component or into git's own folder.`, {
      hint: 'Ask upstream to rename it; forge cannot install this version.',
      data: { component: c.name, repository: c.repository, path: file.path },
    });
  }
}

/** The file list of a locked tree: from the tree index, else read (and remembered) from the git cache. */
export async function lockedSnapshot(ctx: EngineContext, entry: LockEntry): Promise<Snapshot> {
  const known = await ctx.trees.get(entry.tree);
  if (known) return known;
  await ensure(ctx, entry.repository, [{ commit: entry.commit, ...(entry.ref ? { ref: entry.ref } : {}) }]);
  const { kind: _kind, ...snapshot } = await ctx.git().readSnapshot(repositoryUrl(entry.repository), entry.commit, entry.path, snapshotOptionsOf(entry));
  await ctx.trees.put(snapshot);
  return snapshot;
}

export interface ThreeWayInput {
  base: Snapshot | readonly FileEntry[];
  local: Snapshot | readonly FileEntry[];
  upstream: Snapshot | readonly FileEntry[];
  readBase: (e: FileEntry) => Promise<Uint8Array>;
  readLocal: (e: FileEntry) => Promise<Uint8Array>;
  readUpstream: (e: FileEntry) => Promise<Uint8Array>;
}

export interface ThreeWayResult {
  /** Changes that turn the local folder into the merge result (conflicted files with markers). */
  changes: FileChange[];
  merged: string[];
  conflicts: ConflictRecord[];
  /** The contents the conflict records name, by blob id. */
  blobs: Map<Oid, Uint8Array>;
}

/**
 * Three-way merge of two folders, file by file; component.yaml is checked against its shape.
 * A path that is a file on one side and a folder on the other is a conflict that keeps both:
 * the local side stays in the folder, the other is kept in the conflict record.
 */
export async function mergeSnapshots(input: ThreeWayInput): Promise<ThreeWayResult> {
  const files = (s: Snapshot | readonly FileEntry[]) => ('files' in s ? s.files : s);
  const base = byPath(files(input.base));
  const local = byPath(files(input.local));
  const upstream = byPath(files(input.upstream));
  const paths = [...new Set([...base.keys(), ...local.keys(), ...upstream.keys()])].sort();
  const out: ThreeWayResult = { changes: [], merged: [], conflicts: [], blobs: new Map() };
  const keep = (bytes: Uint8Array | null | undefined): Oid | null => {
    if (bytes === null || bytes === undefined) return null;
    const oid = blobId(bytes);
    out.blobs.set(oid, bytes);
    return oid;
  };
  for (const path of paths) {
    const b = base.get(path) ?? null;
    const l = local.get(path) ?? null;
    const u = upstream.get(path) ?? null;
    const same = (x: FileEntry | null, y: FileEntry | null) => (x === null ? y === null : y !== null && x.oid === y.oid && x.mode === y.mode);
    if (same(l, u)) continue; // both sides agree (or neither changed): nothing to do
    if (same(b, u)) continue; // upstream did not touch it: keep local
    if (same(b, l)) {
      // only upstream changed it: take upstream
      if (u === null) out.changes.push({ action: 'delete', path });
      else out.changes.push({ action: 'write', path, mode: u.mode, content: await input.readUpstream(u) });
      continue;
    }
    const side = async (e: FileEntry | null, read: (e: FileEntry) => Promise<Uint8Array>): Promise<FileSide | null> =>
      e === null ? null : { mode: e.mode, content: await read(e) };
    const sb = await side(b, input.readBase);
    const sl = await side(l, input.readLocal);
    const su = await side(u, input.readUpstream);
    const result = mergeFile(path, sb, sl, su, { validate: validatorFor(path) });
    if (result.status === 'clean') {
      out.merged.push(path);
      if (result.result === null) {
        if (l !== null) out.changes.push({ action: 'delete', path });
      } else out.changes.push({ action: 'write', path, mode: result.result.mode, content: result.result.content });
      continue;
    }
    out.conflicts.push({
      type: result.type,
      file: path,
      message: result.message,
      base: keep(sb?.content),
      local: keep(sl?.content),
      upstream: keep(su?.content),
      modes: { base: sb?.mode ?? null, local: sl?.mode ?? null, upstream: su?.mode ?? null },
      binary: result.binary,
    });
    if (result.result === null) {
      if (l !== null) out.changes.push({ action: 'delete', path });
    } else if (!(l && Buffer.from(result.result.content).equals(Buffer.from(sl!.content)) && l.mode === result.result.mode)) {
      out.changes.push({ action: 'write', path, mode: result.result.mode, content: result.result.content });
    }
  }
  return keepTypeClashes(out, local, base, keep, input.readBase);
}

/**
 * Where the merge result would hold a file at a path that is also a folder (upstream turned a
 * folder into a file or symlink while the folder holds local work, or added a file where the
 * user has a folder, or the reverse), the side that is not in the folder now is not written:
 * it becomes a conflict record, so nothing local is replaced and nothing is lost.
 */
async function keepTypeClashes(
  out: ThreeWayResult,
  local: Map<string, FileEntry>,
  base: Map<string, FileEntry>,
  keep: (bytes: Uint8Array) => Oid | null,
  readBase: (e: FileEntry) => Promise<Uint8Array>,
): Promise<ThreeWayResult> {
  const result = new Set(local.keys());
  for (const c of out.changes) {
    if (c.action === 'delete') result.delete(c.path);
    else result.add(c.path);
  }
  const folders = new Set<string>();
  for (const path of result) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  const clashes = [...result].filter((p) => folders.has(p));
  if (clashes.length === 0) return out;
  const drop = new Set<string>();
  for (const p of clashes) {
    const written = out.changes.find((c) => c.action === 'write' && c.path === p);
    // The file came from the merge: keep the local folder. Else the file is local: keep it, and drop what the merge puts under it.
    const paths = written ? [p] : out.changes.filter((c) => c.action === 'write' && c.path.startsWith(`${p}/`) && !local.has(c.path)).map((c) => c.path);
    for (const path of paths) drop.add(path);
  }
  const kept: FileChange[] = [];
  for (const c of out.changes) {
    if (c.action !== 'write' || !drop.has(c.path)) {
      kept.push(c);
      continue;
    }
    const clashing = folders.has(c.path) ? `your copy has a folder '${c.path}/'` : `your copy has a file where this folder goes`;
    out.merged = out.merged.filter((m) => m !== c.path);
    out.conflicts = out.conflicts.filter((r) => r.file !== c.path);
    const b = base.get(c.path);
    out.conflicts.push({
      type: 'content',
      file: c.path,
      message: `upstream has a ${c.mode === '120000' ? 'symlink' : 'file'} at '${c.path}' where ${clashing}; both are kept until you resolve it`,
      base: b ? keep(await readBase(b)) : null,
      local: null,
      upstream: keep(c.content),
      modes: { base: b ? b.mode : null, local: null, upstream: c.mode },
      binary: isBinaryContent(c.content),
    });
  }
  out.changes = kept;
  out.conflicts.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
  return out;
}

/** component.yaml must still have the shape forge reads after a merge. */
export function validatorFor(path: string): ((path: string, text: string) => string | null) | undefined {
  if (path !== 'component.yaml') return undefined;
  return (_p, text) => {
    try {
      parseComponentManifest(text, 'component.yaml');
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
}
