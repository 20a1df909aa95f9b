// A cold install writes each folder straight from the git cache (native git when installed, into
// a staging folder, then moved into place). Whatever the user's git config and the component's
// own .gitattributes ask for on checkout (CRLF line ends, $Id$ expansion, a smudge filter), the
// files are the upstream blobs byte for byte, with their modes and symlinks, exactly as the
// isomorphic-git path writes them, and the lock's tree is git's tree of the folder.

import { readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const DIR = 'components/widget';
const FILES = {
  [`${DIR}/component.yaml`]: 'name: widget\n',
  [`${DIR}/.gitattributes`]: '* text eol=crlf\n*.txt ident\n*.dat filter=upper\n',
  [`${DIR}/notes.txt`]: 'line one\nline two $Id$\n',
  [`${DIR}/data.dat`]: 'lower case\n',
  [`${DIR}/deep/er/code.ts`]: 'export const x = 1;\n',
  [`${DIR}/run.sh`]: { content: '#!/bin/sh\necho hi\n', mode: '100755' as const },
  [`${DIR}/link`]: { content: 'notes.txt', mode: '120000' as const },
  'outside/other.txt': 'not part of the component\n',
};

let server: GitServer;
let url: string;
let hostileConfig: string;

beforeAll(async () => {
  server = await startGitServer();
  await makeRepo(server.root, 'widgets', { files: FILES, tag: 'v1.0.0' });
  url = `${server.url}/widgets.git`;
  // What a user's global git config may say: convert line ends, and a smudge filter.
  const home = await tempDir('forge-home-');
  hostileConfig = join(home, 'gitconfig');
  await writeFile(hostileConfig, '[core]\n\tautocrlf = true\n\teol = crlf\n[filter "upper"]\n\tsmudge = tr a-z A-Z\n\tclean = cat\n\trequired = true\n');
});

afterAll(async () => {
  await server?.stop();
  await cleanupTempDirs();
});

/** Every file under `dir`: content (or link target) and mode as git sees it. */
async function folder(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, await folder(dir, path));
    else if (entry.isSymbolicLink()) out[path] = `120000 ${await readlink(join(dir, path))}`;
    else out[path] = `${(await stat(join(dir, path))).mode & 0o100 ? '100755' : '100644'} ${await readFile(join(dir, path), 'latin1')}`;
  }
  return out;
}

/** The folder as the upstream tree holds it, straight from git. */
async function upstreamFolder(): Promise<Record<string, string>> {
  const bare = repoDir(server.root, 'widgets');
  const out: Record<string, string> = {};
  for (const line of (await git(['ls-tree', '-r', 'v1.0.0', '--', DIR], { cwd: bare })).split('\n')) {
    const [meta, path] = line.split('\t') as [string, string];
    const [mode, , oid] = meta.split(' ') as [string, string, string];
    const content = await new Promise<string>((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile('git', ['cat-file', 'blob', oid], { cwd: bare, encoding: 'latin1' }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
      );
    });
    out[path.slice(DIR.length + 1)] = `${mode} ${content}`;
  }
  return out;
}

async function install(env: Record<string, string>) {
  const cwd = await tempDir('forge-ws-');
  const cache = await tempDir('forge-cache-');
  await git(['init', '-q', '-b', 'main'], { cwd });
  await writeFile(join(cwd, 'forge.yaml'), `components:\n  widget:\n    repository: ${url}\n    path: ${DIR}\n    version: ^1.0.0\n    dest: vendor/widget\n`);
  const pulled = await forge(['sync', 'pull', '--all', '--json'], { cwd, env: { FORGE_CACHE_DIR: cache, GIT_CONFIG_GLOBAL: hostileConfig, ...env } });
  expect(pulled.code, pulled.stderr).toBe(0);
  return { cwd, cache, pulled };
}

describe('a cold install writes the upstream folder byte for byte', () => {
  it('whatever the user git config and the component .gitattributes ask of a checkout, with native git and without', async () => {
    const expected = await upstreamFolder();
    expect(expected['notes.txt']).toContain('$Id$'); // raw: unexpanded, LF
    const trees: string[] = [];
    for (const env of [{}, { FORGE_NATIVE_GIT: '0' }] as Record<string, string>[]) {
      const { cwd, cache, pulled } = await install(env);
      expect(await folder(join(cwd, 'vendor/widget'))).toEqual(expected);
      const lock = parse(await readFile(join(cwd, 'forge.lock.yaml'), 'utf8'));
      expect(lock.components.widget.tree).toBe(await gitRevParse(repoDir(server.root, 'widgets'), `v1.0.0:${DIR}`));
      trees.push(lock.components.widget.tree);
      const status = await forge(['sync', 'status', '--offline', '--json'], { cwd, env: { FORGE_CACHE_DIR: cache } });
      expect(status.json().components[0].status).toBe('synced');
      // The JSON lists every file the install wrote, as for any pull.
      const plan = pulled.json();
      const widget = (plan.components as { name: string; changes: { action: string; path: string }[] }[]).find((c) => c.name === 'widget')!;
      expect(widget.changes.map((c) => c.path).sort()).toEqual(Object.keys(expected).sort());
      expect(widget.changes.every((c) => c.action === 'write')).toBe(true);
      // Nothing is left in the staging area.
      expect(await readdir(join(cwd, '.forge', 'staging')).catch(() => [])).toEqual([]);
    }
    expect(trees[0]).toBe(trees[1]);
  });

  it('with native git, the cache repository keeps checkouts raw (info/attributes), and the stat cache knows every file', async () => {
    const { cwd, cache } = await install({});
    const attributes = (await readdir(cache, { recursive: true })).filter((p) => String(p).endsWith(join('info', 'attributes')));
    expect(attributes).toHaveLength(1);
    expect(await readFile(join(cache, String(attributes[0])), 'utf8')).toMatch(/-text .*-filter/);
    const statCache = await readdir(join(cwd, '.forge', 'stat-cache'));
    expect(statCache).toHaveLength(1);
    const entries = JSON.parse(await readFile(join(cwd, '.forge', 'stat-cache', statCache[0]!), 'utf8'));
    expect(entries.files.map((f: [string]) => f[0]).sort()).toEqual(Object.keys(await upstreamFolder()).sort());
  });
});
