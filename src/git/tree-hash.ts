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

/**
 * Git's tree order: bytewise by name, where a tree's name compares as if it ended in '/'
 * (so `a.txt` < `a/` < `a0`).
 */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  const ka = Buffer.from(a.mode === '40000' ? `${a.name}/` : a.name, 'utf8');
  const kb = Buffer.from(b.mode === '40000' ? `${b.name}/` : b.name, 'utf8');
  return Buffer.compare(ka, kb);
}

/** `git mktree` of one level of entries (any order). */
export function treeOid(entries: readonly TreeEntry[]): TreeId {
  const sorted = [...entries].sort(compareTreeEntries);
  const parts: Buffer[] = [];
  for (const entry of sorted) {
    if (entry.name === '' || entry.name.includes('/') || entry.name.includes('\0')) {
      throw new Error(`Invalid tree entry name: ${JSON.stringify(entry.name)}`);
    }
    parts.push(Buffer.from(`${entry.mode} ${entry.name}\0`, 'utf8'), Buffer.from(entry.oid, 'hex'));
  }
  return hashTree(Buffer.concat(parts));
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
