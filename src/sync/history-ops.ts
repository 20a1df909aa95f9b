// forge sync stash list/pop, forge sync undo and forge sync log: everything
// that reads or rewinds what forge recorded in .forge/.

import { ForgeError } from '../errors.js';
import { backupFiles, backupFolder, filesAfter, newId, restoreFolder, withEntry } from './apply.js';
import type { EngineContext } from './engine-context.js';
import type { ConflictRecord } from '../core/model.js';
import type { FileChange, HistoryEntry, StashEntry } from '../core/ports.js';
import { mergeSnapshots, readLocalFile } from './pull-plan.js';
import { repositoryUrl } from '../core/repository.js';
import { diffSnapshots } from './snapshot.js';

export async function listStashes(ctx: EngineContext): Promise<StashEntry[]> {
  return ctx.state.stashes();
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
  const base = await ctx.trees.get(stash.base.tree);
  if (!base) throw new ForgeError('E_INTERNAL', `The file list of the tree the stash was made on (${stash.base.tree}) is missing.`);
  const local = await ctx.worktree.scan(entry.dest);
  const git = ctx.git();
  const url = repositoryUrl(stash.base.repository);
  const result = await mergeSnapshots(ctx, {
    base,
    // The stash is "local" (the user's edits); the folder now holds the updated upstream.
    local: stash.files,
    upstream: local,
    readBase: (e) => git.readBlob(url, e.oid),
    readLocal: (e) => ctx.blobs.get(e.oid),
    readUpstream: (e) => readLocalFile(ctx, entry.dest, e.path),
  });
  // mergeSnapshots gives changes relative to its local side (the stash): turn them into changes to the folder.
  const target = filesAfter(stash.files, result.changes);
  const content = new Map<string, Uint8Array>();
  for (const change of result.changes) if (change.action === 'write') content.set(change.path, change.content);
  const fileChanges: FileChange[] = [];
  for (const d of diffSnapshots(local, target)) {
    if (d.after === null) fileChanges.push({ action: 'delete', path: d.path });
    else fileChanges.push({ action: 'write', path: d.path, mode: d.after.mode, content: content.get(d.path) ?? (await ctx.blobs.get(d.after.oid).catch(() => readLocalFile(ctx, entry.dest, d.path))) });
  }
  await backupFiles(ctx, entry.dest, local.files, fileChanges);
  const at = ctx.clock.now().toISOString();
  await ctx.worktree.apply(entry.dest, fileChanges);
  const dropped = result.conflicts.length === 0;
  if (dropped) await ctx.state.dropStash(stash.id);
  else await ctx.state.setConflicts(component, { component, operation: 'stash-pop', at, target: entry, records: result.conflicts });
  await ctx.state.record({
    id: newId(ctx, component),
    component,
    op: 'stash-pop',
    at,
    summary: dropped ? `popped stash from ${stash.at}` : `popped stash from ${stash.at} with ${result.conflicts.length} conflict(s); stash kept`,
    before: { lock: entry, files: local.files },
    after: { lock: entry, files: filesAfter(local.files, fileChanges) },
  });
  return { component, stash, merged: result.merged, applied: fileChanges.map((c) => c.path), conflicts: result.conflicts, dropped };
}

export interface UndoResult {
  component: string;
  undone: HistoryEntry;
}

const undoable = (h: HistoryEntry) => !h.undone && h.op !== 'undo' && h.op !== 'push';

/** Puts back the files and lock entry from before the newest operation not yet undone. */
export async function undo(ctx: EngineContext, component: string): Promise<UndoResult> {
  const history = await ctx.state.history(component);
  const entry = [...history].reverse().find(undoable);
  if (!entry) throw new ForgeError('E_NOTHING_TO_UNDO', `Nothing to undo for '${component}'.`, { hint: "'forge sync log' lists what forge did." });
  const lock = await ctx.lock.read();
  const current = lock.components[component] ?? null;
  const dest = current?.dest ?? entry.after.lock?.dest ?? entry.before.lock?.dest;
  if (!dest) throw new ForgeError('E_NOT_LOCKED', `'${component}' has no folder to restore.`);
  const now = await ctx.worktree.scan(dest);
  const changedSince = diffSnapshots(entry.after.files, now.files);
  const conflicted = (await ctx.state.conflicts()).some((c) => c.component === component);
  if (changedSince.length > 0 && !conflicted) {
    throw new ForgeError('E_LOCAL_CHANGES', `'${component}' changed after the ${entry.op} at ${entry.at} (${changedSince.map((c) => c.path).join(', ')}); undo would discard that.`, {
      hint: 'Commit or put those edits aside first, then undo again.',
    });
  }
  await backupFolder(ctx, dest, now.files);
  await restoreFolder(ctx, dest, entry.before);
  await ctx.lock.write(withEntry(lock, component, entry.before.lock));
  // Undoing a resolve brings its conflicts back; undoing the pull that caused them clears them.
  if (entry.conflictsBefore) await ctx.state.setConflicts(component, entry.conflictsBefore);
  else if (conflicted) await ctx.state.setConflicts(component, null);
  if (entry.op === 'stash') {
    // The stash this pull made is back in the folder: drop it so it is not applied twice.
    const stashes = (await ctx.state.stashes()).filter((s) => s.component === component);
    const last = stashes[stashes.length - 1];
    if (last) await ctx.state.dropStash(last.id);
  }
  await ctx.state.markUndone(entry.id);
  await ctx.state.record({
    id: newId(ctx, component),
    component,
    op: 'undo',
    at: ctx.clock.now().toISOString(),
    summary: `undid ${entry.op} of ${entry.at}: ${entry.summary}`,
    before: { lock: current, files: now.files },
    after: entry.before,
  });
  return { component, undone: entry };
}

export async function log(ctx: EngineContext, component?: string): Promise<HistoryEntry[]> {
  const entries = await ctx.state.history(component);
  return [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}
