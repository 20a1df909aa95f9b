// The transport's promises through the real CLI: a flaky server is survived, a stalled one is a
// network failure (exit 3, the repository named), a cut-off ref list never moves a component, and
// a forge killed with kill -9 leaves no git process behind.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

let server: GitServer;
let repoCount = 0;

beforeAll(async () => {
  server = await startGitServer();
});

afterEach(() => {
  server.setFaults(undefined);
});

afterAll(async () => {
  await server.stop();
  await cleanupTempDirs();
});

/** A fresh upstream `tools-N` with components/a at v1.0.0, and a workspace that added it. */
async function setup(env: NodeJS.ProcessEnv = {}) {
  const name = `tools-${++repoCount}`;
  await makeRepo(server.root, name, { files: { 'components/a/component.yaml': 'name: a\n', 'components/a/x.txt': 'one\n', 'README.md': 'r\n' }, tag: 'v1.0.0' });
  const url = `${server.url}/${name}.git`;
  const cache = await tempDir('forge-cache-');
  const dir = await tempDir('forge-ws-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  const run = (...args: string[]) => forge(args, { cwd: dir, env: { FORGE_CACHE_DIR: cache, ...env } });
  expect((await run('init')).code).toBe(0);
  return { name, url, bare: repoDir(server.root, name), dir, cache, run };
}

const lockOf = async (dir: string) => parse(await readFile(join(dir, 'forge.lock.yaml'), 'utf8'));

describe('a flaky server', () => {
  for (const [label, faults] of [
    ['every third request fails with 500', { failEvery: 3 }],
    ['every third connection is reset', { resetEvery: 3 }],
  ] as const) {
    it(`forge add and forge sync pull --all succeed when ${label}`, async () => {
      const ws = await setup({ FORGE_HTTP_TIMEOUT_MS: '5000' });
      server.setFaults(faults);
      const added = await ws.run('add', ws.url, 'a', '--version', '^1.0.0');
      expect(added.code, added.stderr).toBe(0);
      const v11 = await commitToRepo(server.root, ws.name, { files: { 'components/a/x.txt': 'two\n' }, tag: 'v1.1.0' });
      const pulled = await ws.run('sync', 'pull', '--all');
      expect(pulled.code, pulled.stderr).toBe(0);
      const entry = (await lockOf(ws.dir)).components.a;
      expect(entry).toMatchObject({ version: '1.1.0', commit: v11, tree: await gitRevParse(ws.bare, 'v1.1.0:components/a') });
      expect(await readFile(join(ws.dir, 'components/a/x.txt'), 'utf8')).toBe('two\n');
      expect(server.faultsInjected).toBeGreaterThan(1);
    });
  }
});

describe('a stalled server', () => {
  const quick = { FORGE_HTTP_TIMEOUT_MS: '400', FORGE_HTTP_RETRIES: '1' };

  it('is a network failure: exit 3 naming the repository, the lock untouched', async () => {
    const ws = await setup(quick);
    expect((await ws.run('add', ws.url, 'a', '--version', '^1.0.0')).code).toBe(0);
    const before = await readFile(join(ws.dir, 'forge.lock.yaml'), 'utf8');
    server.setFaults({ stall: true });
    const pulled = await ws.run('sync', 'pull', '--all');
    expect(pulled.code).toBe(3);
    expect(pulled.stderr).toContain(ws.url);
    expect(pulled.stderr).toContain('--offline');
    expect(await readFile(join(ws.dir, 'forge.lock.yaml'), 'utf8')).toBe(before);
  });

  it('that lists refs but never sends the newer version is a network failure, never "up to date"', async () => {
    const ws = await setup(quick);
    expect((await ws.run('add', ws.url, 'a', '--version', '^1.0.0')).code).toBe(0);
    const before = await readFile(join(ws.dir, 'forge.lock.yaml'), 'utf8');
    await commitToRepo(server.root, ws.name, { files: { 'components/a/x.txt': 'two\n' }, tag: 'v1.1.0' });
    server.setFaults({ stall: 'body', match: (r) => r.method === 'POST' && r.service === 'git-upload-pack' });
    const pulled = await ws.run('sync', 'pull', '--all', '--json');
    expect(pulled.code, pulled.stderr).toBe(3);
    expect(pulled.stderr + pulled.stdout).toContain(ws.url);
    expect(await readFile(join(ws.dir, 'forge.lock.yaml'), 'utf8')).toBe(before);
    expect(await readFile(join(ws.dir, 'components/a/x.txt'), 'utf8')).toBe('one\n');
  });
});

describe('a ref list cut short', () => {
  it('is an error (exit 3), never a downgrade to the versions that survived the cut', async () => {
    const ws = await setup({ FORGE_HTTP_RETRIES: '1' });
    await commitToRepo(server.root, ws.name, { files: { 'components/a/x.txt': 'two\n' }, tag: 'v1.1.0' });
    expect((await ws.run('add', ws.url, 'a', '--version', '^1.0.0')).code).toBe(0);
    expect((await lockOf(ws.dir)).components.a.version).toBe('1.1.0');
    const before = await readFile(join(ws.dir, 'forge.lock.yaml'), 'utf8');
    // The last ref line ("003e<id> refs/tags/v1.1.0\n", 62 bytes) goes with the closing flush-pkt.
    server.setFaults({ truncateRefs: 62 });
    const status = await ws.run('sync', 'status', '--json');
    expect(status.code, status.stdout + status.stderr).toBe(3);
    const pulled = await ws.run('sync', 'pull', '--all');
    expect(pulled.code).toBe(3);
    expect(pulled.stderr).toContain(ws.url);
    expect(await readFile(join(ws.dir, 'forge.lock.yaml'), 'utf8')).toBe(before);
    expect(await readFile(join(ws.dir, 'components/a/x.txt'), 'utf8')).toBe('two\n');
  });
});

/** Every process on the machine whose command line mentions `text` (Linux /proc). */
async function processesMentioning(text: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const found: string[] = [];
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(`${pid}: ${cmdline.replace(/\0/g, ' ')}`);
  }
  return found;
}

describe.runIf(process.platform === 'linux')('kill -9', () => {
  it('leaves no git child behind: native git dies with forge', async () => {
    const ws = await setup({ FORGE_HTTP_TIMEOUT_MS: '120000' });
    // Native git's fetch (its own user agent) hangs; forge's own ref listing goes through.
    server.setFaults({ stall: true, match: (_r, req) => String(req.headers['user-agent'] ?? '').startsWith('git/') });
    const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, FORGE_CACHE_DIR: ws.cache, FORGE_HTTP_TIMEOUT_MS: '120000', NO_COLOR: '1' };
    delete env.NODE_ENV;
    const child = spawn(process.execPath, [bin, 'add', ws.url, 'a', '--version', '^1.0.0'], { cwd: ws.dir, env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    // Wait until native git is talking to the stalled server.
    for (let i = 0; i < 400 && server.faultsInjected === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(server.faultsInjected).toBeGreaterThan(0);
    const running = await processesMentioning(ws.cache);
    expect(running.some((p) => p.includes(' fetch '))).toBe(true);
    child.kill('SIGKILL');
    await exited;
    let left = running;
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      left = await processesMentioning(ws.cache);
    }
    expect(left).toEqual([]);
    // And none of the remote helpers that talked to the server either.
    expect(await processesMentioning(`${ws.url}`)).toEqual([]);
  });
});
