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
import type { CommitInfo, SnapshotOptions, UpstreamSnapshot } from '../core/ports.js';
import type { FileEntry, FileMode, Oid } from '../core/model.js';
import { fileNameOf, fileSelector, type FileSelector } from '../core/file-filter.js';
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

/**
 * Every file under the tree, flattened; submodules and files the selector leaves out skipped
 * (reported through the return value: the tree id is then computed from what was kept).
 */
async function flatten(repo: CacheRepo, tree: Oid, prefix: string, out: FileEntry[], select: FileSelector | null): Promise<boolean> {
  const entries = await readTreeIn(repo, tree);
  let lossy = false;
  const subtrees: Promise<boolean>[] = [];
  for (const entry of entries) {
    const path = prefix === '' ? entry.path : `${prefix}/${entry.path}`;
    if (entry.type === 'tree') {
      if (select?.skipsFolder(path)) lossy = true;
      else subtrees.push(flatten(repo, entry.oid, path, out, select));
    } else if (entry.type === 'blob' && select && !select.selects(path)) {
      lossy = true;
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

/** The error for a path that is neither a file nor a folder at a commit (shared with the test fakes' wording). */
export function nothingAtPath(repository: string, path: string, commit: Oid, what?: string): ForgeError {
  const at = `${repository} at ${commit.slice(0, 12)}`;
  const message = what ? `${path} in ${at} is ${what}, neither a file nor a folder forge can copy.` : `Nothing is at ${path} in ${at}: it is neither a file nor a folder there.`;
  return new ForgeError('E_COMPONENT_NOT_FOUND', message, {
    hint: 'Check `path` in forge.yaml (or --path): a file or folder upstream, relative to the repository root.',
    data: { repository, path, commit },
  });
}

export async function readSnapshot(repo: CacheRepo, commit: Oid, path: string, options: SnapshotOptions = {}): Promise<UpstreamSnapshot> {
  const { commit: parsed } = await readCommitIn(repo, commit);
  const folder = path.replace(/^\/+|\/+$/g, '');
  let tree = parsed.tree;
  if (folder !== '') {
    let current: Oid = parsed.tree;
    const segments = folder.split('/');
    for (const [i, segment] of segments.entries()) {
      const entry = (await readTreeIn(repo, current)).find((e) => e.path === segment);
      if (entry?.type === 'tree') {
        current = entry.oid;
        continue;
      }
      if (entry?.type === 'blob' && i === segments.length - 1) {
        const mode = fileMode(entry.mode);
        if (mode === null) throw nothingAtPath(repo.repository, folder, commit, `a file of mode ${entry.mode}`);
        const files = [{ path: options.fileName ?? fileNameOf(folder), mode, oid: entry.oid }];
        return { kind: 'file', tree: snapshotFromFiles(files), files };
      }
      throw nothingAtPath(repo.repository, folder, commit, entry?.type === 'commit' ? 'a submodule' : undefined);
    }
    tree = current;
  }
  const files: FileEntry[] = [];
  const select = options.filters && options.filters.length > 0 ? fileSelector(options.filters) : null;
  const lossy = await flatten(repo, tree, '', files, select);
  files.sort(compareByPath);
  return { kind: 'folder', tree: lossy ? snapshotFromFiles(files) : tree, files };
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
