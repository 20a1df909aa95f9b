// The GitPort over isomorphic-git (and native git where it is faster) and the per-user object
// cache, assembled from one module per operation:
//
//   cache-repo.ts  where each upstream's bare cache repository lives, creating it, serializing fetches
//   cache-lock.ts  the lock file other forge processes wait on
//   transport.ts   HTTP: timeout, retries with backoff, complete answers only, token, progress
//   fetch.ts       ref listing and fetching the commits forge needs (http, ssh, local)
//   local.ts       repositories on this machine, read directly or copied without git
//   native-git.ts  native git where it is faster or the only way (ssh), under a watchdog
//   read.ts        commits, snapshots, blobs and component manifests from the cache
//   commit.ts      new commits: the parent's tree with paths written or deleted
//   export.ts      a folder written straight from the cache (an install), file lists by native git
//   push.ts        a commit to a branch of an upstream or a fork (pkt-line.ts: the framing)

import type { GitPort } from '../core/ports.js';
import { registerSecret } from '../errors.js';
import { createCacheRepos, hasCommitIn, serialized } from './cache-repo.js';
import { createObjectReader } from './cat-file.js';
import { withCacheLock } from './cache-lock.js';
import { createCommit } from './commit.js';
import { exportFolders, nativeReadSnapshot } from './export.js';
import { ensureCommits, type FetchContext, listRemoteRefs } from './fetch.js';
import { nativeGitAvailable } from './native-git.js';
import { push } from './push.js';
import * as read from './read.js';
import { createTransport, type TransportOptions } from './transport.js';

export { cacheRepoPath } from './cache-repo.js';
export type { GitRequestEvent } from './transport.js';

export interface GitAdapterOptions extends TransportOptions {
  /** Resolved cache folder ($FORGE_CACHE_DIR, $XDG_CACHE_HOME/forge or ~/.cache/forge). */
  cacheDir: string;
  /** Use native git where it is faster (first transfer, many blobs). Default 'auto'. */
  nativeGit?: boolean | 'auto';
}

export function createGitAdapter(options: GitAdapterOptions): GitPort {
  registerSecret(options.token);
  const repos = createCacheRepos(options.cacheDir);
  const useNative = async () => options.nativeGit !== false && (await nativeGitAvailable());
  const ctx: FetchContext = { repos, transport: createTransport(options), useNative };

  /** The cache repository of `url`, answering object questions through native git when it is used. */
  const repoOf = async (url: string) => {
    const repo = repos.get(url);
    if (!repo.objects && (await useNative())) repo.objects = createObjectReader(repo.gitdir);
    return repo;
  };
  /** The cache repository of `url`, once every fetch of it started so far has ended. */
  const settled = async (url: string) => {
    const repo = await repoOf(url);
    await repo.tail;
    return repo;
  };

  return {
    listRemoteRefs: async (url) => listRemoteRefs(ctx, repos.get(url)),
    ensureCommits: async (url, wants, ensureOptions = {}) => ensureCommits(ctx, await repoOf(url), wants, ensureOptions),
    hasCommit: async (url, commit) => hasCommitIn(await settled(url), commit),
    readSnapshot: async (url, commit, path, options) => {
      const repo = await settled(url);
      return ((await useNative()) ? await nativeReadSnapshot(repo, commit, path, options) : null) ?? read.readSnapshot(repo, commit, path, options);
    },
    readBlob: async (url, oid) => read.readBlob(await settled(url), oid),
    readBlobs: async (url, oids) => read.readBlobs(await settled(url), oids, useNative),
    findComponentManifests: async (url, commit) => read.findComponentManifests(await settled(url), commit),
    readCommit: async (url, commit) => read.readCommit(await settled(url), commit),
    createCommit: async (url, input) => {
      const repo = repos.get(url);
      const made = await serialized(repo, () => withCacheLock(repo.gitdir, repo.repository, () => createCommit(repo, input, useNative)));
      repo.created.add(made.commit);
      return made;
    },
    push: async (url, input) => push(ctx, await settled(url), input),
    exportFolders: async (url, commit, paths, into) => exportFolders(await settled(url), commit, paths, into, useNative),
  };
}
