// The per-user object cache: one bare repository per upstream repository,
// cacheDir/repos/<host>/<path>-<8 hex of sha1(repository id)>.git, shared by every project of
// the user; two spellings of one repository (…/repo, …/repo.git, …/repo/) share one entry.
//
// - One isomorphic-git `cache` object per repository for the adapter's lifetime: it keeps pack
//   indexes parsed between calls (without it every read re-parses them).
// - Fetches of one repository are serialized (a promise chain per repository), so two components
//   of one repository never fetch twice; different repositories fetch in parallel. Across
//   processes, a lock file in the cache repository (cache-lock.ts) guards writes.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import { ForgeError } from '../errors.js';
import type { Want } from '../core/ports.js';
import type { Oid } from '../core/model.js';
import { parseRepository, type RepositoryAddress } from '../core/repository.js';
import { displayRepository, isMissingObject } from './git-errors.js';
import type { ObjectReader } from './cat-file.js';

export interface CacheRepo {
  url: string;
  /** What the URL is: http(s), a local repository or ssh (see src/core/repository.ts). */
  address: RepositoryAddress;
  /** The repository as messages name it (no credentials). */
  repository: string;
  gitdir: string;
  /** Shared isomorphic-git cache (parsed pack indexes). */
  cache: object;
  /** Tail of the chain of fetches of this repository. */
  tail: Promise<unknown>;
  ready: Promise<void> | undefined;
  /** Commits to ask for in the next upload-pack request besides the one isomorphic-git asks for. */
  extraWants: Oid[];
  /** Commits createCommit made here (push sends them together when one builds on another). */
  created: Set<Oid>;
  /** Native git's answers to object-by-object questions (cat-file.ts), when native git is used. */
  objects?: ObjectReader;
}

/** The newest commit fetched into a cache repository: what a shallow fetch tells the server it has. */
export const LAST_REF = 'refs/forge/last';

/** Where the cache repository of `url` lives. */
export function cacheRepoPath(cacheDir: string, url: string): string {
  const address = parseRepository(url);
  const host = address.kind === 'file' ? 'local' : address.host.replace(/[^A-Za-z0-9._-]+/g, '_') || 'local';
  const path = address.path.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'repo';
  const hash = createHash('sha1').update(address.id).digest('hex').slice(0, 8);
  return join(cacheDir, 'repos', host, `${path}-${hash}.git`);
}

export interface CacheRepos {
  /** The cache repository of `url` (any address parseRepository reads; never with credentials). */
  get(url: string): CacheRepo;
  /** Creates the bare repository on first use. */
  ready(repo: CacheRepo): Promise<void>;
}

export function createCacheRepos(cacheDir: string): CacheRepos {
  const repos = new Map<string, CacheRepo>();
  return {
    get(url) {
      const address = parseRepository(url); // E_BAD_REPOSITORY for what is no repository address
      let repo = repos.get(address.id);
      if (!repo) {
        repo = { url: address.url, address, repository: displayRepository(address.url), gitdir: cacheRepoPath(cacheDir, url), cache: {}, tail: Promise.resolve(), ready: undefined, extraWants: [], created: new Set() };
        repos.set(address.id, repo);
      }
      return repo;
    },
    ready,
  };
}

async function ready(repo: CacheRepo): Promise<void> {
  repo.ready ??= (async () => {
    if (!fs.existsSync(join(repo.gitdir, 'config'))) {
      await fs.promises.mkdir(repo.gitdir, { recursive: true });
      await git.init({ fs, gitdir: repo.gitdir, bare: true, defaultBranch: 'main' });
    }
    // Objects fetched by ref may end up unreferenced: git must never prune them.
    await git.setConfig({ fs, gitdir: repo.gitdir, path: 'gc.auto', value: '0' });
    // isomorphic-git records fetched branches under this remote's refspec.
    await git.setConfig({ fs, gitdir: repo.gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
  })();
  try {
    await repo.ready;
  } catch (error) {
    repo.ready = undefined;
    throw new ForgeError('E_GIT', `Could not create the object cache for ${repo.repository} in ${repo.gitdir}.`, {
      hint: 'Check that FORGE_CACHE_DIR (or ~/.cache/forge) is writable.',
      cause: error,
    });
  }
}

/** Runs `work` after every earlier fetch of the repository, before every later one. */
export function serialized<T>(repo: CacheRepo, work: () => Promise<T>): Promise<T> {
  const result = repo.tail.then(work, work);
  repo.tail = result.catch(() => undefined);
  return result;
}

/** True if the commit and its root tree are in the cache repository. */
export async function hasCommitIn(repo: CacheRepo, commit: Oid): Promise<boolean> {
  if (!fs.existsSync(join(repo.gitdir, 'config'))) return false;
  // A commit and its tree, as isomorphic-git's readCommit and readTree below ask (a tag of a tree is no commit).
  const native = /^[0-9a-f]{40,64}$/.test(commit) ? await repo.objects?.has(`${commit}^{commit}^{tree}`) : null;
  if (native === true || native === false) return native;
  try {
    const { commit: parsed } = await git.readCommit({ fs, gitdir: repo.gitdir, oid: commit, cache: repo.cache });
    await git.readTree({ fs, gitdir: repo.gitdir, oid: parsed.tree, cache: repo.cache });
    return true;
  } catch (error) {
    if (isMissingObject(error)) return false;
    throw new ForgeError('E_GIT', `Could not read the object cache of ${repo.repository}.`, { cause: error });
  }
}

/** The wants whose commit is not in the cache repository yet. */
export async function missingOf(repo: CacheRepo, wants: Want[]): Promise<Want[]> {
  const present = await Promise.all(wants.map((want) => hasCommitIn(repo, want.commit)));
  return wants.filter((_, i) => !present[i]);
}

export async function isEmptyCache(repo: CacheRepo): Promise<boolean> {
  const packs = await readdir(join(repo.gitdir, 'objects', 'pack')).catch(() => [] as string[]);
  return !packs.some((name) => name.endsWith('.pack'));
}

export async function isShallow(repo: CacheRepo): Promise<boolean> {
  const text = await fs.promises.readFile(join(repo.gitdir, 'shallow'), 'utf8').catch(() => '');
  return text.trim() !== '';
}
