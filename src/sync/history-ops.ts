// forge sync stash list/pop, forge sync undo and forge sync log: everything
// that reads or rewinds what forge recorded in .forge/. Every write goes through
// the one transaction (transaction.ts).

import { ForgeError } from '../errors.js';
import { withEntry } from './apply.js';
import type { EngineContext } from './engine-context.js';
import type { ConflictRecord, FileEntry, LockEntry, Lockfile } from '../core/model.js';
import type { ConflictSet, FileChange, FolderState, HistoryEntry, StashEntry, StateChange } from '../core/ports.js';
import { mergeSnapshots, readLocalFile } from './pull-plan.js';
import { ensure } from './resolution.js';
import { repositoryUrl } from '../core/repository.js';
import { diffSnapshots } from './snapshot.js';
import { sameShape, shapeOf, unionShapes } from '../core/file-filter.js';
import type { ComponentShape } from '../core/model.js';
import { commitTransaction, filesAfter, filesOf, keepBlobs, newId, prepareFolder, type PreparedFolder } from './transaction.js';

export interface StashListing {
  stash: StashEntry;
  /** The files the stash set aside: those that differ from the tree it was made on. */
  files: string[];
}

export async function listStashes(ctx: EngineContext): Promise<StashListing[]> {
  const out: StashListing[] = [];
  for (const stash of await ctx.state.stashes()) {
    // A stash keeps the whole folder (the three-way pop needs it); what was set aside is what differs from its base.
    const files = await filesOf(ctx, stash.tree, `the stash of ${stash.component}`);
    const base = await ctx.trees.get(stash.base.tree);
    out.push({ stash, files: base ? diffSnapshots(base, files).map((c) => c.path) : files.map((f) => f.path) });
  }
  return out;
}

export interface StashPopResult {
  component: string;
  stash: StashEntry;
  merged: string[];
  applied: string[];
  conflicts: ConflictRecord[];
  dropped: boolean;
}

/** Re-applies the newest stash of a component with a three-way merge onto the folder as it is now. */
export async function popStash(ctx: EngineContext, component: string): Promise<StashPopResult> {
  const stashes = (await ctx.state.stashes()).filter((s) => s.component === component);
  const stash = stashes[stashes.length - 1];
  if (!stash) throw new ForgeError('E_NO_STASH', `'${component}' has no stashed changes.`, { hint: "'forge sync stash list' shows every stash." });
  if ((await ctx.state.conflicts()).some((c) => c.component === component)) {
    throw new ForgeError('E_CONFLICTS', `'${component}' has unresolved conflicts.`, { hint: `Run 'forge sync resolve ${component}' first.` });
  }
  const lock = await ctx.lock.read();
  const entry = lock.components[component];
  if (!entry) throw new ForgeError('E_NOT_LOCKED', `'${component}' is not in forge.lock.yaml any more.`, { hint: 'Add it again, then pop the stash.' });
  const base = await filesOf(ctx, stash.base.tree, `the tree the stash of ${component} was made on`);
  const stashed = await filesOf(ctx, stash.tree, `the stash of ${component}`);
  // The stash holds the files of the entry it was made on; the folder now, those of the current one.
  const shape = unionShapes(shapeOf(entry), shapeOf(stash.base));
  const local = await ctx.worktree.scan(entry.dest, shape);
  const git = ctx.git();
  const url = repositoryUrl(stash.base.repository);
  const baseFromCache = async (e: FileEntry) => {
    await ensure(ctx, stash.base.repository, [{ commit: stash.base.commit, ...(stash.base.ref ? { ref: stash.base.ref } : {}) }]);
    return git.readBlob(url, e.oid);
  };
  const result = await mergeSnapshots({
    base,
    // The stash is "local" (the user's edits); the folder now holds the updated upstream.
    local: stashed,
    upstream: local,
    readBase: baseFromCache,
    readLocal: (e) => ctx.blobs.get(e.oid),
    readUpstream: (e) => readLocalFile(ctx, entry.dest, e.path, shape),
  });
  // mergeSnapshots gives changes relative to its local side (the stash): turn them into changes to the folder.
  const target = filesAfter(stashed, result.changes);
  const content = new Map<string, Uint8Array>();
  for (const change of result.changes) if (change.action === 'write') content.set(change.path, change.content);
  const fileChanges: FileChange[] = [];
  for (const d of diffSnapshots(local, target)) {
    if (d.after === null) fileChanges.push({ action: 'delete', path: d.path });
    else fileChanges.push({ action: 'write', path: d.path, mode: d.after.mode, content: content.get(d.path) ?? (await ctx.blobs.get(d.after.oid).catch(() => readLocalFile(ctx, entry.dest, d.path, shape))) });
  }
  await keepBlobs(ctx, result.blobs);
  const folder = await prepareFolder(ctx, { name: component, dest: entry.dest, current: local, shape, changes: fileChanges });
  const at = ctx.clock.now().toISOString();
  const dropped = result.conflicts.length === 0;
  const operation = newId(ctx, 'stash-pop');
  const state: StateChange[] = [
    dropped
      ? { kind: 'drop-stash', id: stash.id }
      : { kind: 'conflicts', component, set: { component, operation: 'stash-pop', at, target: entry, records: result.conflicts, ...(sameShape(shape, shapeOf(entry)) ? {} : { shape }) } },
    {
      kind: 'history',
      entry: {
        id: newId(ctx, component),
        component,
        op: 'stash-pop',
        at,
        summary: dropped ? `popped stash from ${stash.at}` : `popped stash from ${stash.at} with ${result.conflicts.length} conflict(s); stash kept`,
        before: { lock: entry, tree: folder.before },
        after: { lock: entry, tree: folder.after },
        operation,
        ...(dropped ? { stashPopped: stash } : {}),
      },
    },
  ];
  await commitTransaction(ctx, { id: operation, operation: 'stash pop', folders: [folder], state });
  return { component, stash, merged: result.merged, applied: fileChanges.map((c) => c.path), conflicts: result.conflicts, dropped };
}

export interface UndoResult {
  component: string;
  undone: HistoryEntry;
  /** Other components the same operation changed, put back together with it (a remove's dependencies). */
  together: string[];
}

const undoable = (h: HistoryEntry) => !h.undone && h.op !== 'undo' && h.op !== 'push';

/** Puts back the files and lock entry from before the newest operation not yet undone. */
export async function undo(ctx: EngineContext, component: string): Promise<UndoResult> {
  const history = await ctx.state.history();
  const entry = [...history].reverse().find((h) => h.component === component && undoable(h));
  if (!entry) throw new ForgeError('E_NOTHING_TO_UNDO', `Nothing to undo for '${component}'.`, { hint: "'forge sync log' lists what forge did." });
  const steps = await stepBack(ctx, history, entry, { label: 'undo', summary: (e) => `undid ${e.op} of ${e.at}: ${e.summary}` });
  return { component, undone: entry, together: steps.filter((s) => s !== component) };
}

export interface StepBackOptions {
  label: 'undo' | 'abort';
  summary: (entry: HistoryEntry) => string;
  /** Where the first entry's folder goes back to, when not its `before` (an aborted rebase). */
  target?: FolderState;
  /** History entries also marked undone (an abort: the partial resolves after the pull). */
  alsoUndone?: string[];
}

/**
 * Rewinds `first` and whatever the same run changed that cannot stay without it: a remove's
 * dependencies come back with the component, an add's dependencies go with it. Folders, lock
 * entries, forge.yaml, conflicts and stashes move together in one transaction.
 * Returns the components put back.
 */
export async function stepBack(ctx: EngineContext, history: readonly HistoryEntry[], first: HistoryEntry, options: StepBackOptions): Promise<string[]> {
  const lock = await ctx.lock.read();
  const manifest = await ctx.manifest.read();
  const plan = groupToRewind(history, first, lock, new Set(manifest.components.map((c) => c.name)));
  const conflicts = new Map((await ctx.state.conflicts()).map((c) => [c.component, c]));
  const target = (e: HistoryEntry): FolderState => (e === first && options.target ? options.target : e.before);

  const folders: PreparedFolder[] = [];
  const state: StateChange[] = [];
  const operation = newId(ctx, options.label);
  const at = ctx.clock.now().toISOString();
  for (const e of plan.entries) {
    const current = lock.components[e.component] ?? null;
    const dest = current?.dest ?? e.after.lock?.dest ?? e.before.lock?.dest;
    if (!dest) throw new ForgeError('E_NOT_LOCKED', `'${e.component}' has no folder to restore.`);
    // The files of every lock entry involved: a step between two sets of include/exclude covers both.
    const shape = [current, e.after.lock, e.before.lock, target(e).lock].reduce<ComponentShape | null>((acc, lock) => (lock ? (acc ? unionShapes(acc, shapeOf(lock)) : shapeOf(lock)) : acc), null)!;
    const now = await ctx.worktree.scan(dest, shape);
    if (now.tree !== e.after.tree && !conflicts.has(e.component)) {
      const changed = diffSnapshots(await filesOf(ctx, e.after.tree, `${e.component}'s folder after the ${e.op}`), now).map((c) => c.path);
      throw new ForgeError(
        'E_LOCAL_CHANGES',
        `'${e.component}' changed after the ${e.op} at ${e.at} (${changed.join(', ')}); ${options.label === 'undo' ? 'undo' : 'abort'} would discard that.`,
        {
          hint: `forge compares the folder itself, not git: copy those files out of ${dest} (or revert them with 'git checkout -- ${dest}'), then run it again.`,
          data: { component: e.component, files: changed },
        },
      );
    }
    const want = await filesOf(ctx, target(e).tree, `${e.component}'s folder before the ${e.op}`);
    const changes: FileChange[] = [];
    const have = new Map(now.files.map((f) => [f.path, f]));
    const wanted = new Set(want.map((f) => f.path));
    for (const f of now.files) if (!wanted.has(f.path)) changes.push({ action: 'delete', path: f.path });
    for (const f of want) {
      const h = have.get(f.path);
      if (h && h.oid === f.oid && h.mode === f.mode) continue;
      changes.push({ action: 'write', path: f.path, mode: f.mode, content: await backedUp(ctx, dest, f) });
    }
    folders.push(await prepareFolder(ctx, { name: e.component, dest, current: now, shape, changes }));
    state.push({ kind: 'undone', id: e.id });
    const before = conflicts.get(e.component);
    if (e.conflictsBefore) state.push({ kind: 'conflicts', component: e.component, set: e.conflictsBefore });
    else if (before) state.push({ kind: 'conflicts', component: e.component, set: null });
    if (e.op === 'stash') {
      // The stash this pull made is back in the folder: drop it so it is not applied twice.
      const stashes = (await ctx.state.stashes()).filter((s) => s.component === e.component);
      const made = e.stash ?? stashes[stashes.length - 1]?.id;
      if (made) state.push({ kind: 'drop-stash', id: made });
    }
    // A popped stash that was dropped comes back: the folder no longer holds its changes.
    if (e.op === 'stash-pop' && e.stashPopped) state.push({ kind: 'stash', entry: e.stashPopped });
    state.push({
      kind: 'history',
      entry: {
        id: newId(ctx, e.component),
        component: e.component,
        op: 'undo',
        at,
        summary: options.summary(e),
        before: { lock: current, tree: folders[folders.length - 1]!.before },
        after: target(e),
        operation,
      },
    });
  }
  for (const id of options.alsoUndone ?? []) state.push({ kind: 'undone', id });

  let manifestText: string | undefined;
  const change = plan.entries.find((e) => e.manifest);
  if (change?.manifest) {
    const now = await ctx.manifest.text();
    if (now === change.manifest.after && change.manifest.before !== null) manifestText = change.manifest.before;
    else if (change.op === 'remove' && change.manifest.before !== null) manifestText = await ctx.manifest.restored(change.component, change.manifest.before);
    else if (change.op === 'add' && manifest.components.some((c) => c.name === change.component)) manifestText = await ctx.manifest.removed(change.component);
  }
  await commitTransaction(ctx, { id: operation, operation: options.label, folders, lock: plan.lock, ...(manifestText !== undefined ? { manifest: manifestText } : {}), state });
  return plan.entries.map((e) => e.component);
}

/** A file's content from the blob store, where every backup and stash keeps it. */
async function backedUp(ctx: EngineContext, dest: string, f: FileEntry): Promise<Uint8Array> {
  try {
    return await ctx.blobs.get(f.oid);
  } catch (error) {
    throw new ForgeError('E_STATE_INVALID', `The backup of ${dest}/${f.path} is missing from .forge/blobs.`, {
      hint: 'Nothing was changed. That file cannot be restored by forge; recover it from git history.',
      cause: error,
    });
  }
}

/**
 * The entries to rewind together, and the lock they leave: starting from `first`, every entry
 * of the same run whose component the lock would otherwise be wrong without (a dependency that
 * must come back, or one nothing needs any more), until the lock holds together.
 */
function groupToRewind(history: readonly HistoryEntry[], first: HistoryEntry, lock: Lockfile, direct: Set<string>): { entries: HistoryEntry[]; lock: Lockfile } {
  const newest = new Map<string, HistoryEntry>();
  for (const h of history) if (undoable(h)) newest.set(h.component, h);
  const group = new Map<string, HistoryEntry>();
  if (first.operation) for (const h of history) if (h.operation === first.operation && undoable(h) && h !== first) group.set(h.component, h);
  const chosen: HistoryEntry[] = [first];
  for (;;) {
    const next = rewound(lock, chosen, direct);
    const wanted = new Set<string>();
    for (const entry of Object.values(next.lock.components)) for (const dep of entry.dependencies) if (!next.lock.components[dep]) wanted.add(dep);
    for (const name of unneeded(next.lock, next.direct)) wanted.add(name);
    const more = [...wanted].filter((name) => group.has(name) && !chosen.some((e) => e.component === name));
    if (more.length === 0) {
      const dangling = Object.values(next.lock.components).flatMap((e) => e.dependencies.filter((d) => !next.lock.components[d]).map((d) => [e.name, d] as const));
      if (dangling.length > 0) {
        const [who, dep] = dangling[0]!;
        throw new ForgeError('E_NOTHING_TO_UNDO', `Undoing the ${first.op} of '${first.component}' would leave '${who}' without its dependency '${dep}', which forge cannot put back from that step.`, {
          hint: `'forge sync log ${dep}' shows what happened to it; 'forge sync pull ${first.component}' brings everything to a consistent state.`,
        });
      }
      return { entries: chosen, lock: withRequiredBy(next.lock, next.direct) };
    }
    for (const name of more) {
      const entry = group.get(name)!;
      if (newest.get(name) !== entry) {
        throw new ForgeError('E_NOTHING_TO_UNDO', `Undoing the ${first.op} of '${first.component}' also needs '${name}' back as it was, but '${name}' changed again since.`, {
          hint: `Undo '${name}' first ('forge sync undo ${name}'), then this one.`,
        });
      }
      chosen.push(entry);
    }
  }
}

function rewound(lock: Lockfile, entries: readonly HistoryEntry[], direct: Set<string>): { lock: Lockfile; direct: Set<string> } {
  let next = lock;
  const names = new Set(direct);
  for (const e of entries) {
    next = withEntry(next, e.component, e.before.lock);
    if (e.manifest && e.op === 'add') names.delete(e.component);
    if (e.manifest && e.op === 'remove') names.add(e.component);
  }
  return { lock: next, direct: names };
}

/** Locked components neither in forge.yaml nor needed by one that is. */
function unneeded(lock: Lockfile, direct: Set<string>): string[] {
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name) || !lock.components[name]) return;
    needed.add(name);
    for (const dep of lock.components[name]!.dependencies) visit(dep);
  };
  for (const name of direct) visit(name);
  return Object.keys(lock.components).filter((n) => !needed.has(n));
}

/** requiredBy as pull writes it: on components not in forge.yaml, the locked components that depend on them. */
export function withRequiredBy(lock: Lockfile, direct: Set<string>): Lockfile {
  const dependents = new Map<string, string[]>();
  for (const entry of Object.values(lock.components)) for (const dep of entry.dependencies) dependents.set(dep, [...(dependents.get(dep) ?? []), entry.name]);
  const components: Record<string, LockEntry> = {};
  for (const [name, entry] of Object.entries(lock.components)) {
    const { requiredBy: _old, ...rest } = entry;
    const by = [...new Set(dependents.get(name) ?? [])].sort();
    components[name] = !direct.has(name) && by.length > 0 ? { ...rest, requiredBy: by } : rest;
  }
  return { lockfileVersion: 1, components };
}

export async function log(ctx: EngineContext, component?: string): Promise<HistoryEntry[]> {
  const entries = await ctx.state.history(component);
  return [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

export type { ConflictSet };
