// forge fork list / forge fork sync: the user's forks of the upstream repositories forge.yaml
// names (the ones forge made, and every other fork the user owns, found through the API), and
// bringing each fork's default branch up to date with upstream (GitHub's merge-upstream).

import PQueue from 'p-queue';
import { ForgeError, isForgeError } from '../errors.js';
import { fullName, type GitHubPort, type GitHubRepository, type RepoName } from '../core/github.js';
import type { EngineContext } from './engine-context.js';

export interface ForkInfo {
  /** `owner/name` of the fork. */
  fork: string;
  host: string;
  /** The fork's web page. */
  url: string;
  /** `owner/name` of the repository it was forked from. */
  upstream: string;
  /** How forge.yaml or the lock writes that repository (null: only a fork record names it). */
  repository: string | null;
  defaultBranch: string;
  /** forge created (or reused) it for a push. */
  madeByForge: boolean;
}

export interface ForkList {
  forks: ForkInfo[];
  /** Repositories of forge.yaml that are not on a GitHub host: they have no forks to find. */
  notOnGitHub: string[];
  /** Forks forge made that GitHub no longer has. */
  gone: string[];
}

export function githubPort(ctx: EngineContext): GitHubPort {
  if (!ctx.github) throw new ForgeError('E_INTERNAL', 'This command needs GitHub, and it was started without it.', { hint: 'Report this.' });
  return ctx.github();
}

const keyOf = (repo: RepoName) => `${repo.host}/${repo.owner}/${repo.name}`.toLowerCase();

export async function listForks(ctx: EngineContext): Promise<ForkList> {
  const gh = githubPort(ctx);
  const manifest = await ctx.manifest.read();
  const lock = await ctx.lock.read();
  const records = await ctx.state.forks();
  const upstreams = new Map<string, { repo: RepoName; repository: string | null }>();
  const notOnGitHub = new Set<string>();
  const addresses = [...manifest.components.map((c) => c.repository), ...Object.values(lock.components).map((e) => e.repository)];
  for (const address of addresses) {
    const repo = gh.locate(address);
    if (!repo) notOnGitHub.add(address);
    else if (!upstreams.has(keyOf(repo))) upstreams.set(keyOf(repo), { repo, repository: address });
  }
  for (const record of records) {
    const repo = gh.locate(record.upstream);
    if (repo && !upstreams.has(keyOf(repo))) upstreams.set(keyOf(repo), { repo, repository: null });
  }

  const forks = new Map<string, ForkInfo>();
  const gone: string[] = [];
  const queue = new PQueue({ concurrency: Math.max(1, ctx.concurrency) });
  await Promise.all(
    [...upstreams.values()].map(({ repo, repository }) =>
      queue.add(async () => {
        const info = (fork: GitHubRepository, madeByForge: boolean): ForkInfo => ({
          fork: fullName(fork),
          host: fork.host,
          url: fork.htmlUrl,
          upstream: fork.parent ?? fullName(repo),
          repository,
          defaultBranch: fork.defaultBranch,
          madeByForge,
        });
        const viewer = await gh.viewer(repo.host);
        const made = records.filter((r) => {
          const up = gh.locate(r.upstream);
          return up !== null && keyOf(up) === keyOf(repo);
        });
        const madeNames = new Set(made.map((r) => r.fork.toLowerCase()));
        for (const fork of viewer ? await gh.forksOwnedBy(repo, viewer) : []) {
          forks.set(keyOf(fork), info(fork, madeNames.has(fullName(fork).toLowerCase())));
        }
        for (const record of made) {
          const [owner, name] = record.fork.split('/');
          const forkName = { host: repo.host, owner: owner!, name: name! };
          if (forks.has(keyOf(forkName))) continue;
          try {
            forks.set(keyOf(forkName), info(await gh.repository(forkName), true));
          } catch (error) {
            if (!isForgeError(error) || error.code !== 'E_REPO_NOT_FOUND') throw error;
            gone.push(`${record.fork} (fork of ${fullName(repo)})`);
          }
        }
      }),
    ),
  );
  const sorted = [...forks.values()].sort((a, b) => (a.upstream === b.upstream ? (a.fork < b.fork ? -1 : 1) : a.upstream < b.upstream ? -1 : 1));
  return { forks: sorted, notOnGitHub: [...notOnGitHub].sort(), gone: gone.sort() };
}

export type ForkSyncOutcome = 'up-to-date' | 'fast-forwarded' | 'merged' | 'conflict' | 'failed';

export interface ForkSyncResult {
  fork: string;
  url: string;
  upstream: string;
  branch: string;
  outcome: ForkSyncOutcome;
  /** Commits upstream had that the fork lacked; null when forge could not tell. */
  behind: number | null;
  /** The line for people: "3 commits behind, fast-forwarded". */
  message: string;
  error: { code: string; message: string; hint: string | null } | null;
}

export interface ForkSyncReport {
  forks: ForkSyncResult[];
  notOnGitHub: string[];
  gone: string[];
  /** Forks that could not be synced (conflicts and failures). */
  failed: number;
}

export interface ForkSyncOptions {
  /** A fork (`owner/name`, host/owner/name or its URL); undefined with `all`. */
  fork?: string;
  all: boolean;
}

function matches(fork: ForkInfo, wanted: string): boolean {
  const w = wanted.trim().replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase();
  const candidates = [fork.fork, `${fork.host}/${fork.fork}`, fork.url.replace(/\/+$/, '')].map((c) => c.toLowerCase());
  return candidates.includes(w) || candidates.includes(w.replace(/^https?:\/\//, ''));
}

const commits = (n: number) => `${n} commit${n === 1 ? '' : 's'} behind`;

export async function syncForks(ctx: EngineContext, options: ForkSyncOptions): Promise<ForkSyncReport> {
  if (!options.all && !options.fork) {
    throw new ForgeError('E_USAGE', 'Name the fork to sync, or sync them all with --all.', { hint: "'forge fork list' shows your forks." });
  }
  if (options.all && options.fork) throw new ForgeError('E_USAGE', `Give either a fork (${options.fork}) or --all, not both.`);
  const gh = githubPort(ctx);
  const list = await listForks(ctx);
  const chosen = options.fork ? list.forks.filter((f) => matches(f, options.fork!)) : list.forks;
  if (options.fork && chosen.length === 0) {
    throw new ForgeError('E_USAGE', `${options.fork} is not one of your forks of the repositories in forge.yaml.`, {
      hint: list.forks.length ? `Your forks: ${list.forks.map((f) => f.fork).join(', ')}.` : "'forge fork list' shows your forks; forge sync push --create-fork makes one.",
    });
  }
  const queue = new PQueue({ concurrency: Math.max(1, ctx.concurrency) });
  const results = await Promise.all(chosen.map((fork) => queue.add(() => syncOne(gh, fork))));
  return { forks: results, notOnGitHub: list.notOnGitHub, gone: list.gone, failed: results.filter((r) => r.outcome === 'conflict' || r.outcome === 'failed').length };
}

async function syncOne(gh: GitHubPort, fork: ForkInfo): Promise<ForkSyncResult> {
  const [owner, name] = fork.fork.split('/');
  const repo: RepoName = { host: fork.host, owner: owner!, name: name! };
  const upstreamOwner = fork.upstream.split('/')[0]!;
  const branch = fork.defaultBranch;
  const base = { fork: fork.fork, url: fork.url, upstream: fork.upstream, branch };
  let behind: number | null = null;
  try {
    behind = (await gh.compare(repo, branch, `${upstreamOwner}:${branch}`)).ahead;
    if (behind === 0) return { ...base, outcome: 'up-to-date', behind, message: 'up to date', error: null };
    const merged = await gh.mergeUpstream(repo, branch);
    switch (merged.kind) {
      case 'conflict':
        return { ...base, outcome: 'conflict', behind, message: 'merge conflict, manual resolution required', error: null };
      case 'fast-forward':
        return { ...base, outcome: 'fast-forwarded', behind, message: `${commits(behind)}, fast-forwarded`, error: null };
      case 'merge':
        return { ...base, outcome: 'merged', behind, message: `${commits(behind)}, merged`, error: null };
      default:
        return { ...base, outcome: 'up-to-date', behind: 0, message: 'up to date', error: null };
    }
  } catch (error) {
    if (!isForgeError(error)) throw error;
    return { ...base, outcome: 'failed', behind, message: error.message, error: { code: error.code, message: error.message, hint: error.hint ?? null } };
  }
}
