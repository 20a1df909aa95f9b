// The foundation promises of the contract, end to end: the real CLI against real
// git repositories served over loopback HTTP, checked against native git.

import { readFile, writeFile, rm, stat, chmod, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const DIR = 'components/tools/salesforce-lookup';

const v1 = (version: string) => ({
  [`${DIR}/component.yaml`]: `name: salesforce-lookup\nversion: ${version}\nconfig:\n  timeout: 30\n`,
  [`${DIR}/lookup.py`]: 'def lookup(account_id):\n    return {"id": account_id}\n',
  [`${DIR}/run.sh`]: { content: '#!/bin/sh\nexec python3 lookup.py "$@"\n', mode: '100755' as const },
  [`${DIR}/link`]: { content: 'lookup.py', mode: '120000' as const },
  [`${DIR}/docs/notes.md`]: 'Notes\n',
  'components/tools/other/component.yaml': 'name: other\n',
  'components/tools/other/x.txt': 'x\n',
});

let server: GitServer;
let url: string;
let cache: string;

async function workspace(): Promise<string> {
  const dir = await tempDir('forge-ws-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  const init = await forge(['init'], { cwd: dir, env: { FORGE_CACHE_DIR: cache } });
  expect(init.code).toBe(0);
  return dir;
}

const run = (cwd: string, ...args: string[]) => forge(args, { cwd, env: { FORGE_CACHE_DIR: cache } });
const lockOf = async (cwd: string) => parse(await readFile(join(cwd, 'forge.lock.yaml'), 'utf8'));

/** The tree id git computes for a folder of the workspace (via its index, without committing). */
async function gitTreeOf(cwd: string, folder: string): Promise<string> {
  await git(['add', '-A', '--', folder], { cwd });
  const tree = await git(['write-tree'], { cwd });
  return git(['rev-parse', `${tree}:${folder}`], { cwd });
}

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-cache-');
  await makeRepo(server.root, 'crm-tools', { files: v1('2.1.0'), tag: 'v2.1.0' });
  await commitToRepo(server.root, 'crm-tools', { files: { [`${DIR}/component.yaml`]: v1('2.1.3')[`${DIR}/component.yaml`]! }, tag: 'v2.1.3', annotated: true });
  await commitToRepo(server.root, 'crm-tools', { files: { [`${DIR}/component.yaml`]: v1('3.0.0')[`${DIR}/component.yaml`]! }, tag: 'v3.0.0' });
  url = `${server.url}/crm-tools.git`;
});

afterAll(async () => {
  await server?.stop();
});

describe('forge init and add', () => {
  it('init writes an empty forge.yaml and keeps .forge/ out of git', async () => {
    const dir = await workspace();
    expect(parse(await readFile(join(dir, 'forge.yaml'), 'utf8'))).toMatchObject({ components: {} });
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toContain('.forge/');
  });

  it('add finds the component by name, installs the newest matching tag and locks what git says', async () => {
    const dir = await workspace();
    const added = await run(dir, 'add', url, 'salesforce-lookup', '--version', '^2.1.0');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const entry = (await lockOf(dir)).components['salesforce-lookup'];
    const bare = repoDir(server.root, 'crm-tools');
    expect(entry).toMatchObject({ path: DIR, dest: DIR, constraint: '^2.1.0', version: '2.1.3', ref: 'refs/tags/v2.1.3' });
    expect(entry.commit).toBe(await gitRevParse(bare, 'v2.1.3^{commit}'));
    expect(entry.tree).toBe(await gitRevParse(bare, `v2.1.3:${DIR}`));
    expect(await gitTreeOf(dir, DIR)).toBe(entry.tree);
    expect((await stat(join(dir, DIR, 'run.sh'))).mode & 0o111).not.toBe(0);
    expect(await readlink(join(dir, DIR, 'link'))).toBe('lookup.py');
    const manifest = parse(await readFile(join(dir, 'forge.yaml'), 'utf8'));
    expect(manifest.components['salesforce-lookup']).toMatchObject({ version: '^2.1.0', path: DIR });
  });

  it('add without a range writes ^ of the newest version, as npm install does', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', url, 'lookup', '--path', DIR, '--dest', 'vendor/lookup')).code).toBe(0);
    const manifest = parse(await readFile(join(dir, 'forge.yaml'), 'utf8'));
    expect(manifest.components.lookup).toMatchObject({ version: '^3.0.0', path: DIR, dest: 'vendor/lookup' });
    expect((await lockOf(dir)).components.lookup.version).toBe('3.0.0');
  });

  it('when no tag matches, add says so, lists the versions and writes nothing', async () => {
    const dir = await workspace();
    const before = await readFile(join(dir, 'forge.yaml'), 'utf8');
    const result = await run(dir, 'add', url, 'salesforce-lookup', '--version', '^9.0.0');
    // The user's own range is at fault: invalid input, exit 2 (issue: "2 when the user's own forge.yaml is at fault").
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/matches \^9\.0\.0 \(available: 3\.0\.0, 2\.1\.3, 2\.1\.0\)/);
    expect(await readFile(join(dir, 'forge.yaml'), 'utf8')).toBe(before);
    await expect(stat(join(dir, 'forge.lock.yaml'))).rejects.toThrow();
  });

  it('remove takes the component out of both files and deletes its folder', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', url, 'salesforce-lookup', '--version', '^2.1.0')).code).toBe(0);
    const removed = await run(dir, 'remove', 'salesforce-lookup');
    expect(removed.code).toBe(0);
    expect((await lockOf(dir)).components).toEqual({});
    await expect(stat(join(dir, DIR))).rejects.toThrow();
  });
});

describe('forge sync status', () => {
  it('is synced after add, modified after an edit (offline too), naming the file', async () => {
    const dir = await workspace();
    await run(dir, 'add', url, 'salesforce-lookup', '--version', '~2.1.0');
    let status = (await run(dir, 'sync', 'status', '--json')).json();
    expect(status.components[0]).toMatchObject({ name: 'salesforce-lookup', status: 'synced', behind: false, localChanges: [], version: '2.1.3' });
    expect(status.summary).toEqual({ synced: 1, modified: 0, outdated: 0, conflict: 0, forked: 0, detached: 0 });

    await writeFile(join(dir, DIR, 'lookup.py'), 'def lookup(account_id):\n    return None\n');
    status = (await run(dir, 'sync', 'status', '--json', '--offline')).json();
    expect(status.components[0]).toMatchObject({ status: 'modified', localChanges: ['lookup.py'], upstreamCommit: null, latestVersion: null });

    await chmod(join(dir, DIR, 'docs/notes.md'), 0o755);
    const detailed = await run(dir, 'sync', 'status', 'salesforce-lookup', '--detailed', '--offline');
    expect(detailed.stdout).toContain('lookup.py (modified)');
    expect(detailed.stdout).toContain('docs/notes.md (mode)');
  });

  it('is outdated when upstream has a newer commit within the range; the table ends with a summary', async () => {
    await makeRepo(server.root, 'outd', { files: v1('1.0.0'), tag: 'v1.0.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/outd.git`, 'salesforce-lookup', '--version', '^1.0.0')).code).toBe(0);
    await commitToRepo(server.root, 'outd', { files: { [`${DIR}/lookup.py`]: 'newer\n' }, tag: 'v1.0.1' });
    await commitToRepo(server.root, 'outd', { files: { [`${DIR}/lookup.py`]: 'major\n' }, tag: 'v2.0.0' });
    const status = await run(dir, 'sync', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/salesforce-lookup\s+outdated/);
    expect(status.stdout).toMatch(/Summary: .*1 outdated/);
    const json = (await run(dir, 'sync', 'status', '--json')).json();
    expect(json.components[0]).toMatchObject({ status: 'outdated', behind: true, latestVersion: '1.0.1', upstreamCommit: await gitRevParse(repoDir(server.root, 'outd'), 'v1.0.1^{commit}') });
  });

  it('a commit pin is detached', async () => {
    const dir = await workspace();
    const sha = await gitRevParse(repoDir(server.root, 'crm-tools'), 'v2.1.0^{commit}');
    expect((await run(dir, 'add', url, 'pinned', '--path', DIR, '--commit', sha)).code).toBe(0);
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('detached');
  });
});

describe('forge sync pull', () => {
  it('fast-forward makes the folder exactly the upstream tree (adds, changes, deletes, exec bits) and moves the lock', async () => {
    await makeRepo(server.root, 'ff', { files: v1('1.0.0'), tag: 'v1.0.0' });
    const dir = await workspace();
    const ffUrl = `${server.url}/ff.git`;
    expect((await run(dir, 'add', ffUrl, 'salesforce-lookup', '--version', '^1.0.0')).code).toBe(0);
    await commitToRepo(server.root, 'ff', {
      files: {
        [`${DIR}/docs/notes.md`]: null,
        [`${DIR}/new/file.txt`]: 'new\n',
        [`${DIR}/lookup.py`]: { content: 'print(1)\n', mode: '100755' },
        [`${DIR}/run.sh`]: { content: '#!/bin/sh\nexec python3 lookup.py "$@"\n', mode: '100644' },
      },
      tag: 'v1.1.0',
    });
    const pulled = await run(dir, 'sync', 'pull', 'salesforce-lookup');
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toMatch(/Updating salesforce-lookup: 1\.0\.0 \(\w{7}\) → 1\.1\.0/);
    const entry = (await lockOf(dir)).components['salesforce-lookup'];
    const bare = repoDir(server.root, 'ff');
    expect(entry.commit).toBe(await gitRevParse(bare, 'v1.1.0^{commit}'));
    expect(entry.tree).toBe(await gitRevParse(bare, `v1.1.0:${DIR}`));
    expect(await gitTreeOf(dir, DIR)).toBe(entry.tree);
    await expect(stat(join(dir, DIR, 'docs'))).rejects.toThrow();
    expect((await stat(join(dir, DIR, 'run.sh'))).mode & 0o111).toBe(0);
    expect((await stat(join(dir, DIR, 'lookup.py'))).mode & 0o100).not.toBe(0);
  });

  it('with local changes and no strategy it touches nothing, lists the four options and exits 1', async () => {
    await makeRepo(server.root, 'blocked', { files: v1('1.0.0'), tag: 'v1.0.0' });
    const dir = await workspace();
    await run(dir, 'add', `${server.url}/blocked.git`, 'salesforce-lookup', '--version', '^1.0.0');
    await commitToRepo(server.root, 'blocked', { files: { [`${DIR}/lookup.py`]: 'upstream\n' }, tag: 'v1.0.1' });
    await writeFile(join(dir, DIR, 'lookup.py'), 'mine\n');
    const lockBefore = await readFile(join(dir, 'forge.lock.yaml'), 'utf8');
    const result = await run(dir, 'sync', 'pull', 'salesforce-lookup');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('has local changes');
    for (const flag of ['--stash', '--merge', '--rebase', '--overwrite']) expect(result.stdout).toContain(`forge sync pull salesforce-lookup ${flag}`);
    expect(await readFile(join(dir, DIR, 'lookup.py'), 'utf8')).toBe('mine\n');
    expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toBe(lockBefore);
  });

  it('--dry-run prints the plan and changes nothing; --to moves to a chosen version', async () => {
    await makeRepo(server.root, 'dry', { files: v1('1.0.0'), tag: 'v1.0.0' });
    await commitToRepo(server.root, 'dry', { files: { [`${DIR}/lookup.py`]: 'v1.0.1\n' }, tag: 'v1.0.1' });
    await commitToRepo(server.root, 'dry', { files: { [`${DIR}/lookup.py`]: 'v1.0.2\n' }, tag: 'v1.0.2' });
    const dir = await workspace();
    await run(dir, 'add', `${server.url}/dry.git`, 'salesforce-lookup', '--version', '1.0.0');
    await writeFile(join(dir, 'forge.yaml'), (await readFile(join(dir, 'forge.yaml'), 'utf8')).replace('version: 1.0.0', 'version: ^1.0.0'));
    const lockBefore = await readFile(join(dir, 'forge.lock.yaml'), 'utf8');
    const dry = await run(dir, 'sync', 'pull', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Would update salesforce-lookup: 1\.0\.0 .* → 1\.0\.2/);
    expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toBe(lockBefore);
    expect(await readFile(join(dir, DIR, 'lookup.py'), 'utf8')).not.toBe('v1.0.2\n');
    const to = await run(dir, 'sync', 'pull', 'salesforce-lookup', '--to', '1.0.1');
    expect(to.code).toBe(0);
    expect(await readFile(join(dir, DIR, 'lookup.py'), 'utf8')).toBe('v1.0.1\n');
    expect((await lockOf(dir)).components['salesforce-lookup'].version).toBe('1.0.1');
  });

  it('pull --all fetches each repository once however many components it serves, and a no-op pull fetches nothing, even on a fresh clone', async () => {
    const names = ['alpha', 'beta'];
    for (const name of names) {
      await makeRepo(server.root, name, {
        files: Object.fromEntries([1, 2, 3].map((i) => [`c${i}/component.yaml`, `name: ${name}-c${i}\n`])),
        tag: 'v1.0.0',
      });
    }
    const dir = await workspace();
    const manifest = ['components:'];
    for (const name of names) for (const i of [1, 2, 3]) manifest.push(`  ${name}-c${i}:`, `    repository: ${server.url}/${name}.git`, `    path: c${i}`, `    dest: vendor/${name}/c${i}`, '    version: ^1.0.0');
    await writeFile(join(dir, 'forge.yaml'), manifest.join('\n') + '\n');
    server.resetCounts();
    const cold = await run(dir, 'sync', 'pull', '--all');
    expect(cold.code).toBe(0);
    for (const name of names) expect(server.countFetches(name)).toBeLessThanOrEqual(1);
    expect(Object.keys((await lockOf(dir)).components)).toHaveLength(6);

    // As on a fresh clone in CI: no object cache and no .forge/ state at all.
    await rm(cache, { recursive: true, force: true });
    await rm(join(dir, '.forge'), { recursive: true, force: true });
    server.resetCounts();
    const noop = await run(dir, 'sync', 'pull', '--all', '--json');
    expect(noop.code).toBe(0);
    expect(noop.json().fetched).toEqual([]);
    for (const name of names) expect(server.countFetches(name)).toBe(0);
    const lsRemotes = server.requests.filter((r) => r.path.endsWith('/info/refs'));
    expect(new Set(lsRemotes.map((r) => r.repo))).toEqual(new Set(names));
  });
});
