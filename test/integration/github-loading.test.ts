// Octokit is loaded only by commands that talk to GitHub: status --offline never loads it, and
// neither does an online status with nothing pushed. Every module a run resolves is logged by a
// resolve hook (NODE_OPTIONS=--import), the way Node itself would load them.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, git, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitHub, type LoopbackGitHub } from '../helpers/github.js';

vi.setConfig({ testTimeout: 120_000 });

let hub: LoopbackGitHub;
let cwd: string;
let hooks: string;
let cache: string;

async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const log = join(hooks, `loaded-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(log, '');
  const r = await forge(args, {
    cwd,
    env: { ...hub.env('tok-loading'), FORGE_CACHE_DIR: cache, FORGE_LOAD_LOG: log, NODE_OPTIONS: `--import ${join(hooks, 'register.mjs')}` },
  });
  expect(r.code, r.stderr).toBe(0);
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

beforeAll(async () => {
  hub = await startGitHub();
  hub.github.addUser({ login: 'octocat', token: 'tok-loading' });
  await makeRepo(hub.git.root, 'acme/tools', { files: { 'c/a.txt': 'a\n' }, tag: 'v1.0.0' });
  hub.github.addRepository('acme', 'tools');
  hooks = await tempDir('forge-hooks-');
  cache = await tempDir('forge-loading-cache-');
  await writeFile(
    join(hooks, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  if (process.env.FORGE_LOAD_LOG) appendFileSync(process.env.FORGE_LOAD_LOG, `${result.url}\\n`);\n  return result;\n}\n",
  );
  await writeFile(join(hooks, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  cwd = await tempDir('forge-loading-ws-');
  await git(['init', '-q'], { cwd });
  expect((await forge(['init'], { cwd })).code).toBe(0);
  expect((await forge(['add', hub.address('acme/tools'), 'c', '--path', 'c'], { cwd, env: { ...hub.env(), FORGE_CACHE_DIR: cache } })).code).toBe(0);
});

afterAll(async () => {
  await hub.stop();
  await cleanupTempDirs();
});

it('status --offline and an online status with nothing pushed never load Octokit; fork list does', async () => {
  const offline = await modulesLoadedBy(['sync', 'status', '--offline']);
  expect(offline.some((url) => url.includes('/dist/commands/sync/status.js'))).toBe(true);
  expect(offline.filter((url) => url.includes('@octokit'))).toEqual([]);
  expect((await modulesLoadedBy(['sync', 'status'])).filter((url) => url.includes('@octokit'))).toEqual([]);
  const online = await modulesLoadedBy(['fork', 'list']);
  expect(online.some((url) => url.includes('/node_modules/@octokit/rest/'))).toBe(true);
});
