// forge add with every kind of address the contract names, through the real CLI: file:// URLs
// and local paths need no server at all; ORG/REPO follows GH_HOST. The lock keeps the address as
// written; what was installed is checked with native git.

import { readFile, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

let upstreams: string;
let count = 0;

beforeAll(async () => {
  upstreams = await tempDir('forge-upstreams-');
});

/** A fresh upstream on disk: components/a at v1.0.0 and v1.1.0. */
async function upstream(): Promise<{ name: string; bare: string }> {
  const name = `tools-${++count}`;
  await makeRepo(upstreams, name, { files: { 'components/a/component.yaml': 'name: a\n', 'components/a/x.txt': 'one\n' }, tag: 'v1.0.0' });
  await commitToRepo(upstreams, name, { files: { 'components/a/x.txt': 'two\n' }, tag: 'v1.1.0' });
  return { name, bare: repoDir(upstreams, name) };
}

afterAll(async () => {
  await cleanupTempDirs();
});

async function workspace(env: NodeJS.ProcessEnv = {}) {
  const dir = await tempDir('forge-ws-');
  const cache = await tempDir('forge-cache-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  const run = (...args: string[]) => forge(args, { cwd: dir, env: { FORGE_CACHE_DIR: cache, ...env } });
  expect((await run('init')).code).toBe(0);
  return { dir, run };
}

const lockOf = async (dir: string) => parse(await readFile(join(dir, 'forge.lock.yaml'), 'utf8'));
const manifestOf = async (dir: string) => parse(await readFile(join(dir, 'forge.yaml'), 'utf8'));

describe('forge add without any server', () => {
  for (const nativeGit of ['1', '0']) {
    it(`installs from a file:// URL and from a relative path, and keeps the address as written (native git ${nativeGit === '1' ? 'on' : 'off'})`, async () => {
      const ws = await workspace({ FORGE_NATIVE_GIT: nativeGit });
      const { name: repoName, bare } = await upstream();
      const addresses = { byUrl: `file://${bare}`, byPath: relative(ws.dir, bare) };
      expect(addresses.byPath.startsWith('../')).toBe(true);
      for (const [name, address] of Object.entries(addresses)) {
        const added = await ws.run('add', address, 'a', '--name', name, '--dest', `vendor/${name}`, '--version', '^1.0.0');
        expect(added.code, added.stderr).toBe(0);
        const entry = (await lockOf(ws.dir)).components[name];
        expect(entry).toMatchObject({ repository: address, version: '1.1.0', commit: await gitRevParse(bare, 'v1.1.0^{commit}'), tree: await gitRevParse(bare, 'v1.1.0:components/a') });
        expect((await manifestOf(ws.dir)).components[name].repository).toBe(address);
        expect(await readFile(join(ws.dir, `vendor/${name}/x.txt`), 'utf8')).toBe('two\n');
      }
      // Both spellings are one repository: status reads it once and finds both synced.
      const status = await ws.run('sync', 'status', '--json');
      expect(status.code, status.stderr).toBe(0);
      expect(status.json().components.map((c: { status: string }) => c.status)).toEqual(['synced', 'synced']);
      // A new release upstream is pulled from the path as from a server.
      const v12 = await commitToRepo(upstreams, repoName, { files: { 'components/a/x.txt': 'three\n' }, tag: 'v1.2.0' });
      const pulled = await ws.run('sync', 'pull', '--all');
      expect(pulled.code, pulled.stderr).toBe(0);
      expect((await lockOf(ws.dir)).components.byPath.commit).toBe(v12);
      expect(await readFile(join(ws.dir, 'vendor/byPath/x.txt'), 'utf8')).toBe('three\n');
    });
  }

  it('says clearly when a path holds no repository (exit 1), and refuses ssh without git (exit 2)', async () => {
    const ws = await workspace();
    const missing = await ws.run('add', './no-such-repo', 'a');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(join(ws.dir, 'no-such-repo'));
    const noGit = await workspace({ FORGE_NATIVE_GIT: '0' });
    const ssh = await noGit.run('add', 'git@example.invalid:org/tools.git', 'a');
    expect(ssh.code).toBe(2);
    expect(ssh.stderr).toContain('ssh');
    expect(ssh.stderr).toContain('git');
    expect(await readFile(join(noGit.dir, 'forge.yaml'), 'utf8')).not.toContain('example.invalid');
  });
});

describe('ORG/REPO', () => {
  let server: GitServer;
  beforeAll(async () => {
    server = await startGitServer();
    await makeRepo(server.root, 'acme/widgets', { files: { 'w/x.txt': 'w\n' }, tag: 'v1.0.0' });
    // git http-backend serves the path as asked: let acme/widgets (no .git) reach the repository.
    await symlink(repoDir(server.root, 'acme/widgets'), join(server.root, 'acme/widgets'));
  });
  afterAll(async () => {
    await server.stop();
  });

  it('means the GH_HOST server when GH_HOST is set, and the lock keeps ORG/REPO', async () => {
    const host = server.url.replace(/^http:\/\//, '');
    const ws = await workspace({ GH_HOST: host });
    const added = await ws.run('add', 'acme/widgets', 'widgets', '--path', 'w');
    expect(added.code, added.stderr).toBe(0);
    const entry = (await lockOf(ws.dir)).components.widgets;
    expect(entry).toMatchObject({ repository: 'acme/widgets', commit: await gitRevParse(repoDir(server.root, 'acme/widgets'), 'v1.0.0^{commit}') });
    expect(server.requests.some((r) => r.repo === 'acme/widgets')).toBe(true);
  });
});
