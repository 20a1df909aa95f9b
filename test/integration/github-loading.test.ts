// Octokit is loaded only by commands that talk to GitHub: status --offline never loads it, and
// neither does an online status with nothing pushed. forge runs from one bundle
// (scripts/build.mjs), where a module is initialised when first reached: statically from the
// command, or when an `await import()` runs. esbuild's metafile says which edge is which; the
// commands themselves run for real.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, git, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitHub, type LoopbackGitHub } from '../helpers/github.js';

vi.setConfig({ testTimeout: 120_000 });

const root = fileURLToPath(new URL('../..', import.meta.url));
let hub: LoopbackGitHub;
let cwd: string;
let cache: string;

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

/** The packages initialised with `command` (static imports and require calls), or also on demand (dynamic imports). */
async function packagesOf(command: string, onDemand: boolean): Promise<Set<string>> {
  const meta = JSON.parse(await readFile(join(root, 'dist', 'cli', 'forge.meta.json'), 'utf8')) as Metafile;
  const seen = new Set<string>();
  const stack = [`src/commands/${command}.ts`];
  while (stack.length) {
    const path = stack.pop()!;
    if (seen.has(path) || !meta.inputs[path]) continue;
    seen.add(path);
    for (const edge of meta.inputs[path]!.imports) {
      if (edge.external || edge.kind === 'require-resolve' || (edge.kind === 'dynamic-import' && !onDemand)) continue;
      stack.push(edge.path);
    }
  }
  return new Set([...seen].map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1]).filter((name): name is string => name !== undefined));
}

async function runs(args: string[]): Promise<void> {
  const r = await forge(args, { cwd, env: { ...hub.env('tok-loading'), FORGE_CACHE_DIR: cache } });
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  hub = await startGitHub();
  hub.github.addUser({ login: 'octocat', token: 'tok-loading' });
  await makeRepo(hub.git.root, 'acme/tools', { files: { 'c/a.txt': 'a\n' }, tag: 'v1.0.0' });
  hub.github.addRepository('acme', 'tools');
  cache = await tempDir('forge-loading-cache-');
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
  await runs(['sync', 'status', '--offline']);
  await runs(['sync', 'status']);
  await runs(['fork', 'list']);
  const octokit = (names: Set<string>) => [...names].filter((name) => name.startsWith('@octokit/'));
  expect(octokit(await packagesOf('sync/status', false))).toEqual([]);
  expect(octokit(await packagesOf('fork/list', true))).toContain('@octokit/rest');
});
