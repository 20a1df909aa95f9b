// What every GitHub operation module shares: one Octokit client per host (built on first use),
// and a call wrapper that turns Octokit errors into ForgeErrors naming what forge was doing.

import type { ProgressEvent } from '../core/ports.js';
import type { RepoName } from '../core/github.js';
import { ForgeError } from '../errors.js';
import { createClient, type GitHubClient } from './client.js';
import { failureOf, translateGitHubError, type FailureContext, type GitHubFailure } from './errors.js';
import type { HostResolver } from './hosts.js';

export interface ApiOptions {
  hosts: HostResolver;
  token?: string;
  userAgent: string;
  timeoutMs: number;
  secondMs: number;
  retries: number;
  /** Longest wait for a new fork, in seconds. */
  forkWaitSeconds: number;
  emit: (event: ProgressEvent) => void;
}

export interface Api {
  readonly options: ApiOptions;
  client(host: string): Promise<GitHubClient>;
  /**
   * Runs one request; a failure becomes a ForgeError saying `doing` ("opening a pull request on
   * acme/tools"). `expected` statuses are handed back as a failure instead of thrown.
   */
  call<T>(host: string, doing: string, request: (client: GitHubClient) => Promise<T>, options?: CallOptions): Promise<T>;
  attempt<T>(host: string, doing: string, request: (client: GitHubClient) => Promise<T>, expected: number[], options?: CallOptions): Promise<{ ok: true; value: T } | { ok: false; failure: GitHubFailure }>;
  sleep(seconds: number): Promise<void>;
}

export interface CallOptions {
  hints?: FailureContext['hints'];
  data?: Record<string, unknown>;
}

export function describe(repo: RepoName): string {
  return `${repo.owner}/${repo.name}${repo.host === 'github.com' ? '' : ` on ${repo.host}`}`;
}

export function createApi(options: ApiOptions): Api {
  const clients = new Map<string, Promise<GitHubClient>>();

  function client(host: string): Promise<GitHubClient> {
    let found = clients.get(host);
    if (!found) {
      const baseUrl = options.hosts.apiBaseUrl(host);
      if (!baseUrl) {
        return Promise.reject(new ForgeError('E_NOT_GITHUB', `${host} is not a GitHub host.`, { hint: 'Set GH_HOST to it if it is a GitHub Enterprise server.' }));
      }
      found = createClient({
        baseUrl,
        ...(options.token ? { token: options.token } : {}),
        userAgent: options.userAgent,
        timeoutMs: options.timeoutMs,
        secondMs: options.secondMs,
        retries: options.retries,
        emit: options.emit,
      });
      clients.set(host, found);
    }
    return found;
  }

  function context(host: string, doing: string, callOptions: CallOptions = {}): FailureContext {
    return {
      doing,
      host: options.hosts.apiBaseUrl(host) ?? host,
      hasToken: options.token !== undefined,
      ...(callOptions.hints ? { hints: callOptions.hints } : {}),
      ...(callOptions.data ? { data: callOptions.data } : {}),
    };
  }

  const api: Api = {
    options,
    client,
    async call(host, doing, request, callOptions) {
      const octokit = await client(host);
      try {
        return await request(octokit);
      } catch (error) {
        throw translateGitHubError(error, context(host, doing, callOptions));
      }
    },
    async attempt(host, doing, request, expected, callOptions) {
      const octokit = await client(host);
      try {
        return { ok: true, value: await request(octokit) };
      } catch (error) {
        const failure = failureOf(error);
        if (failure && failure.headers !== null && expected.includes(failure.status)) return { ok: false, failure };
        throw translateGitHubError(error, context(host, doing, callOptions));
      }
    },
    sleep: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * options.secondMs)),
  };
  return api;
}
