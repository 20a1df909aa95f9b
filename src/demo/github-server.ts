/**
 * A GitHub-compatible server on loopback, for integration tests and forge demo: the REST calls
 * forge makes, under /api/v3 as GitHub Enterprise serves them, on the same HTTP server as the
 * real Git repositories (git-http-server.ts), which it also guards as GitHub does.
 *
 *   const server = await startGitServer();
 *   const github = attachGitHub(server);                   // API at github.apiUrl, GH_HOST=github.host
 *   github.addUser({ login: 'octocat', token: 'tok-octocat' });
 *   await makeRepo(server.root, 'acme/tools', { files: {...} });   // a real bare repository
 *   github.addRepository('acme', 'tools');                  // ...that GitHub now knows
 *   // forge.yaml: repository: `${server.url}/acme/tools.git`; env GH_HOST=github.host, GH_TOKEN=tok-octocat
 *   github.pullRequests('acme/tools');  await github.mergePullRequest('acme/tools', 1);
 *
 * What it models, because forge depends on it:
 * - tokens and permissions: the owner and collaborators may push; other users read public
 *   repositories only; an installation token (`kind: 'installation'`) writes the repositories it
 *   lists, gets no `permissions` on GET /repos and a 403 on GET /user; no token reads public ones.
 *   Git pushes are refused the same way (401 without credentials, 403 without permission).
 * - forks are real bare repositories (`git clone --bare`), made asynchronously: the first
 *   `forkReadyAfter` looks at a new fork (git/ref probe, or any Git request) find it not ready
 *   (404, then 409 "Git Repository is empty"). Create-fork is idempotent per user and names the
 *   fork `name-1`, `name-2`… when the user already owns a repository of that name.
 * - merge-upstream fast-forwards, merges (git merge-tree) or answers 409 on a conflict; 422 when
 *   the branch is missing, or when upstream commits touch .github/workflows and the token lacks
 *   the `workflow` scope (user tokens have `repo` and `workflow` unless `scopes` says otherwise).
 * - compare across the network (counts from git rev-list), of branches, tags or commit ids.
 * - pull requests: list with GitHub's `head` filter semantics (owner:branch; a bare branch name
 *   is ignored), create with its 422s ("A pull request already exists for …", "No commits
 *   between …", an invalid head or base), get and update; head.sha follows the branch.
 *   mergePullRequest/closePullRequest act as a maintainer on the web page would.
 * - labels: read, created, put on pull requests (GitHub creates a missing one on the way too);
 *   comments on pull requests; commits (one as git stores it, and a branch's history filtered by
 *   path, from git log).
 * - a user whose `forbid` lists a route (`POST /repos/{owner}/{repo}/labels`) gets a 403 there,
 *   as a GITHUB_TOKEN without that permission does.
 * - rate limits on demand (primary: 403, x-ratelimit-remaining 0 and a reset time; secondary:
 *   403 with retry-after), faults on demand (every Nth API request answers 502 or resets).
 *
 * Every exchange is recorded (and handed to `onExchange`), so tests can check each response and
 * request against GitHub's OpenAPI description.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type http from 'node:http';
import { dirname, join } from 'node:path';
import type { GitServer, RequestHook } from './git-http-server.js';

export interface FakeGitHubUser {
  login: string;
  token: string;
  /** 'installation': a GitHub App / Actions token (no login, writes `repositories`). */
  kind?: 'user' | 'installation';
  /** Classic token scopes; default repo and workflow. */
  scopes?: string[];
  /** Installation tokens: the `owner/name` repositories they may write. */
  repositories?: string[];
  /** Routes (`POST /repos/{owner}/{repo}/labels`) this token may not use: answered 403, as GitHub does for a missing permission. */
  forbid?: string[];
}

export interface RepositoryOptions {
  private?: boolean;
  /** Logins with push access besides the owner. */
  collaborators?: string[];
  defaultBranch?: string;
  allowForking?: boolean;
  description?: string;
}

export interface GitHubExchange {
  method: string;
  /** The operation as GitHub's OpenAPI description names its path: `GET /repos/{owner}/{repo}`. */
  route: string;
  path: string;
  status: number;
  request: unknown;
  response: unknown;
  /** The request's headers (for checks such as the pinned API version). */
  headers: http.IncomingHttpHeaders;
}

export interface FakeRepository {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  private: boolean;
  collaborators: Set<string>;
  defaultBranch: string;
  allowForking: boolean;
  description: string | null;
  /** `owner/name` of the repository it was forked from. */
  parent: string | null;
  createdAt: string;
  /** Looks left before a new fork is ready (0: ready). */
  notReady: number;
  labels: Map<string, number>;
  /** Colour and description of labels created through the API. */
  labelDetails: Map<string, { color: string; description: string | null }>;
}

export interface FakePullRequest {
  id: number;
  number: number;
  base: string;
  baseRef: string;
  headRepo: string;
  headOwner: string;
  headRef: string;
  /** The head commit when the pull request was last looked at (kept once the branch is gone). */
  headSha: string;
  title: string;
  body: string | null;
  draft: boolean;
  state: 'open' | 'closed';
  merged: boolean;
  mergedAt: string | null;
  closedAt: string | null;
  mergeCommitSha: string | null;
  createdAt: string;
  updatedAt: string;
  user: string;
  labels: string[];
  /** Comments, oldest first. */
  comments: { id: number; body: string; user: string; createdAt: string }[];
}

export interface GitHubServerOptions {
  /** Not-ready answers a new fork gives before it is usable. Default 2. */
  forkReadyAfter?: number;
}

export interface GitHubServer {
  /** http://127.0.0.1:PORT: web pages and Git. */
  readonly url: string;
  /** http://127.0.0.1:PORT/api/v3 */
  readonly apiUrl: string;
  /** 127.0.0.1:PORT, for GH_HOST. */
  readonly host: string;
  readonly exchanges: GitHubExchange[];
  onExchange: ((exchange: GitHubExchange) => void) | undefined;
  forkReadyAfter: number;
  addUser(user: FakeGitHubUser): void;
  /** Registers the bare repository root/OWNER/NAME.git (made beforehand) as a GitHub repository. */
  addRepository(owner: string, name: string, options?: RepositoryOptions): FakeRepository;
  repository(fullName: string): FakeRepository | undefined;
  /** The folder of a repository's bare Git repository. */
  gitDir(fullName: string): string;
  pullRequests(fullName: string): FakePullRequest[];
  /** Merges a pull request as a maintainer would on GitHub (a merge commit, or a fast-forward); returns the new base commit. */
  mergePullRequest(fullName: string, number: number): Promise<string>;
  closePullRequest(fullName: string, number: number): void;
  /** The next `times` API requests answer with a rate limit. */
  rateLimitNext(kind: 'primary' | 'secondary', options?: { times?: number; retryAfter?: number }): void;
  /** Every Nth API request fails (502, or the connection is reset); null stops it. */
  failEvery(n: number | null, mode?: 'status' | 'reset'): void;
  /** Stops answering API requests (they hang until `detach`), from the next one on. */
  stall(on: boolean): void;
  detach(): void;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Caller {
  user: FakeGitHubUser | null;
}

type Handler = (call: { params: string[]; query: URLSearchParams; body: unknown; caller: Caller }) => Promise<Answer> | Answer;

const DOCS = 'https://docs.github.com/rest';
const EPOCH = '2024-01-01T00:00:00Z';

function runGit(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', ...env }, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: stdout.replace(/\s+$/, ''), stderr });
    });
  });
}

async function gitOk(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await runGit(args, cwd, env);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
  return result.stdout;
}

const GITHUB_IDENTITY = {
  GIT_AUTHOR_NAME: 'GitHub',
  GIT_AUTHOR_EMAIL: 'noreply@github.com',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.com',
};

function error(status: number, message: string, extra: Record<string, unknown> = {}): Answer {
  return { status, body: { message, documentation_url: DOCS, status: String(status), ...extra } };
}

function validationFailed(errors: Record<string, unknown>[]): Answer {
  return { status: 422, body: { message: 'Validation Failed', errors, documentation_url: `${DOCS}/pulls/pulls#create-a-pull-request`, status: '422' } };
}

export function attachGitHub(server: GitServer, options: GitHubServerOptions = {}): GitHubServer {
  const host = new URL(server.url).host;
  const web = server.url;
  const api = `${server.url}/api/v3`;
  const users = new Map<string, FakeGitHubUser>();
  const repos = new Map<string, FakeRepository>();
  const pulls = new Map<string, FakePullRequest[]>();
  const ids = new Map<string, number>();
  let nextId = 1000;
  let apiRequests = 0;
  let failing: { every: number; mode: 'status' | 'reset' } | null = null;
  const rateLimits: { kind: 'primary' | 'secondary'; retryAfter: number }[] = [];
  let stalled = false;
  const stalledResponses = new Set<http.ServerResponse>();
  const previousHook = server.onRequest;

  const key = (fullName: string) => fullName.toLowerCase();
  const idOf = (name: string) => {
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = nextId++));
    return id;
  };
  const gitDir = (fullName: string) => {
    const repo = repos.get(key(fullName));
    const [owner, name] = repo ? [repo.owner, repo.name] : fullName.split('/');
    return join(server.root, owner!, `${name}.git`);
  };
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  function canRead(repo: FakeRepository, caller: Caller): boolean {
    return !repo.private || canPush(repo, caller);
  }

  function canPush(repo: FakeRepository, caller: Caller): boolean {
    const user = caller.user;
    if (!user) return false;
    if (user.kind === 'installation') return (user.repositories ?? []).some((r) => key(r) === key(repo.fullName));
    const login = user.login.toLowerCase();
    return repo.owner.toLowerCase() === login || [...repo.collaborators].some((c) => c.toLowerCase() === login);
  }

  function scopes(user: FakeGitHubUser): string[] {
    return user.scopes ?? ['repo', 'workflow'];
  }

  // --- JSON as GitHub writes it -------------------------------------------------------------

  function simpleUser(login: string) {
    const u = `${api}/users/${login}`;
    return {
      login,
      id: idOf(`user:${login.toLowerCase()}`),
      node_id: `U_${login}`,
      avatar_url: `${web}/avatars/${login}`,
      gravatar_id: '',
      url: u,
      html_url: `${web}/${login}`,
      followers_url: `${u}/followers`,
      following_url: `${u}/following{/other_user}`,
      gists_url: `${u}/gists{/gist_id}`,
      starred_url: `${u}/starred{/owner}{/repo}`,
      subscriptions_url: `${u}/subscriptions`,
      organizations_url: `${u}/orgs`,
      repos_url: `${u}/repos`,
      events_url: `${u}/events{/privacy}`,
      received_events_url: `${u}/received_events`,
      type: 'User',
      site_admin: false,
    };
  }

  function minimalRepository(repo: FakeRepository, caller: Caller | null) {
    const a = `${api}/repos/${repo.fullName}`;
    return {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: repo.fullName,
      owner: simpleUser(repo.owner),
      private: repo.private,
      html_url: `${web}/${repo.fullName}`,
      description: repo.description,
      fork: repo.parent !== null,
      url: a,
      archive_url: `${a}/{archive_format}{/ref}`,
      assignees_url: `${a}/assignees{/user}`,
      blobs_url: `${a}/git/blobs{/sha}`,
      branches_url: `${a}/branches{/branch}`,
      collaborators_url: `${a}/collaborators{/collaborator}`,
      comments_url: `${a}/comments{/number}`,
      commits_url: `${a}/commits{/sha}`,
      compare_url: `${a}/compare/{base}...{head}`,
      contents_url: `${a}/contents/{+path}`,
      contributors_url: `${a}/contributors`,
      deployments_url: `${a}/deployments`,
      downloads_url: `${a}/downloads`,
      events_url: `${a}/events`,
      forks_url: `${a}/forks`,
      git_commits_url: `${a}/git/commits{/sha}`,
      git_refs_url: `${a}/git/refs{/sha}`,
      git_tags_url: `${a}/git/tags{/sha}`,
      git_url: `git://${host}/${repo.fullName}.git`,
      issue_comment_url: `${a}/issues/comments{/number}`,
      issue_events_url: `${a}/issues/events{/number}`,
      issues_url: `${a}/issues{/number}`,
      keys_url: `${a}/keys{/key_id}`,
      labels_url: `${a}/labels{/name}`,
      languages_url: `${a}/languages`,
      merges_url: `${a}/merges`,
      milestones_url: `${a}/milestones{/number}`,
      notifications_url: `${a}/notifications{?since,all,participating}`,
      pulls_url: `${a}/pulls{/number}`,
      releases_url: `${a}/releases{/id}`,
      ssh_url: `git@${host}:${repo.fullName}.git`,
      stargazers_url: `${a}/stargazers`,
      statuses_url: `${a}/statuses/{sha}`,
      subscribers_url: `${a}/subscribers`,
      subscription_url: `${a}/subscription`,
      tags_url: `${a}/tags`,
      teams_url: `${a}/teams`,
      trees_url: `${a}/git/trees{/sha}`,
      clone_url: `${web}/${repo.fullName}.git`,
      mirror_url: null,
      hooks_url: `${a}/hooks`,
      svn_url: `${web}/${repo.fullName}`,
      homepage: null,
      language: null,
      forks_count: forksOf(repo).length,
      stargazers_count: 0,
      watchers_count: 0,
      size: 0,
      default_branch: repo.defaultBranch,
      open_issues_count: openPulls(repo).length,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: true,
      has_wiki: true,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: repo.private ? 'private' : 'public',
      pushed_at: repo.createdAt,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      allow_forking: repo.allowForking,
      ...(caller ? permissionsOf(repo, caller) : {}),
    };
  }

  /** GitHub's `permissions` speaks for a user: installation tokens and anonymous callers get none. */
  function permissionsOf(repo: FakeRepository, caller: Caller) {
    if (!caller.user || caller.user.kind === 'installation') return {};
    const push = canPush(repo, caller);
    const admin = repo.owner.toLowerCase() === caller.user.login.toLowerCase();
    return { permissions: { admin, maintain: admin, push, triage: push, pull: true } };
  }

  function repository(repo: FakeRepository, caller: Caller | null) {
    const open = openPulls(repo).length;
    return {
      ...minimalRepository(repo, caller),
      forks: forksOf(repo).length,
      open_issues: open,
      watchers: 0,
      license: null,
      web_commit_signoff_required: false,
    };
  }

  function fullRepository(repo: FakeRepository, caller: Caller) {
    const parent = repo.parent ? repos.get(key(repo.parent)) : undefined;
    const root = parent ? rootOf(parent) : undefined;
    return {
      ...repository(repo, caller),
      network_count: forksOf(rootOf(repo)).length,
      subscribers_count: 0,
      ...(parent ? { parent: repository(parent, null), source: repository(root!, null) } : {}),
    };
  }

  function rootOf(repo: FakeRepository): FakeRepository {
    let current = repo;
    for (let i = 0; current.parent && i < 50; i++) current = repos.get(key(current.parent)) ?? current;
    return current;
  }

  function forksOf(repo: FakeRepository): FakeRepository[] {
    return [...repos.values()].filter((r) => r.parent !== null && key(r.parent) === key(repo.fullName));
  }

  function openPulls(repo: FakeRepository): FakePullRequest[] {
    return (pulls.get(key(repo.fullName)) ?? []).filter((p) => p.state === 'open');
  }

  function labelJson(repo: FakeRepository, name: string) {
    return {
      id: repo.labels.get(name)!,
      node_id: `LA_${repo.labels.get(name)}`,
      url: `${api}/repos/${repo.fullName}/labels/${encodeURIComponent(name)}`,
      name,
      description: repo.labelDetails.get(name)?.description ?? null,
      color: repo.labelDetails.get(name)?.color ?? 'ededed',
      default: false,
    };
  }

  async function pullJson(pr: FakePullRequest, full: boolean) {
    const base = repos.get(key(pr.base))!;
    const head = repos.get(key(pr.headRepo));
    if (pr.state === 'open' && head) {
      const sha = await runGit(['rev-parse', '--verify', '-q', `refs/heads/${pr.headRef}^{commit}`], gitDir(head.fullName));
      if (sha.code === 0) pr.headSha = sha.stdout;
    }
    const baseSha = await gitOk(['rev-parse', `refs/heads/${pr.baseRef}`], gitDir(base.fullName));
    const a = `${api}/repos/${base.fullName}`;
    const n = pr.number;
    const simple = {
      url: `${a}/pulls/${n}`,
      id: pr.id,
      node_id: `PR_${pr.id}`,
      html_url: `${web}/${base.fullName}/pull/${n}`,
      diff_url: `${web}/${base.fullName}/pull/${n}.diff`,
      patch_url: `${web}/${base.fullName}/pull/${n}.patch`,
      issue_url: `${a}/issues/${n}`,
      commits_url: `${a}/pulls/${n}/commits`,
      review_comments_url: `${a}/pulls/${n}/comments`,
      review_comment_url: `${a}/pulls/comments{/number}`,
      comments_url: `${a}/issues/${n}/comments`,
      statuses_url: `${a}/statuses/${pr.headSha}`,
      number: n,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: simpleUser(pr.user),
      body: pr.body,
      labels: pr.labels.map((l) => labelJson(base, l)),
      milestone: null,
      active_lock_reason: null,
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.closedAt,
      merged_at: pr.mergedAt,
      merge_commit_sha: pr.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: { label: `${pr.headOwner}:${pr.headRef}`, ref: pr.headRef, repo: head ? repository(head, null) : null, sha: pr.headSha, user: simpleUser(pr.headOwner) },
      base: { label: `${base.owner}:${pr.baseRef}`, ref: pr.baseRef, repo: repository(base, null), sha: baseSha, user: simpleUser(base.owner) },
      _links: {
        self: { href: `${a}/pulls/${n}` },
        html: { href: `${web}/${base.fullName}/pull/${n}` },
        issue: { href: `${a}/issues/${n}` },
        comments: { href: `${a}/issues/${n}/comments` },
        review_comments: { href: `${a}/pulls/${n}/comments` },
        review_comment: { href: `${a}/pulls/comments{/number}` },
        commits: { href: `${a}/pulls/${n}/commits` },
        statuses: { href: `${a}/statuses/${pr.headSha}` },
      },
      author_association: pr.user.toLowerCase() === base.owner.toLowerCase() ? 'OWNER' : 'CONTRIBUTOR',
      auto_merge: null,
      draft: pr.draft,
    };
    if (!full) return simple;
    return {
      ...simple,
      merged: pr.merged,
      mergeable: pr.state === 'open' ? true : null,
      rebaseable: pr.state === 'open' ? true : null,
      mergeable_state: pr.state === 'open' ? 'clean' : 'unknown',
      merged_by: pr.merged ? simpleUser(base.owner) : null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: 0,
      deletions: 0,
      changed_files: 0,
    };
  }

  async function commitJson(fullName: string, sha: string) {
    const dir = gitDir(fullName);
    const raw = await gitOk(['log', '-1', '--format=%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B', sha], dir);
    const [tree, parents, an, ae, ad, cn, ce, cd, message] = raw.split('\0');
    const a = `${api}/repos/${fullName}`;
    const iso = (d: string) => new Date(d!).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      url: `${a}/commits/${sha}`,
      sha,
      node_id: `C_${sha.slice(0, 12)}`,
      html_url: `${web}/${fullName}/commit/${sha}`,
      comments_url: `${a}/commits/${sha}/comments`,
      commit: {
        url: `${a}/git/commits/${sha}`,
        author: { name: an, email: ae, date: iso(ad!) },
        committer: { name: cn, email: ce, date: iso(cd!) },
        message: (message ?? '').replace(/\n+$/, ''),
        comment_count: 0,
        tree: { sha: tree, url: `${a}/git/trees/${tree}` },
      },
      author: null,
      committer: null,
      parents: (parents ?? '')
        .split(' ')
        .filter(Boolean)
        .map((p) => ({ sha: p, url: `${a}/commits/${p}`, html_url: `${web}/${fullName}/commit/${p}` })),
    };
  }

  // --- git helpers ---------------------------------------------------------------------------

  async function branchSha(fullName: string, branch: string): Promise<string | null> {
    const result = await runGit(['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`], gitDir(fullName));
    return result.code === 0 ? result.stdout : null;
  }

  /** A tag or a full commit id of the repository, as the commit it names. */
  async function revision(fullName: string, spec: string): Promise<string | null> {
    const ref = /^[0-9a-f]{40}$/.test(spec) ? spec : `refs/tags/${spec}`;
    const result = await runGit(['rev-parse', '--verify', '-q', `${ref}^{commit}`], gitDir(fullName));
    return result.code === 0 ? result.stdout : null;
  }

  /** Brings `branch` of `from` into `into` under refs/network/…, as GitHub's shared object network would. */
  async function fetchInto(into: string, from: string, branch: string): Promise<string | null> {
    const ref = `refs/network/${from.toLowerCase()}/${branch}`;
    const result = await runGit(['fetch', '-q', '--no-tags', gitDir(from), `+refs/heads/${branch}:${ref}`], gitDir(into));
    if (result.code !== 0) return null;
    return gitOk(['rev-parse', ref], gitDir(into));
  }

  async function isAncestor(dir: string, a: string, b: string): Promise<boolean> {
    return (await runGit(['merge-base', '--is-ancestor', a, b], dir)).code === 0;
  }

  async function count(dir: string, range: string): Promise<number> {
    return Number(await gitOk(['rev-list', '--count', range], dir));
  }

  /** Merges `theirs` into `ours` in `dir`: the fast-forward or merge commit, or null on a conflict. */
  async function merge(dir: string, ours: string, theirs: string, message: string): Promise<{ sha: string; kind: 'none' | 'fast-forward' | 'merge' } | null> {
    if (await isAncestor(dir, theirs, ours)) return { sha: ours, kind: 'none' };
    if (await isAncestor(dir, ours, theirs)) return { sha: theirs, kind: 'fast-forward' };
    const tree = await runGit(['merge-tree', '--write-tree', ours, theirs], dir);
    if (tree.code !== 0) return null;
    const sha = await gitOk(['commit-tree', tree.stdout.split('\n')[0]!, '-p', ours, '-p', theirs, '-m', message], dir, GITHUB_IDENTITY);
    return { sha, kind: 'merge' };
  }

  // --- the API ---------------------------------------------------------------------------------

  function findRepo(owner: string, name: string, caller: Caller): FakeRepository | Answer {
    const repo = repos.get(key(`${owner}/${name}`));
    if (!repo || !canRead(repo, caller)) return error(404, 'Not Found');
    return repo;
  }

  const isAnswer = (x: unknown): x is Answer => typeof x === 'object' && x !== null && 'status' in x && !('fullName' in x);

  function requireUser(caller: Caller): Answer | null {
    return caller.user ? null : error(401, 'Requires authentication');
  }

  const routes: [string, RegExp, string, Handler][] = [];
  const route = (method: string, template: string, handler: Handler) => {
    const pattern = template.replace(/\{[a-z_]+\+\}/g, '(.+)').replace(/\{[a-z_]+\}/g, '([^/]+)');
    routes.push([method, new RegExp(`^${pattern}$`), template.replace(/\{([a-z_]+)\+\}/g, '{$1}'), handler]);
  };

  route('GET', '/user', ({ caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    const user = caller.user!;
    if (user.kind === 'installation') return error(403, 'Resource not accessible by integration', { documentation_url: `${DOCS}/users/users#get-the-authenticated-user` });
    return {
      status: 200,
      body: {
        ...simpleUser(user.login),
        name: user.login,
        company: null,
        blog: '',
        location: null,
        email: null,
        hireable: null,
        bio: null,
        public_repos: [...repos.values()].filter((r) => r.owner.toLowerCase() === user.login.toLowerCase()).length,
        public_gists: 0,
        followers: 0,
        following: 0,
        created_at: EPOCH,
        updated_at: EPOCH,
        private_gists: 0,
        total_private_repos: 0,
        owned_private_repos: 0,
        disk_usage: 0,
        collaborators: 0,
        two_factor_authentication: true,
        user_view_type: 'private',
      },
      headers: { 'x-oauth-scopes': scopes(user).join(', ') },
    };
  });

  route('GET', '/installation/repositories', ({ caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    if (caller.user!.kind !== 'installation') {
      return error(403, 'You must authenticate with an installation access token in order to list repositories for an installation.');
    }
    const list = (caller.user!.repositories ?? []).map((r) => repos.get(key(r))).filter((r): r is FakeRepository => r !== undefined);
    return { status: 200, body: { total_count: list.length, repositories: list.map((r) => repository(r, null)), repository_selection: 'selected' } };
  });

  route('GET', '/repos/{owner}/{repo}', ({ params, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    return isAnswer(repo) ? repo : { status: 200, body: fullRepository(repo, caller) };
  });

  route('POST', '/repos/{owner}/{repo}/forks', async ({ params, caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    const upstream = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(upstream)) return upstream;
    const user = caller.user!;
    if (user.kind === 'installation') return error(403, 'Resource not accessible by integration');
    if (!upstream.allowForking) return validationFailed([{ resource: 'Repository', code: 'custom', message: 'Forking is disabled for this repository.' }]);
    const login = user.login;
    // A user's own repository: GitHub answers with the repository itself.
    if (upstream.owner.toLowerCase() === login.toLowerCase()) return { status: 202, body: fullRepository(upstream, caller) };
    const network = key(rootOf(upstream).fullName);
    const existing = [...repos.values()].find((r) => r.owner.toLowerCase() === login.toLowerCase() && r.parent !== null && key(rootOf(r).fullName) === network);
    if (existing) return { status: 202, body: fullRepository(existing, caller) };
    let name = upstream.name;
    for (let i = 1; repos.has(key(`${login}/${name}`)) || existsSync(join(server.root, login, `${name}.git`)); i++) name = `${upstream.name}-${i}`;
    const fork = register(login, name, { defaultBranch: upstream.defaultBranch, private: upstream.private, description: upstream.description ?? undefined });
    fork.parent = upstream.fullName;
    fork.notReady = self.forkReadyAfter;
    await mkdir(dirname(gitDir(fork.fullName)), { recursive: true });
    await gitOk(['clone', '-q', '--bare', '--no-tags', gitDir(upstream.fullName), gitDir(fork.fullName)], server.root);
    return { status: 202, body: fullRepository(fork, caller) };
  });

  route('GET', '/repos/{owner}/{repo}/forks', ({ params, query, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30) || 30);
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const all = forksOf(repo).sort((a, b) => b.id - a.id);
    return { status: 200, body: all.slice((page - 1) * perPage, page * perPage).map((r) => minimalRepository(r, caller)) };
  });

  route('GET', '/repos/{owner}/{repo}/git/ref/{ref+}', async ({ params, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    if (repo.notReady > 0) {
      repo.notReady--;
      return repo.notReady % 2 === 1 ? error(404, 'Not Found') : error(409, 'Git Repository is empty.');
    }
    const ref = `refs/${params[2]!}`;
    const sha = await runGit(['rev-parse', '--verify', '-q', ref], gitDir(repo.fullName));
    if (sha.code !== 0) return error(404, 'Not Found');
    return { status: 200, body: { ref, node_id: `REF_${repo.id}`, url: `${api}/repos/${repo.fullName}/git/${ref}`, object: { type: 'commit', sha: sha.stdout, url: `${api}/repos/${repo.fullName}/git/commits/${sha.stdout}` } } };
  });

  route('POST', '/repos/{owner}/{repo}/merge-upstream', async ({ params, body, caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    const fork = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(fork)) return fork;
    if (!canPush(fork, caller)) return error(403, 'Resource not accessible by personal access token');
    const branch = (body as { branch?: unknown } | null)?.branch;
    if (typeof branch !== 'string') return error(422, 'Invalid request.\n\n"branch" wasn\'t supplied.');
    if (!fork.parent) return error(422, 'This repository is not a fork.');
    const upstream = repos.get(key(fork.parent))!;
    const label = `${upstream.owner}:${branch}`;
    const ours = await branchSha(fork.fullName, branch);
    const theirs = await fetchInto(fork.fullName, upstream.fullName, branch);
    if (!ours || !theirs) return error(422, `The branch ${branch} could not be found in the fork or upstream.`);
    const dir = gitDir(fork.fullName);
    if (!(await isAncestor(dir, theirs, ours))) {
      const user = caller.user!;
      if (user.kind !== 'installation' && !scopes(user).includes('workflow')) {
        const touched = (await gitOk(['diff', '--name-only', `${ours}...${theirs}`, '--', '.github/workflows'], dir)).split('\n').filter(Boolean);
        if (touched.length > 0) return error(422, `refusing to allow an OAuth App to create or update workflow \`${touched[0]}\` without \`workflow\` scope`);
      }
    }
    const merged = await merge(dir, ours, theirs, `Merge branch '${branch}' of ${web}/${upstream.fullName} into ${branch}`);
    if (!merged) return error(409, 'There are merge conflicts', { documentation_url: `${DOCS}/branches/branches#sync-a-fork-branch-with-the-upstream-repository` });
    if (merged.kind !== 'none') await gitOk(['update-ref', `refs/heads/${branch}`, merged.sha, ours], dir);
    const message =
      merged.kind === 'none'
        ? `This branch is not behind the upstream ${label}.`
        : merged.kind === 'fast-forward'
          ? `Successfully fetched and fast-forwarded from upstream ${label}.`
          : `Successfully fetched and merged from upstream ${label}.`;
    return { status: 200, body: { message, merge_type: merged.kind, base_branch: label } };
  });

  route('GET', '/repos/{owner}/{repo}/compare/{basehead+}', async ({ params, query, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    const match = /^(.+?)\.\.\.(.+)$/.exec(params[2]!);
    if (!match) return error(404, 'Not Found');
    const side = async (spec: string): Promise<string | null> => {
      const colon = spec.indexOf(':');
      // A branch, a tag or a commit id, as GitHub takes them.
      if (colon < 0) return (await branchSha(repo.fullName, spec)) ?? (await revision(repo.fullName, spec));
      const owner = spec.slice(0, colon).toLowerCase();
      const branch = spec.slice(colon + 1);
      const network = key(rootOf(repo).fullName);
      const other = [...repos.values()].find((r) => r.owner.toLowerCase() === owner && key(rootOf(r).fullName) === network);
      if (!other) return null;
      return other.fullName === repo.fullName ? branchSha(repo.fullName, branch) : fetchInto(repo.fullName, other.fullName, branch);
    };
    const [base, head] = [await side(match[1]!), await side(match[2]!)];
    if (!base || !head) return error(404, 'Not Found');
    const dir = gitDir(repo.fullName);
    const mergeBase = await gitOk(['merge-base', base, head], dir);
    const ahead = await count(dir, `${base}..${head}`);
    const behind = await count(dir, `${head}..${base}`);
    const perPage = Math.min(250, Number(query.get('per_page') ?? 250) || 250);
    const shas = ahead === 0 ? [] : (await gitOk(['rev-list', '--reverse', `${base}..${head}`], dir)).split('\n').slice(0, perPage);
    const a = `${api}/repos/${repo.fullName}`;
    return {
      status: 200,
      body: {
        url: `${a}/compare/${params[2]}`,
        html_url: `${web}/${repo.fullName}/compare/${params[2]}`,
        permalink_url: `${web}/${repo.fullName}/compare/${base}...${head}`,
        diff_url: `${web}/${repo.fullName}/compare/${params[2]}.diff`,
        patch_url: `${web}/${repo.fullName}/compare/${params[2]}.patch`,
        base_commit: await commitJson(repo.fullName, base),
        merge_base_commit: await commitJson(repo.fullName, mergeBase),
        status: ahead && behind ? 'diverged' : ahead ? 'ahead' : behind ? 'behind' : 'identical',
        ahead_by: ahead,
        behind_by: behind,
        total_commits: ahead,
        commits: await Promise.all(shas.map((sha) => commitJson(repo.fullName, sha))),
        files: [],
      },
    };
  });

  route('GET', '/repos/{owner}/{repo}/pulls', async ({ params, query, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    const state = query.get('state') ?? 'open';
    const head = query.get('head');
    const base = query.get('base');
    let list = pulls.get(key(repo.fullName)) ?? [];
    if (state !== 'all') list = list.filter((p) => p.state === state);
    // GitHub filters by head only in the user:ref form; a bare branch name is ignored.
    if (head && head.includes(':')) {
      const [owner, ref] = [head.slice(0, head.indexOf(':')).toLowerCase(), head.slice(head.indexOf(':') + 1)];
      list = list.filter((p) => p.headOwner.toLowerCase() === owner && p.headRef === ref);
    }
    if (base) list = list.filter((p) => p.baseRef === base);
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30) || 30);
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    return { status: 200, body: await Promise.all([...list].reverse().slice((page - 1) * perPage, page * perPage).map((p) => pullJson(p, false))) };
  });

  route('POST', '/repos/{owner}/{repo}/pulls', async ({ params, body, caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    const base = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(base)) return base;
    const input = (body ?? {}) as { title?: string; head?: string; head_repo?: string; base?: string; body?: string; draft?: boolean };
    if (typeof input.head !== 'string' || typeof input.base !== 'string') return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'missing_field' }]);
    if (typeof input.title !== 'string' || input.title.trim() === '') return validationFailed([{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    const colon = input.head.indexOf(':');
    const headOwner = colon < 0 ? base.owner : input.head.slice(0, colon);
    const headRef = colon < 0 ? input.head : input.head.slice(colon + 1);
    const network = key(rootOf(base).fullName);
    const headRepo = input.head_repo
      ? repos.get(key(`${headOwner}/${input.head_repo}`))
      : headOwner.toLowerCase() === base.owner.toLowerCase()
        ? base
        : [...repos.values()].find((r) => r.owner.toLowerCase() === headOwner.toLowerCase() && key(rootOf(r).fullName) === network);
    if (!headRepo || !(await branchSha(headRepo.fullName, headRef))) return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    const baseSha = await branchSha(base.fullName, input.base);
    if (!baseSha) return validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    const open = (pulls.get(key(base.fullName)) ?? []).find((p) => p.state === 'open' && key(p.headRepo) === key(headRepo.fullName) && p.headRef === headRef && p.baseRef === input.base);
    if (open) return validationFailed([{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${headOwner}:${headRef}.` }]);
    const headSha = headRepo.fullName === base.fullName ? (await branchSha(base.fullName, headRef))! : (await fetchInto(base.fullName, headRepo.fullName, headRef))!;
    if ((await count(gitDir(base.fullName), `${baseSha}..${headSha}`)) === 0) {
      return validationFailed([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${input.base} and ${headRef}` }]);
    }
    const list = pulls.get(key(base.fullName)) ?? [];
    pulls.set(key(base.fullName), list);
    const at = now();
    const pr: FakePullRequest = {
      id: nextId++,
      number: list.length + 1,
      base: base.fullName,
      baseRef: input.base,
      headRepo: headRepo.fullName,
      headOwner: headRepo.owner,
      headRef,
      headSha,
      title: input.title,
      body: input.body ?? null,
      draft: input.draft === true,
      state: 'open',
      merged: false,
      mergedAt: null,
      closedAt: null,
      mergeCommitSha: null,
      createdAt: at,
      updatedAt: at,
      user: caller.user!.kind === 'installation' ? 'github-actions[bot]' : caller.user!.login,
      labels: [],
      comments: [],
    };
    list.push(pr);
    return { status: 201, body: await pullJson(pr, true), headers: { location: `${api}/repos/${base.fullName}/pulls/${pr.number}` } };
  });

  function findPull(repo: FakeRepository, number: string): FakePullRequest | Answer {
    const pr = (pulls.get(key(repo.fullName)) ?? []).find((p) => String(p.number) === number);
    return pr ?? error(404, 'Not Found');
  }
  const isPull = (x: FakePullRequest | Answer): x is FakePullRequest => 'headRef' in x;
  /** The repository `{owner}/{repo}` and its pull request number `params[2]`, or the 404 GitHub answers. */
  function pullAt(params: string[], caller: Caller): { repo: FakeRepository; pr: FakePullRequest } | Answer {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    const pr = findPull(repo, params[2]!);
    return isPull(pr) ? { repo, pr } : pr;
  }

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', async ({ params, caller }) => {
    const found = pullAt(params, caller);
    return isAnswer(found) ? found : { status: 200, body: await pullJson(found.pr, true) };
  });

  route('PATCH', '/repos/{owner}/{repo}/pulls/{pull_number}', async ({ params, body, caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    const found = pullAt(params, caller);
    if (isAnswer(found)) return found;
    const { repo, pr } = found;
    const isAuthor = caller.user!.kind !== 'installation' && caller.user!.login.toLowerCase() === pr.user.toLowerCase();
    if (!isAuthor && !canPush(repo, caller)) return error(403, 'Resource not accessible by personal access token');
    const change = (body ?? {}) as { title?: string; body?: string; state?: string };
    if (change.title !== undefined) pr.title = change.title;
    if (change.body !== undefined) pr.body = change.body;
    if (change.state === 'closed' && pr.state === 'open') {
      pr.state = 'closed';
      pr.closedAt = now();
    } else if (change.state === 'open' && pr.state === 'closed' && !pr.merged) {
      pr.state = 'open';
      pr.closedAt = null;
    }
    pr.updatedAt = now();
    return { status: 200, body: await pullJson(pr, true) };
  });

  route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels', async ({ params, body, caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    const found = pullAt(params, caller);
    if (isAnswer(found)) return found;
    const { repo, pr } = found;
    if (!canPush(repo, caller)) return error(403, 'Resource not accessible by personal access token');
    const raw = (body as { labels?: unknown } | null)?.labels;
    if (!Array.isArray(raw) || raw.length === 0) return validationFailed([{ resource: 'Label', field: 'labels', code: 'missing_field' }]);
    for (const item of raw) {
      const name = typeof item === 'string' ? item : (item as { name?: string }).name;
      if (!name) continue;
      if (!repo.labels.has(name)) repo.labels.set(name, nextId++);
      if (!pr.labels.includes(name)) pr.labels.push(name);
    }
    return { status: 200, body: pr.labels.map((l) => labelJson(repo, l)) };
  });

  route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', async ({ params, body, caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    const found = pullAt(params, caller);
    if (isAnswer(found)) return found;
    const { repo, pr } = found;
    const text = (body as { body?: unknown } | null)?.body;
    if (typeof text !== 'string' || text === '') return validationFailed([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
    const login = caller.user!.kind === 'installation' ? 'github-actions[bot]' : caller.user!.login;
    const comment = { id: nextId++, body: text, user: login, createdAt: now() };
    pr.comments.push(comment);
    const a = `${api}/repos/${repo.fullName}`;
    return {
      status: 201,
      body: {
        id: comment.id,
        node_id: `IC_${comment.id}`,
        url: `${a}/issues/comments/${comment.id}`,
        html_url: `${web}/${repo.fullName}/pull/${pr.number}#issuecomment-${comment.id}`,
        body: text,
        user: simpleUser(login),
        created_at: comment.createdAt,
        updated_at: comment.createdAt,
        issue_url: `${a}/issues/${pr.number}`,
        author_association: login.toLowerCase() === repo.owner.toLowerCase() ? 'OWNER' : 'NONE',
        performed_via_github_app: null,
      },
      headers: { location: `${a}/issues/comments/${comment.id}` },
    };
  });

  route('GET', '/repos/{owner}/{repo}/labels/{name}', ({ params, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    return repo.labels.has(params[2]!) ? { status: 200, body: labelJson(repo, params[2]!) } : error(404, 'Not Found');
  });

  route('POST', '/repos/{owner}/{repo}/labels', ({ params, body, caller }) => {
    const missing = requireUser(caller);
    if (missing) return missing;
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    if (!canPush(repo, caller)) return error(403, 'Resource not accessible by personal access token');
    const input = (body ?? {}) as { name?: unknown; color?: unknown; description?: unknown };
    if (typeof input.name !== 'string' || input.name.trim() === '') return validationFailed([{ resource: 'Label', field: 'name', code: 'missing_field' }]);
    if (input.color !== undefined && (typeof input.color !== 'string' || !/^[0-9a-fA-F]{6}$/.test(input.color))) return validationFailed([{ resource: 'Label', field: 'color', code: 'invalid' }]);
    if (repo.labels.has(input.name)) return validationFailed([{ resource: 'Label', field: 'name', code: 'already_exists' }]);
    repo.labels.set(input.name, nextId++);
    repo.labelDetails.set(input.name, { color: typeof input.color === 'string' ? input.color.toLowerCase() : 'ededed', description: typeof input.description === 'string' ? input.description : null });
    return { status: 201, body: labelJson(repo, input.name), headers: { location: `${api}/repos/${repo.fullName}/labels/${encodeURIComponent(input.name)}` } };
  });

  route('GET', '/repos/{owner}/{repo}/git/commits/{commit_sha}', async ({ params, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    const dir = gitDir(repo.fullName);
    const sha = params[2]!;
    if (!/^[0-9a-f]{40}$/.test(sha) || (await runGit(['cat-file', '-e', `${sha}^{commit}`], dir)).code !== 0) return error(404, 'Not Found');
    const full = await commitJson(repo.fullName, sha);
    const raw = await gitOk(['cat-file', 'commit', sha], dir);
    const a = `${api}/repos/${repo.fullName}`;
    return {
      status: 200,
      body: {
        sha,
        node_id: full.node_id,
        url: `${a}/git/commits/${sha}`,
        html_url: full.html_url,
        author: full.commit.author,
        committer: full.commit.committer,
        tree: full.commit.tree,
        // As git stores it (commitJson trims the end for the REST commit object).
        message: raw.slice(raw.indexOf('\n\n') + 2),
        parents: full.parents,
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
    };
  });

  route('GET', '/repos/{owner}/{repo}/contents/{path+}', async ({ params, query, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    const dir = gitDir(repo.fullName);
    const ref = query.get('ref') ?? repo.defaultBranch;
    const path = params[2]!;
    const entry = await runGit(['ls-tree', '--full-tree', ref, '--', path], dir);
    const match = /^(\d+) (\w+) ([0-9a-f]{40})\t/.exec(entry.stdout);
    if (entry.code !== 0 || !match || match[2] !== 'blob') return error(404, 'Not Found');
    const content = await new Promise<Buffer>((resolve, reject) =>
      execFile('git', ['cat-file', 'blob', match[3]!], { cwd: dir, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (failure, stdout) => (failure ? reject(failure) : resolve(stdout))),
    );
    const a = `${api}/repos/${repo.fullName}`;
    const self = `${a}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    const html = `${web}/${repo.fullName}/blob/${ref}/${path}`;
    const git = `${a}/git/blobs/${match[3]}`;
    return {
      status: 200,
      body: {
        type: 'file',
        encoding: 'base64',
        size: content.length,
        name: path.split('/').pop(),
        path,
        content: content.toString('base64').replace(/(.{60})/g, '$1\n'),
        sha: match[3],
        url: self,
        git_url: git,
        html_url: html,
        download_url: `${web}/${repo.fullName}/raw/${ref}/${path}`,
        _links: { git, html, self },
      },
    };
  });

  route('GET', '/repos/{owner}/{repo}/commits', async ({ params, query, caller }) => {
    const repo = findRepo(params[0]!, params[1]!, caller);
    if (isAnswer(repo)) return repo;
    const dir = gitDir(repo.fullName);
    const start = query.get('sha') ?? repo.defaultBranch;
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30) || 30);
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const path = query.get('path');
    const log = await runGit(['log', '--format=%H', `--skip=${(page - 1) * perPage}`, `--max-count=${perPage}`, start, '--', ...(path ? [path] : [])], dir);
    if (log.code !== 0) return error(404, `No commit found for SHA: ${start}`);
    const shas = log.stdout.split('\n').filter(Boolean);
    return { status: 200, body: await Promise.all(shas.map((sha) => commitJson(repo.fullName, sha))) };
  });

  // --- HTTP ------------------------------------------------------------------------------------

  function callerOf(req: http.IncomingMessage): Caller | Answer {
    const header = req.headers.authorization;
    if (!header) return { user: null };
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header);
    const user = match ? users.get(match[1]!) : undefined;
    return user ? { user } : error(401, 'Bad credentials');
  }

  function gitCaller(req: http.IncomingMessage): FakeGitHubUser | null | 'bad' {
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return null;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [username, password] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    return users.get(password) ?? users.get(username) ?? 'bad';
  }

  function send(res: http.ServerResponse, answer: Answer): void {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      ...answer.headers,
    });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice('/api/v3'.length) || '/';
    const text = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    apiRequests++;
    if (stalled) {
      stalledResponses.add(res);
      return;
    }
    if (failing && apiRequests % failing.every === 0) {
      if (failing.mode === 'reset') {
        req.socket.destroy();
        return;
      }
      send(res, { status: 502, body: { message: 'Server Error' } });
      return;
    }
    let found: [string, RegExp, string, Handler] | undefined;
    let params: string[] = [];
    for (const candidate of routes) {
      if (candidate[0] !== method) continue;
      const m = candidate[1].exec(path);
      if (m) {
        found = candidate;
        params = m.slice(1).map((p) => decodeURIComponent(p));
        break;
      }
    }
    const routeName = found ? `${method} ${found[2]}` : `${method} ${path}`;
    let body: unknown = null;
    let answer: Answer;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        answer = error(400, 'Problems parsing JSON');
      }
    }
    const limit = rateLimits.shift();
    const caller = callerOf(req);
    if (answer! === undefined) {
      if (limit?.kind === 'primary') {
        answer = {
          status: 403,
          body: { message: `API rate limit exceeded for ${isAnswer(caller) || !caller.user ? '127.0.0.1' : `user ID ${idOf(`user:${caller.user.login.toLowerCase()}`)}`}.`, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: '403' },
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + limit.retryAfter) },
        };
      } else if (limit?.kind === 'secondary') {
        answer = {
          status: 403,
          body: {
            message: 'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000:0000:0000.',
            documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
            status: '403',
          },
          headers: { 'retry-after': String(limit.retryAfter) },
        };
      } else if (isAnswer(caller)) answer = caller;
      else if (!found) answer = error(404, 'Not Found');
      else if (caller.user?.forbid?.includes(`${method} ${found[2]}`)) answer = error(403, `Resource not accessible by ${caller.user.kind === 'installation' ? 'integration' : 'personal access token'}`);
      else answer = await found[3]({ params, query: url.searchParams, body, caller });
    }
    const exchange: GitHubExchange = { method, route: routeName, path, status: answer.status, request: body, response: answer.body ?? null, headers: req.headers };
    self.exchanges.push(exchange);
    self.onExchange?.(exchange);
    send(res, answer);
  }

  /** GitHub guards Git as it guards the API: a fork not ready yet is not there; pushes need permission. */
  function guardGit(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
    const match = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.*)$/.exec(decodeURIComponent(url.pathname));
    if (!match) return false;
    const repo = repos.get(key(`${match[1]}/${match[2]}`));
    if (!repo) return false;
    const deny = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(text);
      return true;
    };
    if (repo.notReady > 0) {
      repo.notReady--;
      return deny(404, 'Repository not found.');
    }
    const push = url.searchParams.get('service') === 'git-receive-pack' || match[3] === 'git-receive-pack';
    const user = gitCaller(req);
    const ask = { 'www-authenticate': 'Basic realm="GitHub"' };
    if (user === 'bad') return deny(401, 'Invalid username or token.', ask);
    const caller: Caller = { user };
    if (!canRead(repo, caller)) return user ? deny(404, 'Repository not found.') : deny(401, 'Authentication required.', ask);
    if (push && !user) return deny(401, 'Authentication required.', ask);
    if (push && !canPush(repo, caller)) return deny(403, `Permission to ${repo.fullName}.git denied to ${user!.login}.`);
    return false;
  }

  const hook: RequestHook = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/api/v3' || url.pathname.startsWith('/api/v3/')) {
      await handleApi(req, res, url);
      return true;
    }
    if (guardGit(req, res, url)) return true;
    return previousHook ? previousHook(req, res) : false;
  };
  server.onRequest = hook;

  function register(owner: string, name: string, opts: RepositoryOptions = {}): FakeRepository {
    const fullName = `${owner}/${name}`;
    const repo: FakeRepository = {
      id: idOf(`repo:${key(fullName)}`),
      owner,
      name,
      fullName,
      private: opts.private ?? false,
      collaborators: new Set(opts.collaborators ?? []),
      defaultBranch: opts.defaultBranch ?? 'main',
      allowForking: opts.allowForking ?? true,
      description: opts.description ?? null,
      parent: null,
      createdAt: now(),
      notReady: 0,
      labels: new Map(),
      labelDetails: new Map(),
    };
    repos.set(key(fullName), repo);
    return repo;
  }

  const self: GitHubServer = {
    url: web,
    apiUrl: api,
    host,
    exchanges: [],
    onExchange: undefined,
    forkReadyAfter: options.forkReadyAfter ?? 2,
    addUser(user) {
      users.set(user.token, user);
    },
    addRepository(owner, name, opts) {
      if (!existsSync(join(server.root, owner, `${name}.git`))) throw new Error(`fake GitHub: make ${owner}/${name}.git under ${server.root} first (makeRepo(root, '${owner}/${name}', …))`);
      return register(owner, name, opts);
    },
    repository: (fullName) => repos.get(key(fullName)),
    gitDir,
    pullRequests: (fullName) => pulls.get(key(fullName)) ?? [],
    async mergePullRequest(fullName, number) {
      const pr = (pulls.get(key(fullName)) ?? []).find((p) => p.number === number);
      if (!pr || pr.state !== 'open') throw new Error(`fake GitHub: no open pull request #${number} in ${fullName}`);
      const dir = gitDir(fullName);
      const head = pr.headRepo === pr.base ? await branchSha(pr.base, pr.headRef) : await fetchInto(pr.base, pr.headRepo, pr.headRef);
      const base = await branchSha(pr.base, pr.baseRef);
      if (!head || !base) throw new Error(`fake GitHub: cannot merge #${number}: a branch is gone`);
      const merged = await merge(dir, base, head, `Merge pull request #${number} from ${pr.headOwner}/${pr.headRef}`);
      if (!merged) throw new Error(`fake GitHub: #${number} conflicts with ${pr.baseRef}`);
      await gitOk(['update-ref', `refs/heads/${pr.baseRef}`, merged.sha, base], dir);
      Object.assign(pr, { state: 'closed', merged: true, mergedAt: now(), closedAt: now(), mergeCommitSha: merged.sha, headSha: head, updatedAt: now() });
      return merged.sha;
    },
    closePullRequest(fullName, number) {
      const pr = (pulls.get(key(fullName)) ?? []).find((p) => p.number === number);
      if (!pr) throw new Error(`fake GitHub: no pull request #${number} in ${fullName}`);
      Object.assign(pr, { state: 'closed', closedAt: now(), updatedAt: now() });
    },
    rateLimitNext(kind, opts = {}) {
      for (let i = 0; i < (opts.times ?? 1); i++) rateLimits.push({ kind, retryAfter: opts.retryAfter ?? 1 });
    },
    failEvery(n, mode = 'status') {
      failing = n === null ? null : { every: n, mode };
      apiRequests = 0;
    },
    stall(on) {
      stalled = on;
    },
    detach() {
      if (server.onRequest === hook) server.onRequest = previousHook;
      for (const res of stalledResponses) res.destroy();
      stalledResponses.clear();
    },
  };
  return self;
}
