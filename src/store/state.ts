// .forge/state.json: what forge remembers between runs (conflicts, stashes, history for undo,
// forks, pull requests, an operation in flight). Kept with lowdb; every mutating call writes.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { ForgeError } from '../errors.js';
import type {
  ConflictSet,
  ForkRecord,
  HistoryEntry,
  PendingOperation,
  PullRequestRecord,
  StashEntry,
  StateStore,
} from '../core/ports.js';
import { writeFileAtomic } from './atomic.js';

export const STATE_FILE = 'state.json';
export const STATE_VERSION = 1;
/** Undo goes back this many steps per component; older entries are dropped. */
export const HISTORY_LIMIT = 50;

export interface State {
  version: 1;
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

/**
 * lowdb's own JSONFile writes through steno (temp file + rename) but never fsyncs, and
 * JSONFilePreset swaps in an in-memory adapter under NODE_ENV=test. This adapter writes with
 * writeFileAtomic (fsync before rename) and always reads the real file.
 */
class StateFile implements Adapter<State> {
  constructor(private readonly file: string) {}

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
      throw new ForgeError('E_INTERNAL', `${this.file} is not valid JSON.`, {
        hint: 'Move it aside to start with empty local state (conflicts, stashes and undo history are lost).',
        cause: error,
      });
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new ForgeError('E_INTERNAL', `${this.file} does not hold forge state.`, {
        hint: 'Move it aside to start with empty local state (conflicts, stashes and undo history are lost).',
      });
    }
    const version = (data as { version?: unknown }).version;
    if (typeof version === 'number' && version > STATE_VERSION) {
      throw new ForgeError('E_INTERNAL', `${this.file} was written by a newer forge (state version ${version}). Upgrade forge.`);
    }
    // Collections added later get their defaults; a file from an older run never lacks one.
    return { ...emptyState(), ...(data as Partial<State>), version: STATE_VERSION };
  }

  async write(data: State): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
  }
}

export function createStateStore(forgeDir: string): StateStore {
  const db = new Low<State>(new StateFile(join(forgeDir, STATE_FILE)), emptyState());
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
    setConflicts: (component, set) =>
      change((s) => {
        s.conflicts = s.conflicts.filter((c) => c.component !== component);
        if (set) s.conflicts.push(structuredClone(set));
      }),

    stashes: () => view((s) => s.stashes),
    pushStash: (entry) => change((s) => void s.stashes.push(structuredClone(entry))),
    dropStash: (id) =>
      change((s) => {
        s.stashes = s.stashes.filter((entry) => entry.id !== id);
      }),

    history: (component) => view((s) => (component === undefined ? s.history : s.history.filter((h) => h.component === component))),
    record: (entry) =>
      change((s) => {
        s.history.push(structuredClone(entry));
        const mine = s.history.filter((h) => h.component === entry.component);
        if (mine.length > HISTORY_LIMIT) {
          const drop = new Set(mine.slice(0, mine.length - HISTORY_LIMIT));
          s.history = s.history.filter((h) => !drop.has(h));
        }
      }),
    markUndone: (id) =>
      change((s) => {
        for (const entry of s.history) if (entry.id === id) entry.undone = true;
      }),

    forks: () => view((s) => s.forks),
    saveFork: (fork) =>
      change((s) => {
        s.forks = s.forks.filter((f) => f.upstream !== fork.upstream);
        s.forks.push(structuredClone(fork));
      }),

    pullRequests: () => view((s) => s.pullRequests),
    savePullRequest: (pr) =>
      change((s) => {
        const at = s.pullRequests.findIndex((p) => p.repository === pr.repository && p.branch === pr.branch);
        if (at >= 0) s.pullRequests[at] = structuredClone(pr);
        else s.pullRequests.push(structuredClone(pr));
      }),

    pending: () => view((s) => s.pending),
    setPending: (op) =>
      change((s) => {
        s.pending = op === null ? null : structuredClone(op);
      }),
  };
}
