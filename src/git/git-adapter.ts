// GitPort over isomorphic-git and a per-user object cache.
//
// - One bare repository per upstream URL: cacheDir/repos/<host>/<path>-<8 hex of sha1(url)>.git,
//   shared by every project of the user.
// - One isomorphic-git `cache` object per repository for the adapter's lifetime: it keeps pack
//   indexes parsed between calls (without it every read re-parses them).
// - Fetches of one repository are serialized (a promise chain per URL), so two components of one
//   repository never fetch twice; different repositories fetch in parallel. Across processes, a
//   lock file in the cache repository (see cache-lock.ts) guards writes.
// - Fetches are shallow (depth 1, by ref name) unless `deep` is asked for or the wanted commit is
//   not at the tip of its ref any more; then the default branch and the wanted refs are fetched
//   with full history.
// - The first, heavy transfer into an empty cache repository uses native git (>= 2.38) when it
//   is on PATH; isomorphic-git does everything else and is the fallback if native git fails.
//
// Submodules (tree entries of mode 160000) are not files forge can copy: readSnapshot skips
// them, and then reports as `tree` the id of the tree without them (the tree the local folder
// will have), so the offline integrity check of the lockfile still works. Without submodules
// `tree` is exactly `git rev-parse COMMIT:PATH`.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { ForgeError, registerSecret } from '../errors.js';
import type { CommitInfo, GitPort, RemoteRef, RemoteRefs, Want } from '../core/ports.js';
import type { FileEntry, FileMode, Oid, Snapshot } from '../core/model.js';
import { withCacheLock } from './cache-lock.js';
import { displayRepository, isMissingObject, translateRemoteError } from './git-errors.js';
import { nativeFetch, nativeGitAvailable, nativeReadBlobs } from './native-git.js';
import { snapshotFromFiles } from './tree-hash.js';

export interface GitRequestEvent {
  repository: string;
  method: string;
  /** The request URL (never carries credentials). */
  url: string;
  transport: 'isomorphic-git' | 'native-git';
}

export interface GitAdapterOptions {
  /** Resolved cache folder ($FORGE_CACHE_DIR, $XDG_CACHE_HOME/forge or ~/.cache/forge). */
  cacheDir: string;
  /** Sent only over https (or http to a loopback host), as username x-access-token. */
  token?: string;
  userAgent?: string;
  /** Use native git for the first transfer into an empty cache repository. Default 'auto'. */
  nativeGit?: boolean | 'auto';
  /** Called for every HTTP request isomorphic-git makes, and once per native git fetch. */
  onRequest?: (event: GitRequestEvent) => void;
  /** Time allowed until a server starts answering a request (ms). Default 60 000. */
  requestTimeoutMs?: number;
}

interface CacheRepo {
  url: string;
  repository: string;
  gitdir: string;
  /** Shared isomorphic-git cache (parsed pack indexes). */
  cache: object;
  /** Tail of the chain of fetches of this repository. */
  tail: Promise<unknown>;
  ready: Promise<void> | undefined;
  /** Commits to ask for in the next upload-pack request besides the one isomorphic-git asks for. */
  extraWants: Oid[];
}

interface FetchOutcome {
  missing: Want[];
  goneRefs: Set<string>;
  /** The last unexpected failure of a fetch attempt, kept as the cause of E_COMMIT_NOT_FOUND. */
  lastError?: unknown;
}

type HttpRequest = Parameters<typeof nodeHttp.request>[0];

const INFINITE_DEPTH = 0x7fffffff;
const LAST_REF = 'refs/forge/last';

/** Where the cache repository of `url` lives. */
export function cacheRepoPath(cacheDir: string, url: string): string {
  const key = repositoryKey(url);
  const parsed = new URL(key);
  const host = parsed.host.replace(/[^A-Za-z0-9._-]+/g, '_') || 'local';
  const path = parsed.pathname.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'repo';
  const hash = createHash('sha1').update(key).digest('hex').slice(0, 8);
  return join(cacheDir, 'repos', host, `${path}-${hash}.git`);
}

/** github.com/org/repo, …/repo.git and …/repo/ are one repository: one cache entry. */
function repositoryKey(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  parsed.pathname = parsed.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  return parsed.toString();
}

function sendsToken(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return true;
  // Plain http only to this machine (the loopback test and demo servers).
  return parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
}

function fileMode(mode: string): FileMode | null {
  if (mode === '100644' || mode === '100755' || mode === '120000') return mode;
  if (mode === '100664') return '100644';
  return null;
}

/**
 * Rewrites isomorphic-git's upload-pack request (the first pkt-line is `want OID capabilities`):
 *
 * - adds the `thin-pack` capability, which isomorphic-git leaves out so that canonical git can
 *   read its packs. Without it, a shallow fetch into a cache that already holds an older version
 *   gets every file again instead of only the changed ones (measured: 9.1 MB instead of 1.25 MB).
 *   Only isomorphic-git reads packs it fetched (native git writes only into an empty cache), and
 *   it resolves a thin pack's external bases from the objects it has.
 * - adds `want` lines for more commits, so several refs (components at different versions of one
 *   repository) arrive in one fetch; isomorphic-git's fetch asks for one ref only. Over smart
 *   HTTP, git and GitHub accept any commit reachable from a ref in a want.
 */
// isomorphic-git types the body as an async iterator; fetch passes an array of one buffer.
function rewriteUploadPackRequest(body: unknown, extraWants: readonly Oid[]): unknown {
  if (!Array.isArray(body)) return body;
  const bytes = Buffer.concat(body.map((chunk: Uint8Array) => Buffer.from(chunk)));
  const length = Number.parseInt(bytes.subarray(0, 4).toString('latin1'), 16);
  if (!Number.isFinite(length) || length < 5 || length > bytes.length) return [bytes];
  const line = bytes.subarray(4, length).toString('latin1');
  if (!line.startsWith('want ')) return [bytes];
  const patched = / thin-pack(\s|$)/.test(line) ? line : `${line.replace(/\n$/, '')} thin-pack\n`;
  const pkt = (text: string) => `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
  const wanted = line.slice(5, 45);
  const extra = [...new Set(extraWants)].filter((oid) => oid !== wanted).map((oid) => pkt(`want ${oid}\n`));
  return [Buffer.concat([Buffer.from(pkt(patched) + extra.join(''), 'latin1'), bytes.subarray(length)])];
}

export function createGitAdapter(options: GitAdapterOptions): GitPort {
  const repos = new Map<string, CacheRepo>();
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  registerSecret(options.token);
  const headers: Record<string, string> = options.userAgent ? { 'user-agent': options.userAgent } : {};

  function repoFor(url: string): CacheRepo {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ForgeError('E_BAD_REPOSITORY', `"${url}" is not a repository URL.`, { data: { repository: url } });
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new ForgeError('E_BAD_REPOSITORY', `${displayRepository(url)} is not an http(s) repository URL.`, {
        data: { repository: displayRepository(url) },
      });
    }
    if (parsed.username || parsed.password) {
      throw new ForgeError('E_BAD_REPOSITORY', `${displayRepository(url)} carries credentials in its URL.`, {
        hint: 'Remove them from the URL and set GH_TOKEN instead.',
        data: { repository: displayRepository(url) },
      });
    }
    const key = repositoryKey(url);
    let repo = repos.get(key);
    if (!repo) {
      repo = { url, repository: displayRepository(url), gitdir: cacheRepoPath(options.cacheDir, url), cache: {}, tail: Promise.resolve(), ready: undefined, extraWants: [] };
      repos.set(key, repo);
    }
    return repo;
  }

  async function ready(repo: CacheRepo): Promise<void> {
    repo.ready ??= (async () => {
      if (!fs.existsSync(join(repo.gitdir, 'config'))) {
        await fs.promises.mkdir(repo.gitdir, { recursive: true });
        await git.init({ fs, gitdir: repo.gitdir, bare: true, defaultBranch: 'main' });
      }
      {
        // Objects fetched by ref may end up unreferenced: git must never prune them.
        await git.setConfig({ fs, gitdir: repo.gitdir, path: 'gc.auto', value: '0' });
        // isomorphic-git records fetched branches under this remote's refspec.
        await git.setConfig({ fs, gitdir: repo.gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
      }
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
  function serialized<T>(repo: CacheRepo, work: () => Promise<T>): Promise<T> {
    const result = repo.tail.then(work, work);
    repo.tail = result.catch(() => undefined);
    return result;
  }

  function httpFor(repo: CacheRepo) {
    return {
      async request(request: HttpRequest) {
        options.onRequest?.({ repository: repo.repository, method: request.method ?? 'GET', url: request.url, transport: 'isomorphic-git' });
        const controller = new AbortController();
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs);
        try {
          const signal = request.signal ? AbortSignal.any([request.signal as AbortSignal, controller.signal]) : controller.signal;
          const body =
            request.method === 'POST' && request.url.endsWith('/git-upload-pack')
              ? (rewriteUploadPackRequest(request.body, repo.extraWants) as HttpRequest['body'])
              : request.body;
          return await nodeHttp.request({ ...request, ...(body === undefined ? {} : { body }), signal });
        } catch (error) {
          if (timedOut) throw Object.assign(new Error(`No answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT', cause: error });
          throw error;
        } finally {
          clearTimeout(timer);
        }
      },
    };
  }

  function authFor(url: string) {
    const token = options.token;
    if (!token || !sendsToken(url)) return {};
    return { onAuth: () => ({ username: 'x-access-token', password: token }) };
  }

  async function hasCommitIn(repo: CacheRepo, commit: Oid): Promise<boolean> {
    if (!fs.existsSync(join(repo.gitdir, 'config'))) return false;
    try {
      const { commit: parsed } = await git.readCommit({ fs, gitdir: repo.gitdir, oid: commit, cache: repo.cache });
      await git.readTree({ fs, gitdir: repo.gitdir, oid: parsed.tree, cache: repo.cache });
      return true;
    } catch (error) {
      if (isMissingObject(error)) return false;
      throw new ForgeError('E_GIT', `Could not read the object cache of ${repo.repository}.`, { cause: error });
    }
  }

  async function missingOf(repo: CacheRepo, wants: Want[]): Promise<Want[]> {
    const present = await Promise.all(wants.map((want) => hasCommitIn(repo, want.commit)));
    return wants.filter((_, i) => !present[i]);
  }

  async function isEmptyCache(repo: CacheRepo): Promise<boolean> {
    const packs = await readdir(join(repo.gitdir, 'objects', 'pack')).catch(() => [] as string[]);
    return !packs.some((name) => name.endsWith('.pack'));
  }

  async function isShallow(repo: CacheRepo): Promise<boolean> {
    const text = await fs.promises.readFile(join(repo.gitdir, 'shallow'), 'utf8').catch(() => '');
    return text.trim() !== '';
  }

  async function useNative(): Promise<boolean> {
    return options.nativeGit !== false && (await nativeGitAvailable());
  }

  /** First transfer with native git; false when it did not work (isomorphic-git then retries and reports). */
  async function nativeFirstFetch(repo: CacheRepo, wants: Want[], deep: boolean): Promise<boolean> {
    const refspecs = new Set<string>();
    for (const want of wants) {
      if (want.ref?.startsWith('refs/')) refspecs.add(`+${want.ref}:${want.ref}`);
      else if (!deep) refspecs.add(`+${want.commit}:refs/forge/commits/${want.commit}`);
    }
    if (deep) refspecs.add('+HEAD:refs/forge/head');
    if (refspecs.size === 0) return false;
    options.onRequest?.({ repository: repo.repository, method: 'FETCH', url: repo.url, transport: 'native-git' });
    const token = options.token && sendsToken(repo.url) ? options.token : undefined;
    const result = await nativeFetch({
      gitdir: repo.gitdir,
      url: repo.url,
      refspecs: [...refspecs],
      ...(deep ? {} : { depth: 1 }),
      ...(token ? { token } : {}),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    }).catch(() => ({ code: 1, stderr: '' }));
    if (result.code !== 0) return false;
    const last = wants.at(-1);
    if (last && (await hasCommitIn(repo, last.commit))) await git.writeRef({ fs, gitdir: repo.gitdir, ref: LAST_REF, value: last.commit, force: true });
    return true;
  }

  /** isomorphic-git fetch of one ref (or commit id); `depth` 1 for shallow. */
  async function isoFetch(repo: CacheRepo, target: string, depth: number | undefined, commit?: Oid, extraWants: Oid[] = []): Promise<void> {
    const isNamedRef = target.startsWith('refs/heads/') || target.startsWith('refs/tags/');
    if (isNamedRef) {
      // isomorphic-git tells the server it "has" the local ref of the same name. Point it at the
      // newest commit we hold so the server sends only what changed since then.
      const local = await git.resolveRef({ fs, gitdir: repo.gitdir, ref: target }).catch(() => null);
      const last = local ?? (await git.resolveRef({ fs, gitdir: repo.gitdir, ref: LAST_REF }).catch(() => null));
      if (!local && last) await git.writeRef({ fs, gitdir: repo.gitdir, ref: target, value: last, force: true });
    }
    repo.extraWants = extraWants;
    let result: Awaited<ReturnType<typeof git.fetch>>;
    try {
      result = await git.fetch({
        fs,
        http: httpFor(repo),
        gitdir: repo.gitdir,
        cache: repo.cache,
        url: repo.url,
        ref: target,
        singleBranch: true,
        tags: false,
        headers: { ...headers },
        ...(depth === undefined ? {} : { depth }),
        ...authFor(repo.url),
      });
    } finally {
      repo.extraWants = [];
    }
    if (isNamedRef && result.fetchHead) await git.writeRef({ fs, gitdir: repo.gitdir, ref: target, value: result.fetchHead, force: true });
    const fetchedCommit = commit ?? (target === 'HEAD' ? result.fetchHead : null);
    if (fetchedCommit && (await hasCommitIn(repo, fetchedCommit))) {
      await git.writeRef({ fs, gitdir: repo.gitdir, ref: LAST_REF, value: fetchedCommit, force: true });
    }
  }

  async function fetchMissing(repo: CacheRepo, wants: Want[], deep: boolean): Promise<FetchOutcome> {
    const goneRefs = new Set<string>();
    let lastError: unknown;
    let missing = wants;

    const attempt = async (target: string, depth: number | undefined, commit?: Oid, extraWants: Oid[] = []): Promise<void> => {
      try {
        await isoFetch(repo, target, depth, commit, extraWants);
      } catch (error) {
        const translated = translateRemoteError(error, repo.url);
        // Auth, network and missing repository stop everything; a missing ref or a refused
        // commit id leaves the want missing for the next strategy.
        if (translated.code === 'E_AUTH' || translated.code === 'E_NETWORK' || translated.code === 'E_REPO_NOT_FOUND') throw translated;
        if ((error as { code?: string }).code === 'NotFoundError' && target.startsWith('refs/')) goneRefs.add(target);
        else lastError = error;
      }
    };

    if ((await isEmptyCache(repo)) && (await useNative())) {
      if (await nativeFirstFetch(repo, missing, deep)) missing = await missingOf(repo, missing);
      if (missing.length === 0) return { missing, goneRefs, lastError };
    }

    if (!deep) {
      const targets = new Map<string, Oid>();
      for (const want of missing) targets.set(want.ref ?? want.commit, want.commit);
      const [first, ...others] = [...targets];
      if (first && others.length > 0) {
        // One request for all of them; what it did not bring is asked for one by one below.
        await attempt(first[0], 1, first[1], others.map(([, commit]) => commit));
        missing = await missingOf(repo, missing);
        targets.clear();
        for (const want of missing) targets.set(want.ref ?? want.commit, want.commit);
      }
      for (const [target, commit] of targets) await attempt(target, 1, commit);
      missing = await missingOf(repo, missing);
      if (missing.length === 0) return { missing, goneRefs, lastError };
    }

    // Full history: the default branch, then each wanted ref, then commit ids directly.
    const depth = (await isShallow(repo)) ? INFINITE_DEPTH : undefined;
    const refs = ['HEAD', ...new Set(missing.map((w) => w.ref).filter((r): r is string => !!r && !goneRefs.has(r)))];
    for (const ref of refs) {
      await attempt(ref, depth);
      missing = await missingOf(repo, missing);
      if (missing.length === 0) return { missing, goneRefs, lastError };
    }
    for (const want of missing) await attempt(want.commit, depth, want.commit);
    return { missing: await missingOf(repo, missing), goneRefs, lastError };
  }

  async function readCommitIn(repo: CacheRepo, commit: Oid) {
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

  async function readTreeIn(repo: CacheRepo, oid: Oid) {
    try {
      return (await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).tree;
    } catch (error) {
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

  const port: GitPort = {
    async listRemoteRefs(url: string): Promise<RemoteRefs> {
      const repo = repoFor(url);
      let served;
      try {
        served = await git.listServerRefs({
          http: httpFor(repo),
          url: repo.url,
          headers: { ...headers },
          // Protocol v1: one GET carries refs, peeled tags and HEAD's target; v2 needs a second
          // round trip (ls-refs) for the same answer.
          protocolVersion: 1,
          symrefs: true,
          peelTags: true,
          ...authFor(repo.url),
        });
      } catch (error) {
        throw translateRemoteError(error, url);
      }
      const refs: RemoteRef[] = [];
      let head: string | null = null;
      for (const ref of served) {
        if (ref.ref.endsWith('^{}')) continue;
        if (ref.ref === 'HEAD') {
          if (ref.target) head = ref.target;
        } else if (!ref.ref.startsWith('refs/heads/') && !ref.ref.startsWith('refs/tags/')) {
          continue;
        }
        refs.push({ name: ref.ref, commit: ref.peeled ?? ref.oid });
      }
      refs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { refs, head };
    },

    async ensureCommits(url: string, wants: Want[], ensureOptions: { deep?: boolean } = {}): Promise<{ fetched: boolean }> {
      const repo = repoFor(url);
      return serialized(repo, async () => {
        let missing = await missingOf(repo, wants);
        if (missing.length === 0) return { fetched: false };
        await ready(repo);
        const outcome = await withCacheLock(repo.gitdir, repo.repository, async () => {
          // Another forge process may have fetched them while we waited for the lock.
          missing = await missingOf(repo, missing);
          if (missing.length === 0) return { missing, goneRefs: new Set<string>(), fetched: false };
          return { ...(await fetchMissing(repo, missing, ensureOptions.deep === true)), fetched: true };
        });
        const first = outcome.missing[0];
        if (first) {
          if (first.ref && outcome.goneRefs.has(first.ref)) {
            throw new ForgeError('E_REF_NOT_FOUND', `${first.ref} no longer exists in ${repo.repository}.`, {
              hint: 'Pick another version or ref, or pin the commit with `commit:`.',
              data: { repository: repo.repository, ref: first.ref, commit: first.commit },
            });
          }
          throw new ForgeError('E_COMMIT_NOT_FOUND', `Commit ${first.commit} was not found in ${repo.repository}${first.ref ? ` (from ${first.ref})` : ''}.`, {
            hint: 'The commit may have been removed by a force-push; choose another version or commit.',
            data: { repository: repo.repository, commit: first.commit, ...(first.ref ? { ref: first.ref } : {}) },
            cause: outcome.lastError,
          });
        }
        return { fetched: outcome.fetched };
      });
    },

    async hasCommit(url: string, commit: Oid): Promise<boolean> {
      const repo = repoFor(url);
      await repo.tail;
      return hasCommitIn(repo, commit);
    },

    async readSnapshot(url: string, commit: Oid, path: string): Promise<Snapshot> {
      const repo = repoFor(url);
      await repo.tail;
      const { commit: parsed } = await readCommitIn(repo, commit);
      const folder = path.replace(/^\/+|\/+$/g, '');
      let tree = parsed.tree;
      if (folder !== '') {
        let found: string | null = null;
        let current: Oid | null = parsed.tree;
        for (const segment of folder.split('/')) {
          const entries = await readTreeIn(repo, current!);
          const entry = entries.find((e) => e.path === segment);
          current = entry && entry.type === 'tree' ? entry.oid : null;
          if (current === null) break;
        }
        found = current;
        if (found === null) {
          throw new ForgeError('E_COMPONENT_NOT_FOUND', `Folder ${folder} does not exist in ${repo.repository} at ${commit.slice(0, 12)}.`, {
            hint: 'Check `path` in forge.yaml, or leave it out to find the component by the name in its component.yaml.',
            data: { repository: repo.repository, path: folder, commit },
          });
        }
        tree = found;
      }
      const files: FileEntry[] = [];
      const lossy = await flatten(repo, tree, '', files);
      files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return { tree: lossy ? snapshotFromFiles(files) : tree, files };
    },

    async readBlob(url: string, oid: Oid): Promise<Uint8Array> {
      const repo = repoFor(url);
      await repo.tail;
      try {
        return (await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).blob;
      } catch (error) {
        throw new ForgeError('E_GIT', `File object ${oid} of ${repo.repository} is missing from the object cache.`, {
          hint: 'Run the command again online so forge can fetch it.',
          data: { repository: repo.repository, oid },
          cause: error,
        });
      }
    },

    async readBlobs(url: string, oids: readonly Oid[]): Promise<Map<Oid, Uint8Array>> {
      const repo = repoFor(url);
      await repo.tail;
      const unique = [...new Set(oids)];
      let found = new Map<Oid, Uint8Array>();
      // One native process pays off from a handful of blobs on; isomorphic-git reads the rest.
      if (unique.length >= 16 && (await useNative())) found = await nativeReadBlobs(repo.gitdir, unique).catch(() => new Map<Oid, Uint8Array>());
      for (const oid of unique) if (!found.has(oid)) found.set(oid, await port.readBlob(url, oid));
      return found;
    },

    async findComponentManifests(url: string, commit: Oid): Promise<{ folder: string; content: Uint8Array }[]> {
      const repo = repoFor(url);
      await repo.tail;
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
      found.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
      return Promise.all(found.map(async ({ folder, oid }) => ({ folder, content: await port.readBlob(url, oid) })));
    },

    async readCommit(url: string, commit: Oid): Promise<CommitInfo> {
      const repo = repoFor(url);
      await repo.tail;
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
    },
  };
  return port;
}

