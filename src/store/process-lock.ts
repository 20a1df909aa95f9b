// One forge process at a time per repository: two pulls writing the same folders and the same
// lockfile would corrupt both. `.forge/lock` is created with O_EXCL and names its owner, so a
// lock left by a crashed process (dead pid on this host) can be taken over safely. The same lock
// file, waited for instead of refused, guards each repository of the shared object cache.

import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, linkSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ForgeError } from '../errors.js';

export const PROCESS_LOCK_FILE = 'lock';

export interface ProcessLockOwner {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
  /** Tells this holder's lock from a later one with the same pid. */
  token: string;
}

export interface ProcessLock {
  release(): Promise<void>;
}

/** How long an unreadable (half-written) lock file counts as held before it is treated as stale. */
const UNREADABLE_GRACE_MS = 5_000;

export interface LockFileOptions {
  /** What the holder is doing, shown to whoever finds the lock held. */
  command: string;
  /** How long to wait for a live holder to let go (polling with backoff); default 0: fail at once. */
  waitMs?: number;
  /** The error to throw when the lock stays held. */
  busy: (owner: ProcessLockOwner | 'unreadable') => ForgeError;
}

/**
 * One lock per forge workspace (`.forge/lock`): a second forge process in the same repository
 * stops at once with E_BUSY naming the holder.
 */
export async function acquireProcessLock(forgeDir: string, options: { command: string }): Promise<ProcessLock> {
  await mkdir(forgeDir, { recursive: true });
  return acquireLockFile(join(forgeDir, PROCESS_LOCK_FILE), { command: options.command, busy });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock file `file` (its folder must exist): created with O_EXCL, naming its owner; a lock
 * whose owner is gone is taken over. Every lock forge takes goes through here (the workspace lock
 * above, and the object cache's in src/git/cache-lock.ts).
 */
export async function acquireLockFile(file: string, options: LockFileOptions): Promise<ProcessLock> {
  const owner: ProcessLockOwner = {
    pid: process.pid,
    hostname: hostname(),
    command: options.command,
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const content = `${JSON.stringify(owner, null, 2)}\n`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  let delay = 50;

  for (let takeovers = 0; ; ) {
    if (tryCreate(file, content)) break;
    const current = readOwner(file);
    if (current === 'gone') continue; // released between our two calls: try again
    if (isHeld(file, current) || takeovers >= 3) {
      if (Date.now() >= deadline) throw options.busy(current);
      await sleep(delay);
      delay = Math.min(delay * 2, 1_000);
      continue;
    }
    takeovers++;
    takeOver(file, current);
  }

  let released = false;
  const releaseNow = () => {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    // Only remove the file if it is still ours.
    const current = readOwner(file);
    if (current !== 'gone' && current !== 'unreadable' && current.token === owner.token) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  };
  const onExit = () => releaseNow();
  // Release, then re-raise so the process still dies by the signal (exit code 130/143), unless
  // someone else (oclif, a test runner) also listens and will decide what happens.
  const reraise = (signal: NodeJS.Signals) => () => {
    releaseNow();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const onSigint = reraise('SIGINT');
  const onSigterm = reraise('SIGTERM');
  process.on('exit', onExit);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  return {
    async release() {
      releaseNow();
    },
  };
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

type ReadOwner = ProcessLockOwner | 'unreadable' | 'gone';

function readOwner(file: string): ReadOwner {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const data = JSON.parse(text) as Partial<ProcessLockOwner>;
    if (typeof data.pid !== 'number' || typeof data.hostname !== 'string') return 'unreadable';
    return {
      pid: data.pid,
      hostname: data.hostname,
      command: typeof data.command === 'string' ? data.command : 'forge',
      startedAt: typeof data.startedAt === 'string' ? data.startedAt : '',
      token: typeof data.token === 'string' ? data.token : '',
    };
  } catch {
    return 'unreadable';
  }
}

function isHeld(file: string, owner: ProcessLockOwner | 'unreadable'): boolean {
  if (owner === 'unreadable') {
    // Probably being written right now by another process; old garbage is stale.
    try {
      return Date.now() - statSync(file).mtimeMs < UNREADABLE_GRACE_MS;
    } catch {
      return false;
    }
  }
  // A pid on another host cannot be checked from here: assume it is alive.
  if (owner.hostname !== hostname()) return true;
  return pidAlive(owner.pid);
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a stale lock aside. Rename is atomic, so of two processes taking over the same stale lock
 * only one moves it; if what we moved turns out to be a fresh lock (the other process won and
 * created a new one in between), we put it back.
 */
function takeOver(file: string, stale: ProcessLockOwner | 'unreadable'): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readOwner(aside);
  const same =
    stale === 'unreadable' ? moved === 'unreadable' : moved !== 'gone' && moved !== 'unreadable' && moved.token === stale.token && moved.pid === stale.pid;
  if (!same) {
    try {
      linkSync(aside, file);
    } catch {
      // someone holds a newer lock already; theirs stays
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // nothing to clean
  }
}

function busy(owner: ProcessLockOwner | 'unreadable'): ForgeError {
  const who =
    owner === 'unreadable'
      ? 'Another forge process'
      : `Another forge process (pid ${owner.pid}${owner.hostname === hostname() ? '' : ` on ${owner.hostname}`}, '${owner.command}')`;
  return new ForgeError(
    'E_BUSY',
    `${who} is working in this repository. Wait for it to finish, or delete .forge/lock if it is gone.`,
    { data: owner === 'unreadable' ? {} : { pid: owner.pid, hostname: owner.hostname, command: owner.command, startedAt: owner.startedAt } },
  );
}
