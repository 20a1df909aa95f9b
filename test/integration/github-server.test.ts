// The loopback GitHub (src/demo/github-server.ts) behaves as GitHub does where forge depends on
// it, and every answer it gives matches GitHub's published OpenAPI description.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { GitHubRepository, RepoName } from '../../src/core/github.js';
import type { ProgressEvent } from '../../src/core/ports.js';
import { createGitHubAdapter } from '../../src/github/github-adapter.js';
import { caught } from '../helpers/errors.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitHub, type LoopbackGitHub } from '../helpers/github.js';
import { OPENAPI_SOURCE, responseProblems } from '../helpers/openapi.js';

const OWNER = 'tok-acme-owner';
const OCTOCAT = 'tok-octocat';
const HUBOT = 'tok-hubot';
const INSTALLATION = 'tok-installation';

let hub: LoopbackGitHub;
let host: string;
let upstream: RepoName;

function client(token?: string, events: ProgressEvent[] = []) {
  return createGitHubAdapter({ env: hub.env(), ...(token ? { token } : {}), secondMs: 5, emit: (e) => events.push(e) });
}

async function api(path: string, init: RequestInit & { token?: string } = {}) {
  const response = await fetch(`${hub.github.apiUrl}${path}`, {
    ...init,
    headers: { accept: 'application/vnd.github+json', ...(init.token ? { authorization: `token ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

beforeAll(async () => {
  hub = await startGitHub();
  host = hub.github.host;
  upstream = { host, owner: 'acme', name: 'tools' };
  hub.github.addUser({ login: 'acme', token: OWNER });
  hub.github.addUser({ login: 'octocat', token: OCTOCAT });
  hub.github.addUser({ login: 'hubot', token: HUBOT, scopes: ['repo'] });
  hub.github.addUser({ login: 'ci', token: INSTALLATION, kind: 'installation', repositories: ['acme/tools'] });
  await makeRepo(hub.git.root, 'acme/tools', { files: { 'components/button/a.txt': 'one\n', 'README.md': 'tools\n' }, tag: 'v1.0.0' });
  hub.github.addRepository('acme', 'tools');
  await makeRepo(hub.git.root, 'acme/secret', { files: { 'x.txt': 'x\n' } });
  hub.github.addRepository('acme', 'secret', { private: true, collaborators: ['octocat'] });
  // octocat already owns an unrelated repository called "tools": the fork becomes tools-1.
  await makeRepo(hub.git.root, 'octocat/tools', { files: { 'mine.txt': 'mine\n' } });
  hub.github.addRepository('octocat', 'tools');
});

afterAll(async () => {
  await hub.stop();
  await cleanupTempDirs();
});

afterEach(() => {
  const problems = hub.problems.splice(0);
  expect(problems, `answers that differ from ${OPENAPI_SOURCE}`).toEqual([]);
});

describe('repositories and tokens', () => {
  test('the owner may push; another user may not; an installation token gets no permissions; nobody sees a private repository uninvited', async () => {
    expect((await client(OWNER).repository(upstream)).canPush).toBe(true);
    expect((await client(OCTOCAT).repository(upstream)).canPush).toBe(false);
    expect((await client(INSTALLATION).repository(upstream)).canPush).toBeNull();
    const secret = { ...upstream, name: 'secret' };
    expect((await client(OCTOCAT).repository(secret)).canPush).toBe(true);
    expect(await caught(client(HUBOT).repository(secret))).toMatchObject({ code: 'E_REPO_NOT_FOUND' });
    expect(await caught(client().repository(secret))).toMatchObject({ code: 'E_REPO_NOT_FOUND' });
    expect(await caught(client('tok-nobody').repository(upstream))).toMatchObject({ code: 'E_AUTH', exitCode: 4 });
  });

  test('GET /user names the user, and answers 403 to an installation token', async () => {
    expect(await client(OCTOCAT).viewer(host)).toBe('octocat');
    expect(await client(INSTALLATION).viewer(host)).toBeNull();
    const raw = await api('/user', { token: INSTALLATION });
    expect(raw.status).toBe(403);
    expect(raw.body.message).toBe('Resource not accessible by integration');
  });

  test('every answer carries the rate-limit headers', async () => {
    const raw = await api('/repos/acme/tools', { token: OCTOCAT });
    expect(raw.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(Number(raw.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
  });

  test('Git pushes need credentials and permission, as on GitHub', async () => {
    const work = await tempDir();
    await git(['clone', '-q', hub.address('acme/tools'), work]);
    await git(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x'], { cwd: work });
    const push = (token?: string) => {
      const url = new URL(hub.address('acme/tools'));
      if (token) Object.assign(url, { username: 'x-access-token', password: token });
      return git(['push', '-q', url.toString(), 'HEAD:refs/heads/try'], { cwd: work, env: { GIT_TERMINAL_PROMPT: '0' } }).then(
        () => 'ok',
        (e: Error) => e.message,
      );
    };
    expect(await push()).toMatch(/Authentication|401|could not read Username/i);
    expect(await push(OCTOCAT)).toMatch(/403|denied/);
    expect(await push(OWNER)).toBe('ok');
  });
});

describe('forks', () => {
  let fork: GitHubRepository;

  test('create-fork answers 202 with the name it chose (tools-1: octocat owns a "tools"), and a second call returns the same fork', async () => {
    fork = await client(OCTOCAT).createFork(upstream);
    expect(fork).toMatchObject({ owner: 'octocat', name: 'tools-1', parent: 'acme/tools', defaultBranch: 'main', cloneUrl: hub.address('octocat/tools-1') });
    expect((await client(OCTOCAT).createFork(upstream)).name).toBe('tools-1');
    expect(hub.github.exchanges.filter((e) => e.route === 'POST /repos/{owner}/{repo}/forks').map((e) => e.status)).toEqual([202, 202]);
  });

  test('a new fork is ready only after a while: git/ref says 404, then 409, then the branch; Git sees nothing meanwhile', async () => {
    const waits: number[] = [];
    await client(OCTOCAT).waitForFork(fork, (p) => waits.push(p.seconds));
    expect(waits).toEqual([1, 2]);
    const statuses = hub.github.exchanges.filter((e) => decodeURIComponent(e.path) === '/repos/octocat/tools-1/git/ref/heads/main').map((e) => e.status);
    expect(statuses).toEqual([404, 409, 200]);
    // The fork is a real repository with upstream's history.
    expect(await gitRevParse(hub.github.gitDir('octocat/tools-1'), 'main')).toBe(await gitRevParse(hub.github.gitDir('acme/tools'), 'main'));

    const late = await client(HUBOT).createFork(upstream);
    const clone = await git(['ls-remote', late.cloneUrl]).catch((e: Error) => e.message);
    expect(clone).toMatch(/not found|404/i);
    await client(HUBOT).waitForFork(late);
    expect(await git(['ls-remote', late.cloneUrl])).toContain('refs/heads/main');
  });

  test('the forks a user owns are listed', async () => {
    const forks = await client(OCTOCAT).forksOwnedBy(upstream, 'octocat');
    expect(forks.map((f) => f.name)).toEqual(['tools-1']);
    expect(await client(OCTOCAT).forksOwnedBy(upstream, 'nobody')).toEqual([]);
  });

  test('merge-upstream: up to date, fast-forward, then a real merge, then a conflict (409)', async () => {
    const gh = client(OCTOCAT);
    const f = { host, owner: 'octocat', name: 'tools-1' };
    expect((await gh.mergeUpstream(f, 'main')).kind).toBe('up-to-date');

    const up1 = await commitToRepo(hub.git.root, 'acme/tools', { files: { 'README.md': 'tools v2\n' } });
    expect(await gh.compare(f, 'main', 'acme:main')).toEqual({ ahead: 1, behind: 0 });
    expect((await gh.mergeUpstream(f, 'main')).kind).toBe('fast-forward');
    expect(await gitRevParse(hub.github.gitDir('octocat/tools-1'), 'main')).toBe(up1);

    const mine = await commitToRepo(hub.git.root, 'octocat/tools-1', { files: { 'mine.txt': 'fork only\n' } });
    const up2 = await commitToRepo(hub.git.root, 'acme/tools', { files: { 'components/button/a.txt': 'two\n' } });
    expect(await gh.compare(f, 'main', 'acme:main')).toEqual({ ahead: 1, behind: 1 });
    const merged = await gh.mergeUpstream(f, 'main');
    expect(merged.kind).toBe('merge');
    const dir = hub.github.gitDir('octocat/tools-1');
    expect((await git(['rev-list', '--parents', '-n', '1', 'main'], { cwd: dir })).split(' ').slice(1)).toEqual([mine, up2]);
    expect(await git(['fsck', '--no-dangling'], { cwd: dir })).toBe('');

    await commitToRepo(hub.git.root, 'octocat/tools-1', { files: { 'README.md': 'fork says\n' } });
    await commitToRepo(hub.git.root, 'acme/tools', { files: { 'README.md': 'upstream says\n' } });
    expect(await gh.mergeUpstream(f, 'main')).toEqual({ kind: 'conflict', message: 'There are merge conflicts' });
    expect(await caught(gh.mergeUpstream(f, 'no-such-branch'))).toMatchObject({ code: 'E_GITHUB' });
  });

  test('merge-upstream refuses workflow changes to a token without the workflow scope (422)', async () => {
    const gh = client(HUBOT);
    const f = { host, owner: 'hubot', name: 'tools' };
    await gh.mergeUpstream(f, 'main').catch(() => undefined); // whatever the README race left, it is not the point here
    await commitToRepo(hub.git.root, 'acme/tools', { files: { '.github/workflows/ci.yml': 'on: push\n' } });
    const error = await caught(gh.mergeUpstream(f, 'main'));
    expect(error).toMatchObject({ code: 'E_AUTH' });
    expect(error.hint).toContain('workflow');
    expect((await client(OCTOCAT).mergeUpstream({ host, owner: 'octocat', name: 'tools-1' }, 'main')).kind).not.toBe('up-to-date');
  });
});

describe('pull requests', () => {
  const head = { owner: 'acme', branch: 'feature' };
  const newPr = (title = 'Feature') => ({ head: { ...head, repository: { host: 'x', owner: 'acme', name: 'tools' } }, base: 'main', title, body: 'Adds a feature.', draft: true });

  test('create, "already exists", find by owner:branch, update, merge', async () => {
    const dir = hub.github.gitDir('acme/tools');
    const main = await gitRevParse(dir, 'main');
    await git(['update-ref', 'refs/heads/feature', main], { cwd: dir });
    const gh = client(OWNER);
    expect(await caught(gh.openPullRequest(upstream, newPr()))).toMatchObject({ code: 'E_GITHUB', message: expect.stringContaining('No commits between main and feature') });

    await commitToRepo(hub.git.root, 'acme/tools', { branch: 'feature', files: { 'feature.txt': 'f\n' } });
    const pr = await gh.openPullRequest(upstream, newPr());
    expect(pr).toMatchObject({ number: 1, state: 'open', draft: true, url: `${hub.git.url}/acme/tools/pull/1`, head: { owner: 'acme', branch: 'feature', repository: 'acme/tools' } });
    expect(await caught(gh.openPullRequest(upstream, newPr('Again')))).toMatchObject({ code: 'E_PR_EXISTS', data: { number: 1 } });
    expect(hub.github.pullRequests('acme/tools')).toHaveLength(1);

    expect((await gh.findOpenPullRequest(upstream, head))?.number).toBe(1);
    expect(await gh.findOpenPullRequest(upstream, { owner: 'octocat', branch: 'feature' })).toBeNull();
    // A bare branch in `head` is ignored by GitHub: every open pull request comes back.
    const bare = await api('/repos/acme/tools/pulls?head=nothing-like-it', { token: OWNER });
    expect(bare.body.map((p: { number: number }) => p.number)).toEqual([1]);

    expect((await gh.updatePullRequest(upstream, 1, { body: 'Better words.' })).body).toBe('Better words.');
    const later = await commitToRepo(hub.git.root, 'acme/tools', { branch: 'feature', files: { 'feature.txt': 'g\n' } });
    expect((await gh.pullRequest(upstream, 1)).head.sha).toBe(later);

    const labels = await api('/repos/acme/tools/issues/1/labels', { method: 'POST', token: OWNER, body: JSON.stringify({ labels: ['forge', 'dependencies'] }) });
    expect(labels.status).toBe(200);
    expect(responseProblems('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', labels.status, labels.body)).toEqual([]);
    expect(labels.body.map((l: { name: string }) => l.name)).toEqual(['forge', 'dependencies']);

    const mergeCommit = await hub.github.mergePullRequest('acme/tools', 1);
    expect(await gitRevParse(dir, 'main')).toBe(mergeCommit);
    expect((await gh.pullRequest(upstream, 1)).state).toBe('merged');
    expect(await gh.findOpenPullRequest(upstream, head)).toBeNull();
  });

  test('a pull request from a fork: head owner:branch of the fork', async () => {
    const forkDir = hub.github.gitDir('octocat/tools-1');
    await git(['fetch', '-q', hub.github.gitDir('acme/tools'), '+refs/heads/main:refs/heads/fix'], { cwd: forkDir });
    await commitToRepo(hub.git.root, 'octocat/tools-1', { branch: 'fix', files: { 'fix.txt': 'fixed\n' } });
    const gh = client(OCTOCAT);
    const pr = await gh.openPullRequest(upstream, { head: { owner: 'octocat', branch: 'fix', repository: { host, owner: 'octocat', name: 'tools-1' } }, base: 'main', title: 'Fix', body: '', draft: false });
    expect(pr.head).toMatchObject({ owner: 'octocat', branch: 'fix', repository: 'octocat/tools-1' });
    hub.github.closePullRequest('acme/tools', pr.number);
    expect((await gh.pullRequest(upstream, pr.number)).state).toBe('closed');
  });
});

describe('rate limits and faults on demand', () => {
  test('a secondary rate limit (403 + retry-after) is waited out', async () => {
    const events: ProgressEvent[] = [];
    hub.github.rateLimitNext('secondary', { retryAfter: 1 });
    expect((await client(OCTOCAT, events).repository(upstream)).name).toBe('tools');
    expect(events.some((e) => e.type === 'debug' && /secondary rate limit: waiting 1 s/.test(e.message))).toBe(true);
  });

  test('a primary rate limit (403 + x-ratelimit-remaining 0) is waited out until the reset', async () => {
    const events: ProgressEvent[] = [];
    hub.github.rateLimitNext('primary', { retryAfter: 1 });
    expect((await client(OCTOCAT, events).repository(upstream)).name).toBe('tools');
    expect(events.some((e) => e.type === 'debug' && /primary rate limit: waiting/.test(e.message))).toBe(true);
  });

  test('every third request failing (502 or a reset connection) is survived', async () => {
    for (const mode of ['status', 'reset'] as const) {
      hub.github.failEvery(3, mode);
      const gh = client(OCTOCAT);
      for (let i = 0; i < 4; i++) expect((await gh.repository(upstream)).name).toBe('tools');
    }
    hub.github.failEvery(null);
  });

  test('a stalled API is a network failure (exit 3) in bounded time, never a hang', async () => {
    hub.github.stall(true);
    const gh = createGitHubAdapter({ env: hub.env(), token: OCTOCAT, secondMs: 5, timeoutMs: 200, retries: 1 });
    const error = await caught(gh.repository(upstream));
    hub.github.stall(false);
    expect(error).toMatchObject({ code: 'E_NETWORK', exitCode: 3 });
    expect(error.message).toContain(hub.github.apiUrl);
  });

  test('forge pins the API version on every request', () => {
    const fromForge = hub.github.exchanges.filter((e) => String(e.headers['user-agent']).startsWith('forge'));
    expect(fromForge.length).toBeGreaterThan(20);
    const versions = new Set(fromForge.map((e) => e.headers['x-github-api-version']));
    expect([...versions]).toEqual(['2022-11-28']);
  });
});
