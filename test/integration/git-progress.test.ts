// Progress of fetches and pushes as `transfer` events (from the bytes of a pack arriving, from
// isomorphic-git's onProgress and from native git's --progress), and `debug` lines for every
// request and retry, through the adapter's onProgress and the CLI's --verbose.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTransfer } from '../../src/cli/progress.js';
import { createGitAdapter, type GitAdapterOptions } from '../../src/git/git-adapter.js';
import { progressReader, type NativeProgress } from '../../src/git/native-git.js';
import type { GitProgressEvent } from '../../src/git/transport.js';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, git, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

let server: GitServer;
let url: string;
let v1: string;

beforeAll(async () => {
  server = await startGitServer();
  // Enough incompressible content that a pack takes several chunks to arrive.
  const files: Record<string, { content: Buffer }> = {};
  for (let i = 0; i < 40; i++) files[`c/f${i}.bin`] = { content: Buffer.from(Array.from({ length: 20_000 }, (_, j) => (i * 7919 + j * 104729) % 251)) };
  v1 = await makeRepo(server.root, 'big', { files, tag: 'v1.0.0' });
  url = `${server.url}/big.git`;
});

afterAll(async () => {
  await server.stop();
  await cleanupTempDirs();
});

async function collecting(extra: Partial<GitAdapterOptions> = {}) {
  const events: GitProgressEvent[] = [];
  const port = createGitAdapter({ cacheDir: await tempDir(), nativeGit: false, onProgress: (e) => events.push(e), ...extra });
  const transfers = () => events.filter((e): e is Extract<GitProgressEvent, { type: 'transfer' }> => e.type === 'transfer');
  const debug = () => events.filter((e) => e.type === 'debug').map((e) => (e as { message: string }).message);
  return { port, events, transfers, debug };
}

describe('fetch progress', () => {
  it('isomorphic-git: the pack arriving in bytes, then objects received and deltas resolved, for the repository', async () => {
    const { port, transfers, debug } = await collecting();
    await port.ensureCommits(url, [{ commit: v1, ref: 'refs/tags/v1.0.0' }]);
    const all = transfers();
    expect(all.every((t) => t.operation === 'fetch' && t.repository === url)).toBe(true);
    const arriving = all.filter((t) => t.total === null && t.bytes !== undefined);
    expect(arriving.length).toBeGreaterThan(1);
    expect(arriving.map((t) => t.bytes!)).toEqual([...arriving.map((t) => t.bytes!)].sort((a, b) => a - b));
    const objects = all.filter((t) => t.phase === 'Receiving objects' && t.total !== null);
    expect(objects.at(-1)).toMatchObject({ loaded: objects.at(-1)!.total });
    expect(debug().some((m) => m.startsWith(`POST ${url}/git-upload-pack: HTTP 200`))).toBe(true);
  });

  it('native git: its own --progress lines, objects and bytes', async () => {
    const { port, transfers, debug } = await collecting({ nativeGit: true });
    await port.ensureCommits(url, [{ commit: v1, ref: 'refs/tags/v1.0.0' }]);
    const received = transfers().filter((t) => /objects$/.test(t.phase) && t.total !== null);
    expect(received.length).toBeGreaterThan(0);
    expect(received.at(-1)!.loaded).toBe(received.at(-1)!.total);
    expect(debug().some((m) => m.includes('(native, first transfer): done'))).toBe(true);
  });

  it('reads git progress split across chunks, with \\r between updates and byte units', () => {
    const seen: NativeProgress[] = [];
    const feed = progressReader((p) => seen.push(p));
    feed('remote: Enumerating objects: 5, done.\nremote: Counting objects:  50% (1/2)\rremote: Counting');
    feed(' objects: 100% (2/2), done.\nReceiving objects:  45% (450/1000), 1.20 MiB | 350.00 KiB/s\r');
    feed('Receiving objects: 100% (1000/1000), 2.50 MiB | 1.00 MiB/s, done.\nResolving deltas: 100% (3/3), done.\n');
    expect(seen).toEqual([
      { phase: 'Counting objects', loaded: 1, total: 2 },
      { phase: 'Counting objects', loaded: 2, total: 2 },
      { phase: 'Receiving objects', loaded: 450, total: 1000, bytes: Math.round(1.2 * 1024 ** 2) },
      { phase: 'Receiving objects', loaded: 1000, total: 1000, bytes: Math.round(2.5 * 1024 ** 2) },
      { phase: 'Resolving deltas', loaded: 3, total: 3 },
    ]);
  });

  it('a pack still arriving shows its bytes, not a made-up object count', () => {
    const line = renderTransfer({ repository: url, operation: 'fetch', phase: 'Receiving objects', loaded: 0, total: null, bytes: 3 * 1024 * 1024, startedAt: 0, updatedAt: 1000 }, 1000);
    expect(line).toBe(`${url.replace('http://', '').replace('.git', '')}: Receiving objects 3.00 MiB | 3.00 MiB/s`);
  });
});

describe('push progress and retries', () => {
  it('writing objects from none to all with the pack size, and a debug line for each retry', async () => {
    const { port, transfers, debug } = await collecting({ retryDelayMs: 1 });
    await port.ensureCommits(url, [{ commit: v1, ref: 'refs/tags/v1.0.0' }]);
    const made = await port.createCommit(url, {
      parent: v1,
      changes: [{ action: 'write', path: 'c/new.txt', mode: '100644', content: Buffer.from('new\n') }],
      message: 'progress',
      author: { name: 'Dev', email: 'dev@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 },
    });
    let first = true;
    server.setFaults({ failEvery: 1, match: () => first && !(first = false) });
    try {
      await port.push(url, { remote: url, commit: made.commit, branch: 'progress' });
    } finally {
      server.setFaults(undefined);
    }
    const writing = transfers().filter((t) => t.operation === 'push');
    expect(writing.map((t) => [t.phase, t.loaded, t.total])).toEqual([
      ['Writing objects', 0, 4],
      ['Writing objects', 4, 4],
    ]);
    expect(writing.at(-1)!.bytes).toBeGreaterThan(0);
    expect(debug().some((m) => /HTTP 500; trying again in \d+ ms \(1 of 4\)/.test(m))).toBe(true);
    expect(await git(['rev-parse', 'progress'], { cwd: `${server.root}/big.git` })).toBe(made.commit);
  });
});

describe('through the CLI', () => {
  it('--verbose prints the requests and retries; without it stderr stays quiet on a pipe', async () => {
    const dir = await tempDir('forge-ws-');
    const cache = await tempDir('forge-cache-');
    await git(['init', '-q', '-b', 'main'], { cwd: dir });
    const env = { FORGE_CACHE_DIR: cache, FORGE_NATIVE_GIT: '0' };
    expect((await forge(['init'], { cwd: dir, env })).code).toBe(0);
    server.setFaults({ failEvery: 3 });
    try {
      const quiet = await forge(['add', url, 'c', '--path', 'c', '--name', 'quiet', '--dest', 'quiet'], { cwd: dir, env });
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stderr).not.toContain('debug:');
      expect(quiet.stderr).not.toContain('Receiving objects');
      const verbose = await forge(['add', url, 'c', '--path', 'c', '--name', 'loud', '--dest', 'loud', '-v'], { cwd: dir, env: { ...env, FORGE_CACHE_DIR: await tempDir('forge-cache-') } });
      expect(verbose.code, verbose.stderr).toBe(0);
      expect(verbose.stderr).toMatch(/debug: GET http:\/\/127\.0\.0\.1:\d+\/big\.git\/info\/refs\?service=git-upload-pack: HTTP 200/);
      expect(verbose.stderr).toMatch(/debug: .*HTTP 500; trying again in \d+ ms/);
    } finally {
      server.setFaults(undefined);
    }
  });
});
