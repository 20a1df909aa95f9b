// Two forge processes may share one object cache (two terminals, a CI matrix
// on one runner). Writes to a cache repository happen under a lock file that
// names its owner; a lock whose owner is gone (same host, dead pid) or that is
// older than STALE_MS is taken over.

import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ForgeError } from '../errors.js';

const STALE_MS = 15 * 60_000;
const WAIT_MS = 10 * 60_000;

interface LockOwner {
  pid: number;
  host: string;
  at: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    if (Date.now() - info.mtimeMs > STALE_MS) return true;
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (owner.host === hostname() && typeof owner.pid === 'number') return !alive(owner.pid);
    return false;
  } catch (error) {
    // Vanished meanwhile (retry) or half-written by a crashed owner (stale once old enough).
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? false : await oldEnough(lockPath);
  }
}

async function oldEnough(lockPath: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > 5_000;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` while holding `gitdir/forge.lock`. */
export async function withCacheLock<T>(gitdir: string, repository: string, work: () => Promise<T>): Promise<T> {
  const lockPath = join(gitdir, 'forge.lock');
  const started = Date.now();
  let delay = 50;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      const owner: LockOwner = { pid: process.pid, host: hostname(), at: new Date().toISOString() };
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(lockPath)) {
        await unlink(lockPath).catch(() => {});
        continue;
      }
      if (Date.now() - started > WAIT_MS) {
        throw new ForgeError('E_BUSY', `The object cache for ${repository} is locked by another forge process.`, {
          hint: `If no other forge is running, delete ${lockPath}.`,
          data: { repository, lock: lockPath },
        });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 1_000);
    }
  }
  try {
    return await work();
  } finally {
    await unlink(lockPath).catch(() => {});
  }
}
