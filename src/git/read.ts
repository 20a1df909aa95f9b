// Reading what the object cache holds: commits, trees flattened into snapshots, blobs and the
// component.yaml files of a commit. No network here.
//
// Submodules (tree entries of mode 160000) are not files forge can copy: readSnapshot skips
// them, and then reports as `tree` the id of the tree without them (the tree the local folder
// will have), so the offline integrity check of the lockfile still works. Without submodules
// `tree` is exactly `git rev-parse COMMIT:PATH`.

import fs from 'node:fs';
import * as git from 'isomorphic-git';
import { ForgeError } from '../errors.js';
import type { CommitInfo } from '../core/ports.js';
import type { FileEntry, FileMode, Oid, Snapshot } from '../core/model.js';
import { compareByPath, comparePaths } from '../core/paths.js';
import type { CacheRepo } from './cache-repo.js';
import { isMissingObject } from './git-errors.js';
import { nativeReadBlobs } from './native-git.js';
import { snapshotFromFiles } from './tree-hash.js';

/** The file modes forge keeps (100664, an old git's group-writable file, reads as 100644). */
export function fileMode(mode: string): FileMode | null {
  if (mode === '100644' || mode === '100755' || mode === '120000') return mode;
  if (mode === '100664') return '100644';
  return null;
}

export async function readCommitIn(repo: CacheRepo, commit: Oid) {
  try {
    return await git.readCommit({ fs, gitdir: repo.gitdir, oid: commit, cache: repo.cache });
  } catch (error) {
    if (isMissingObject(error)) {
      throw new ForgeError('E_COMMIT_NOT_FOUND', `Commit ${commit} of ${repo.repository} is not in the object cache.`, {
        hint: 'Run the command again online so forge can fetch it.',
        data: { repository: repo.repository, commit },
        cause: error,
      });
    }
    throw new ForgeError('E_GIT', `Could not read commit ${commit} of ${repo.repository}.`, { cause: error });
  }
}

export async function readTreeIn(repo: CacheRepo, oid: Oid) {
  try {
    return (await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).tree;
  } catch (error) {
    if ((error as { code?: string }).code === 'UnsafeFilepathError') {
      const name = (error as { data?: { filepath?: string } }).data?.filepath ?? '?';
      throw new ForgeError('E_COMPONENT_INVALID', `${repo.repository} has an entry named ${JSON.stringify(name)} (tree ${oid.slice(0, 12)}); forge refuses names that could write outside a component or into git's own folder.`, {
        hint: 'Ask upstream to rename it; forge cannot install a folder that holds it.',
        data: { repository: repo.repository, tree: oid, name },
        cause: error,
      });
    }
    throw new ForgeError('E_GIT', `Tree ${oid} of ${repo.repository} is missing from the object cache.`, {
      hint: 'Delete the cache folder of this repository and run again.',
      data: { repository: repo.repository, tree: oid, cache: repo.gitdir },
      cause: error,
    });
  }
}

/** Every file under the tree, flattened; submodules skipped (reported through the return value). */
async function flatten(repo: CacheRepo, tree: Oid, prefix: string, out: FileEntry[]): Promise<boolean> {
  const entries = await readTreeIn(repo, tree);
  let lossy = false;
  const subtrees: Promise<boolean>[] = [];
  for (const entry of entries) {
    const path = prefix === '' ? entry.path : `${prefix}/${entry.path}`;
    if (entry.type === 'tree') {
      subtrees.push(flatten(repo, entry.oid, path, out));
    } else if (entry.type === 'blob') {
      const mode = fileMode(entry.mode);
      if (mode === null) lossy = true;
      out.push({ path, mode: mode ?? '100644', oid: entry.oid });
      if (entry.mode !== mode) lossy = true;
    } else {
      lossy = true; // submodule (commit entry)
    }
  }
  for (const sub of await Promise.all(subtrees)) lossy ||= sub;
  return lossy;
}

export async function readSnapshot(repo: CacheRepo, commit: Oid, path: string): Promise<Snapshot> {
  const { commit: parsed } = await readCommitIn(repo, commit);
  const folder = path.replace(/^\/+|\/+$/g, '');
  let tree = parsed.tree;
  if (folder !== '') {
    let current: Oid | null = parsed.tree;
    for (const segment of folder.split('/')) {
      const entries = await readTreeIn(repo, current!);
      const entry = entries.find((e) => e.path === segment);
      current = entry && entry.type === 'tree' ? entry.oid : null;
      if (current === null) break;
    }
    if (current === null) {
      throw new ForgeError('E_COMPONENT_NOT_FOUND', `Folder ${folder} does not exist in ${repo.repository} at ${commit.slice(0, 12)}.`, {
        hint: 'Check `path` in forge.yaml, or leave it out to find the component by the name in its component.yaml.',
        data: { repository: repo.repository, path: folder, commit },
      });
    }
    tree = current;
  }
  const files: FileEntry[] = [];
  const lossy = await flatten(repo, tree, '', files);
  files.sort(compareByPath);
  return { tree: lossy ? snapshotFromFiles(files) : tree, files };
}

export async function readBlob(repo: CacheRepo, oid: Oid): Promise<Uint8Array> {
  const native = await repo.objects?.contents(oid);
  if (native) return native;
  try {
    return (await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).blob;
  } catch (error) {
    throw new ForgeError('E_GIT', `File object ${oid} of ${repo.repository} is missing from the object cache.`, {
      hint: 'Run the command again online so forge can fetch it.',
      data: { repository: repo.repository, oid },
      cause: error,
    });
  }
}

export async function readBlobs(repo: CacheRepo, oids: readonly Oid[], useNative: () => Promise<boolean>): Promise<Map<Oid, Uint8Array>> {
  const unique = [...new Set(oids)];
  let found = new Map<Oid, Uint8Array>();
  // One native process pays off from a handful of blobs on; isomorphic-git reads the rest.
  if (unique.length >= 16 && (await useNative())) found = await nativeReadBlobs(repo.gitdir, unique).catch(() => new Map<Oid, Uint8Array>());
  for (const oid of unique) if (!found.has(oid)) found.set(oid, await readBlob(repo, oid));
  return found;
}

export async function findComponentManifests(repo: CacheRepo, commit: Oid): Promise<{ folder: string; content: Uint8Array }[]> {
  const { commit: parsed } = await readCommitIn(repo, commit);
  const found: { folder: string; oid: Oid }[] = [];
  const walk = async (tree: Oid, prefix: string): Promise<void> => {
    const entries = await readTreeIn(repo, tree);
    const subtrees: Promise<void>[] = [];
    for (const entry of entries) {
      if (entry.type === 'tree' && entry.path !== 'node_modules') {
        subtrees.push(walk(entry.oid, prefix === '' ? entry.path : `${prefix}/${entry.path}`));
      } else if (entry.type === 'blob' && entry.path === 'component.yaml' && entry.mode !== '120000') {
        found.push({ folder: prefix, oid: entry.oid });
      }
    }
    await Promise.all(subtrees);
  };
  await walk(parsed.tree, '');
  found.sort((a, b) => comparePaths(a.folder, b.folder));
  return Promise.all(found.map(async ({ folder, oid }) => ({ folder, content: await readBlob(repo, oid) })));
}

export async function readCommit(repo: CacheRepo, commit: Oid): Promise<CommitInfo> {
  const { oid, commit: parsed } = await readCommitIn(repo, commit);
  return {
    oid,
    parents: parsed.parent,
    tree: parsed.tree,
    message: parsed.message,
    author: {
      name: parsed.author.name,
      email: parsed.author.email,
      timestamp: parsed.author.timestamp,
      timezoneOffset: parsed.author.timezoneOffset || 0, // no -0 for +0000
    },
  };
}
