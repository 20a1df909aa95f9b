// .forge/state.json: what forge remembers between runs (conflicts, stashes, history for undo,
// forks, pull requests, an operation in flight). Kept with lowdb; every mutating call writes.
//
// The file stays small however large the components are: file lists live in the tree index
// (.forge/trees, by git tree id) and file contents in the blob store (.forge/blobs, by git blob
// id), as git keeps trees and blobs; the state only holds their ids. Version 1 files, which held
// file lists and base64 contents inline, are migrated on first read.

import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { ForgeError } from '../errors.js';
import { EMPTY_TREE, type FileEntry, type LockEntry } from '../core/model.js';
import type {
  BlobStore,
  ConflictSet,
  ForkRecord,
  HistoryEntry,
  PendingOperation,
  PullRequestRecord,
  StashEntry,
  StateChange,
  StateStore,
  TreeIndex,
} from '../core/ports.js';
import { writeFileAtomic } from './atomic.js';
import { createBlobStore } from './blobs.js';
import { createTreeIndex } from './tree-index.js';

export const STATE_FILE = 'state.json';
export const STATE_VERSION = 2;
/** Undo goes back this many steps per component; older entries are dropped. */
export const HISTORY_LIMIT = 50;

export interface State {
  version: 2;
  /** At most one set per component. */
  conflicts: ConflictSet[];
  /** Oldest first. */
  stashes: StashEntry[];
  /** Oldest first, at most HISTORY_LIMIT per component. */
  history: HistoryEntry[];
  /** One per upstream repository. */
  forks: ForkRecord[];
  /** One per (repository, branch). */
  pullRequests: PullRequestRecord[];
  pending: PendingOperation | null;
}

export function emptyState(): State {
  return { version: STATE_VERSION, conflicts: [], stashes: [], history: [], forks: [], pullRequests: [], pending: null };
}

const MOVE_ASIDE = 'Move it aside to start with empty local state (conflicts, stashes and undo history are lost).';

/** Where the file and the content-addressed stores it points into live. */
interface Stores {
  trees: TreeIndex;
  blobs: BlobStore;
}

/**
 * lowdb's own JSONFile writes through steno (temp file + rename) but never fsyncs, and
 * JSONFilePreset swaps in an in-memory adapter under NODE_ENV=test. This adapter writes with
 * writeFileAtomic (fsync before rename), always reads the real file, checks its shape, and
 * migrates older versions.
 */
class StateFile implements Adapter<State> {
  constructor(
    private readonly file: string,
    private readonly stores: Stores,
  ) {}

  async read(): Promise<State | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ForgeError('E_STATE_INVALID', `${this.file} is not valid JSON.`, { hint: MOVE_ASIDE, cause: error });
    }
    if (!isObject(data)) throw new ForgeError('E_STATE_INVALID', `${this.file} does not hold forge state.`, { hint: MOVE_ASIDE });
    const version = data.version === undefined ? 1 : data.version;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw new ForgeError('E_STATE_INVALID', `${this.file} has no valid state version.`, { hint: MOVE_ASIDE });
    }
    if (version > STATE_VERSION) {
      throw new ForgeError('E_STATE_INVALID', `${this.file} was written by a newer forge (state version ${version}). Upgrade forge.`, {
        hint: 'Install the newest forge, or move the file aside to start with empty local state.',
      });
    }
    // Collections added later get their defaults; a file from an older run never lacks one.
    const state = { ...emptyState(), ...data, version: STATE_VERSION } as Record<string, unknown>;
    const problem = shapeProblem(state, version);
    if (problem) throw new ForgeError('E_STATE_INVALID', `${this.file} is damaged: ${problem}.`, { hint: MOVE_ASIDE });
    if (version === 1) {
      const migrated = await migrateFromV1(state, this.stores);
      await this.write(migrated);
      return migrated;
    }
    return unpack(state);
  }

  async write(data: State): Promise<void> {
    // Compact: the file is rewritten on every change, so every byte counts (issue: state size).
    await writeFileAtomic(this.file, `${JSON.stringify(pack(data))}\n`);
  }
}

export interface StateStoreOptions {
  /** The tree index and blob store the state refers to (default: .forge/trees and .forge/blobs). */
  trees?: TreeIndex;
  blobs?: BlobStore;
}

export function createStateStore(forgeDir: string, options: StateStoreOptions = {}): StateStore {
  const stores: Stores = {
    trees: options.trees ?? createTreeIndex(join(forgeDir, 'trees')),
    blobs: options.blobs ?? createBlobStore(join(forgeDir, 'blobs')),
  };
  const db = new Low<State>(new StateFile(join(forgeDir, STATE_FILE), stores), emptyState());
  // One call at a time: each reads the file, changes it and writes it back, so calls made
  // concurrently within this process never lose each other's updates.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const view = <T>(pick: (state: State) => T): Promise<T> =>
    serial(async () => {
      await db.read();
      return structuredClone(pick(db.data));
    });

  const change = (mutate: (state: State) => void): Promise<void> =>
    serial(async () => {
      await db.read();
      mutate(db.data);
      await mkdir(forgeDir, { recursive: true });
      await db.write();
    });

  return {
    conflicts: () => view((s) => s.conflicts),
    setConflicts: (component, set) => change((s) => applyChange(s, { kind: 'conflicts', component, set })),

    stashes: () => view((s) => s.stashes),
    pushStash: (entry) => change((s) => applyChange(s, { kind: 'stash', entry })),
    dropStash: (id) => change((s) => applyChange(s, { kind: 'drop-stash', id })),

    history: (component) => view((s) => (component === undefined ? s.history : s.history.filter((h) => h.component === component))),
    record: (entry) => change((s) => applyChange(s, { kind: 'history', entry })),
    markUndone: (id) => change((s) => applyChange(s, { kind: 'undone', id })),

    forks: () => view((s) => s.forks),
    saveFork: (fork) => change((s) => applyChange(s, { kind: 'fork', fork })),

    pullRequests: () => view((s) => s.pullRequests),
    savePullRequest: (pr) => change((s) => applyChange(s, { kind: 'pull-request', pullRequest: pr })),

    pending: () => view((s) => s.pending),
    setPending: (op) =>
      change((s) => {
        s.pending = op === null ? null : structuredClone(op);
      }),

    apply: (changes, pending) =>
      change((s) => {
        for (const c of changes) applyChange(s, c);
        if (pending !== undefined) s.pending = pending === null ? null : structuredClone(pending);
      }),
  };
}

/** One change to the state; applying it again changes nothing more. */
export function applyChange(s: State, c: StateChange): void {
  switch (c.kind) {
    case 'history': {
      if (s.history.some((h) => h.id === c.entry.id)) return;
      s.history.push(structuredClone(c.entry));
      const mine = s.history.filter((h) => h.component === c.entry.component);
      if (mine.length > HISTORY_LIMIT) {
        const drop = new Set(mine.slice(0, mine.length - HISTORY_LIMIT));
        s.history = s.history.filter((h) => !drop.has(h));
      }
      return;
    }
    case 'undone':
      for (const entry of s.history) if (entry.id === c.id) entry.undone = true;
      return;
    case 'conflicts':
      s.conflicts = s.conflicts.filter((x) => x.component !== c.component);
      if (c.set) s.conflicts.push(structuredClone(c.set));
      return;
    case 'stash':
      if (!s.stashes.some((x) => x.id === c.entry.id)) s.stashes.push(structuredClone(c.entry));
      return;
    case 'drop-stash':
      s.stashes = s.stashes.filter((x) => x.id !== c.id);
      return;
    case 'fork':
      s.forks = s.forks.filter((f) => f.upstream !== c.fork.upstream);
      s.forks.push(structuredClone(c.fork));
      return;
    case 'pull-request': {
      const pr = c.pullRequest;
      const at = s.pullRequests.findIndex((p) => p.repository === pr.repository && p.branch === pr.branch);
      if (at >= 0) s.pullRequests[at] = structuredClone(pr);
      else s.pullRequests.push(structuredClone(pr));
      return;
    }
  }
}

// --- the file's form -------------------------------------------------------------------

/**
 * History entries name the lock entry before and after each step; one step's "after" is the next
 * one's "before", and most steps leave most fields alone. In the file, each distinct lock entry
 * is written once, in `locks`, and history entries refer to it by a short content hash.
 */
interface Packed extends Omit<State, 'history'> {
  locks: Record<string, LockEntry>;
  history: (Omit<HistoryEntry, 'before' | 'after'> & { before: PackedFolder; after: PackedFolder })[];
}
type PackedFolder = { lock: LockEntry | string | null; tree: string };

function pack(state: State): Packed {
  const locks: Record<string, LockEntry> = {};
  const ref = (entry: LockEntry | null): string | null => {
    if (entry === null) return null;
    const key = createHash('sha1').update(JSON.stringify(entry)).digest('hex').slice(0, 16);
    locks[key] = entry;
    return key;
  };
  const history = state.history.map((h) => ({ ...h, before: { lock: ref(h.before.lock), tree: h.before.tree }, after: { lock: ref(h.after.lock), tree: h.after.tree } }));
  return { ...state, locks, history };
}

function unpack(raw: Record<string, unknown>): State {
  const locks = (isObject(raw.locks) ? raw.locks : {}) as Record<string, LockEntry>;
  const folder = (f: PackedFolder) => ({ lock: typeof f.lock === 'string' ? locks[f.lock]! : f.lock, tree: f.tree });
  const { locks: _locks, ...rest } = raw;
  const history = (raw.history as Packed['history']).map((h) => ({ ...h, before: folder(h.before), after: folder(h.after) }));
  return { ...(rest as unknown as State), history };
}

// --- shape ---------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** What is wrong with the state's structure, in a few words; null when it can be used. */
function shapeProblem(state: Record<string, unknown>, version: number): string | null {
  for (const key of ['conflicts', 'stashes', 'history', 'forks', 'pullRequests']) {
    if (!Array.isArray(state[key])) return `'${key}' is not a list`;
    if (!(state[key] as unknown[]).every(isObject)) return `'${key}' holds something that is not a record`;
  }
  if (state.pending !== null && !isObject(state.pending)) return "'pending' is neither a record nor null";
  const locks = isObject(state.locks) ? state.locks : {};
  const folder = (value: unknown): boolean =>
    isObject(value) &&
    (value.lock === null || isObject(value.lock) || (isString(value.lock) && isObject(locks[value.lock]))) &&
    (version === 1 ? Array.isArray(value.files) : isString(value.tree));
  for (const [i, h] of (state.history as Record<string, unknown>[]).entries()) {
    if (!isString(h.id) || !isString(h.component) || !isString(h.op) || !isString(h.at) || !folder(h.before) || !folder(h.after)) {
      return `history entry ${i + 1} is incomplete`;
    }
  }
  for (const [i, s] of (state.stashes as Record<string, unknown>[]).entries()) {
    if (!isString(s.id) || !isString(s.component) || !isObject(s.base) || !(version === 1 ? Array.isArray(s.files) : isString(s.tree))) {
      return `stash ${i + 1} is incomplete`;
    }
  }
  for (const [i, c] of (state.conflicts as Record<string, unknown>[]).entries()) {
    if (!isString(c.component) || !Array.isArray(c.records) || !c.records.every((r) => isObject(r) && isString(r.file))) {
      return `conflict set ${i + 1} is incomplete`;
    }
  }
  if (isObject(state.pending)) {
    const p = state.pending;
    const ok = version === 1 ? Array.isArray(p.components) : Array.isArray(p.folders) && isObject(p.lock) && Array.isArray(p.state);
    if (!ok || !isString(p.id)) return "the record of the operation in flight ('pending') is incomplete";
  }
  return null;
}

// --- migration from version 1 -----------------------------------------------------------

interface V1Folder {
  lock: LockEntry | null;
  files: FileEntry[];
}

async function migrateFromV1(state: Record<string, unknown>, stores: Stores): Promise<State> {
  const tree = async (files: FileEntry[]) => (files.length === 0 ? EMPTY_TREE : stores.trees.putFiles(files));
  const folder = async (f: V1Folder) => ({ lock: f.lock, tree: await tree(f.files) });
  const blob = async (b64: unknown) => (typeof b64 === 'string' ? stores.blobs.put(Buffer.from(b64, 'base64')) : null);

  const history: HistoryEntry[] = [];
  for (const raw of state.history as (Omit<HistoryEntry, 'before' | 'after' | 'conflictsBefore'> & { before: V1Folder; after: V1Folder; conflictsBefore?: unknown })[]) {
    const { conflictsBefore, ...rest } = raw;
    const entry: HistoryEntry = { ...rest, before: await folder(raw.before), after: await folder(raw.after) };
    if (isObject(conflictsBefore)) entry.conflictsBefore = await conflictSet(conflictsBefore);
    history.push(entry);
  }
  const stashes: StashEntry[] = [];
  for (const raw of state.stashes as (Omit<StashEntry, 'tree'> & { files: FileEntry[] })[]) {
    const { files, ...rest } = raw;
    stashes.push({ ...rest, tree: await tree(files) });
  }
  const conflicts: ConflictSet[] = [];
  for (const raw of state.conflicts as Record<string, unknown>[]) conflicts.push(await conflictSet(raw));

  async function conflictSet(raw: Record<string, unknown>): Promise<ConflictSet> {
    const set = raw as unknown as ConflictSet & { rebase?: { stoppedAt: string; remaining: { label: string; base: FileEntry[]; local: FileEntry[] }[]; before: V1Folder } };
    const records = [];
    for (const r of set.records) records.push({ ...r, base: await blob(r.base), local: await blob(r.local), upstream: await blob(r.upstream) });
    const out: ConflictSet = { ...set, records, rebase: undefined };
    delete out.rebase;
    if (set.rebase) {
      const remaining = [];
      for (const step of set.rebase.remaining) remaining.push({ label: step.label, base: await tree(step.base), local: await tree(step.local) });
      out.rebase = { stoppedAt: set.rebase.stoppedAt, remaining, before: await folder(set.rebase.before) };
    }
    return out;
  }

  let pending: PendingOperation | null = null;
  if (isObject(state.pending)) {
    const raw = state.pending as { id: string; at: string; components: { name: string; dest: string; before: V1Folder; after: V1Folder; records?: { history?: HistoryEntry & { before: V1Folder; after: V1Folder }; stash?: StashEntry & { files: FileEntry[] }; conflicts?: Record<string, unknown> } }[] };
    pending = { id: raw.id, at: raw.at, operation: 'pull', folders: [], lock: { before: {}, after: {} }, manifest: null, state: [] };
    for (const c of raw.components) {
      pending.folders.push({ name: c.name, dest: c.dest, before: await tree(c.before.files), after: await tree(c.after.files) });
      pending.lock.before[c.name] = c.before.lock;
      pending.lock.after[c.name] = c.after.lock;
      const r = c.records ?? {};
      if (r.stash) {
        const { files, ...rest } = r.stash;
        pending.state.push({ kind: 'stash', entry: { ...rest, tree: await tree(files) } });
      }
      if (r.conflicts) pending.state.push({ kind: 'conflicts', component: c.name, set: await conflictSet(r.conflicts) });
      if (r.history) pending.state.push({ kind: 'history', entry: { ...r.history, before: await folder(r.history.before), after: await folder(r.history.after) } });
    }
  }
  return {
    version: STATE_VERSION,
    conflicts,
    stashes,
    history,
    forks: state.forks as ForkRecord[],
    pullRequests: state.pullRequests as PullRequestRecord[],
    pending,
  };
}
