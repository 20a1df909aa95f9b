// Repository facts (default branch, may the token push) and who the token belongs to.

import type { GitHubRepository, RepoName } from '../core/github.js';
import { describe, type Api } from './api.js';

/** The fields forge reads of GitHub's repository objects (full, minimal and the one inside a pull request). */
export interface RepositoryJson {
  name: string;
  full_name: string;
  owner: { login: string };
  default_branch?: string;
  permissions?: { admin?: boolean; maintain?: boolean; push?: boolean };
  parent?: { full_name: string };
  clone_url?: string;
  html_url: string;
  archived?: boolean;
  allow_forking?: boolean;
}

export function toRepository(host: string, data: RepositoryJson, canPush: boolean | null): GitHubRepository {
  return {
    host,
    owner: data.owner.login,
    name: data.name,
    defaultBranch: data.default_branch ?? 'main',
    canPush,
    parent: data.parent?.full_name ?? null,
    cloneUrl: data.clone_url ?? `${data.html_url}.git`,
    htmlUrl: data.html_url,
    archived: data.archived === true,
    allowForking: data.allow_forking !== false,
  };
}

function pushPermission(data: RepositoryJson): boolean | null {
  const p = data.permissions;
  if (!p) return null;
  return p.push === true || p.maintain === true || p.admin === true;
}

export async function getRepository(api: Api, repo: RepoName): Promise<GitHubRepository> {
  const { data } = await api.call(repo.host, `reading ${describe(repo)}`, (c) => c.rest.repos.get({ owner: repo.owner, repo: repo.name }), {
    hints: {
      404: api.options.token
        ? `Check the repository in forge.yaml; if ${describe(repo)} is private, the token must be able to read it.`
        : `Check the repository in forge.yaml; if ${describe(repo)} is private, set GH_TOKEN to a token that can read it.`,
    },
    data: { repository: describe(repo) },
  });
  const json = data as unknown as RepositoryJson;
  let canPush = pushPermission(json);
  if (!api.options.token) canPush = false;
  else if (canPush !== true && (await isInstallationToken(api, repo.host))) {
    // An Actions / GitHub App installation token: `permissions` speaks for a user it does not
    // have. Only the push itself can tell (semantic-release does the same).
    canPush = null;
  }
  return toRepository(repo.host, json, canPush);
}

const installation = new WeakMap<Api, Map<string, Promise<boolean>>>();

/** True when the token is a GitHub App installation token (GET /installation/repositories answers). */
export function isInstallationToken(api: Api, host: string): Promise<boolean> {
  let perHost = installation.get(api);
  if (!perHost) installation.set(api, (perHost = new Map()));
  let known = perHost.get(host);
  if (!known) {
    known = api
      .attempt(host, 'checking the kind of token', (c) => c.request('GET /installation/repositories', { per_page: 1 }), [401, 403, 404])
      .then((result) => result.ok);
    perHost.set(host, known);
  }
  return known;
}

const viewers = new WeakMap<Api, Map<string, Promise<string | null>>>();

/** The token's login on `host`; null for an installation token (GET /user answers 403 to those). */
export function getViewer(api: Api, host: string): Promise<string | null> {
  let perHost = viewers.get(api);
  if (!perHost) viewers.set(api, (perHost = new Map()));
  let known = perHost.get(host);
  if (!known) {
    known = api
      .attempt(host, `finding your account on ${host}`, (c) => c.rest.users.getAuthenticated(), [403])
      .then((result) => (result.ok ? result.value.data.login : null));
    perHost.set(host, known);
  }
  return known;
}
