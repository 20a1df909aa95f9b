// Forks: create (or find) the token user's fork, wait until GitHub has finished making it, list
// the forks a user owns, and bring a fork's branch up to date with upstream (merge-upstream).

import type { GitHubRepository, MergeUpstreamOutcome, RepoName, WaitProgress } from '../core/github.js';
import { ForgeError } from '../errors.js';
import { describe, type Api } from './api.js';
import { toRepository, type RepositoryJson } from './repositories.js';

export async function createFork(api: Api, upstream: RepoName): Promise<GitHubRepository> {
  const { data } = await api.call(upstream.host, `forking ${describe(upstream)}`, (c) => c.rest.repos.createFork({ owner: upstream.owner, repo: upstream.name }), {
    hints: {
      404: `Check that ${describe(upstream)} exists and that the token can read it.`,
      422: 'The owner may forbid forks of this repository, or the token may not be allowed to create repositories.',
    },
    data: { repository: describe(upstream) },
  });
  const json = data as unknown as RepositoryJson;
  if (json.owner.login.toLowerCase() === upstream.owner.toLowerCase() && json.name.toLowerCase() === upstream.name.toLowerCase()) {
    throw new ForgeError('E_GITHUB', `GitHub would not fork ${describe(upstream)} for its own owner: an account cannot own a repository and its fork.`, {
      hint: 'Push to the repository itself: the token belongs to its owner.',
      data: { repository: describe(upstream) },
    });
  }
  // Always the name GitHub chose: `name-1` when the user already had a repository called `name`.
  return toRepository(upstream.host, json, true);
}

/**
 * Polls the fork's default branch until GitHub answers for it (404/409 meanwhile: the copy is
 * still being made), waiting 1, 2, 4, 8, then 15 seconds between polls, for at most
 * `forkWaitSeconds` (GitHub's documented worst case is five minutes).
 */
export async function waitForFork(api: Api, fork: GitHubRepository, onWait?: (progress: WaitProgress) => void): Promise<void> {
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    const probe = await api.attempt(
      fork.host,
      `checking that the fork ${describe(fork)} is ready`,
      (c) => c.rest.git.getRef({ owner: fork.owner, repo: fork.name, ref: `heads/${fork.defaultBranch}` }),
      [404, 409],
    );
    if (probe.ok) return;
    const seconds = Math.min(2 ** (attempt - 1), 15, api.options.forkWaitSeconds - waited);
    if (seconds <= 0) {
      throw new ForgeError('E_FORK_NOT_READY', `GitHub has not finished creating the fork ${describe(fork)} after ${waited} seconds.`, {
        hint: 'GitHub makes forks in the background; run the same command again in a few minutes (forge reuses the fork).',
        data: { fork: describe(fork) },
      });
    }
    onWait?.({ attempt, seconds });
    await api.sleep(seconds);
    waited += seconds;
  }
}

const FORK_PAGES = 10;

/** Forks of `upstream` owned by `owner` (up to the first 1,000 forks, newest first). */
export async function forksOwnedBy(api: Api, upstream: RepoName, owner: string): Promise<GitHubRepository[]> {
  const out: GitHubRepository[] = [];
  const doing = `listing the forks of ${describe(upstream)}`;
  for (let page = 1; page <= FORK_PAGES; page++) {
    const { data } = await api.call(upstream.host, doing, (c) => c.rest.repos.listForks({ owner: upstream.owner, repo: upstream.name, sort: 'newest', per_page: 100, page }), {
      data: { repository: describe(upstream) },
    });
    for (const item of data as unknown as RepositoryJson[]) {
      if (item.owner.login.toLowerCase() !== owner.toLowerCase()) continue;
      const parent = item.parent?.full_name ?? `${upstream.owner}/${upstream.name}`;
      out.push(toRepository(upstream.host, { ...item, parent: { full_name: parent } }, true));
    }
    if (data.length < 100) break;
  }
  return out;
}

export async function compare(api: Api, repo: RepoName, base: string, head: string): Promise<{ ahead: number; behind: number }> {
  const { data } = await api.call(
    repo.host,
    `comparing ${base} with ${head} in ${describe(repo)}`,
    (c) => c.rest.repos.compareCommitsWithBasehead({ owner: repo.owner, repo: repo.name, basehead: `${base}...${head}`, per_page: 1 }),
    { hints: { 404: `A branch is missing: check that ${base} and ${head} exist.` }, data: { repository: describe(repo) } },
  );
  return { ahead: data.ahead_by, behind: data.behind_by };
}

/** True when GitHub refused a merge-upstream because the token lacks the `workflow` scope (its message is the only sign). */
export function needsWorkflowScope(message: string): boolean {
  return /\bworkflow\b/i.test(message) && /\bscope\b/i.test(message);
}

export async function mergeUpstream(api: Api, fork: RepoName, branch: string): Promise<MergeUpstreamOutcome> {
  const doing = `syncing ${branch} of ${describe(fork)} with upstream`;
  const result = await api.attempt(fork.host, doing, (c) => c.rest.repos.mergeUpstream({ owner: fork.owner, repo: fork.name, branch }), [409, 422], {
    data: { fork: describe(fork), branch },
  });
  if (result.ok) {
    const { merge_type: type, message } = result.value.data as { merge_type?: string; message?: string };
    const kind = type === 'fast-forward' ? 'fast-forward' : type === 'merge' ? 'merge' : 'up-to-date';
    return { kind, message: message ?? '' };
  }
  const { failure } = result;
  if (failure.status === 409) return { kind: 'conflict', message: failure.message };
  if (needsWorkflowScope(failure.message)) {
    throw new ForgeError('E_AUTH', `GitHub refused to sync ${describe(fork)}: upstream changed workflow files, and the token lacks the workflow scope.`, {
      hint: 'Add the workflow scope to the token (gh users: gh auth refresh -s workflow), then run forge fork sync again.',
      data: { fork: describe(fork), branch, status: 422, github: failure.message },
    });
  }
  throw new ForgeError('E_GITHUB', `GitHub could not sync ${branch} of ${describe(fork)} (HTTP 422${failure.message ? `: ${failure.message}` : ''}).`, {
    hint: `Check that ${branch} exists in the fork and upstream, or sync it by hand on GitHub.`,
    data: { fork: describe(fork), branch, status: 422, github: failure.message },
  });
}
