// The GitHub adapter against GitHub's exact answers (bodies and headers as GitHub sends them),
// served by nock: every interceptor must be used, and nothing may reach the network.

import nock from 'nock';
import { afterEach, beforeAll, afterAll, describe, expect, test } from 'vitest';
import type { RepoName } from '../../src/core/github.js';
import type { ProgressEvent } from '../../src/core/ports.js';
import { ForgeError } from '../../src/errors.js';
import { createGitHubAdapter } from '../../src/github/github-adapter.js';
import { caught } from '../helpers/errors.js';

const API = 'https://api.github.com';
const TOKEN = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
const upstream: RepoName = { host: 'github.com', owner: 'acme', name: 'tools' };

function adapter(options: { token?: string | null; events?: ProgressEvent[] } = {}) {
  const events = options.events ?? [];
  return createGitHubAdapter({
    env: {},
    ...(options.token === null ? {} : { token: options.token ?? TOKEN }),
    secondMs: 5,
    timeoutMs: 5_000,
    emit: (event) => events.push(event),
  });
}

function repoJson(owner: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    id: 1296269,
    name,
    full_name: `${owner}/${name}`,
    owner: { login: owner, id: 1, type: 'User' },
    private: false,
    html_url: `https://github.com/${owner}/${name}`,
    clone_url: `https://github.com/${owner}/${name}.git`,
    default_branch: 'main',
    fork: false,
    archived: false,
    allow_forking: true,
    ...extra,
  };
}

function prJson(number: number, head: { owner: string; branch: string }, extra: Record<string, unknown> = {}) {
  return {
    number,
    html_url: `https://github.com/acme/tools/pull/${number}`,
    state: 'open',
    draft: false,
    merged_at: null,
    title: 'Fix',
    body: 'body',
    head: { ref: head.branch, sha: 'a'.repeat(40), label: `${head.owner}:${head.branch}`, user: { login: head.owner }, repo: { full_name: `${head.owner}/tools`, owner: { login: head.owner } } },
    base: { ref: 'main' },
    ...extra,
  };
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected request was made').toEqual([]);
});

describe('requests', () => {
  test('pin the API version, send the token, and read default branch and push permission', async () => {
    nock(API, { reqheaders: { 'x-github-api-version': '2022-11-28', authorization: `token ${TOKEN}` } })
      .get('/repos/acme/tools')
      .reply(200, repoJson('acme', 'tools', { default_branch: 'trunk', permissions: { admin: false, maintain: false, push: true, triage: true, pull: true } }));
    const repo = await adapter().repository(upstream);
    expect(repo).toMatchObject({ owner: 'acme', name: 'tools', defaultBranch: 'trunk', canPush: true, parent: null, cloneUrl: 'https://github.com/acme/tools.git' });
  });

  test('a read-only token cannot push', async () => {
    nock(API)
      .get('/repos/acme/tools')
      .reply(200, repoJson('acme', 'tools', { permissions: { admin: false, push: false, pull: true } }))
      .get('/installation/repositories')
      .query({ per_page: 1 })
      .reply(403, { message: 'You must authenticate with an installation access token in order to list repositories for an installation.', documentation_url: 'https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation', status: '403' });
    expect((await adapter().repository(upstream)).canPush).toBe(false);
  });

  test('an Actions installation token: push permission unknown (only the push can tell), and GET /user 403 means no login', async () => {
    nock(API)
      .get('/repos/acme/tools')
      .reply(200, repoJson('acme', 'tools'))
      .get('/installation/repositories')
      .query({ per_page: 1 })
      .reply(200, { total_count: 1, repositories: [repoJson('acme', 'tools')] })
      .get('/user')
      .reply(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user', status: '403' });
    const gh = adapter();
    expect((await gh.repository(upstream)).canPush).toBeNull();
    expect(await gh.viewer('github.com')).toBeNull();
  });

  test('without a token nothing can be pushed, and no Authorization header is sent', async () => {
    nock(API, { badheaders: ['authorization'] }).get('/repos/acme/tools').reply(200, repoJson('acme', 'tools'));
    expect((await adapter({ token: null }).repository(upstream)).canPush).toBe(false);
  });

  test('404 for a private repository: E_REPO_NOT_FOUND naming it, with a token hint, and no retry', async () => {
    nock(API).get('/repos/acme/secret').once().reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository', status: '404' });
    const error = await caught(adapter({ token: null }).repository({ ...upstream, name: 'secret' }));
    expect(error).toBeInstanceOf(ForgeError);
    expect(error).toMatchObject({ code: 'E_REPO_NOT_FOUND', exitCode: 1 });
    expect(error.message).toContain('acme/secret');
    expect(error.hint).toMatch(/private.*GH_TOKEN/);
  });

  test('401: E_AUTH, exit 4, and the token never appears in the message', async () => {
    nock(API).get('/repos/acme/tools').reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    const error = await caught(adapter().repository(upstream));
    expect(error).toMatchObject({ code: 'E_AUTH', exitCode: 4 });
    expect(`${error.message} ${error.hint}`).not.toContain(TOKEN);
  });
});

describe('retries', () => {
  test('5xx answers are retried with backoff until one succeeds', async () => {
    const events: ProgressEvent[] = [];
    nock(API).get('/repos/acme/tools').reply(502, 'Bad Gateway').get('/repos/acme/tools').reply(503, { message: 'Service Unavailable' }).get('/repos/acme/tools').reply(200, repoJson('acme', 'tools', { permissions: { push: true } }));
    expect((await adapter({ events }).repository(upstream)).canPush).toBe(true);
    expect(events.filter((e) => e.type === 'debug' && /retry \d/.test(e.message))).toHaveLength(2);
  });

  test('a server that keeps failing: E_NETWORK, exit 3, after 1 + 3 attempts', async () => {
    nock(API).get('/repos/acme/tools').times(4).reply(500, { message: 'Server Error' });
    const error = await caught(adapter().repository(upstream));
    expect(error).toMatchObject({ code: 'E_NETWORK', exitCode: 3 });
    expect(error.message).toContain('https://api.github.com');
  });

  test('a connection reset is retried', async () => {
    nock(API).get('/repos/acme/tools').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' }).get('/repos/acme/tools').reply(200, repoJson('acme', 'tools', { permissions: { push: true } }));
    expect((await adapter().repository(upstream)).name).toBe('tools');
  });

  test('a 422 is an answer, not a hiccup: asked once', async () => {
    nock(API).post('/repos/acme/tools/forks').once().reply(422, { message: 'Validation Failed', errors: [{ resource: 'Repository', code: 'custom', message: 'Forking is disabled for this repository.' }], status: '422' });
    const error = await caught(adapter().createFork(upstream));
    expect(error).toMatchObject({ code: 'E_GITHUB', exitCode: 1 });
    expect(error.message).toContain('Forking is disabled for this repository.');
  });

  test('403 secondary rate limit with retry-after: waits that long, says so, and retries', async () => {
    const events: ProgressEvent[] = [];
    nock(API)
      .post('/repos/acme/tools/forks')
      .reply(
        403,
        {
          message: 'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000:0000:0000.',
          documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        },
        { 'retry-after': '60', 'x-ratelimit-remaining': '4990' },
      )
      .post('/repos/acme/tools/forks')
      .reply(202, repoJson('octocat', 'tools', { fork: true, parent: repoJson('acme', 'tools') }));
    const fork = await adapter({ events }).createFork(upstream);
    expect(fork.owner).toBe('octocat');
    expect(events).toContainEqual({ type: 'warning', message: expect.stringMatching(/secondary rate limit: waiting 60 s/) });
  });

  test('a primary rate limit (x-ratelimit-remaining 0) waits until x-ratelimit-reset', async () => {
    const events: ProgressEvent[] = [];
    const reset = Math.floor(Date.now() / 1000) + 2;
    nock(API)
      .get('/repos/acme/tools')
      .reply(403, { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting', status: '403' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': String(reset) })
      .get('/repos/acme/tools')
      .reply(200, repoJson('acme', 'tools', { permissions: { push: true } }));
    expect((await adapter({ events }).repository(upstream)).name).toBe('tools');
    expect(events).toContainEqual({ type: 'debug', message: expect.stringMatching(/primary rate limit: waiting [1-3] s/) });
  });

  test('a rate limit that outlasts the retries: E_RATE_LIMITED, exit 3, naming the reset time', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    nock(API).get('/repos/acme/tools').reply(403, { message: 'API rate limit exceeded for user ID 1.', status: '403' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) });
    const error = await caught(adapter().repository(upstream));
    expect(error).toMatchObject({ code: 'E_RATE_LIMITED', exitCode: 3 });
    expect(error.message).toContain(new Date(reset * 1000).toISOString());
  });
});

describe('forks', () => {
  test('create-fork returns the name GitHub chose (name-1)', async () => {
    nock(API)
      .post('/repos/acme/tools/forks')
      .reply(202, repoJson('octocat', 'tools-1', { fork: true, parent: repoJson('acme', 'tools'), source: repoJson('acme', 'tools') }));
    const fork = await adapter().createFork(upstream);
    expect(fork).toMatchObject({ owner: 'octocat', name: 'tools-1', parent: 'acme/tools', cloneUrl: 'https://github.com/octocat/tools-1.git', canPush: true });
  });

  test('waiting for a new fork: 404 and 409 mean "not yet", with growing waits', async () => {
    const waits: number[] = [];
    nock(API)
      .get('/repos/octocat/tools/git/ref/heads%2Fmain')
      .reply(404, { message: 'Not Found', status: '404' })
      .get('/repos/octocat/tools/git/ref/heads%2Fmain')
      .reply(409, { message: 'Git Repository is empty.', status: '409' })
      .get('/repos/octocat/tools/git/ref/heads%2Fmain')
      .reply(200, { ref: 'refs/heads/main', node_id: 'x', url: 'u', object: { type: 'commit', sha: 'b'.repeat(40), url: 'u' } });
    const fork = { host: 'github.com', owner: 'octocat', name: 'tools', defaultBranch: 'main', canPush: true, parent: 'acme/tools', cloneUrl: '', htmlUrl: '', archived: false, allowForking: true };
    await adapter().waitForFork(fork, (p) => waits.push(p.seconds));
    expect(waits).toEqual([1, 2]);
  });

  test('a fork that never becomes ready: E_FORK_NOT_READY, exit 3, after the bounded wait', async () => {
    nock(API).get('/repos/octocat/tools/git/ref/heads%2Fmain').times(10).reply(404, { message: 'Not Found', status: '404' });
    const gh = createGitHubAdapter({ env: {}, token: TOKEN, secondMs: 1, forkWaitSeconds: 30 });
    const fork = { host: 'github.com', owner: 'octocat', name: 'tools', defaultBranch: 'main', canPush: true, parent: 'acme/tools', cloneUrl: '', htmlUrl: '', archived: false, allowForking: true };
    const error = await caught(gh.waitForFork(fork));
    expect(error).toMatchObject({ code: 'E_FORK_NOT_READY', exitCode: 3 });
    expect(error.message).toContain('octocat/tools');
    nock.cleanAll(); // the count of polls is the backoff's business; the bound is what matters
  });

  test('merge-upstream: fast-forward, merge, and "none" (up to date)', async () => {
    nock(API)
      .post('/repos/octocat/tools/merge-upstream', { branch: 'main' })
      .reply(200, { message: 'Successfully fetched and fast-forwarded from upstream acme:main.', merge_type: 'fast-forward', base_branch: 'acme:main' })
      .post('/repos/octocat/tools/merge-upstream', { branch: 'main' })
      .reply(200, { message: 'Successfully fetched and merged from upstream acme:main.', merge_type: 'merge', base_branch: 'acme:main' })
      .post('/repos/octocat/tools/merge-upstream', { branch: 'main' })
      .reply(200, { message: 'This branch is not behind the upstream acme:main.', merge_type: 'none', base_branch: 'acme:main' });
    const gh = adapter();
    const fork = { host: 'github.com', owner: 'octocat', name: 'tools' };
    expect((await gh.mergeUpstream(fork, 'main')).kind).toBe('fast-forward');
    expect((await gh.mergeUpstream(fork, 'main')).kind).toBe('merge');
    expect((await gh.mergeUpstream(fork, 'main')).kind).toBe('up-to-date');
  });

  test('merge-upstream 409: a conflict to report, asked once (409 is never retried)', async () => {
    nock(API)
      .post('/repos/octocat/tools/merge-upstream')
      .once()
      .reply(409, { message: 'There are merge conflicts', documentation_url: 'https://docs.github.com/rest/branches/branches#sync-a-fork-branch-with-the-upstream-repository', status: '409' });
    expect(await adapter().mergeUpstream({ host: 'github.com', owner: 'octocat', name: 'tools' }, 'main')).toEqual({ kind: 'conflict', message: 'There are merge conflicts' });
  });

  test('merge-upstream 422 for the missing workflow scope gets its own hint', async () => {
    nock(API)
      .post('/repos/octocat/tools/merge-upstream')
      .reply(422, { message: 'refusing to allow an OAuth App to create or update workflow `.github/workflows/ci.yml` without `workflow` scope', documentation_url: 'https://docs.github.com/rest/branches/branches#sync-a-fork-branch-with-the-upstream-repository', status: '422' });
    const error = await caught(adapter().mergeUpstream({ host: 'github.com', owner: 'octocat', name: 'tools' }, 'main'));
    expect(error).toMatchObject({ code: 'E_AUTH', exitCode: 4 });
    expect(error.hint).toContain('gh auth refresh -s workflow');
  });

  test('merge-upstream 422 for another reason says what GitHub said', async () => {
    nock(API).post('/repos/octocat/tools/merge-upstream').reply(422, { message: 'There was a problem updating the branch', status: '422' });
    const error = await caught(adapter().mergeUpstream({ host: 'github.com', owner: 'octocat', name: 'tools' }, 'main'));
    expect(error).toMatchObject({ code: 'E_GITHUB', exitCode: 1 });
    expect(error.message).toContain('There was a problem updating the branch');
    expect(error.hint).not.toContain('workflow');
  });

  test('the forks a user owns, from the fork list, filtered by owner and paged', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => repoJson(`user${i}`, 'tools', { fork: true }));
    nock(API)
      .get('/repos/acme/tools/forks')
      .query({ sort: 'newest', per_page: 100, page: 1 })
      .reply(200, page1)
      .get('/repos/acme/tools/forks')
      .query({ sort: 'newest', per_page: 100, page: 2 })
      .reply(200, [repoJson('Octocat', 'tools-1', { fork: true }), repoJson('other', 'tools', { fork: true })]);
    const forks = await adapter().forksOwnedBy(upstream, 'octocat');
    expect(forks.map((f) => `${f.owner}/${f.name}`)).toEqual(['Octocat/tools-1']);
    expect(forks[0]!.parent).toBe('acme/tools');
  });

  test('compare counts commits across the fork network', async () => {
    nock(API).get('/repos/octocat/tools/compare/main...acme%3Amain').query({ per_page: 1 }).reply(200, { status: 'ahead', ahead_by: 3, behind_by: 0, total_commits: 3, commits: [] });
    expect(await adapter().compare({ host: 'github.com', owner: 'octocat', name: 'tools' }, 'main', 'acme:main')).toEqual({ ahead: 3, behind: 0 });
  });
});

describe('pull requests', () => {
  const head = { owner: 'octocat', branch: 'forge/button-1700000000' };
  const newPr = { head: { ...head, repository: { host: 'github.com', owner: 'octocat', name: 'tools' } }, base: 'main', title: 'Fix', body: 'body', draft: false };

  test('find uses owner:branch and checks the answer (a bare branch would list everything)', async () => {
    nock(API)
      .get('/repos/acme/tools/pulls')
      .query({ state: 'open', head: 'octocat:forge/button-1700000000', per_page: 100 })
      .reply(200, [prJson(7, { owner: 'someone', branch: 'forge/button-1700000000' }), prJson(8, head)]);
    expect((await adapter().findOpenPullRequest(upstream, head))?.number).toBe(8);
  });

  test('open sends head owner:branch, base, title, body and draft', async () => {
    nock(API)
      .post('/repos/acme/tools/pulls', { title: 'Fix', body: 'body', head: 'octocat:forge/button-1700000000', base: 'main', draft: true })
      .reply(201, prJson(9, head, { draft: true }));
    const pr = await adapter().openPullRequest(upstream, { ...newPr, draft: true });
    expect(pr).toMatchObject({ number: 9, url: 'https://github.com/acme/tools/pull/9', state: 'open', draft: true, head: { owner: 'octocat', branch: head.branch } });
  });

  test('422 "A pull request already exists for …": E_PR_EXISTS with the open one, never a duplicate', async () => {
    nock(API)
      .post('/repos/acme/tools/pulls')
      .reply(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for octocat:forge/button-1700000000.' }],
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
        status: '422',
      })
      .get('/repos/acme/tools/pulls')
      .query(true)
      .reply(200, [prJson(12, head)]);
    const error = await caught(adapter().openPullRequest(upstream, newPr));
    expect(error).toMatchObject({ code: 'E_PR_EXISTS', data: { number: 12 } });
  });

  test('422 "No commits between …" right after a push is retried, then succeeds', async () => {
    const noCommits = {
      message: 'Validation Failed',
      errors: [{ resource: 'PullRequest', code: 'custom', message: 'No commits between main and forge/button-1700000000' }],
      documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
      status: '422',
    };
    nock(API).post('/repos/acme/tools/pulls').reply(422, noCommits).get('/repos/acme/tools/pulls').query(true).reply(200, []).post('/repos/acme/tools/pulls').reply(201, prJson(13, head));
    expect((await adapter().openPullRequest(upstream, newPr)).number).toBe(13);
  });

  test('422 "No commits between …" that persists: E_GITHUB quoting GitHub, after three tries', async () => {
    const noCommits = { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: 'No commits between main and forge/button-1700000000' }], status: '422' };
    nock(API).post('/repos/acme/tools/pulls').times(3).reply(422, noCommits).get('/repos/acme/tools/pulls').query(true).times(3).reply(200, []);
    const error = await caught(adapter().openPullRequest(upstream, newPr));
    expect(error).toMatchObject({ code: 'E_GITHUB', exitCode: 1 });
    expect(error.message).toContain('No commits between main and forge/button-1700000000');
  });

  test('state: merged, closed or open', async () => {
    nock(API)
      .get('/repos/acme/tools/pulls/5')
      .reply(200, prJson(5, head, { state: 'closed', merged_at: '2024-06-01T12:00:00Z' }))
      .get('/repos/acme/tools/pulls/6')
      .reply(200, prJson(6, head, { state: 'closed' }));
    const gh = adapter();
    expect((await gh.pullRequest(upstream, 5)).state).toBe('merged');
    expect((await gh.pullRequest(upstream, 6)).state).toBe('closed');
  });

  test('update sends only what changes', async () => {
    nock(API).patch('/repos/acme/tools/pulls/5', { body: 'new body' }).reply(200, prJson(5, head, { body: 'new body' }));
    expect((await adapter().updatePullRequest(upstream, 5, { body: 'new body' })).body).toBe('new body');
  });
});

describe('hosts', () => {
  test('github.com addresses, GH_HOST addresses (API under /api/v3), and others', () => {
    const gh = createGitHubAdapter({ env: { GH_HOST: 'ghe.example.com:8443' } });
    expect(gh.locate('github.com/acme/tools')).toEqual({ host: 'github.com', owner: 'acme', name: 'tools' });
    expect(gh.locate('https://github.com/acme/tools.git')).toEqual({ host: 'github.com', owner: 'acme', name: 'tools' });
    expect(gh.locate('https://ghe.example.com:8443/acme/tools')).toEqual({ host: 'ghe.example.com:8443', owner: 'acme', name: 'tools' });
    expect(gh.locate('https://gitlab.com/acme/tools')).toBeNull();
    expect(gh.locate('https://github.com/acme/tools/sub')).toBeNull();
  });

  test('a GH_HOST repository is asked at <scheme>://GH_HOST/api/v3', async () => {
    nock('https://ghe.example.com:8443').get('/api/v3/repos/acme/tools').reply(200, repoJson('acme', 'tools', { permissions: { push: true } }));
    const gh = createGitHubAdapter({ env: { GH_HOST: 'ghe.example.com:8443' }, token: TOKEN });
    expect((await gh.repository({ host: 'ghe.example.com:8443', owner: 'acme', name: 'tools' })).canPush).toBe(true);
  });

  test('GITHUB_API_URL overrides the API base', async () => {
    nock('https://api.example.net').get('/v3/repos/acme/tools').reply(200, repoJson('acme', 'tools', { permissions: { push: true } }));
    const gh = createGitHubAdapter({ env: { GITHUB_API_URL: 'https://api.example.net/v3/' }, token: TOKEN });
    expect((await gh.repository(upstream)).name).toBe('tools');
  });
});
