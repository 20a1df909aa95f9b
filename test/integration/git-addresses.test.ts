// Repositories without an HTTP server: file:// URLs and local paths (with and without native git)
// and ssh (native git only; here through a fake ssh that runs the command locally, as git's own
// tests do). Everything is checked against native git.

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitAdapter } from '../../src/git/git-adapter.js';
import type { TreeChange } from '../../src/core/ports.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { caught } from '../helpers/errors.js';

let root: string;
let bare: string;
let v1: string;
let v2: string;
let tip: string;
let fakeSsh: string;
let hangingSsh: string;
const AUTHOR = { name: 'Dev', email: 'dev@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
const CHANGE: TreeChange[] = [{ action: 'write', path: 'components/a/x.txt', mode: '100644', content: Buffer.from('pushed\n') }];

beforeAll(async () => {
  root = await tempDir('forge-local-');
  v1 = await makeRepo(root, 'tools', { files: { 'components/a/x.txt': 'one\n', 'components/a/run.sh': { content: '#!/bin/sh\n', mode: '100755' } }, tag: 'v1.0.0', annotated: true });
  v2 = await commitToRepo(root, 'tools', { files: { 'components/a/x.txt': 'two\n' }, tag: 'v1.1.0' });
  tip = await commitToRepo(root, 'tools', { files: { 'README.md': 'tip\n' } });
  bare = repoDir(root, 'tools');
  // A fake ssh: drops the host and runs the remote command here.
  fakeSsh = join(root, 'fake-ssh');
  await writeFile(fakeSsh, '#!/bin/sh\nshift\nexec sh -c "$*"\n');
  await chmod(fakeSsh, 0o755);
  hangingSsh = join(root, 'hanging-ssh');
  await writeFile(hangingSsh, '#!/bin/sh\nexec sleep 600\n');
  await chmod(hangingSsh, 0o755);
});

afterAll(async () => {
  await cleanupTempDirs();
});

/** What `git ls-remote` says, as RemoteRefs compare it (annotated tags peeled). */
async function lsRemote(url: string): Promise<Map<string, string>> {
  const out = await git(['ls-remote', url]);
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [oid, name] = line.split('\t') as [string, string];
    if (name.endsWith('^{}')) refs.set(name.slice(0, -3), oid);
    else if (!refs.has(name)) refs.set(name, oid);
  }
  return refs;
}

async function adapter(nativeGit: boolean) {
  return createGitAdapter({ cacheDir: await tempDir(), nativeGit });
}

describe.each([
  ['native git', true],
  ['isomorphic-git only', false],
] as const)('a local repository (%s)', (_label, nativeGit) => {
  it('lists refs as git ls-remote does, fetches tags and reads what git reads, by file:// URL and by path', async () => {
    for (const url of [`file://${bare}`, bare, `${bare}/`]) {
      const port = await adapter(nativeGit);
      const refs = await port.listRemoteRefs(url);
      expect(new Map(refs.refs.map((r) => [r.name, r.commit]))).toEqual(await lsRemote(bare));
      expect(refs.head).toBe('refs/heads/main');
      expect(await port.ensureCommits(url, [{ commit: v1, ref: 'refs/tags/v1.0.0' }, { commit: v2, ref: 'refs/tags/v1.1.0' }])).toEqual({ fetched: true });
      const snapshot = await port.readSnapshot(url, v1, 'components/a');
      expect(snapshot.tree).toBe(await gitRevParse(bare, 'v1.0.0:components/a'));
      expect(snapshot.files.find((f) => f.path === 'run.sh')?.mode).toBe('100755');
      expect((await port.readSnapshot(url, v2, '')).tree).toBe(await gitRevParse(bare, 'v1.1.0^{tree}'));
      expect(await port.ensureCommits(url, [{ commit: v2, ref: 'refs/tags/v1.1.0' }])).toEqual({ fetched: false });
    }
  });

  it('reads a work tree (its .git folder), finds a commit below a branch tip, and names a gone ref', async () => {
    const work = await tempDir('forge-worktree-');
    await git(['clone', '-q', bare, work]);
    const port = await adapter(nativeGit);
    const refs = await port.listRemoteRefs(work);
    expect(refs.refs.find((r) => r.name === 'refs/heads/main')?.commit).toBe(tip);
    await port.ensureCommits(work, [{ commit: v2, ref: 'refs/heads/main' }]);
    expect((await port.readSnapshot(work, v2, 'components/a')).tree).toBe(await gitRevParse(bare, 'v1.1.0:components/a'));
    const gone = await caught(port.ensureCommits(work, [{ commit: 'a'.repeat(40), ref: 'refs/tags/v9.9.9' }]));
    expect(gone.code).toBe('E_REF_NOT_FOUND');
  });

  it('says there is no repository at a path that has none', async () => {
    const port = await adapter(nativeGit);
    const error = await caught(port.listRemoteRefs(join(root, 'nothing-here')));
    expect(error.code).toBe('E_REPO_NOT_FOUND');
    expect(error.message).toContain(join(root, 'nothing-here'));
  });
});

describe('pushing to a local repository', () => {
  it('puts the commit on a branch there (native git receive-pack), with the same checks as over HTTP', async () => {
    const target = await tempDir('forge-push-target-');
    await git(['clone', '-q', '--bare', bare, join(target, 'tools.git')]);
    const remote = `file://${target}/tools.git`;
    const port = await adapter(true);
    await port.ensureCommits(bare, [{ commit: v2, ref: 'refs/tags/v1.1.0' }]);
    const made = await port.createCommit(bare, { parent: v2, changes: CHANGE, message: 'local push', author: AUTHOR });
    expect(await port.push(bare, { remote, commit: made.commit, branch: 'forge/a', expect: null })).toEqual({ previous: null });
    const pushed = join(target, 'tools.git');
    expect(await gitRevParse(pushed, 'forge/a')).toBe(made.commit);
    expect(await gitRevParse(pushed, 'forge/a^')).toBe(v2);
    await git(['fsck', '--strict', '--no-dangling'], { cwd: pushed });
    const moved = await caught(port.push(bare, { remote, commit: made.commit, branch: 'main', expect: v1 }));
    expect(moved.code).toBe('E_PUSH_REJECTED');
    expect(await gitRevParse(pushed, 'main')).toBe(tip);
    const noGit = await adapter(false);
    await noGit.ensureCommits(bare, [{ commit: v2, ref: 'refs/tags/v1.1.0' }]);
    const needsGit = await caught(noGit.push(bare, { remote, commit: v2, branch: 'x' }));
    expect(needsGit.code).toBe('E_BAD_REPOSITORY');
    expect(needsGit.message).toContain('needs git');
  });
});

describe('ssh', () => {
  it('lists, fetches and pushes through the ssh command git is told to use', async () => {
    const saved = { command: process.env.GIT_SSH_COMMAND, variant: process.env.GIT_SSH_VARIANT };
    process.env.GIT_SSH_COMMAND = fakeSsh;
    process.env.GIT_SSH_VARIANT = 'simple';
    try {
      const target = await tempDir('forge-ssh-target-');
      await mkdir(target, { recursive: true });
      await git(['clone', '-q', '--bare', bare, join(target, 'tools.git')]);
      for (const url of [`ssh://git@fakehost${target}/tools.git`, `git@fakehost:${target}/tools.git`]) {
        const port = await adapter(true);
        const refs = await port.listRemoteRefs(url);
        expect(new Map(refs.refs.map((r) => [r.name, r.commit]))).toEqual(await lsRemote(join(target, 'tools.git')));
        expect(refs.head).toBe('refs/heads/main');
        await port.ensureCommits(url, [{ commit: v1, ref: 'refs/tags/v1.0.0' }]);
        expect((await port.readSnapshot(url, v1, 'components/a')).tree).toBe(await gitRevParse(bare, 'v1.0.0:components/a'));
        const made = await port.createCommit(url, { parent: v1, changes: CHANGE, message: `over ssh ${url}`, author: AUTHOR });
        const branch = url.startsWith('ssh') ? 'ssh-url' : 'scp-like';
        await port.push(url, { remote: url, commit: made.commit, branch });
        expect(await gitRevParse(join(target, 'tools.git'), branch)).toBe(made.commit);
      }
      // An ssh that never answers is a network failure naming the repository, in bounded time.
      process.env.GIT_SSH_COMMAND = hangingSsh;
      const stalled = createGitAdapter({ cacheDir: await tempDir(), nativeGit: true, requestTimeoutMs: 500 });
      const listing = await caught(stalled.listRemoteRefs(`git@fakehost:${target}/tools.git`));
      expect(listing.code).toBe('E_NETWORK');
      expect(listing.message).toContain(`git@fakehost:${target}/tools.git`);
      expect(listing.message).toContain('stopped answering');
      await stalled.ensureCommits(bare, [{ commit: v1, ref: 'refs/tags/v1.0.0' }]);
      const pushing = await caught(stalled.push(bare, { remote: `ssh://fakehost${target}/tools.git`, commit: v1, branch: 'never' }));
      expect(pushing.code).toBe('E_NETWORK');
      expect(pushing.message).toContain('stopped answering');
      const error = await caught((await adapter(false)).listRemoteRefs(`git@fakehost:${target}/tools.git`));
      expect(error.code).toBe('E_BAD_REPOSITORY');
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain('ssh');
      expect(error.hint).toContain('https://');
    } finally {
      for (const [key, value] of [['GIT_SSH_COMMAND', saved.command], ['GIT_SSH_VARIANT', saved.variant]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
