// Reaching upstream: listing refs (git ls-remote) and fetching the commits forge needs into the
// object cache.
//
// Over HTTP, fetches are shallow (depth 1, by ref name) unless `deep` is asked for or the wanted
// commit is not at the tip of its ref any more; then the default branch and the wanted refs are
// fetched with full history. The first, heavy transfer into an empty cache repository uses native
// git (>= 2.38) when it is on PATH; isomorphic-git does everything else and is the fallback if
// native git fails. Local repositories are listed directly and fetched with native git (or copied,
// see local.ts); ssh goes through native git only.

import fs from 'node:fs';
import { ForgeError } from '../errors.js';
import type { RemoteRef, RemoteRefs, Want } from '../core/ports.js';
import type { Oid } from '../core/model.js';
import { comparePaths } from '../core/paths.js';
import { type CacheRepo, type CacheRepos, hasCommitIn, isEmptyCache, isShallow, LAST_REF, missingOf, serialized, setRef } from './cache-repo.js';
import { withCacheLock } from './cache-lock.js';
import { translateRemoteError } from './git-errors.js';
import { copyFromLocal, listLocalRefs } from './local.js';
import { nativeFetch, nativeLsRemote, type NativeProgress } from './native-git.js';
import { parseRefAdvertisement, readPktLines } from './pkt-line.js';
import type { Transport } from './transport.js';
import { isoGit, type IsomorphicGit } from './iso-git.js';

const INFINITE_DEPTH = 0x7fffffff;

export interface FetchContext {
  repos: CacheRepos;
  transport: Transport;
  /** True when native git may do the first transfer into an empty cache repository. */
  useNative(): Promise<boolean>;
}

interface FetchOutcome {
  missing: Want[];
  goneRefs: Set<string>;
  /** The last unexpected failure of a fetch attempt, kept as the cause of E_COMMIT_NOT_FOUND. */
  lastError?: unknown;
}

export async function listRemoteRefs(ctx: FetchContext, repo: CacheRepo): Promise<RemoteRefs> {
  if (repo.address.kind === 'file') return listLocalRefs(repo);
  if (repo.address.kind === 'ssh') return listSshRefs(ctx, repo);
  let served: { ref: string; oid: string; target?: string; peeled?: string }[];
  try {
    served = (await advertisedRefs(ctx, repo)) ?? (await (await isoGit()).listServerRefs({
      http: ctx.transport.http(repo),
      url: repo.url,
      headers: ctx.transport.headers(),
      // Protocol v1: one GET carries refs, peeled tags and HEAD's target; v2 needs a second
      // round trip (ls-refs) for the same answer.
      protocolVersion: 1,
      symrefs: true,
      peelTags: true,
      ...ctx.transport.auth(repo.url),
    }));
  } catch (error) {
    throw translateRemoteError(error, repo.url);
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
  refs.sort((a, b) => comparePaths(a.name, b.name));
  return { refs, head };
}

/**
 * The refs a smart HTTP server advertises for upload-pack (protocol v0/v1), read here as
 * isomorphic-git's listServerRefs reads them (peeled tags, HEAD's target from the symref
 * capability): one GET, and no isomorphic-git to load for a no-op pull. Null for a protocol v2
 * answer, which isomorphic-git reads.
 */
async function advertisedRefs(ctx: FetchContext, repo: CacheRepo): Promise<{ ref: string; oid: string; target?: string; peeled?: string }[] | null> {
  const service = 'git-upload-pack';
  // The transport already refused (and asked again for) a 200 answer that is no complete ref
  // advertisement; like isomorphic-git, a complete one is read whatever its content-type says.
  const { body } = await ctx.transport.exchange(repo, { method: 'GET', url: `${repo.url.replace(/\/+$/, '')}/info/refs?service=${service}`, tokenOnChallenge: true });
  if (readPktLines(body).pkts.some((p) => p.type === 'data' && p.payload.toString('latin1').startsWith('version 2'))) return null;
  const { refs, capabilities } = parseRefAdvertisement(body, service);
  const symrefs = new Map<string, string>();
  for (const capability of capabilities) {
    const match = /^symref=([^:]+):(.*)$/.exec(capability);
    if (match) symrefs.set(match[1]!, match[2]!);
  }
  const served: { ref: string; oid: string; target?: string; peeled?: string }[] = [];
  for (const [ref, oid] of refs) {
    if (ref.endsWith('^{}')) continue;
    const peeled = refs.get(`${ref}^{}`);
    const target = symrefs.get(ref);
    served.push({ ref, oid, ...(target ? { target } : {}), ...(peeled ? { peeled } : {}) });
  }
  return served;
}

export async function ensureCommits(ctx: FetchContext, repo: CacheRepo, wants: Want[], options: { deep?: boolean }): Promise<{ fetched: boolean }> {
  return serialized(repo, async () => {
    let missing = await missingOf(repo, wants);
    if (missing.length === 0) return { fetched: false };
    await ctx.repos.ready(repo);
    const outcome = await withCacheLock(repo.gitdir, repo.repository, async () => {
      // Another forge process may have fetched them while we waited for the lock.
      missing = await missingOf(repo, missing);
      if (missing.length === 0) return { missing, goneRefs: new Set<string>(), fetched: false };
      const deep = options.deep === true;
      const outcome = repo.address.kind === 'http' ? await fetchMissing(ctx, repo, missing, deep) : await fetchWithoutHttp(ctx, repo, missing, deep);
      return { ...outcome, fetched: true };
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
}

/** `git ls-remote` over ssh: only native git speaks it. */
async function listSshRefs(ctx: FetchContext, repo: CacheRepo): Promise<RemoteRefs> {
  await requireNative(ctx, repo);
  const result = await nativeLsRemote({ url: repo.url, ...transferOptions(ctx, repo) });
  if (result.code !== 0) throw nativeFailure(repo, 'list the refs of', result.stderr, result.timedOut);
  const refs = new Map<string, Oid>();
  let head: string | null = null;
  for (const line of result.stdout.split('\n')) {
    const symref = /^ref: (\S+)\tHEAD$/.exec(line);
    if (symref) {
      head = symref[1]!;
      continue;
    }
    const match = /^([0-9a-f]{40})\t(\S+)$/.exec(line);
    if (!match) continue;
    const [, oid, name] = match as unknown as [string, string, string];
    // `refs/tags/v1^{}` is the commit an annotated tag points to: it wins over the tag object.
    if (name.endsWith('^{}')) refs.set(name.slice(0, -3), oid);
    else if (!refs.has(name)) refs.set(name, oid);
  }
  const list: RemoteRef[] = [...refs]
    .filter(([name]) => name === 'HEAD' || name.startsWith('refs/heads/') || name.startsWith('refs/tags/'))
    .map(([name, commit]) => ({ name, commit }));
  list.sort((a, b) => comparePaths(a.name, b.name));
  return { refs: list, head };
}

async function requireNative(ctx: FetchContext, repo: CacheRepo): Promise<void> {
  if (await ctx.useNative()) return;
  throw new ForgeError('E_BAD_REPOSITORY', `${repo.repository} is an ssh address, and forge reaches ssh repositories only through git, which is not installed here (git 2.38 or newer; or FORGE_NATIVE_GIT=0 is set).`, {
    hint: 'Install git, or use the https:// address of the repository.',
    data: { repository: repo.repository },
  });
}

function transferOptions(ctx: FetchContext, repo: CacheRepo) {
  const token = ctx.transport.tokenFor(repo.url);
  const userAgent = ctx.transport.userAgent;
  return { timeoutSeconds: ctx.transport.timeoutMs / 1000, ...(token ? { token } : {}), ...(userAgent ? { userAgent } : {}) };
}

/** Native git's progress as transfer events, when anyone shows them. */
function nativeProgress(ctx: FetchContext, repo: CacheRepo): { onProgress?: (progress: NativeProgress) => void } {
  if (!ctx.transport.showsProgress) return {};
  return { onProgress: (p) => ctx.transport.transfer({ repository: repo.repository, operation: 'fetch', phase: p.phase, loaded: p.loaded, total: p.total, ...(p.bytes === undefined ? {} : { bytes: p.bytes }) }) };
}

/** A native git that failed talking to a remote: git's own last words are the best explanation. */
function nativeFailure(repo: CacheRepo, what: string, stderr: string, timedOut = false): ForgeError {
  if (timedOut) {
    return new ForgeError('E_NETWORK', `${repo.repository} stopped answering (git heard nothing for too long trying to ${what} it).`, {
      hint: "Check your network connection and try again. Meanwhile 'forge sync status --offline' works without reaching it.",
      data: { repository: repo.repository },
    });
  }
  const said = stderr.trim().split('\n').filter(Boolean).at(-1)?.replace(/^(fatal|error):\s*/, '') ?? 'no message';
  const ssh = repo.address.kind === 'ssh';
  return new ForgeError(ssh ? 'E_NETWORK' : 'E_GIT', `Could not ${what} ${repo.repository}: git says "${said}".`, {
    hint: ssh
      ? `Check that you can reach it with ssh (ssh -T ${repo.address.ssh?.user ? `${repo.address.ssh.user}@` : ''}${repo.address.ssh?.host ?? repo.address.host}) and that your key is loaded.`
      : 'Check that the path is a Git repository you can read.',
    data: { repository: repo.repository },
  });
}

/**
 * Local and ssh repositories: native git fetches the wanted refs (shallow), then, for commits no
 * longer at the tip of a ref, the history. A local repository without native git is copied from.
 */
async function fetchWithoutHttp(ctx: FetchContext, repo: CacheRepo, wants: Want[], deep: boolean): Promise<FetchOutcome> {
  if (!(await ctx.useNative())) {
    if (repo.address.kind === 'file') return copyFromLocal(repo, wants, deep);
    await requireNative(ctx, repo);
  }
  const tips = new Map((await listRemoteRefs(ctx, repo)).refs.map((r) => [r.name, r.commit]));
  const goneRefs = new Set(wants.map((w) => w.ref).filter((ref): ref is string => !!ref && ref.startsWith('refs/') && !tips.has(ref)));
  const run = async (refspecs: string[], depth: number | undefined, unshallow = false) => {
    if (refspecs.length === 0) return;
    ctx.transport.onRequest?.({ repository: repo.repository, method: 'FETCH', url: repo.url, transport: 'native-git' });
    const result = await nativeFetch({ gitdir: repo.gitdir, url: repo.url, refspecs, ...(depth ? { depth } : {}), unshallow, ...transferOptions(ctx, repo), ...nativeProgress(ctx, repo) });
    ctx.transport.debug(`git fetch ${repo.url} ${refspecs.join(' ')} (native): ${result.code === 0 ? 'done' : `exit ${result.code}`}`);
    if (result.code !== 0) throw nativeFailure(repo, 'fetch from', result.stderr, result.timedOut);
  };
  let missing = wants;
  if (!deep) {
    const refspecs = new Set<string>();
    for (const want of missing) {
      const ref = want.ref && tips.get(want.ref) === want.commit ? want.ref : [...tips].find(([name, oid]) => oid === want.commit && name !== 'HEAD')?.[0];
      if (ref) refspecs.add(`+${ref}:${ref}`);
    }
    await run([...refspecs], 1);
    missing = await missingOf(repo, missing);
  }
  if (missing.length > 0) {
    // Full history of the default branch and of every wanted ref that still exists.
    const refspecs = new Set(['+HEAD:refs/forge/head']);
    for (const want of missing) if (want.ref && tips.has(want.ref)) refspecs.add(`+${want.ref}:${want.ref}`);
    await run([...refspecs], undefined, await isShallow(repo));
    missing = await missingOf(repo, missing);
  }
  const last = wants.at(-1);
  if (last && (await hasCommitIn(repo, last.commit))) await setRef(repo, LAST_REF, last.commit);
  return { missing, goneRefs };
}

async function fetchMissing(ctx: FetchContext, repo: CacheRepo, wants: Want[], deep: boolean): Promise<FetchOutcome> {
  const goneRefs = new Set<string>();
  let lastError: unknown;
  let missing = wants;

  const attempt = async (target: string, depth: number | undefined, commit?: Oid, extraWants: Oid[] = []): Promise<void> => {
    try {
      await isoFetch(ctx, repo, target, depth, commit, extraWants);
    } catch (error) {
      const translated = translateRemoteError(error, repo.url);
      // Auth, network and missing repository stop everything; a missing ref or a refused
      // commit id leaves the want missing for the next strategy.
      if (translated.code === 'E_AUTH' || translated.code === 'E_NETWORK' || translated.code === 'E_REPO_NOT_FOUND') throw translated;
      if ((error as { code?: string }).code === 'NotFoundError' && target.startsWith('refs/')) goneRefs.add(target);
      else lastError = error;
    }
  };

  if ((await isEmptyCache(repo)) && (await ctx.useNative())) {
    if (await nativeFirstFetch(ctx, repo, missing, deep)) missing = await missingOf(repo, missing);
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

/** First transfer with native git; false when it did not work (isomorphic-git then retries and reports). */
async function nativeFirstFetch(ctx: FetchContext, repo: CacheRepo, wants: Want[], deep: boolean): Promise<boolean> {
  const refspecs = new Set<string>();
  for (const want of wants) {
    if (want.ref?.startsWith('refs/')) refspecs.add(`+${want.ref}:${want.ref}`);
    else if (!deep) refspecs.add(`+${want.commit}:refs/forge/commits/${want.commit}`);
  }
  if (deep) refspecs.add('+HEAD:refs/forge/head');
  if (refspecs.size === 0) return false;
  ctx.transport.onRequest?.({ repository: repo.repository, method: 'FETCH', url: repo.url, transport: 'native-git' });
  const token = ctx.transport.tokenFor(repo.url);
  const userAgent = ctx.transport.userAgent;
  const result = await nativeFetch({
    gitdir: repo.gitdir,
    url: repo.url,
    refspecs: [...refspecs],
    ...(deep ? {} : { depth: 1 }),
    timeoutSeconds: ctx.transport.timeoutMs / 1000,
    ...(token ? { token } : {}),
    ...(userAgent ? { userAgent } : {}),
    ...nativeProgress(ctx, repo),
  }).catch(() => ({ code: 1, stderr: '' }));
  ctx.transport.debug(`git fetch ${repo.url} (native, first transfer): ${result.code === 0 ? 'done' : `exit ${result.code}, isomorphic-git takes over`}`);
  if (result.code !== 0) return false;
  const last = wants.at(-1);
  if (last && (await hasCommitIn(repo, last.commit))) await setRef(repo, LAST_REF, last.commit);
  return true;
}

/** isomorphic-git fetch of one ref (or commit id); `depth` 1 for shallow. */
async function isoFetch(ctx: FetchContext, repo: CacheRepo, target: string, depth: number | undefined, commit?: Oid, extraWants: Oid[] = []): Promise<void> {
  const git = await isoGit();
  const isNamedRef = target.startsWith('refs/heads/') || target.startsWith('refs/tags/');
  if (isNamedRef) {
    // isomorphic-git tells the server it "has" the local ref of the same name. Point it at the
    // newest commit we hold so the server sends only what changed since then.
    const local = await git.resolveRef({ fs, gitdir: repo.gitdir, ref: target }).catch(() => null);
    const last = local ?? (await git.resolveRef({ fs, gitdir: repo.gitdir, ref: LAST_REF }).catch(() => null));
    if (!local && last) await git.writeRef({ fs, gitdir: repo.gitdir, ref: target, value: last, force: true });
  }
  repo.extraWants = extraWants;
  let result: Awaited<ReturnType<IsomorphicGit['fetch']>>;
  try {
    result = await git.fetch({
      fs,
      http: ctx.transport.http(repo),
      gitdir: repo.gitdir,
      cache: repo.cache,
      url: repo.url,
      ref: target,
      singleBranch: true,
      tags: false,
      headers: ctx.transport.headers(),
      ...(depth === undefined ? {} : { depth }),
      ...ctx.transport.auth(repo.url),
      ...(ctx.transport.showsProgress
        ? { onProgress: (p: { phase: string; loaded: number; total: number }) => ctx.transport.transfer({ repository: repo.repository, operation: 'fetch', phase: p.phase, loaded: p.loaded, total: p.total || null }) }
        : {}),
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
