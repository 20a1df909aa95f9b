// Start-up: forge runs from one bundle (dist/cli/forge.cjs) that bin/run.js compiles with V8's
// code cache. What must hold, whatever the speed:
// - starting forge initialises oclif only: no forge module and no other library before the
//   command is known; a command reaches the libraries it does not always need (isomorphic-git,
//   Octokit, the prompts) only through `await import()`, so commands that never reach upstreams
//   never initialise them (esbuild's metafile, written by the build, says which import is which);
// - a code cache that V8 refuses (another Node, a damaged file) changes nothing but speed.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forge } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cliDir = join(root, 'dist', 'cli');

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

async function metafile(): Promise<Metafile> {
  return JSON.parse(await readFile(join(cliDir, 'forge.meta.json'), 'utf8')) as Metafile;
}

/** Every input initialised when `from` is: static imports and require() calls, never import(). */
function eagerClosure(meta: Metafile, from: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const path = stack.pop()!;
    if (seen.has(path) || !meta.inputs[path]) continue;
    seen.add(path);
    for (const edge of meta.inputs[path]!.imports) {
      if (edge.external || edge.kind === 'dynamic-import' || edge.kind === 'require-resolve') continue;
      stack.push(edge.path);
    }
  }
  return seen;
}

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? null;
const ON_DEMAND = ['isomorphic-git', '@octokit/rest', '@octokit/core', '@inquirer/prompts', '@inquirer/core'];

describe('start-up loads only what the command needs', () => {
  it('before a command is chosen, only oclif is initialised: no forge module, no other library', async () => {
    const meta = await metafile();
    const entry = Object.keys(meta.inputs).find((input) => input.endsWith('forge-entry.ts'))!;
    const startup = eagerClosure(meta, meta.inputs[entry]!.imports.filter((e) => e.kind === 'import-statement').map((e) => e.path));
    expect([...startup].filter((input) => input.startsWith('src/'))).toEqual([]);
    const packages = new Set([...startup].map(packageOf).filter(Boolean));
    for (const name of [...ON_DEMAND, 'yaml', 'lowdb', 'p-queue']) expect(packages.has(name), name).toBe(false);
    expect(packages.has('@oclif/core')).toBe(true);
  });

  it.each(['sync/status', 'sync/resolve', 'sync/pull', 'graph', 'sync/log', 'sync/stash/list', 'sync/conflicts/list', 'init', 'dev/diff'])(
    '%s initialises neither isomorphic-git, Octokit nor the prompts unless it imports them on demand',
    async (command) => {
      const meta = await metafile();
      const closure = eagerClosure(meta, [`src/commands/${command}.ts`]);
      expect(closure.size).toBeGreaterThan(1);
      const packages = new Set([...closure].map(packageOf).filter(Boolean));
      for (const name of ON_DEMAND) expect(packages.has(name), name).toBe(false);
    },
  );

  it('every command file is a command of the bundle', async () => {
    const meta = await metafile();
    const entry = Object.keys(meta.inputs).find((input) => input.endsWith('forge-entry.ts'))!;
    const commands = meta.inputs[entry]!.imports.filter((e) => e.kind === 'require-call' && e.path.startsWith('src/commands/')).map((e) => e.path).sort();
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(`${dir}/${entry.name}`);
        else if (entry.name.endsWith('.ts')) files.push(`${dir}/${entry.name}`);
      }
    };
    await walk('src/commands');
    expect(commands).toEqual(files.sort());
  });

  it('the help class and hooks package.json names are the bundle\'s own modules, so they share its oclif', async () => {
    const pjson = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { oclif: { helpClass?: string; hooks?: Record<string, string | string[]> } };
    const paths = [pjson.oclif.helpClass, ...Object.values(pjson.oclif.hooks ?? {}).flat()].filter((p): p is string => typeof p === 'string');
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const shim = await readFile(join(root, path), 'utf8');
      expect(shim).toMatch(/forge\.cjs"\)\.MODULES\[/);
    }
  });
});

describe("V8's code cache", () => {
  it('a cache V8 refuses changes nothing: forge runs, answers the same, and writes a good one', async () => {
    const cwd = await tempDir('forge-startup-');
    const first = await forge(['--version'], { cwd });
    expect(first.code).toBe(0);
    const caches = (await readdir(cliDir)).filter((name) => name.endsWith('.v8cache'));
    expect(caches.length).toBeGreaterThan(0);
    for (const name of caches) await writeFile(join(cliDir, name), 'not a code cache');
    const damaged = await forge(['--version'], { cwd });
    expect(damaged).toMatchObject({ code: 0, stdout: first.stdout, stderr: '' });
    const rewritten = await Promise.all(caches.map((name) => readFile(join(cliDir, name), 'utf8').catch(() => '')));
    expect(rewritten.some((text) => text !== 'not a code cache')).toBe(true);
    const status = await forge(['sync', 'status', '--offline', '--json'], { cwd });
    expect(status.code).toBe(2);
    expect(status.json().error.code).toBe('E_MANIFEST_MISSING');
  });
});
