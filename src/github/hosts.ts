// Which repositories live on a GitHub host, and where that host's REST API is.
//
// - github.com: API https://api.github.com (GITHUB_API_URL overrides it when no other host is set).
// - GH_HOST (`host`, `host:port`, or with an explicit `http://` / `https://`): a GitHub Enterprise
//   host; API <scheme>://GH_HOST/api/v3, or GITHUB_API_URL when set. The scheme is GH_HOST's own,
//   else https (http for a loopback host: the test and demo servers).
// - In GitHub Actions on an Enterprise server, GITHUB_SERVER_URL names the host when GH_HOST is unset.
//
// A repository is a GitHub one when its host is one of these and its path is exactly owner/name
// (a trailing .git allowed). Anything else (another forge, a file:// path) is not: forge can still
// push to it with git, but cannot fork it or open a pull request there.

import type { RepoName } from '../core/github.js';
import { repositoryUrl } from '../core/repository.js';

export interface HostEnvironment {
  GH_HOST?: string | undefined;
  GITHUB_API_URL?: string | undefined;
  GITHUB_SERVER_URL?: string | undefined;
}

export interface GitHubLocation {
  /** Its host as written in addresses, lower case, with the port when there is one. */
  repo: RepoName;
  /** REST API base URL, no trailing slash. */
  apiBaseUrl: string;
}

const PUBLIC_HOSTS = new Set(['github.com', 'www.github.com']);
const PUBLIC_API = 'https://api.github.com';

interface ConfiguredHost {
  host: string;
  scheme: string | null;
}

/** The Enterprise host the environment names (GH_HOST, else GITHUB_SERVER_URL), if any. */
function configuredHost(env: HostEnvironment): ConfiguredHost | null {
  const raw = (env.GH_HOST ?? '').trim();
  if (raw !== '') {
    const match = /^(https?):\/\/(.+?)\/*$/i.exec(raw);
    const host = (match ? match[2]! : raw.replace(/\/+$/, '')).toLowerCase();
    return PUBLIC_HOSTS.has(host) ? null : { host, scheme: match ? match[1]!.toLowerCase() : null };
  }
  const server = (env.GITHUB_SERVER_URL ?? '').trim();
  if (server !== '') {
    try {
      const url = new URL(server);
      const host = url.host.toLowerCase();
      if (!PUBLIC_HOSTS.has(host)) return { host, scheme: url.protocol.replace(/:$/, '') };
    } catch {
      return null;
    }
  }
  return null;
}

function isLoopback(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i.test(host);
}

function trimUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** Finds GitHub repositories among addresses, as the environment defines GitHub hosts. */
export function createHostResolver(env: HostEnvironment) {
  const enterprise = configuredHost(env);
  const apiOverride = env.GITHUB_API_URL && env.GITHUB_API_URL.trim() !== '' ? trimUrl(env.GITHUB_API_URL) : null;

  function locate(repository: string): GitHubLocation | null {
    let url: URL;
    try {
      url = new URL(repositoryUrl(repository));
    } catch {
      return null;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    const host = url.host.toLowerCase();
    const segments = url.pathname
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .split('/')
      .filter(Boolean);
    if (segments.length !== 2) return null;
    const [owner, name] = [segments[0]!, segments[1]!];
    if (PUBLIC_HOSTS.has(host)) return { repo: { host: 'github.com', owner, name }, apiBaseUrl: apiBaseUrl('github.com')! };
    if (enterprise && host === enterprise.host) return { repo: { host, owner, name }, apiBaseUrl: apiBaseUrl(host)! };
    return null;
  }

  /** The REST API of a GitHub host; null for a host that is none. */
  function apiBaseUrl(host: string): string | null {
    if (PUBLIC_HOSTS.has(host)) return !enterprise && apiOverride ? apiOverride : PUBLIC_API;
    if (!enterprise || host !== enterprise.host) return null;
    return apiOverride ?? `${enterprise.scheme ?? (isLoopback(host) ? 'http' : 'https')}://${host}/api/v3`;
  }

  return {
    locate,
    apiBaseUrl,
    /** The host whose token `gh auth token --hostname` is asked for. */
    defaultHost: enterprise?.host ?? 'github.com',
  };
}

export type HostResolver = ReturnType<typeof createHostResolver>;
