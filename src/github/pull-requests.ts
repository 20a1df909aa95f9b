// Pull requests: find the open one for a head branch, open, update, read its state.
//
// GitHub's list filter `head` must be `owner:branch` (a bare branch name is silently ignored and
// lists every open pull request), and even then the result is checked here field by field.

import type { NewPullRequest, PullRequestInfo, RepoName } from '../core/github.js';
import { ForgeError } from '../errors.js';
import { describe, type Api } from './api.js';

interface PullRequestJson {
  number: number;
  html_url: string;
  state: string;
  draft?: boolean;
  merged_at: string | null;
  title: string;
  body: string | null;
  head: { ref: string; sha: string; user: { login: string } | null; repo: { full_name: string; owner: { login: string } } | null; label?: string };
  base: { ref: string };
}

function toPullRequest(data: PullRequestJson): PullRequestInfo {
  const owner = data.head.repo?.owner.login ?? data.head.user?.login ?? data.head.label?.split(':')[0] ?? '';
  return {
    number: data.number,
    url: data.html_url,
    state: data.merged_at ? 'merged' : data.state === 'open' ? 'open' : 'closed',
    draft: data.draft === true,
    title: data.title,
    body: data.body ?? '',
    head: { owner, branch: data.head.ref, sha: data.head.sha, repository: data.head.repo?.full_name ?? null },
    base: data.base.ref,
  };
}

export async function findOpenPullRequest(api: Api, upstream: RepoName, head: { owner: string; branch: string }): Promise<PullRequestInfo | null> {
  const { data } = await api.call(
    upstream.host,
    `looking for an open pull request from ${head.owner}:${head.branch} on ${describe(upstream)}`,
    (c) => c.rest.pulls.list({ owner: upstream.owner, repo: upstream.name, state: 'open', head: `${head.owner}:${head.branch}`, per_page: 100 }),
    { data: { repository: describe(upstream) } },
  );
  const found = (data as unknown as PullRequestJson[])
    .map(toPullRequest)
    .find((pr) => pr.state === 'open' && pr.head.branch === head.branch && pr.head.owner.toLowerCase() === head.owner.toLowerCase());
  return found ?? null;
}

export async function getPullRequest(api: Api, upstream: RepoName, number: number): Promise<PullRequestInfo> {
  const { data } = await api.call(upstream.host, `reading pull request #${number} of ${describe(upstream)}`, (c) => c.rest.pulls.get({ owner: upstream.owner, repo: upstream.name, pull_number: number }), {
    hints: { 404: `Pull request #${number} is gone from ${describe(upstream)} (or the token can no longer read the repository).` },
    data: { repository: describe(upstream), number },
  });
  return toPullRequest(data as unknown as PullRequestJson);
}

/**
 * Opens a pull request. A 422 either means one is already open for the head (then E_PR_EXISTS,
 * found by asking, not by reading GitHub's message) or, right after a push, that GitHub has not
 * yet seen the pushed commits ("No commits between …"): that one is retried twice.
 */
export async function openPullRequest(api: Api, upstream: RepoName, request: NewPullRequest): Promise<PullRequestInfo> {
  const head = request.head;
  const doing = `opening a pull request from ${head.owner}:${head.branch} on ${describe(upstream)}`;
  const sameOwnerFork = head.repository.owner.toLowerCase() === upstream.owner.toLowerCase() && head.repository.name !== upstream.name;
  for (let attempt = 0; ; attempt++) {
    const result = await api.attempt(
      upstream.host,
      doing,
      (c) =>
        c.rest.pulls.create({
          owner: upstream.owner,
          repo: upstream.name,
          title: request.title,
          body: request.body,
          head: `${head.owner}:${head.branch}`,
          ...(sameOwnerFork ? { head_repo: head.repository.name } : {}),
          base: request.base,
          draft: request.draft,
        }),
      [422],
      { data: { repository: describe(upstream) } },
    );
    if (result.ok) return toPullRequest(result.value.data as unknown as PullRequestJson);
    const existing = await findOpenPullRequest(api, upstream, head);
    if (existing) {
      throw new ForgeError('E_PR_EXISTS', `Pull request #${existing.number} is already open for ${head.owner}:${head.branch} on ${describe(upstream)}.`, {
        data: { repository: describe(upstream), number: existing.number, url: existing.url },
      });
    }
    if (attempt >= 2) {
      throw new ForgeError('E_GITHUB', `GitHub refused ${doing} (HTTP 422${result.failure.message ? `: ${result.failure.message}` : ''}).`, {
        hint: `Check that ${head.branch} differs from ${request.base}, then run the push again; the branch is pushed already.`,
        data: { repository: describe(upstream), status: 422, github: result.failure.message },
      });
    }
    api.options.emit({ type: 'debug', message: `GitHub: 422 on opening the pull request (${result.failure.message}); retrying` });
    await api.sleep(attempt + 1);
  }
}

export async function updatePullRequest(api: Api, upstream: RepoName, number: number, change: { title?: string; body?: string }): Promise<PullRequestInfo> {
  const { data } = await api.call(
    upstream.host,
    `updating pull request #${number} of ${describe(upstream)}`,
    (c) => c.rest.pulls.update({ owner: upstream.owner, repo: upstream.name, pull_number: number, ...change }),
    { data: { repository: describe(upstream), number } },
  );
  return toPullRequest(data as unknown as PullRequestJson);
}

const OPEN_PAGES = 10;

export async function openPullRequests(api: Api, repo: RepoName): Promise<PullRequestInfo[]> {
  const out: PullRequestInfo[] = [];
  for (let page = 1; page <= OPEN_PAGES; page++) {
    const { data } = await api.call(repo.host, `listing the open pull requests of ${describe(repo)}`, (c) => c.rest.pulls.list({ owner: repo.owner, repo: repo.name, state: 'open', per_page: 100, page }), {
      data: { repository: describe(repo) },
    });
    out.push(...(data as unknown as PullRequestJson[]).map(toPullRequest));
    if (data.length < 100) break;
  }
  return out;
}

/** Says why in a comment, then closes the pull request (the branch stays). */
export async function closePullRequest(api: Api, repo: RepoName, number: number, comment: string): Promise<PullRequestInfo> {
  await api.call(repo.host, `commenting on pull request #${number} of ${describe(repo)}`, (c) => c.rest.issues.createComment({ owner: repo.owner, repo: repo.name, issue_number: number, body: comment }), {
    data: { repository: describe(repo), number },
  });
  const { data } = await api.call(repo.host, `closing pull request #${number} of ${describe(repo)}`, (c) => c.rest.pulls.update({ owner: repo.owner, repo: repo.name, pull_number: number, state: 'closed' }), {
    data: { repository: describe(repo), number },
  });
  return toPullRequest(data as unknown as PullRequestJson);
}
