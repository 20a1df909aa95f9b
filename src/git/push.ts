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

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { ForgeError } from '../errors.js';
import type { PushInput } from '../core/ports.js';
import type { Oid } from '../core/model.js';
import { isValidBranchName } from '../core/names.js';
import type { CacheRepo, CacheRepos } from './cache-repo.js';
import { translateRemoteError } from './git-errors.js';
import { killGit, nativePackObjects, spawnGit, spawnWatched, sshOptions } from './native-git.js';
import { FLUSH, parseRefAdvertisement, PktLineError, pktLine, readPktLines, type RefAdvertisement } from './pkt-line.js';
import { readCommitIn, readTreeIn } from './read.js';
import type { Transport } from './transport.js';
import { isoGit } from './iso-git.js';
import { idleTimer } from './idle-timer.js';

const ZERO = '0'.repeat(40);

export interface PushContext {
  repos: CacheRepos;
  transport: Transport;
  useNative(): Promise<boolean>;
}

export async function push(ctx: PushContext, repo: CacheRepo, input: PushInput): Promise<{ previous: Oid | null }> {
  const remote = ctx.repos.get(input.remote); // validates the address; objects stay in `repo`
  checkBranch(input.branch);
  const ref = `refs/heads/${input.branch}`;
  await readCommitIn(repo, input.commit);

  let previous: Oid | null | undefined;
  // Packed while the remote is asked where the branch is: the objects the commit adds to its
  // parent do not depend on the answer.
  const packing = objectsToSend(repo, input.commit).then(async (objects) => ({ bytes: await packObjects(ctx, repo, objects), objects: objects.length }));
  packing.catch(() => {}); // awaited below; a failed look at the remote must not leave it unhandled
  let pack: { bytes: Buffer; objects: number } | undefined;
  for (let attempt = 0; ; attempt++) {
    // Each try looks again: a try that failed on the way back may have updated the branch.
    const session = await openSession(ctx, remote);
    let answer: Buffer;
    let wanted: string[];
    try {
      const current = session.advertisement.refs.get(ref) ?? null;
      if (previous === undefined) previous = current;
      if (current === input.commit) {
        await session.close();
        return { previous };
      }
      await checkUpdate(repo, remote, input, current);
      pack ??= await packing;
      wanted = ['report-status', 'side-band-64k'].filter((cap) => session.advertisement.capabilities.has(cap));
      const progress = { repository: remote.repository, operation: 'push' as const, phase: 'Writing objects', total: pack.objects };
      ctx.transport.transfer({ ...progress, loaded: 0, bytes: 0 });
      ctx.transport.debug(`push ${input.commit.slice(0, 12)} to ${input.branch} of ${remote.repository}: ${pack.objects} objects, ${pack.bytes.length} bytes`);
      answer = await session.send(Buffer.concat([pktLine(`${current ?? ZERO} ${input.commit} ${ref}\0 ${wanted.join(' ')}\n`), FLUSH, pack.bytes]));
      ctx.transport.transfer({ ...progress, loaded: pack.objects, bytes: pack.bytes.length });
    } catch (error) {
      await session.close();
      const translated = translateRemoteError(error, remote.url);
      if (translated.code !== 'E_NETWORK' || attempt >= ctx.transport.retries || remote.address.kind !== 'http') throw translated;
      ctx.transport.debug(`push to ${remote.repository}: ${translated.message} Looking at ${input.branch} again (${attempt + 1} of ${ctx.transport.retries}).`);
      await ctx.transport.backoff(attempt);
      continue;
    }
    if (wanted.includes('report-status')) checkReport(remote, input.branch, readReport(remote, answer, wanted.includes('side-band-64k')));
    return { previous };
  }
}

/** One conversation with a receive-pack: what it advertised, then one request and its answer. */
interface ReceivePackSession {
  advertisement: RefAdvertisement;
  send(body: Buffer): Promise<Buffer>;
  /** Ends the conversation without an update (safe to call more than once). */
  close(): Promise<void>;
}

async function openSession(ctx: PushContext, remote: CacheRepo): Promise<ReceivePackSession> {
  if (remote.address.kind === 'http') {
    const base = remote.url.replace(/\/+$/, '');
    let body: Buffer;
    try {
      ({ body } = await ctx.transport.exchange(remote, { method: 'GET', url: `${base}/info/refs?service=git-receive-pack` }));
    } catch (error) {
      throw translateRemoteError(error, remote.url);
    }
    let advertisement: RefAdvertisement;
    try {
      advertisement = parseRefAdvertisement(body, 'git-receive-pack');
    } catch (error) {
      throw translateRemoteError(error, remote.url);
    }
    return {
      advertisement,
      send: async (request) =>
        (
          await ctx.transport.exchange(remote, {
            method: 'POST',
            url: `${base}/git-receive-pack`,
            headers: { 'content-type': 'application/x-git-receive-pack-request', accept: 'application/x-git-receive-pack-result' },
            body: request,
          })
        ).body,
      close: async () => {},
    };
  }
  if (!(await ctx.useNative())) {
    throw new ForgeError('E_BAD_REPOSITORY', `Pushing to ${remote.repository} needs git (2.38 or newer), which is not installed here (or FORGE_NATIVE_GIT=0 is set).`, {
      hint: 'Install git, or push to the https:// address of the repository.',
      data: { repository: remote.repository },
    });
  }
  return processSession(remote, receivePackProcess(remote, ctx.transport.timeoutMs), ctx.transport.timeoutMs);
}

/** `git receive-pack PATH` for a local repository; `ssh [-p PORT] [USER@]HOST git-receive-pack 'PATH'` for ssh. */
function receivePackProcess(remote: CacheRepo, timeoutMs: number): ChildProcess {
  const stdio: ['pipe', 'pipe', 'pipe'] = ['pipe', 'pipe', 'pipe'];
  if (remote.address.kind === 'file') return spawnGit(['receive-pack', remote.address.localPath!], { stdio });
  const ssh = remote.address.ssh!;
  const quoted = `'${ssh.remotePath.replace(/'/g, `'\\''`)}'`;
  const args = [...(ssh.port ? ['-p', ssh.port] : []), ssh.user ? `${ssh.user}@${ssh.host}` : ssh.host, `git-receive-pack ${quoted}`];
  const env = { GIT_TERMINAL_PROMPT: '0' };
  if (process.env.GIT_SSH_COMMAND) return spawnWatched('/bin/sh', ['-c', `${process.env.GIT_SSH_COMMAND} "$@"`, 'forge-ssh', ...args], { env, stdio });
  if (process.env.GIT_SSH) return spawnWatched(process.env.GIT_SSH, args, { env, stdio });
  return spawnWatched('ssh', [...sshOptions(timeoutMs / 1000), ...args], { env, stdio });
}

/** Index just past the first flush-pkt of `bytes`, or null while it has not arrived whole. */
function advertisementEnd(bytes: Buffer): number | null {
  let at = 0;
  while (at + 4 <= bytes.length) {
    const length = Number.parseInt(bytes.subarray(at, at + 4).toString('latin1'), 16);
    if (!Number.isFinite(length)) throw new PktLineError('bad pkt-line length in the ref advertisement');
    if (length === 0) return at + 4;
    if (length < 4) throw new PktLineError('bad pkt-line length in the ref advertisement');
    at += length;
  }
  return null;
}

function processSession(remote: CacheRepo, child: ChildProcess, timeoutMs: number): Promise<ReceivePackSession> {
  return new Promise((resolve, reject) => {
    let out = Buffer.alloc(0);
    let stderr = '';
    let advertised: number | null = null;
    let ended = false;
    // Like every HTTP request: silent for timeoutMs is a stalled remote.
    const idle = idleTimer(timeoutMs, () => killGit(child));
    child.stdout!.on('data', idle.arm);
    child.stderr!.on('data', idle.arm);
    const closed = new Promise<number>((done) =>
      child.on('close', (code) => {
        idle.stop();
        done(code ?? 1);
      }),
    );
    const failed = (why: string) =>
      new ForgeError(remote.address.kind === 'ssh' || idle.timedOut ? 'E_NETWORK' : 'E_GIT', `Could not push to ${remote.repository}: ${idle.timedOut ? `it stopped answering (nothing received for ${timeoutMs} ms)` : why}.`, {
        hint: remote.address.kind === 'ssh' ? 'Check that you can reach the host with ssh and that your key is loaded.' : 'Check that the path is a Git repository you can write to.',
        data: { repository: remote.repository },
      });
    const lastWords = () => stderr.trim().split('\n').filter(Boolean).at(-1)?.replace(/^(fatal|error):\s*/, '');
    child.stdin!.on('error', () => {}); // the process died: its exit says why
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', (error) => reject(failed(error.message)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out = Buffer.concat([out, chunk]);
      if (advertised !== null) return;
      try {
        advertised = advertisementEnd(out);
      } catch (error) {
        reject(translateRemoteError(error, remote.url));
        return;
      }
      if (advertised === null) return;
      let advertisement: RefAdvertisement;
      try {
        advertisement = parseRefAdvertisement(out.subarray(0, advertised), 'git-receive-pack');
      } catch (error) {
        reject(translateRemoteError(error, remote.url));
        return;
      }
      const end = async (body: Buffer) => {
        if (ended) return closed;
        ended = true;
        child.stdin!.end(body);
        return closed;
      };
      resolve({
        advertisement,
        async send(body) {
          const code = await end(body);
          const answer = out.subarray(advertised!);
          if (answer.length === 0) throw failed(`receive-pack ended (${code}) without an answer${lastWords() ? `: "${lastWords()}"` : ''}`);
          return answer;
        },
        async close() {
          await end(FLUSH);
        },
      });
    });
    void closed.then((code) => {
      if (advertised === null) reject(failed(lastWords() ?? `receive-pack ended (${code}) before listing its refs`));
    });
  });
}

/** As `git check-ref-format --branch`: what git itself would accept as a branch name. */
function checkBranch(branch: string): void {
  if (!isValidBranchName(branch)) {
    throw new ForgeError('E_USAGE', `'${branch}' is not a valid branch name.`, {
      hint: "Use letters, digits, '-', '_', '.' and '/' (e.g. forge/button-fix).",
      data: { branch },
    });
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
    const parsed = await readCommitIn(repo, oid).catch(() => null);
    if (parsed) queue.push(...parsed.commit.parent);
  }
  return false;
}

/**
 * The commit, and each tree and blob it does not share with its first parent at the same path
 * (duplicates of objects elsewhere in the parent, or already on the remote, are harmless).
 * Continues through parents this adapter created.
 */
async function objectsToSend(repo: CacheRepo, commit: Oid): Promise<Oid[]> {
  const out = new Set<Oid>();
  let next: Oid | null = commit;
  while (next !== null) {
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
  const { packfile } = await (await isoGit()).packObjects({ fs, gitdir: repo.gitdir, oids, cache: repo.cache });
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
