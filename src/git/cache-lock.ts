// Two forge processes may share one object cache (two terminals, a CI matrix on one runner).
// Writes to a cache repository happen under its lock file, the same kind of lock as the
// workspace's `.forge/lock` (see src/store/process-lock.ts); here a busy lock is waited for,
// since the other process is only fetching and will be done soon.

import { join } from 'node:path';
import { ForgeError } from '../errors.js';
import { acquireLockFile } from '../store/process-lock.js';

const WAIT_MS = 10 * 60_000;

/** Runs `work` while holding `gitdir/forge.lock`. */
export async function withCacheLock<T>(gitdir: string, repository: string, work: () => Promise<T>): Promise<T> {
  const lockPath = join(gitdir, 'forge.lock');
  const lock = await acquireLockFile(lockPath, {
    command: `fetch ${repository}`,
    waitMs: WAIT_MS,
    busy: (owner) =>
      new ForgeError('E_BUSY', `The object cache for ${repository} is locked by another forge process${owner === 'unreadable' ? '' : ` (pid ${owner.pid})`}.`, {
        hint: `If no other forge is running, delete ${lockPath}.`,
        data: { repository, lock: lockPath },
      }),
  });
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
