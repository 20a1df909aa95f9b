// Git object ids computed exactly as git does, without a repository: the
// lockfile's `tree` must be checkable offline from the files on disk.

import { createHash } from 'node:crypto';
import { blobId } from '../core/blob-id.js';
import type { FileEntry, FileMode, Oid, TreeId } from '../core/model.js';

/** A mode as it appears inside a git tree object (trees are `40000`, no leading zero). */
export type TreeEntryMode = FileMode | '40000';

export interface TreeEntry {
  /** One path segment (no slash). */
  name: string;
  mode: TreeEntryMode;
  oid: Oid;
}

function hashTree(body: Uint8Array): Oid {
  return createHash('sha1').update(`tree ${body.length}\0`).update(body).digest('hex');
}

/** `git hash-object` of the bytes (text is hashed as UTF-8). */
export function blobOid(content: Uint8Array | string): Oid {
  return blobId(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
}

/** The bytes git orders a tree entry by: its name, and a trailing '/' for a tree. */
function sortKey(entry: TreeEntry): string {
  return entry.mode === '40000' ? `${entry.name}/` : entry.name;
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Git's tree order: bytewise by name, where a tree's name compares as if it ended in '/'
 * (so `a.txt` < `a/` < `a0`).
 */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  return compareKeys(sortKey(a), sortKey(b));
}

/**
 * Bytewise (UTF-8) order of two strings. JavaScript compares UTF-16 code units, which agrees with
 * UTF-8 bytes except between a surrogate pair and U+E000..U+FFFF; ASCII names, by far the most
 * common, compare as strings without encoding anything.
 */
function compareKeys(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `git mktree` of one level of entries (any order). */
export function treeOid(entries: readonly TreeEntry[]): TreeId {
  const keyed = entries.map((entry) => {
    if (entry.name === '' || entry.name.includes('/') || entry.name.includes('\0')) {
      throw new Error(`Invalid tree entry name: ${JSON.stringify(entry.name)}`);
    }
    return { entry, key: sortKey(entry) };
  });
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  // One buffer for the whole tree: "<mode> <name>\0" then the 20 bytes of the id, per entry.
  let length = 0;
  for (const { entry } of keyed) length += entry.mode.length + 2 + Buffer.byteLength(entry.name, 'utf8') + 20;
  const body = Buffer.allocUnsafe(length);
  let at = 0;
  for (const { entry } of keyed) {
    at += body.write(entry.mode, at, 'latin1');
    body[at++] = 0x20;
    at += body.write(entry.name, at, 'utf8');
    body[at++] = 0;
    at += body.write(entry.oid, at, 'hex');
  }
  return hashTree(body);
}

interface Folder {
  files: TreeEntry[];
  folders: Map<string, Folder>;
}

/** The id of the nested tree that holds the flattened `files` (paths relative to its root). */
export function snapshotFromFiles(files: readonly FileEntry[]): TreeId {
  const root: Folder = { files: [], folders: new Map() };
  for (const file of files) {
    const segments = file.path.split('/');
    const name = segments.pop()!;
    let folder = root;
    for (const segment of segments) {
      let next = folder.folders.get(segment);
      if (!next) {
        next = { files: [], folders: new Map() };
        folder.folders.set(segment, next);
      }
      folder = next;
    }
    folder.files.push({ name, mode: file.mode, oid: file.oid });
  }
  const hash = (folder: Folder): TreeId =>
    treeOid([...folder.files, ...[...folder.folders].map(([name, sub]) => ({ name, mode: '40000' as const, oid: hash(sub) }))]);
  return hash(root);
}
