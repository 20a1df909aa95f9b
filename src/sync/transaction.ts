// The one write protocol. Every command that changes component folders, forge.yaml,
// forge.lock.yaml or .forge/state.json goes through here (pull, add, remove, undo, resolve,
// resolve --abort, stash pop, and push's records), in this order:
//   1. every file about to be replaced or removed goes into the blob store, including
//      everything under a folder that is removed or replaced by a file or symlink, and the
//      file lists of each folder before and after go into the tree index (prepareFolder);
//   2. the pending operation is recorded: folders before and after, the lock entries and
//      forge.yaml before and after, and the state changes the operation will make;
//   3. the folders are written, then forge.yaml, then forge.lock.yaml (once);
//   4. the state changes are applied and the pending record cleared, in one write.
// A failure in step 3 rolls everything back before the error reaches the user. A crash
// (kill -9) leaves the record, and recover() (the next run) completes the operation when the
// lock already says "after" (then every folder and forge.yaml were written), else rolls it back.
// State-only operations (push's history entry and pull-request record) use recordState().

import { compareByPath } from '../core/paths.js';
import { ForgeError, isForgeError } from '../errors.js';
import type { EngineContext } from './engine-context.js';
import { EMPTY_TREE, type ComponentShape, type FileEntry, type LockEntry, type Lockfile, type Snapshot, type TreeId } from '../core/model.js';
import { sameShape, WHOLE_FOLDER } from '../core/file-filter.js';
import type { FileChange, FolderSource, PendingOperation, StateChange } from '../core/ports.js';
import { blobId } from '../core/blob-id.js';
import { readLocalFile } from './local-files.js';
import { eachLimited } from '../core/pool.js';

/** One folder an operation writes. */
export interface FolderWrite {
  /** The component (for messages and the record). */
  name: string;
  dest: string;
  /** The folder as it is now (a scan taken by the same command, with `shape`). */
  current: Snapshot;
  /** Which files at `dest` are the component's (src/core/file-filter.ts); nothing else there is touched. */
  shape: ComponentShape;
  /** What turns it into the new folder; 'remove' deletes the folder and everything in it. */
  changes: readonly FileChange[] | 'remove';
  /** Back up every file of the folder, not only those replaced (a stash keeps the whole folder). */
  backupAll?: boolean;
  /** The folder once written, when the caller knows it (a fast-forward reaches the upstream tree): no hashing needed. */
  result?: Snapshot;
  /**
   * The whole folder, written by the source into a staging folder and moved into place
   * (worktree.install), instead of `changes`: an install into an empty folder, whose contents
   * then never pass through memory. Its files are the folder once written.
   */
  source?: FolderSource;
}

/** A folder write whose backups are taken and whose before and after file lists are in the tree index. */
export interface PreparedFolder extends FolderWrite {
  before: TreeId;
  after: TreeId;
  /** The files of the folder once written. */
  afterFiles: FileEntry[];
}

export interface Transaction {
  /** The record's id (history entries of the run carry it as their `operation`); made up when absent. */
  id?: string;
  /** What runs, for the record and messages: pull, add, remove, undo, resolve, stash pop... */
  operation: string;
  folders: readonly PreparedFolder[];
  /** The whole lockfile after the operation; undefined when the operation does not change it. */
  lock?: Lockfile;
  /** forge.yaml's text after the operation; undefined when the operation does not change it. */
  manifest?: string;
  /** Upstream trees the operation installs, remembered in the tree index (status names changed files offline). */
  trees?: readonly Snapshot[];
  /** What the operation records in .forge/state.json once everything is written. */
  state: readonly StateChange[];
}

export interface TransactionResult {
  id: string;
  /** Whether forge.lock.yaml changed on disk. */
  lockWritten: boolean;
}

const BACKUP_CONCURRENCY = 32;

/**
 * Backs up local files into the blob store, several at a time: each put waits for two fsyncs
 * (file and folder), and one after the other a 2,400-file folder took seconds.
 */
export async function backupFiles(ctx: EngineContext, dest: string, files: readonly FileEntry[], shape: ComponentShape): Promise<void> {
  await eachLimited(files, BACKUP_CONCURRENCY, async (file) => {
    const stored = await ctx.blobs.put(await readLocalFile(ctx, dest, file.path, shape));
    if (stored !== file.oid) {
      throw new ForgeError('E_LOCAL_CHANGES', `${dest}/${file.path} changed while forge was working on it.`, { hint: 'Run the command again.' });
    }
  });
}

/** The local files a change list replaces or removes: at a changed path, under it, or a file where a folder must go. */
export function replacedFiles(local: readonly FileEntry[], changes: readonly FileChange[] | 'remove'): FileEntry[] {
  if (changes === 'remove') return [...local];
  const paths = new Set(changes.map((c) => c.path));
  const ancestors = new Set<string>();
  for (const c of changes) {
    const parts = c.path.split('/');
    for (let i = 1; i < parts.length; i++) ancestors.add(parts.slice(0, i).join('/'));
  }
  return local.filter((f) => {
    if (paths.has(f.path) || ancestors.has(f.path)) return true;
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) if (paths.has(parts.slice(0, i).join('/'))) return true;
    return false;
  });
}

/**
 * The folder's files once the changes are applied, as the worktree applies them: writing a path
 * replaces whatever folder was there (and a file where a folder must go), deleting one removes
 * everything under it.
 */
export function filesAfter(local: readonly FileEntry[], changes: readonly FileChange[] | 'remove'): FileEntry[] {
  if (changes === 'remove') return [];
  const map = new Map(local.map((f) => [f.path, f]));
  // Every folder that holds a file (may also name folders emptied since: those only cost a look).
  const folders = new Set<string>();
  const addFolders = (path: string) => {
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) folders.add(path.slice(0, i));
  };
  for (const path of map.keys()) addFolders(path);
  // Deletes first, then writes, as WorktreePort.apply does.
  const ordered = [...changes.filter((c) => c.action === 'delete'), ...changes.filter((c) => c.action === 'write')];
  for (const change of ordered) {
    if (folders.has(change.path)) for (const path of [...map.keys()]) if (path.startsWith(`${change.path}/`)) map.delete(path);
    if (change.action === 'delete') {
      map.delete(change.path);
      continue;
    }
    for (let i = change.path.indexOf('/'); i >= 0; i = change.path.indexOf('/', i + 1)) map.delete(change.path.slice(0, i));
    map.set(change.path, { path: change.path, mode: change.mode, oid: blobId(change.content) });
    addFolders(change.path);
  }
  return [...map.values()].sort(compareByPath);
}

/** Step 1 for one folder: backups, and the before and after file lists in the tree index. */
export async function prepareFolder(ctx: EngineContext, write: FolderWrite): Promise<PreparedFolder> {
  await backupFiles(ctx, write.dest, write.backupAll ? write.current.files : replacedFiles(write.current.files, write.changes), write.shape);
  const before = write.current.files.length === 0 ? EMPTY_TREE : write.current.tree;
  if (before !== EMPTY_TREE && !(await ctx.trees.get(before))) await ctx.trees.put(write.current);
  const result = write.result ?? write.source?.files;
  if (result) {
    if (result.files.length > 0) await ctx.trees.put(result);
    return { ...write, before, after: result.files.length === 0 ? EMPTY_TREE : result.tree, afterFiles: result.files };
  }
  const afterFiles = filesAfter(write.current.files, write.changes);
  const after = await ctx.trees.putFiles(afterFiles);
  return { ...write, before, after, afterFiles };
}

/** Every file of a recorded folder state (file list from the tree index). */
export async function filesOf(ctx: EngineContext, tree: TreeId, what: string): Promise<FileEntry[]> {
  if (tree === EMPTY_TREE) return [];
  const snapshot = await ctx.trees.get(tree);
  if (!snapshot) {
    throw new ForgeError('E_STATE_INVALID', `The file list of ${what} (tree ${tree.slice(0, 12)}) is missing from .forge/trees.`, {
      hint: 'The local state in .forge/ is incomplete; forge cannot put those files back.',
    });
  }
  return snapshot.files;
}

/** Puts contents named by conflict records into the blob store (content-addressed: putting twice is harmless). */
export async function keepBlobs(ctx: EngineContext, blobs: ReadonlyMap<string, Uint8Array>): Promise<void> {
  for (const content of blobs.values()) await ctx.blobs.put(content);
}

export function newId(ctx: EngineContext, name: string): string {
  return `${ctx.clock.now().getTime().toString(36)}-${name}-${Math.random().toString(36).slice(2, 8)}`;
}

function sameEntry(a: LockEntry | null | undefined, b: LockEntry | null | undefined): boolean {
  return canonical(a ?? null) === canonical(b ?? null);
}

function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(value));
}

/** Steps 2 to 4: record, write, commit. On an error while writing, everything is put back first. */
export async function commitTransaction(ctx: EngineContext, tx: Transaction): Promise<TransactionResult> {
  const id = tx.id ?? newId(ctx, tx.operation.replace(/\W+/g, '-'));
  const lockBefore = tx.lock ? await ctx.lock.read() : null;
  const lockChange: PendingOperation['lock'] = { before: {}, after: {} };
  if (tx.lock && lockBefore) {
    for (const name of new Set([...Object.keys(lockBefore.components), ...Object.keys(tx.lock.components)])) {
      const a = lockBefore.components[name] ?? null;
      const b = tx.lock.components[name] ?? null;
      if (sameEntry(a, b)) continue;
      lockChange.before[name] = a;
      lockChange.after[name] = b;
    }
  }
  const manifestBefore = tx.manifest !== undefined ? await ctx.manifest.text() : null;
  const manifestChanges = tx.manifest !== undefined && tx.manifest !== manifestBefore;
  // Nothing to write and nothing to record: leave every file alone (a no-op pull writes nothing).
  if (tx.folders.length === 0 && !manifestChanges && Object.keys(lockChange.after).length === 0 && tx.state.length === 0) return { id, lockWritten: false };
  for (const tree of tx.trees ?? []) await ctx.trees.put(tree);
  await stageSources(ctx, tx.folders);
  const pending: PendingOperation = {
    id,
    at: ctx.clock.now().toISOString(),
    operation: tx.operation,
    folders: tx.folders.map((f) => ({ name: f.name, dest: f.dest, before: f.before, after: f.after, ...(sameShape(f.shape, WHOLE_FOLDER) ? {} : { shape: f.shape }) })),
    lock: lockChange,
    manifest: manifestChanges ? { before: manifestBefore, after: tx.manifest! } : null,
    state: [...tx.state],
  };
  await ctx.state.apply([], pending);

  // Each write that fails puts everything back before the error goes on; the fault points (a test's
  // kill -9) sit between the writes, outside that, as a real crash would.
  const guarded = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (error) {
      await rollBackAfterError(ctx, pending, error);
      throw error;
    }
  };
  for (const f of tx.folders) {
    await guarded(() =>
      f.source
        ? install(ctx, f, f.source)
        : f.changes === 'remove'
          ? ctx.worktree.removeFolder(f.dest, f.shape)
          : ctx.worktree.apply(f.dest, [...f.changes], f.shape),
    );
    ctx.faults?.at('after-first-folder');
  }
  // What the worktree learned about the files it wrote (the stat cache), saved once after them all.
  if (tx.folders.length > 0) await ctx.worktree.flush?.();
  if (pending.manifest) await guarded(() => ctx.manifest.writeText(pending.manifest!.after));
  ctx.faults?.at('before-lock');
  const lockWritten = tx.lock ? await guarded(() => ctx.lock.write(tx.lock!)) : false;
  ctx.faults?.at('before-state');
  await ctx.state.apply(pending.state, null);
  return { id, lockWritten };
}

/** A folder written whole from its source: only ever a whole folder (pull-plan.ts gives a single file or a filtered folder changes instead). */
async function install(ctx: EngineContext, f: PreparedFolder, source: FolderSource): Promise<void> {
  if (!ctx.worktree.install || !sameShape(f.shape, WHOLE_FOLDER)) {
    throw new ForgeError('E_INTERNAL', `Component ${f.name} at ${f.dest} cannot be installed whole: it is not a whole folder, or the worktree cannot install.`);
  }
  await ctx.worktree.install(f.dest, source);
}

/**
 * Folders written whole (installs) are written and checked in the staging area first, the folders
 * of one commit in one go and before anything is recorded: the write step then only moves each
 * into place. One after the other, the 24 exports of a cold pull took as long as the fetch.
 */
async function stageSources(ctx: EngineContext, folders: readonly PreparedFolder[]): Promise<void> {
  const sources = folders.flatMap((f) => (f.source ? [{ dest: f.dest, source: f.source }] : []));
  if (ctx.worktree.stage && sources.length > 0) await ctx.worktree.stage(sources);
}

/** Records state without touching any file (push: its history entry and pull-request record). */
export async function recordState(ctx: EngineContext, changes: readonly StateChange[]): Promise<void> {
  await ctx.state.apply(changes);
}

async function rollBackAfterError(ctx: EngineContext, pending: PendingOperation, error: unknown): Promise<void> {
  try {
    await rollBack(ctx, pending);
  } catch (rollbackError) {
    // The record stays: the next forge command finishes the rollback.
    const what = isForgeError(error) ? error.message : String((error as Error)?.message ?? error);
    throw new ForgeError('E_INTERNAL', `${what} Putting the files back failed too: ${(rollbackError as Error).message}`, {
      hint: 'Run any forge command again: it puts back what this one changed.',
      cause: error,
    });
  }
}

/** Puts every folder, forge.yaml and the lock entries back as the record says they were, and clears the record. */
async function rollBack(ctx: EngineContext, pending: PendingOperation): Promise<void> {
  for (const f of [...pending.folders].reverse()) await restoreFolder(ctx, f.dest, f.before, f.name, f.shape ?? WHOLE_FOLDER);
  if (pending.manifest && pending.manifest.before !== null && (await ctx.manifest.text()) !== pending.manifest.before) {
    await ctx.manifest.writeText(pending.manifest.before);
  }
  const names = Object.keys(pending.lock.before);
  const lock = names.length > 0 ? await ctx.lock.read() : null;
  // Only when the lock was written: a lock the operation never reached stays as it is (or absent).
  if (lock && names.some((name) => !sameEntry(lock.components[name], pending.lock.before[name]))) {
    for (const name of names) {
      const entry = pending.lock.before[name] ?? null;
      if (entry) lock.components[name] = entry;
      else delete lock.components[name];
    }
    await ctx.lock.write(lock);
  }
  await ctx.state.apply([], null);
}

/** Makes a component's files (`shape` at `dest`) be exactly those of a recorded tree again (contents from the blob store). */
export async function restoreFolder(ctx: EngineContext, dest: string, tree: TreeId, name: string, shape: ComponentShape): Promise<void> {
  const wanted = await filesOf(ctx, tree, `${name}'s folder`);
  const current = await ctx.worktree.scan(dest, shape);
  if (current.tree === tree || (wanted.length === 0 && current.files.length === 0)) return;
  const want = new Map(wanted.map((f) => [f.path, f]));
  const have = new Map(current.files.map((f) => [f.path, f]));
  const changes: FileChange[] = [];
  for (const f of current.files) if (!want.has(f.path)) changes.push({ action: 'delete', path: f.path });
  for (const f of wanted) {
    const now = have.get(f.path);
    if (now && now.oid === f.oid && now.mode === f.mode) continue;
    let content: Uint8Array;
    try {
      content = await ctx.blobs.get(f.oid);
    } catch (error) {
      throw new ForgeError('E_STATE_INVALID', `The backup of ${dest}/${f.path} is missing from .forge/blobs.`, {
        hint: 'The file cannot be restored by forge; recover it from git history.',
        cause: error,
      });
    }
    changes.push({ action: 'write', path: f.path, mode: f.mode, content });
  }
  await ctx.worktree.apply(dest, changes, shape);
}

export interface RecoveryReport {
  operation: string;
  outcome: 'completed' | 'rolled-back';
  components: string[];
}

/**
 * Finishes or rolls back an operation that was interrupted (kill -9, power loss). The lock is
 * written after every folder and forge.yaml, so a lock that already says "after" means the
 * writes all happened: keep them and record what the operation records. Anything else (the
 * lock not yet written, or an operation that does not change the lock) is put back as it was.
 */
export async function recover(ctx: EngineContext): Promise<RecoveryReport | null> {
  const pending = await ctx.state.pending();
  if (!pending) return null;
  const names = Object.keys(pending.lock.after);
  let completed = false;
  if (names.length > 0) {
    const lock = await ctx.lock.read();
    completed = names.every((name) => sameEntry(lock.components[name], pending.lock.after[name]));
  }
  if (completed) await ctx.state.apply(pending.state, null);
  else await rollBack(ctx, pending);
  const components = [...new Set([...pending.folders.map((f) => f.name), ...names])];
  const report: RecoveryReport = { operation: pending.operation, outcome: completed ? 'completed' : 'rolled-back', components };
  const which = components.length ? components.join(', ') : 'forge.yaml';
  ctx.reporter.emit({
    type: 'warning',
    message: completed
      ? `An interrupted forge ${pending.operation} had finished writing ${which}; its record was completed.`
      : `An interrupted forge ${pending.operation} was rolled back: ${which} ${components.length === 1 ? 'is' : 'are'} as before it.`,
  });
  return report;
}
