// forge sync push end to end: the built CLI against real bare repositories served by git
// http-backend behind the loopback GitHub (src/demo/github-server.ts), every pushed commit
// checked with native git, every GitHub answer checked against GitHub's OpenAPI description.

import { chmod, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { forge, type ForgeRun } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitHub, type LoopbackGitHub } from '../helpers/github.js';

vi.setConfig({ testTimeout: 180_000 });

const PATH = 'components/button';
const OWNER = 'ghp_OwnerOwnerOwnerOwnerOwnerOwner0001';
const OCTOCAT = 'ghp_0ctocat0ctocat0ctocat0ctocat0ctocat7';
const INSTALLATION = 'ghs_Installat1onInstallat1onInstallat1on';
const YAML = 'name: button\nversion: 1.0.0\nconfig:\n  timeout: 30\n';

let hub: LoopbackGitHub;
let cache: string;
let locked: string;

/** Every forge run of this file, for the check that no output ever carries a token. */
const outputs: ForgeRun[] = [];

async function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ForgeRun> {
  const result = await forge(args, { cwd, env: { FORGE_CACHE_DIR: cache, FORGE_TEST_SECOND_MS: '10', ...env } });
  outputs.push(result);
  return result;
}

/** A consumer repository with `button` added from acme/tools at v1.0.0, and a git identity of its own. */
async function workspace(token = OCTOCAT): Promise<string> {
  const cwd = await tempDir('forge-push-ws-');
  await git(['init', '-q', '-b', 'main'], { cwd });
  await git(['config', 'user.name', 'Ada Lovelace'], { cwd });
  await git(['config', 'user.email', 'ada@example.com'], { cwd });
  expect((await run(cwd, ['init'], hub.env(token))).code).toBe(0);
  const added = await run(cwd, ['add', hub.address('acme/tools'), 'button', '--path', PATH, '--version', '^1.0.0'], hub.env(token));
  expect(added.code, added.stderr).toBe(0);
  return cwd;
}

async function editButton(cwd: string): Promise<void> {
  const dir = join(cwd, PATH);
  await writeFile(join(dir, 'a.txt'), 'alpha\nBETA\n');
  await writeFile(join(dir, 'component.yaml'), YAML.replace('timeout: 30', 'timeout: 60'));
  await writeFile(join(dir, 'new.txt'), 'a new file\n');
  await rm(join(dir, 'old.txt'));
  await chmod(join(dir, 'run.sh'), 0o644);
  await rm(join(dir, 'link'));
  await symlink('new.txt', join(dir, 'link'));
}

/** The tree git itself computes for a folder (temporary index, nothing committed). */
async function gitTreeOfFolder(folder: string): Promise<string> {
  const gitDir = await tempDir('forge-tree-');
  await git(['init', '-q', '--bare', gitDir]);
  const env = { GIT_DIR: gitDir, GIT_WORK_TREE: folder, GIT_INDEX_FILE: join(gitDir, 'tmp-index') };
  await git(['add', '-A', '.'], { cwd: folder, env });
  return git(['write-tree'], { cwd: folder, env });
}

/** What a pushed branch must be: parent the locked commit, PATH the local folder, the rest untouched, fsck clean. */
async function expectPushed(repoGitDir: string, branch: string, cwd: string): Promise<string> {
  const tip = await gitRevParse(repoGitDir, `refs/heads/${branch}`);
  expect(await gitRevParse(repoGitDir, `${tip}^`)).toBe(locked);
  expect(await git(['rev-list', '--count', `${locked}..${tip}`], { cwd: repoGitDir })).toBe('1');
  expect(await gitRevParse(repoGitDir, `${tip}:${PATH}`)).toBe(await gitTreeOfFolder(join(cwd, PATH)));
  const touched = (await git(['diff', '--name-only', locked, tip], { cwd: repoGitDir })).split('\n').filter(Boolean);
  expect(touched.length).toBeGreaterThan(0);
  expect(touched.every((p) => p.startsWith(`${PATH}/`))).toBe(true);
  for (const other of ['README.md', 'other/keep.txt']) expect(await gitRevParse(repoGitDir, `${tip}:${other}`)).toBe(await gitRevParse(repoGitDir, `${locked}:${other}`));
  expect(await git(['fsck', '--full', '--no-dangling'], { cwd: repoGitDir })).toBe('');
  expect(await git(['log', '-1', '--format=%an <%ae>|%cn <%ce>', tip], { cwd: repoGitDir })).toBe('Ada Lovelace <ada@example.com>|Ada Lovelace <ada@example.com>');
  return tip;
}

const branches = async (repoGitDir: string) => (await git(['for-each-ref', '--format=%(refname)', 'refs/heads'], { cwd: repoGitDir })).split('\n').filter(Boolean).sort();

beforeAll(async () => {
  hub = await startGitHub();
  cache = await tempDir('forge-push-cache-');
  hub.github.addUser({ login: 'acme', token: OWNER });
  hub.github.addUser({ login: 'octocat', token: OCTOCAT });
  hub.github.addUser({ login: 'ci', token: INSTALLATION, kind: 'installation', repositories: ['acme/tools'] });
  locked = await makeRepo(hub.git.root, 'acme/tools', {
    files: {
      [`${PATH}/a.txt`]: 'alpha\nbeta\n',
      [`${PATH}/old.txt`]: 'old\n',
      [`${PATH}/component.yaml`]: YAML,
      [`${PATH}/run.sh`]: { content: '#!/bin/sh\necho hi\n', mode: '100755' },
      [`${PATH}/link`]: { content: 'a.txt', mode: '120000' },
      'README.md': 'tools\n',
      'other/keep.txt': 'keep\n',
    },
    tag: 'v1.0.0',
  });
  hub.github.addRepository('acme', 'tools');
});

afterAll(async () => {
  await hub.stop();
  await cleanupTempDirs();
});

describe('forge sync push through a fork, with a pull request', () => {
  let cwd: string;
  let branch: string;
  const upstreamDir = () => hub.github.gitDir('acme/tools');
  const forkDir = () => hub.github.gitDir('octocat/tools');

  beforeAll(async () => {
    cwd = await workspace();
    await editButton(cwd);
  });

  it('without write access: exit 4 naming --create-fork; nothing is pushed', async () => {
    const before = await branches(upstreamDir());
    const r = await run(cwd, ['sync', 'push', 'button'], hub.env(OCTOCAT));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('acme/tools');
    expect(r.stderr).toContain('--create-fork');
    expect(await branches(upstreamDir())).toEqual(before);
  });

  it('--dry-run says what would go where, and pushes nothing', async () => {
    const r = await run(cwd, ['sync', 'push', 'button', '--create-fork', '--create-pr', '--dry-run'], hub.env(OCTOCAT));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Would push 6 changed file(s) of button, made against 1.0.0');
    expect(r.stdout).toContain('octocat/tools (a new fork)');
    expect(r.stdout).toContain('Would open a pull request');
    expect(hub.github.repository('octocat/tools')).toBeUndefined();
  });

  it('--create-fork --create-pr: forks, waits for the fork, pushes one commit on the locked commit, opens the pull request and prints its URL', async () => {
    const r = await run(cwd, ['sync', 'push', 'button', '--create-fork', '--create-pr', '--json'], hub.env(OCTOCAT));
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    branch = out.branch;
    expect(branch).toMatch(/^forge\/button-\d{10}$/);
    expect(out).toMatchObject({ pushed: true, forkCreated: true, target: { kind: 'fork', name: 'octocat/tools' }, base: { version: '1.0.0', commit: locked } });
    expect(out.files).toEqual([
      { file: 'a.txt', kind: 'modified' },
      { file: 'component.yaml', kind: 'modified' },
      { file: 'link', kind: 'modified' },
      { file: 'new.txt', kind: 'added' },
      { file: 'old.txt', kind: 'deleted' },
      { file: 'run.sh', kind: 'mode' },
    ]);
    expect(out.pullRequest).toEqual({ number: 1, url: `${hub.git.url}/acme/tools/pull/1`, action: 'created', draft: false });

    const tip = await expectPushed(forkDir(), branch, cwd);
    expect(out.commit).toBe(tip);
    expect(await git(['ls-tree', tip, `${PATH}/run.sh`, `${PATH}/link`], { cwd: forkDir() })).toMatch(/^120000 blob \S+\t.*link\n100644 blob \S+\t.*run\.sh$/);
    expect(await git(['cat-file', '-p', `${tip}:${PATH}/link`], { cwd: forkDir() })).toBe('new.txt');
    expect(await branches(upstreamDir())).toEqual(['refs/heads/main']);

    const [pr] = hub.github.pullRequests('acme/tools');
    expect(pr).toMatchObject({ number: 1, headOwner: 'octocat', headRepo: 'octocat/tools', headRef: branch, baseRef: 'main', state: 'open' });
    expect(pr!.body).toContain('- `new.txt` (added)');
    expect(pr!.body).toContain('- `component.yaml`: Modified: config.timeout (30 → 60)');
    expect(pr!.body).toContain(`made against version 1.0.0 (commit ${locked.slice(0, 7)})`);

    const human = await run(cwd, ['sync', 'push', 'button', '--create-fork', '--create-pr', '--dry-run'], hub.env(OCTOCAT));
    expect(human.stdout).toContain(`Would update pull request #1: ${hub.git.url}/acme/tools/pull/1`);
  });

  it('status says forked, with the fork and the pull request', async () => {
    for (const flags of [['--offline'], []]) {
      const r = await run(cwd, ['sync', 'status', '--json', ...flags], hub.env(OCTOCAT));
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().components[0]).toMatchObject({ name: 'button', status: 'forked', fork: 'octocat/tools', pullRequest: `${hub.git.url}/acme/tools/pull/1` });
      expect(r.json().summary.forked).toBe(1);
    }
  });

  it('a second push goes to the same branch and updates the pull request, never a second one', async () => {
    await writeFile(join(cwd, PATH, 'a.txt'), 'alpha\nBETA\ngamma\n');
    await writeFile(join(cwd, PATH, 'more.txt'), 'more\n');
    const r = await run(cwd, ['sync', 'push', 'button', '--json'], hub.env(OCTOCAT));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ branch, forkCreated: false, pullRequest: { number: 1, action: 'updated' } });
    await expectPushed(forkDir(), branch, cwd);
    expect(hub.github.pullRequests('acme/tools')).toHaveLength(1);
    expect(hub.github.pullRequests('acme/tools')[0]!.body).toContain('- `more.txt` (added)');
    expect(hub.github.exchanges.filter((e) => e.route === 'POST /repos/{owner}/{repo}/forks')).toHaveLength(1);
  });

  it('someone else moved the branch: refused (exit 1), their commit kept; --force replaces it', async () => {
    const theirs = await commitToRepo(hub.git.root, 'octocat/tools', { branch, files: { 'theirs.txt': 'theirs\n' } });
    await writeFile(join(cwd, PATH, 'a.txt'), 'third time\n');
    const refused = await run(cwd, ['sync', 'push', 'button'], hub.env(OCTOCAT));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Someone else pushed to ${branch}`);
    expect(refused.stderr).toContain('--force');
    expect(await gitRevParse(forkDir(), `refs/heads/${branch}`)).toBe(theirs);

    const forced = await run(cwd, ['sync', 'push', 'button', '--force'], hub.env(OCTOCAT));
    expect(forced.code, forced.stderr).toBe(0);
    await expectPushed(forkDir(), branch, cwd);
  });

  it('every push is in sync log', async () => {
    const r = await run(cwd, ['sync', 'log', 'button', '--json'], hub.env(OCTOCAT));
    const pushes = r.json().entries.filter((e: { op: string }) => e.op === 'push');
    expect(pushes).toHaveLength(3);
    expect(pushes[0].summary).toContain(`to octocat/tools ${branch}`);
    expect(pushes[0].summary).toContain('pull request #1');
  });

  it('once the pull request is merged, an online status leaves forked', async () => {
    await hub.github.mergePullRequest('acme/tools', 1);
    const r = await run(cwd, ['sync', 'status', '--json'], hub.env(OCTOCAT));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().components[0]).toMatchObject({ status: 'modified', pullRequest: null });
    const offline = await run(cwd, ['sync', 'status', '--json', '--offline'], hub.env(OCTOCAT));
    expect(offline.json().components[0].status).toBe('modified');
  });

  it('every GitHub answer and every request matched the OpenAPI description', () => {
    expect(hub.problems.splice(0)).toEqual([]);
  });
});

describe('forge sync push with write access', () => {
  it('pushes a branch to the upstream itself, and --branch, --title, --body-file and --draft shape the pull request', async () => {
    const cwd = await workspace(OWNER);
    await editButton(cwd);
    await writeFile(join(cwd, 'body.md'), 'Why this matters.\n');
    const r = await run(cwd, ['sync', 'push', 'button', '--branch', 'fix/button', '-m', 'Fix the button', '--create-pr', '--title', 'Fix the button', '--body-file', 'body.md', '--draft', '--json'], hub.env(OWNER));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ branch: 'fix/button', target: { kind: 'upstream', name: 'acme/tools' }, pullRequest: { action: 'created', draft: true } });
    const tip = await expectPushed(hub.github.gitDir('acme/tools'), 'fix/button', cwd);
    expect(await git(['log', '-1', '--format=%B', tip], { cwd: hub.github.gitDir('acme/tools') })).toBe('Fix the button');
    const pr = hub.github.pullRequests('acme/tools').find((p) => p.headRef === 'fix/button')!;
    expect(pr).toMatchObject({ title: 'Fix the button', body: 'Why this matters.\n', draft: true, headOwner: 'acme' });
    expect(hub.problems.splice(0)).toEqual([]);
  });

  it('an Actions installation token (403 on GET /user) pushes where it may write, without asking who it is', async () => {
    const cwd = await workspace(INSTALLATION);
    await editButton(cwd);
    const r = await run(cwd, ['sync', 'push', 'button', '--create-pr', '--json'], { ...hub.env(), GITHUB_TOKEN: INSTALLATION });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ target: { kind: 'upstream' }, pullRequest: { action: 'created' } });
    await expectPushed(hub.github.gitDir('acme/tools'), r.json().branch, cwd);
    expect(hub.github.exchanges.filter((e) => e.route === 'GET /user' && e.headers.authorization === `token ${INSTALLATION}`)).toEqual([]);
    expect(hub.problems.splice(0)).toEqual([]);
  });
});

describe('forge sync push, odd cases', () => {
  it('no local changes: says so, pushes nothing', async () => {
    const cwd = await workspace();
    const before = hub.github.exchanges.length;
    const r = await run(cwd, ['sync', 'push', 'button'], hub.env(OCTOCAT));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('button has no local changes: nothing to push.');
    expect(hub.github.exchanges.length).toBe(before);
  });

  it('bad input: exit 2 with the reason, and nothing lost', async () => {
    const cwd = await workspace();
    await editButton(cwd);
    const stateBefore = await readFile(join(cwd, '.forge', 'state.json'), 'utf8');
    const cases: [string[], RegExp][] = [
      [['sync', 'push', 'nope'], /No locked component named 'nope'/],
      [['sync', 'push', 'button', '--branch', 'bad..name'], /not a valid git branch name/],
      [['sync', 'push', 'button', '--create-pr', '--body-file', 'missing.md'], /Cannot read --body-file missing\.md/],
      [['sync', 'push', 'button', '--body', 'x', '--body-file', 'y'], /--body|following errors/],
    ];
    for (const [args, message] of cases) {
      const r = await run(cwd, args, hub.env(OCTOCAT));
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await readFile(join(cwd, '.forge', 'state.json'), 'utf8')).toBe(stateBefore);
    expect(await readFile(join(cwd, PATH, 'new.txt'), 'utf8')).toBe('a new file\n');
  });

  it('a repository on no GitHub host is pushed to directly; --create-fork there is a clear error (exit 2)', async () => {
    await makeRepo(hub.git.root, 'plain', { files: { 'w/a.txt': 'a\n' }, tag: 'v1.0.0' });
    const plainLocked = await gitRevParse(join(hub.git.root, 'plain.git'), 'v1.0.0');
    const cwd = await workspace();
    expect((await run(cwd, ['add', `${hub.git.url}/plain.git`, 'w', '--path', 'w', '--version', '^1.0.0'], hub.env(OCTOCAT))).code).toBe(0);
    await writeFile(join(cwd, 'w', 'a.txt'), 'changed\n');
    const refused = await run(cwd, ['sync', 'push', 'w', '--create-fork'], hub.env(OCTOCAT));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not on a GitHub host');
    const r = await run(cwd, ['sync', 'push', 'w', '--json'], hub.env(OCTOCAT));
    expect(r.code, r.stderr).toBe(0);
    const tip = await gitRevParse(join(hub.git.root, 'plain.git'), `refs/heads/${r.json().branch}`);
    expect(await gitRevParse(join(hub.git.root, 'plain.git'), `${tip}^`)).toBe(plainLocked);
    expect(await git(['show', `${tip}:w/a.txt`], { cwd: join(hub.git.root, 'plain.git') })).toBe('changed');
  });

  it('a logged-in gh CLI supplies the token when no variable does', async () => {
    const bin = await tempDir('forge-gh-');
    const calls = join(bin, 'calls.txt');
    await writeFile(
      join(bin, 'gh'),
      `#!/bin/sh\necho "$@" >> '${calls}'\nif [ "$1 $2 $3 $4" = "auth token --hostname ${hub.github.host}" ]; then echo '${OCTOCAT}'; exit 0; fi\necho 'no oauth token found' >&2\nexit 1\n`,
    );
    await chmod(join(bin, 'gh'), 0o755);
    const cwd = await workspace();
    await editButton(cwd);
    const env = { ...hub.env(), PATH: `${bin}:${process.env.PATH}` };
    const r = await run(cwd, ['sync', 'push', 'button', '--create-fork', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().target).toMatchObject({ kind: 'fork', name: 'octocat/tools' });
    expect(await readFile(calls, 'utf8')).toContain(`auth token --hostname ${hub.github.host}`);

    // gh installed but logged out: no token, so no fork; the message says how to authenticate.
    await writeFile(join(bin, 'gh'), "#!/bin/sh\necho 'no oauth token found' >&2\nexit 1\n");
    const out = await run(cwd, ['sync', 'push', 'button', '--create-fork'], env);
    expect(out.code).toBe(4);
    expect(out.stderr).toMatch(/GH_TOKEN|gh auth login/);
  });

  it('a server where every third request fails (API and Git alike): push --create-fork --create-pr still succeeds', async () => {
    const cwd = await workspace();
    await editButton(cwd);
    await writeFile(join(cwd, PATH, 'faults.txt'), 'survived\n');
    hub.github.failEvery(3);
    hub.git.setFaults({ failEvery: 3 });
    // A push is two Git requests (the ref advertisement, then the pack): after this one, the pack is the third.
    await git(['ls-remote', hub.address('acme/tools')]);
    try {
      const r = await run(cwd, ['sync', 'push', 'button', '--create-fork', '--create-pr', '--branch', 'faulty', '--json'], hub.env(OCTOCAT));
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().pullRequest.action).toBe('created');
      expect(hub.git.faultsInjected).toBeGreaterThan(0);
    } finally {
      hub.github.failEvery(null);
      hub.git.setFaults(undefined);
    }
    await expectPushed(hub.github.gitDir('octocat/tools'), 'faulty', cwd);
    expect(hub.problems.splice(0)).toEqual([]);
  });
});

describe('the token', () => {
  it('appears in no output and in no file of the consumer repository or .forge/ after push, status and pull', async () => {
    const cwd = await workspace();
    await editButton(cwd);
    const env = hub.env(OCTOCAT);
    const ok = async (args: string[]) => {
      const r = await run(cwd, args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    };
    await ok(['sync', 'push', 'button', '--create-fork', '--create-pr', '--branch', 'token-check']);
    await ok(['sync', 'status']);
    await ok(['sync', 'status', '--json', '--detailed']);
    await commitToRepo(hub.git.root, 'acme/tools', { files: { 'README.md': 'tools 1.0.1\n' }, tag: 'v1.0.1' });
    await ok(['sync', 'pull', '--all', '--stash']);
    expect((await run(cwd, ['sync', 'push', 'nope'], env)).code).toBe(2);
    expect((await run(cwd, ['sync', 'push', 'button', '-v'], { ...env, DEBUG: 'forge' })).code).toBeGreaterThanOrEqual(0);

    for (const token of [OCTOCAT, OWNER, INSTALLATION]) {
      for (const r of outputs) {
        expect(r.stdout).not.toContain(token);
        expect(r.stderr).not.toContain(token);
      }
    }
    const files = await listFiles(cwd);
    expect(files.some((f) => f.includes(`${join(cwd, '.forge')}/`))).toBe(true);
    for (const file of files) {
      const content = await readFile(file).catch(() => Buffer.alloc(0));
      expect(content.includes(OCTOCAT), file).toBe(false);
    }
    const lock = parse(await readFile(join(cwd, 'forge.lock.yaml'), 'utf8'));
    expect(JSON.stringify(lock)).not.toContain('ghp_');
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}
