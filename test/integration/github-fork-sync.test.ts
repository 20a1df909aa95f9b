// forge fork list / forge fork sync end to end: the built CLI against the loopback GitHub, forks
// as real bare repositories, merge-upstream doing real fast-forwards and merges, checked with git.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGitHubAdapter } from '../../src/github/github-adapter.js';
import { forge, type ForgeRun } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitHub, type LoopbackGitHub } from '../helpers/github.js';

vi.setConfig({ testTimeout: 180_000 });

const OCTOCAT = 'tok-fork-octocat';
const HUBOT = 'tok-fork-hubot';

let hub: LoopbackGitHub;
let cache: string;
let cwd: string;

const run = (args: string[], token = OCTOCAT, dir = cwd): Promise<ForgeRun> => forge(args, { cwd: dir, env: { FORGE_CACHE_DIR: cache, FORGE_TEST_SECOND_MS: '10', ...hub.env(token) } });

/** A fork made on GitHub by hand (not by forge), ready to use. */
async function forkByHand(token: string, owner: string, name: string): Promise<void> {
  const gh = createGitHubAdapter({ env: hub.env(), token, secondMs: 5 });
  const fork = await gh.createFork({ host: hub.github.host, owner, name });
  await gh.waitForFork(fork);
}

beforeAll(async () => {
  hub = await startGitHub();
  cache = await tempDir('forge-fork-cache-');
  hub.github.addUser({ login: 'octocat', token: OCTOCAT });
  hub.github.addUser({ login: 'hubot', token: HUBOT, scopes: ['repo'] });
  for (const name of ['tools', 'widgets', 'other']) {
    await makeRepo(hub.git.root, `acme/${name}`, { files: { [`components/${name}/a.txt`]: 'one\n', 'README.md': `${name}\n` }, tag: 'v1.0.0' });
    hub.github.addRepository('acme', name);
  }
  await makeRepo(hub.git.root, 'plain', { files: { 'p/a.txt': 'a\n' }, tag: 'v1.0.0' });

  cwd = await tempDir('forge-fork-ws-');
  await git(['init', '-q', '-b', 'main'], { cwd });
  await git(['config', 'user.name', 'Ada'], { cwd });
  await git(['config', 'user.email', 'ada@example.com'], { cwd });
  expect((await run(['init'])).code).toBe(0);
  for (const name of ['tools', 'widgets']) expect((await run(['add', hub.address(`acme/${name}`), name, '--path', `components/${name}`])).code).toBe(0);
  expect((await run(['add', `${hub.git.url}/plain.git`, 'p', '--path', 'p'])).code).toBe(0);

  // tools: forked by forge for a push; widgets and other: forked by hand on GitHub.
  await writeFile(join(cwd, 'components/tools/a.txt'), 'local\n');
  const pushed = await run(['sync', 'push', 'tools', '--create-fork']);
  expect(pushed.code, pushed.stderr).toBe(0);
  await forkByHand(OCTOCAT, 'acme', 'widgets');
  await forkByHand(OCTOCAT, 'acme', 'other');
  await forkByHand(HUBOT, 'acme', 'tools');
});

afterAll(async () => {
  await hub.stop();
  await cleanupTempDirs();
});

describe('forge fork list', () => {
  it("lists the forks forge made and the user's other forks of the repositories in forge.yaml", async () => {
    const r = await run(['fork', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = r.json();
    expect(list.forks.map((f: { fork: string; upstream: string; madeByForge: boolean }) => [f.fork, f.upstream, f.madeByForge])).toEqual([
      ['octocat/tools', 'acme/tools', true],
      ['octocat/widgets', 'acme/widgets', false],
    ]);
    expect(list.forks[0]).toMatchObject({ url: `${hub.git.url}/octocat/tools`, defaultBranch: 'main', repository: hub.address('acme/tools') });
    expect(list.notOnGitHub).toEqual([`${hub.git.url}/plain.git`]);

    const human = await run(['fork', 'list']);
    expect(human.stdout).toMatch(/octocat\/tools\s+acme\/tools\s+main\s+forge/);
    expect(human.stdout).toMatch(/octocat\/widgets\s+acme\/widgets\s+main\s+you/);
  });
});

describe('forge fork list without a token', () => {
  it('exit 4, saying how to give forge one', async () => {
    const r = await forge(['fork', 'list'], { cwd, env: { FORGE_CACHE_DIR: cache, ...hub.env() } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('needs a token for finding your account');
    expect(r.stderr).toMatch(/GH_TOKEN.*gh auth login/);
  });
});

describe('forge fork sync', () => {
  it('needs a fork or --all (exit 2), and names an unknown fork', async () => {
    const none = await run(['fork', 'sync']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--all');
    const unknown = await run(['fork', 'sync', 'octocat/nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('octocat/tools, octocat/widgets');
  });

  it('up to date, fast-forwarded and merged: one line per fork, each checked with git', async () => {
    const up1 = await commitToRepo(hub.git.root, 'acme/tools', { files: { 'README.md': 'tools 2\n' } });
    const up2 = await commitToRepo(hub.git.root, 'acme/tools', { files: { 'README.md': 'tools 3\n' } });
    const mine = await commitToRepo(hub.git.root, 'octocat/widgets', { files: { 'fork-only.txt': 'mine\n' } });
    const theirs = await commitToRepo(hub.git.root, 'acme/widgets', { files: { 'README.md': 'widgets 2\n' } });

    const r = await run(['fork', 'sync', '--all']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('octocat/tools (fork of acme/tools, main): 2 commits behind, fast-forwarded');
    expect(r.stdout).toContain('octocat/widgets (fork of acme/widgets, main): 1 commit behind, merged');
    expect(up1).not.toBe(up2);
    expect(await gitRevParse(hub.github.gitDir('octocat/tools'), 'main')).toBe(up2);
    const merge = hub.github.gitDir('octocat/widgets');
    expect((await git(['rev-list', '--parents', '-n', '1', 'main'], { cwd: merge })).split(' ').slice(1)).toEqual([mine, theirs]);
    expect(await git(['fsck', '--full', '--no-dangling'], { cwd: merge })).toBe('');

    const again = await run(['fork', 'sync', 'octocat/tools', '--json']);
    expect(again.code).toBe(0);
    expect(again.json().forks).toEqual([
      { fork: 'octocat/tools', url: `${hub.git.url}/octocat/tools`, upstream: 'acme/tools', branch: 'main', outcome: 'up-to-date', behind: 0, message: 'up to date', error: null },
    ]);
    expect(hub.problems.splice(0)).toEqual([]);
  });

  it('a conflict: "merge conflict, manual resolution required", the fork untouched, exit 1', async () => {
    await commitToRepo(hub.git.root, 'octocat/widgets', { files: { 'README.md': 'the fork says\n' } });
    const before = await gitRevParse(hub.github.gitDir('octocat/widgets'), 'main');
    await commitToRepo(hub.git.root, 'acme/widgets', { files: { 'README.md': 'upstream says\n' } });
    await commitToRepo(hub.git.root, 'acme/tools', { files: { 'README.md': 'tools 4\n' } });
    const r = await run(['fork', 'sync', '--all', '--json']);
    expect(r.code).toBe(1);
    const results = r.json().forks;
    expect(results.map((f: { fork: string; outcome: string; message: string }) => [f.fork, f.outcome, f.message])).toEqual([
      ['octocat/tools', 'fast-forwarded', '1 commit behind, fast-forwarded'],
      ['octocat/widgets', 'conflict', 'merge conflict, manual resolution required'],
    ]);
    expect(r.json().failed).toBe(1);
    expect(await gitRevParse(hub.github.gitDir('octocat/widgets'), 'main')).toBe(before);
    const human = await run(['fork', 'sync', 'octocat/widgets']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('octocat/widgets (fork of acme/widgets, main): merge conflict, manual resolution required');
  });

  it('upstream workflow changes and a token without the workflow scope: its own hint, exit 1', async () => {
    const ws = await tempDir('forge-fork-hubot-');
    await git(['init', '-q', '-b', 'main'], { cwd: ws });
    expect((await run(['init'], HUBOT, ws)).code).toBe(0);
    expect((await run(['add', hub.address('acme/tools'), 'tools', '--path', 'components/tools'], HUBOT, ws)).code).toBe(0);
    await commitToRepo(hub.git.root, 'acme/tools', { files: { '.github/workflows/ci.yml': 'on: push\n' } });
    const r = await run(['fork', 'sync', '--all'], HUBOT, ws);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('hubot/tools');
    expect(r.stdout).toContain('the token lacks the workflow scope');
    expect(r.stdout).toContain('gh auth refresh -s workflow');
    expect(hub.problems.splice(0)).toEqual([]);
  });

  it('an API where every third request fails: fork sync --all still succeeds (fork sync is API calls only)', async () => {
    await commitToRepo(hub.git.root, 'acme/tools', { files: { 'README.md': 'tools 5\n' } });
    // The widgets fork's conflict is settled by hand first (as its owner would), so --all can succeed.
    const widgets = hub.github.gitDir('octocat/widgets');
    await git(['update-ref', 'refs/heads/main', await gitRevParse(hub.github.gitDir('acme/widgets'), 'main')], { cwd: widgets }).catch(async () => {
      await git(['fetch', '-q', hub.github.gitDir('acme/widgets'), '+refs/heads/main:refs/heads/main'], { cwd: widgets });
    });
    hub.github.failEvery(3);
    try {
      const r = await run(['fork', 'sync', '--all']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/octocat\/tools \(fork of acme\/tools, main\): \d+ commits? behind, fast-forwarded/);
    } finally {
      hub.github.failEvery(null);
    }
    expect(await gitRevParse(hub.github.gitDir('octocat/tools'), 'main')).toBe(await gitRevParse(hub.github.gitDir('acme/tools'), 'main'));
  });
});
