// The stat cache: for each component folder, what forge last knew about each of its files (size,
// mtime, ctime, inode and mode as lstat gives them, and the blob id) and the tree id those files
// make, as git keeps stat data and cache-tree in its index. A file whose lstat is unchanged is not
// read again; a folder whose files all are, and are the same set, is not hashed again.
//
// - One file per folder, .forge/stat-cache/<16 hex of sha1(dest)>.json, so a status that
//   finds one changed file rewrites one small file, and a component's cache goes with it.
// - Git's racy-file rule: an entry whose mtime is not older than the cache file that holds it may
//   have changed within the same timestamp tick after it was recorded; it is read again.
// - scan() saves a folder's cache as soon as it learned something. apply() records the files it
//   writes (it has their content, so their ids cost a hash, never a read) and only marks the
//   folder dirty: flush() saves them all at the end of the operation, so that the cache files
//   are newer than nearly every file written and few entries are racy. Not flushed (a crash),
//   the next scan reads those files again: a cache only ever saves time.
// - Everything is synchronous: a stat cache is a few small files read once per process, and
//   lstat in a loop is several times faster than the promise API (2,400 files: 6 ms against 40).

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { FileEntry, FileMode, Oid, TreeId } from '../core/model.js';
import { snapshotFromFiles } from './tree-hash.js';

/**
 * A file's path, what lstat said about it when its id was known, and the id: [path, size,
 * mtimeMs, ctimeMs, ino, mode (lstat's st_mode: the type bits tell a symlink from a file), oid].
 * An array, exactly as it is stored: 24,000 of them are read per status, and objects made from
 * them only fed the garbage collector.
 */
export type StatEntry = [path: string, size: number, mtimeMs: number, ctimeMs: number, ino: number, mode: number, oid: Oid];

/** One folder's cache. */
export interface FolderCache {
  entries: Map<string, StatEntry>;
  /** The tree id of exactly `entries` (null when not known). */
  tree: TreeId | null;
  /** The cache file's mtime when read or last written; 0 for none. */
  writtenAtMs: number;
}

/** On disk: the entries, one array each. */
interface FolderCacheFile {
  version: 3;
  dest: string;
  tree: TreeId | null;
  files: StatEntry[];
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** The git mode of what lstat describes: a symlink, or a file whose owner x bit decides (as git's ce_permissions). */
export function gitModeOf(mode: number): FileMode {
  if ((mode & S_IFMT) === S_IFLNK) return '120000';
  return (mode & 0o100) !== 0 ? '100755' : '100644';
}

/** True when `info` is what `entry` recorded and the entry is not racily clean. */
export function unchanged(entry: StatEntry | undefined, info: Stats, writtenAtMs: number): entry is StatEntry {
  return (
    entry !== undefined &&
    entry[2] === info.mtimeMs &&
    entry[1] === info.size &&
    entry[3] === info.ctimeMs &&
    entry[4] === info.ino &&
    entry[5] === info.mode &&
    entry[2] < writtenAtMs
  );
}

export function entryOf(path: string, info: Stats, oid: Oid): StatEntry {
  return [path, info.size, info.mtimeMs, info.ctimeMs, info.ino, info.mode, oid];
}

export const oidOf = (entry: StatEntry): Oid => entry[6];

export function fileEntries(cache: FolderCache): FileEntry[] {
  const files: FileEntry[] = [];
  for (const [path, entry] of cache.entries) files.push({ path, mode: gitModeOf(entry[5]), oid: entry[6] });
  return files;
}

export interface StatCache {
  /** The cache of folder `dest` (relative to the root, '/'-separated), read on first use. */
  folder(dest: string): FolderCache;
  /** Writes a folder's cache now. */
  save(dest: string): void;
  /** Marks a folder's cache for the next flush(). */
  touch(dest: string): void;
  /** Forgets a folder (removed). */
  drop(dest: string): void;
  /** Writes every folder touched since the last flush, with the tree id of its entries. */
  flush(): void;
}

/** A stat cache kept in `dir`; with no dir, a cache that lives as long as the process. */
export function createStatCache(dir: string | undefined): StatCache {
  const folders = new Map<string, FolderCache>();
  const dirty = new Set<string>();
  let legacyRemoved = false;

  const fileOf = (dest: string) => join(dir!, `${createHash('sha1').update(dest).digest('hex').slice(0, 16)}.json`);

  function read(dest: string): FolderCache {
    const empty: FolderCache = { entries: new Map(), tree: null, writtenAtMs: 0 };
    if (!dir) return empty;
    const path = fileOf(dest);
    let text: string;
    let writtenAtMs: number;
    try {
      text = readFileSync(path, 'utf8');
      writtenAtMs = statSync(path).mtimeMs;
    } catch {
      return empty; // none yet
    }
    try {
      const parsed = JSON.parse(text) as FolderCacheFile;
      if (parsed.version !== 3 || parsed.dest !== dest || !Array.isArray(parsed.files)) return empty;
      const entries = new Map<string, StatEntry>();
      for (const entry of parsed.files) {
        if (!Array.isArray(entry) || entry.length !== 7) return empty;
        entries.set(entry[0], entry);
      }
      return { entries, tree: parsed.tree, writtenAtMs };
    } catch {
      return empty; // unreadable: a cache only saves time, so start over
    }
  }

  function write(dest: string, cache: FolderCache): void {
    if (!dir) {
      cache.writtenAtMs = Date.now();
      return;
    }
    const body: FolderCacheFile = { version: 3, dest, tree: cache.tree, files: [...cache.entries.values()] };
    mkdirSync(dir, { recursive: true });
    const path = fileOf(dest);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify(body));
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    cache.writtenAtMs = statSync(path).mtimeMs;
    if (!legacyRemoved) {
      // The single-file cache of earlier versions (.forge/stat-cache.json) is never read again.
      legacyRemoved = true;
      rmSync(`${dir}.json`, { force: true });
    }
  }

  return {
    folder(dest) {
      let cache = folders.get(dest);
      if (!cache) {
        cache = read(dest);
        folders.set(dest, cache);
      }
      return cache;
    },
    save(dest) {
      const cache = folders.get(dest);
      if (!cache) return;
      write(dest, cache);
      dirty.delete(dest);
    },
    touch(dest) {
      dirty.add(dest);
    },
    drop(dest) {
      folders.set(dest, { entries: new Map(), tree: null, writtenAtMs: 0 });
      dirty.delete(dest);
      if (dir) rmSync(fileOf(dest), { force: true });
    },
    flush() {
      for (const dest of [...dirty]) {
        const cache = folders.get(dest);
        if (cache) {
          cache.tree ??= snapshotFromFiles(fileEntries(cache));
          write(dest, cache);
        }
        dirty.delete(dest);
      }
    },
  };
}
