// Commits, read through the API: one commit as git stores it (forge recognises its own update
// commits by their message), and the commits of a range that touched a path (the update pull
// request lists them per component, linked to GitHub's compare page).

import type { CommitRange, GitCommitInfo, RepoName } from '../core/github.js';
import { describe, type Api } from './api.js';

export async function gitCommit(api: Api, repo: RepoName, sha: string): Promise<GitCommitInfo> {
  const { data } = await api.call(repo.host, `reading commit ${sha.slice(0, 12)} of ${describe(repo)}`, (c) => c.rest.git.getCommit({ owner: repo.owner, repo: repo.name, commit_sha: sha }), {
    data: { repository: describe(repo), commit: sha },
  });
  return { sha: data.sha, message: data.message, tree: data.tree.sha, parents: data.parents.map((p) => p.sha) };
}

/** Pages of the path's history read at most; the range's own list caps the answer anyway. */
const HISTORY_PAGES = 3;

export async function commitsTouching(api: Api, repo: RepoName, range: { from: string; to: string; path: string }): Promise<CommitRange> {
  const target = { owner: repo.owner, repo: repo.name };
  const { data: compared } = await api.call(
    repo.host,
    `comparing ${range.from.slice(0, 12)} with ${range.to.slice(0, 12)} in ${describe(repo)}`,
    (c) => c.rest.repos.compareCommitsWithBasehead({ ...target, basehead: `${range.from}...${range.to}` }),
    { data: { repository: describe(repo) } },
  );
  const inRange = new Set(compared.commits.map((c) => c.sha));
  const commits: CommitRange['commits'] = [];
  if (inRange.size > 0) {
    page: for (let page = 1; page <= HISTORY_PAGES; page++) {
      const { data } = await api.call(
        repo.host,
        `listing the commits that touched ${range.path} in ${describe(repo)}`,
        (c) => c.rest.repos.listCommits({ ...target, sha: range.to, path: range.path, per_page: 100, page }),
        { data: { repository: describe(repo), path: range.path } },
      );
      for (const item of data) {
        // The path's history reaches back past the range: stop at its start.
        if (item.sha === range.from) break page;
        if (inRange.has(item.sha)) commits.push({ sha: item.sha, subject: item.commit.message.split('\n')[0]!.trim(), url: item.html_url });
      }
      if (data.length < 100) break;
    }
  }
  return { compareUrl: compared.html_url, total: compared.total_commits, commits };
}

/** The contents API serves files up to 1 MB inline; a larger one (or a folder) reads as null here. */
export async function fileContent(api: Api, repo: RepoName, path: string, ref: string): Promise<Uint8Array | null> {
  const result = await api.attempt(repo.host, `reading ${path} at ${ref.slice(0, 12)} in ${describe(repo)}`, (c) => c.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path, ref }), [404], {
    data: { repository: describe(repo), path },
  });
  if (!result.ok) return null;
  const data = result.value.data as { type?: string; encoding?: string; content?: string };
  if (Array.isArray(data) || data.type !== 'file' || data.encoding !== 'base64' || typeof data.content !== 'string') return null;
  return new Uint8Array(Buffer.from(data.content, 'base64'));
}
