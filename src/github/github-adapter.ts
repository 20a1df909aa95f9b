// GitHubPort over Octokit, assembled from one module per operation. Building it is cheap:
// Octokit is imported only when the first request is made.

import type { GitHubPort } from '../core/github.js';
import type { ProgressEvent } from '../core/ports.js';
import { registerSecret } from '../errors.js';
import { createApi } from './api.js';
import { compare, createFork, forksOwnedBy, mergeUpstream, waitForFork } from './forks.js';
import { createHostResolver, type HostEnvironment } from './hosts.js';
import { addLabels } from './labels.js';
import { commitsTouching, fileContent, gitCommit } from './commits.js';
import { closePullRequest, findOpenPullRequest, getPullRequest, openPullRequest, openPullRequests, updatePullRequest } from './pull-requests.js';
import { getRepository, getViewer } from './repositories.js';

export interface GitHubAdapterOptions {
  /** GH_HOST, GITHUB_API_URL, GITHUB_SERVER_URL. */
  env: HostEnvironment;
  token?: string;
  userAgent?: string;
  emit?: (event: ProgressEvent) => void;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  /** How long one second of waiting (retries, rate limits, a new fork) lasts. Default 1000; tests shorten it. */
  secondMs?: number;
  /** Retries of a request that failed with 5xx, a reset or a timeout. Default 3. */
  retries?: number;
  /** Longest wait for a new fork, in seconds. Default 300. */
  forkWaitSeconds?: number;
}

export function createGitHubAdapter(options: GitHubAdapterOptions): GitHubPort {
  registerSecret(options.token);
  const hosts = createHostResolver(options.env);
  const api = createApi({
    hosts,
    ...(options.token ? { token: options.token } : {}),
    userAgent: options.userAgent ?? 'forge',
    timeoutMs: options.timeoutMs ?? 30_000,
    secondMs: options.secondMs ?? 1000,
    retries: options.retries ?? 3,
    forkWaitSeconds: options.forkWaitSeconds ?? 300,
    emit: options.emit ?? (() => {}),
  });
  return {
    locate: (repository) => hosts.locate(repository)?.repo ?? null,
    repository: (repo) => getRepository(api, repo),
    viewer: (host) => getViewer(api, host),
    createFork: (upstream) => createFork(api, upstream),
    waitForFork: (fork, onWait) => waitForFork(api, fork, onWait),
    forksOwnedBy: (upstream, owner) => forksOwnedBy(api, upstream, owner),
    findOpenPullRequest: (upstream, head) => findOpenPullRequest(api, upstream, head),
    pullRequest: (upstream, number) => getPullRequest(api, upstream, number),
    openPullRequest: (upstream, request) => openPullRequest(api, upstream, request),
    updatePullRequest: (upstream, number, change) => updatePullRequest(api, upstream, number, change),
    compare: (repo, base, head) => compare(api, repo, base, head),
    mergeUpstream: (fork, branch) => mergeUpstream(api, fork, branch),
    openPullRequests: (repo) => openPullRequests(api, repo),
    closePullRequest: (repo, number, comment) => closePullRequest(api, repo, number, comment),
    addLabels: (repo, number, labels) => addLabels(api, repo, number, labels),
    gitCommit: (repo, sha) => gitCommit(api, repo, sha),
    commitsTouching: (repo, range) => commitsTouching(api, repo, range),
    fileContent: (repo, path, ref) => fileContent(api, repo, path, ref),
  };
}
