// Pushing a commit from the object cache to a branch of an upstream repository or a fork, over
// smart HTTP spoken here (gitprotocol-pack, receive-pack):
//
//   GET  …/info/refs?service=git-receive-pack   where the branch is now, what the server can do
//   POST …/git-receive-pack                     "<old> <new> refs/heads/BRANCH", then a pack
//
// The pack holds the commit and only the trees and blobs it does not share with its parent (and
// so on through commits made by this adapter that the remote does not have yet): pushing a
// component sends the component, never the rest of the repository. Neither isomorphic-git's push
// (which sends every object of a new branch's tree) nor native git's (which, from a shallow
// cache, cannot tell that the remote has the parent) does that. Native `git pack-objects` packs
// the objects when git is installed (with deltas); isomorphic-git's packObjects otherwise.
//
// The old id in the command makes the update a compare-and-swap on the server: if someone pushes
// between our look and our update, the server refuses ours.

import fs from 'node:fs';
import * as git from 'isomorphic-git';
import { ForgeError } from '../errors.js';
import type { PushInput } from '../core/ports.js';
import type { Oid } from '../core/model.js';
import type { CacheRepo, CacheRepos } from './cache-repo.js';
import { translateRemoteError } from './git-errors.js';
import { nativePackObjects } from './native-git.js';
import { FLUSH, parseRefAdvertisement, pktLine, readPktLines } from './pkt-line.js';
import { readCommitIn, readTreeIn } from './read.js';
import type { Transport } from './transport.js';

const ZERO = '0'.repeat(40);

export interface PushContext {
  repos: CacheRepos;
  transport: Transport;
  useNative(): Promise<boolean>;
}

export async function push(ctx: PushContext, repo: CacheRepo, input: PushInput): Promise<{ previous: Oid | null }> {
  const remote = ctx.repos.get(input.remote); // validates the URL; objects stay in `repo`
  checkBranch(input.branch);
  const ref = `refs/heads/${input.branch}`;
  await readCommitIn(repo, input.commit);

  const advertised = await discover(ctx, remote);
  const current = advertised.refs.get(ref) ?? null;
  if (current === input.commit) return { previous: current };
  await checkUpdate(repo, remote, input, current);

  const have = new Set(advertised.refs.values());
  const objects = await objectsToSend(repo, input.commit, have);
  const pack = await packObjects(ctx, repo, objects);
  const wanted = ['report-status', 'side-band-64k'].filter((cap) => advertised.capabilities.has(cap));
  const body = Buffer.concat([pktLine(`${current ?? ZERO} ${input.commit} ${ref}\0 ${wanted.join(' ')}\n`), FLUSH, pack]);

  let answer: Buffer;
  try {
    ({ body: answer } = await ctx.transport.exchange(remote, {
      method: 'POST',
      url: `${remote.url.replace(/\/+$/, '')}/git-receive-pack`,
      headers: { 'content-type': 'application/x-git-receive-pack-request', accept: 'application/x-git-receive-pack-result' },
      body,
    }));
  } catch (error) {
    throw translateRemoteError(error, remote.url);
  }
  if (wanted.includes('report-status')) checkReport(remote, input.branch, readReport(remote, answer, wanted.includes('side-band-64k')));
  return { previous: current };
}

/** As `git check-ref-format --branch`: what git itself would accept as a branch name. */
function checkBranch(branch: string): void {
  const bad =
    branch === '' ||
    branch === '@' ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.includes('..') ||
    branch.includes('//') ||
    branch.includes('@{') ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(branch) ||
    branch.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (bad) {
    throw new ForgeError('E_USAGE', `'${branch}' is not a valid branch name.`, {
      hint: "Use letters, digits, '-', '_', '.' and '/' (e.g. forge/button-fix).",
      data: { branch },
    });
  }
}

async function discover(ctx: PushContext, remote: CacheRepo) {
  let body: Buffer;
  try {
    ({ body } = await ctx.transport.exchange(remote, { method: 'GET', url: `${remote.url.replace(/\/+$/, '')}/info/refs?service=git-receive-pack` }));
  } catch (error) {
    throw translateRemoteError(error, remote.url);
  }
  try {
    return parseRefAdvertisement(body, 'git-receive-pack');
  } catch (error) {
    throw translateRemoteError(error, remote.url);
  }
}

/** The rules of `force` and `expect` (see PushInput), checked against where the branch is now. */
async function checkUpdate(repo: CacheRepo, remote: CacheRepo, input: PushInput, current: Oid | null): Promise<void> {
  if (input.force) return;
  const short = (oid: Oid | null) => (oid === null ? 'absent' : oid.slice(0, 12));
  if (input.expect !== undefined) {
    if (current === input.expect) return;
    throw rejected(
      remote,
      input.branch,
      current === null
        ? `Branch ${input.branch} no longer exists in ${remote.repository} (expected it at ${short(input.expect)}).`
        : input.expect === null
          ? `Branch ${input.branch} already exists in ${remote.repository} (at ${short(current)}).`
          : `Branch ${input.branch} of ${remote.repository} is at ${short(current)}, not at ${short(input.expect)}: someone else pushed to it.`,
      { current, expected: input.expect },
    );
  }
  if (current !== null && !(await descendsFrom(repo, input.commit, current))) {
    throw rejected(remote, input.branch, `Branch ${input.branch} of ${remote.repository} is at ${short(current)}, which the pushed commit does not build on (not a fast-forward).`, { current });
  }
}

function rejected(remote: CacheRepo, branch: string, message: string, data: Record<string, unknown> = {}): ForgeError {
  return new ForgeError('E_PUSH_REJECTED', message, {
    hint: `Look at what is on ${branch} now; push to another branch, or with --force to replace it.`,
    data: { repository: remote.repository, branch, ...data },
  });
}

/** True if `ancestor` is `commit` or one of its ancestors held in the cache. */
async function descendsFrom(repo: CacheRepo, commit: Oid, ancestor: Oid): Promise<boolean> {
  const seen = new Set<Oid>();
  const queue = [commit];
  while (queue.length > 0 && seen.size < 100_000) {
    const oid = queue.shift()!;
    if (oid === ancestor) return true;
    if (seen.has(oid)) continue;
    seen.add(oid);
    const parsed = await git.readCommit({ fs, gitdir: repo.gitdir, oid, cache: repo.cache }).catch(() => null);
    if (parsed) queue.push(...parsed.commit.parent);
  }
  return false;
}

/**
 * The commit, and each tree and blob it does not share with its first parent at the same path
 * (duplicates of objects elsewhere in the parent are harmless). Continues through parents this
 * adapter created that the remote does not have.
 */
async function objectsToSend(repo: CacheRepo, commit: Oid, have: ReadonlySet<Oid>): Promise<Oid[]> {
  const out = new Set<Oid>();
  let next: Oid | null = commit;
  while (next !== null && !have.has(next)) {
    const { commit: parsed } = await readCommitIn(repo, next);
    out.add(next);
    const parent = parsed.parent[0] ?? null;
    const parentTree = parent === null ? null : await readCommitIn(repo, parent).then((p) => p.commit.tree, () => null);
    await addTreeDiff(repo, out, parsed.tree, parentTree);
    next = parent !== null && repo.created.has(parent) ? parent : null;
  }
  return [...out];
}

async function addTreeDiff(repo: CacheRepo, out: Set<Oid>, tree: Oid, base: Oid | null): Promise<void> {
  if (tree === base || out.has(tree)) return;
  out.add(tree);
  const [entries, baseEntries] = await Promise.all([readTreeIn(repo, tree), base === null ? [] : readTreeIn(repo, base)]);
  const old = new Map(baseEntries.map((e) => [e.path, e]));
  await Promise.all(
    entries.map(async (entry) => {
      const before = old.get(entry.path);
      if (before?.oid === entry.oid) return;
      if (entry.type === 'tree') await addTreeDiff(repo, out, entry.oid, before?.type === 'tree' ? before.oid : null);
      else if (entry.type === 'blob') out.add(entry.oid);
      // a submodule entry names a commit of another repository: nothing to send
    }),
  );
}

async function packObjects(ctx: PushContext, repo: CacheRepo, oids: Oid[]): Promise<Buffer> {
  if (await ctx.useNative()) {
    const pack = await nativePackObjects(repo.gitdir, oids).catch(() => null);
    if (pack) return pack;
  }
  const { packfile } = await git.packObjects({ fs, gitdir: repo.gitdir, oids, cache: repo.cache });
  return Buffer.from(packfile!);
}

interface PushReport {
  unpack: string;
  refs: Map<string, { ok: boolean; reason: string }>;
}

/** The report-status answer, out of the side band when it was asked for. */
function readReport(remote: CacheRepo, answer: Buffer, sideBand: boolean): PushReport {
  const fail = (why: string) =>
    new ForgeError('E_NETWORK', `${remote.repository} did not answer the push like a Git server (${why}).`, {
      hint: 'Try again; if it persists, check that the URL is a Git repository served over HTTP(S).',
      data: { repository: remote.repository },
    });
  let report = answer;
  try {
    if (sideBand) {
      const data: Buffer[] = [];
      const messages: string[] = [];
      for (const pkt of readPktLines(answer).pkts) {
        if (pkt.type !== 'data' || pkt.payload.length === 0) continue;
        const band = pkt.payload[0];
        if (band === 1) data.push(pkt.payload.subarray(1));
        else if (band === 3) messages.push(pkt.payload.subarray(1).toString('utf8').trim());
      }
      if (messages.length > 0) {
        throw new ForgeError('E_PUSH_REJECTED', `${remote.repository} refused the push: ${messages.join(' ')}`, { data: { repository: remote.repository } });
      }
      report = Buffer.concat(data);
    }
    const lines: string[] = [];
    let flushed = false;
    for (const pkt of readPktLines(report).pkts) {
      if (pkt.type === 'flush') {
        flushed = true;
        break;
      }
      if (pkt.type === 'data') lines.push(pkt.payload.toString('utf8').replace(/\n$/, ''));
    }
    if (!flushed || !lines[0]?.startsWith('unpack ')) throw fail('no complete report-status');
    const refs = new Map<string, { ok: boolean; reason: string }>();
    for (const line of lines.slice(1)) {
      const [status, name, ...reason] = line.split(' ');
      if ((status === 'ok' || status === 'ng') && name) refs.set(name, { ok: status === 'ok', reason: reason.join(' ') });
    }
    return { unpack: lines[0].slice('unpack '.length), refs };
  } catch (error) {
    if (error instanceof ForgeError) throw error;
    throw fail((error as Error).message);
  }
}

function checkReport(remote: CacheRepo, branch: string, report: PushReport): void {
  const ref = `refs/heads/${branch}`;
  if (report.unpack !== 'ok') {
    throw new ForgeError('E_PUSH_REJECTED', `${remote.repository} could not store the pushed objects for ${branch} (${report.unpack}).`, {
      hint: 'Try again; if it persists, the server may be out of space or refuse large pushes.',
      data: { repository: remote.repository, branch, reason: report.unpack },
    });
  }
  const status = report.refs.get(ref);
  if (status?.ok) return;
  const reason = status?.reason || 'no status for the branch';
  throw new ForgeError('E_PUSH_REJECTED', `${remote.repository} refused the update of ${branch} (${reason}).`, {
    hint:
      reason.includes('missing necessary objects')
        ? 'The repository lacks the commit the change builds on; bring it up to date with its upstream (forge fork sync) and push again.'
        : `Someone may have pushed to ${branch} meanwhile, or the branch is protected; push to another branch, or with --force.`,
    data: { repository: remote.repository, branch, reason },
  });
}
