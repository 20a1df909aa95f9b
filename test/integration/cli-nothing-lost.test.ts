// Issue 7 through the built CLI against real git over loopback HTTP: local edits are never lost,
// nothing untrue is reported, and a tampered lock is caught. Upstreams as in the issue: `ui-kit`
// with `components/button` (its component.yaml needs `tokens ^1.0.0` from `design-tokens`), and
// `design-tokens` with `tokens/`, tagged v1.0.0 to v1.3.0.

import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

vi.setConfig({ testTimeout: 180_000 });

let server: GitServer;
let cache: string;
let UI: string;
let TOKENS: string;

const run = (cwd: string, ...args: string[]) => forge(args, { cwd, env: { FORGE_CACHE_DIR: cache } });
const runEnv = (cwd: string, env: NodeJS.ProcessEnv, ...args: string[]) => forge(args, { cwd, env: { FORGE_CACHE_DIR: cache, ...env } });
const lockOf = async (dir: string) => parse(await readFile(join(dir, 'forge.lock.yaml'), 'utf8'));
const text = (dir: string, file: string) => readFile(join(dir, file), 'utf8');
const exists = (path: string) => lstat(path).then(() => true, () => false);

const BUTTON_YAML = (range: string) => `name: button\ndependencies:\n  - repository: REPO\n    component: tokens\n    version: ${range}\n`;

async function workspace(): Promise<string> {
  const dir = await tempDir('forge-lost-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  expect((await run(dir, 'init')).code).toBe(0);
  return dir;
}

/** Every file of the workspace (forge.yaml, lock and folders; not .git or .forge) with its bytes or link target. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (path === '.git' || path === '.forge') continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) out[path] = `link → ${await readlink(join(dir, path))}`;
      else out[path] = (await readFile(join(dir, path))).toString('base64');
    }
  };
  await walk('');
  return out;
}

/** Commits everything in the workspace, as a user would before trying something. */
async function commitAll(dir: string, message = 'work'): Promise<void> {
  await git(['add', '-A'], { cwd: dir });
  await git(['-c', 'user.name=T', '-c', 'user.email=t@t', 'commit', '-q', '-m', message], { cwd: dir });
}

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-lost-cache-');
  TOKENS = `${server.url}/design-tokens.git`;
  UI = `${server.url}/ui-kit.git`;
  await makeRepo(server.root, 'design-tokens', { files: { 'tokens/component.yaml': 'name: tokens\n', 'tokens/colors.json': '{"red":1}\n' }, tag: 'v1.0.0' });
  for (const [i, tag] of ['v1.1.0', 'v1.2.0', 'v1.3.0'].entries()) {
    await commitToRepo(server.root, 'design-tokens', { files: { 'tokens/colors.json': `{"red":${i + 2}}\n` }, tag });
  }
  await makeRepo(server.root, 'ui-kit', {
    files: { 'components/button/component.yaml': BUTTON_YAML('^1.0.0').replace('REPO', TOKENS), 'components/button/button.tsx': 'export const Button = 1;\n' },
    tag: 'v1.0.0',
  });
});

afterAll(async () => {
  await server?.stop();
});

describe('7.1 a second copy of one upstream folder', () => {
  it('keeps the first copy, its committed edit, and both entries', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', UI, 'button')).code).toBe(0);
    await writeFile(join(dir, 'components/button/button.tsx'), 'export const Button = "mine";\n');
    await commitAll(dir);

    const second = await run(dir, 'add', UI, 'button', '--name', 'button2', '--dest', 'vendor/button2');

    expect(second.code).toBe(0);
    expect(second.stdout + second.stderr).not.toMatch(/Removed button/);
    expect(await text(dir, 'components/button/button.tsx')).toBe('export const Button = "mine";\n');
    expect(await text(dir, 'vendor/button2/button.tsx')).toBe('export const Button = 1;\n');
    expect(Object.keys((await lockOf(dir)).components).sort()).toEqual(['button', 'button2', 'tokens']);
    expect(Object.keys(parse(await text(dir, 'forge.yaml')).components)).toEqual(['button', 'button2']);
  });
});

describe('7.2 a component that left forge.yaml', () => {
  it('with local changes is left alone by a pull (exit 1, named), and --overwrite removes it undoably', async () => {
    await makeRepo(server.root, 'two', { files: { 'a/x.txt': 'a\n', 'b/y.txt': 'b\n' }, tag: 'v1.0.0' });
    const url = `${server.url}/two.git`;
    const dir = await workspace();
    expect((await run(dir, 'add', url, 'a', '--path', 'a')).code).toBe(0);
    expect((await run(dir, 'add', url, 'b', '--path', 'b')).code).toBe(0);
    await writeFile(join(dir, 'b/y.txt'), 'my edit\n');
    await writeFile(join(dir, 'forge.yaml'), (await text(dir, 'forge.yaml')).replace(/\n {2}b:\n(?: {4}.*\n)+/, '\n'));

    const pulled = await run(dir, 'sync', 'pull', 'a');
    expect(pulled.code).toBe(1);
    expect(pulled.stdout).toContain("Component 'b' is no longer needed, but it has local changes");
    expect(await text(dir, 'b/y.txt')).toBe('my edit\n');
    expect((await lockOf(dir)).components.b).toBeDefined();

    const overwrite = await run(dir, 'sync', 'pull', 'a', '--overwrite');
    expect(overwrite.code).toBe(0);
    expect(await exists(join(dir, 'b'))).toBe(false);
    expect((await run(dir, 'sync', 'undo', 'b')).code).toBe(0);
    expect(await text(dir, 'b/y.txt')).toBe('my edit\n');
  });

  it('forge remove of an edited component refuses without --force (exit 1, nothing changed)', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', UI, 'button')).code).toBe(0);
    await writeFile(join(dir, 'components/button/button.tsx'), 'mine\n');
    const before = await snapshot(dir);
    const refused = await run(dir, 'remove', 'button');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/would delete local changes: components\/button \(button\.tsx\)/);
    expect(refused.stderr).toContain('--force');
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('7.3 a path that changes type', () => {
  it('upstream adds a file where the user has a folder: --merge and --rebase keep both, and undo works', async () => {
    await makeRepo(server.root, 'typed', { files: { 'a/x.txt': 'x\n' }, tag: 'v1.0.0' });
    await commitToRepo(server.root, 'typed', { files: { 'a/y.txt': 'upstream file\n' }, tag: 'v1.1.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/typed.git`, 'a', '--path', 'a', '--version', '~1.0.0')).code).toBe(0);
    await writeFile(join(dir, 'forge.yaml'), (await text(dir, 'forge.yaml')).replace('~1.0.0', '^1.0.0'));
    await mkdir(join(dir, 'a/y.txt'));
    await writeFile(join(dir, 'a/y.txt/mine.md'), 'my notes\n');
    const before = await snapshot(dir);
    for (const strategy of ['--merge', '--rebase']) {
      const pulled = await run(dir, 'sync', 'pull', 'a', strategy);
      expect(pulled.code).toBe(1);
      expect(pulled.stdout).toContain('Conflict (content) in: y.txt');
      expect(await text(dir, 'a/y.txt/mine.md')).toBe('my notes\n');
      const undone = await run(dir, 'sync', 'undo', 'a');
      expect(undone.code).toBe(0);
      expect(await snapshot(dir)).toEqual(before);
    }
  });

  it('upstream replaces a folder with a symlink while a file in it is edited: both kept; abort, resolve and undo all work', async () => {
    await makeRepo(server.root, 'linked', { files: { 'a/dir/file.txt': 'one\n', 'a/dir/other.txt': 'o\n', 'a/b.txt': 'b\n' }, tag: 'v1.0.0' });
    await commitToRepo(server.root, 'linked', { files: { 'a/dir': { content: 'b.txt', mode: '120000' } }, tag: 'v1.1.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/linked.git`, 'a', '--path', 'a', '--version', '~1.0.0')).code).toBe(0);
    await writeFile(join(dir, 'forge.yaml'), (await text(dir, 'forge.yaml')).replace('~1.0.0', '^1.0.0'));
    await writeFile(join(dir, 'a/dir/file.txt'), 'one, edited\n');
    const before = await snapshot(dir);

    expect((await run(dir, 'sync', 'pull', 'a', '--merge')).code).toBe(1);
    expect(await text(dir, 'a/dir/file.txt')).toBe('one, edited\n');
    const aborted = await run(dir, 'sync', 'resolve', 'a', '--abort');
    expect(aborted.code).toBe(0);
    expect(await snapshot(dir)).toEqual(before);

    expect((await run(dir, 'sync', 'pull', 'a', '--merge')).code).toBe(1);
    expect((await run(dir, 'sync', 'resolve', 'a', '--prefer-upstream')).code).toBe(0);
    expect((await lstat(join(dir, 'a/dir'))).isSymbolicLink()).toBe(true);
    expect((await run(dir, 'sync', 'undo', 'a')).code).toBe(0);
    expect((await run(dir, 'sync', 'undo', 'a')).code).toBe(0);
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('7.4 undo after remove', () => {
  it('restores the folder, the forge.yaml entry (same text, same place) and the lock entries of the component and its dependency', async () => {
    await makeRepo(server.root, 'extra', { files: { 'x/a.txt': 'x\n' }, tag: 'v1.0.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/extra.git`, 'first', '--path', 'x', '--dest', 'first')).code).toBe(0);
    expect((await run(dir, 'add', UI, 'button')).code).toBe(0);
    expect((await run(dir, 'add', `${server.url}/extra.git`, 'last', '--path', 'x', '--dest', 'last')).code).toBe(0);
    await writeFile(join(dir, 'forge.yaml'), (await text(dir, 'forge.yaml')).replace('  button:\n', '  # the button from ui-kit\n  button:\n'));
    const before = await snapshot(dir);

    const removed = await run(dir, 'remove', 'button');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain("'forge sync undo button'");
    expect((await lockOf(dir)).components.tokens).toBeUndefined();

    const undone = await run(dir, 'sync', 'undo', 'button');
    expect(undone.code).toBe(0);
    expect(await snapshot(dir)).toEqual(before);
    expect((await run(dir, 'sync', 'status', '--offline', '--json')).json().summary.synced).toBe(4);
  });
});

/** A commit of `repo` whose folder `folder` holds `files` plus one file with a 300-character name (git allows it; most file systems do not). */
async function tagWithLongName(repo: string, folder: string, files: number, tag: string): Promise<void> {
  const bare = repoDir(server.root, repo);
  const blob = await git(['hash-object', '-w', '--stdin'], { cwd: bare, input: 'content\n' });
  const long = `${'n'.repeat(300)}.txt`;
  const names = [...Array.from({ length: files }, (_, i) => `f${String(i).padStart(2, '0')}.txt`), long].sort();
  const sub = await git(['mktree'], { cwd: bare, input: names.map((n) => `100644 blob ${blob}\t${n}\n`).join('') });
  const top = await git(['mktree'], { cwd: bare, input: `040000 tree ${sub}\t${folder}\n` });
  const parent = await gitRevParse(bare, 'HEAD');
  const env = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@t', GIT_AUTHOR_DATE: '2024-01-02T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-02T00:00:00Z' };
  const commit = await git(['commit-tree', top, '-p', parent, '-m', 'long name'], { cwd: bare, env });
  await git(['update-ref', 'refs/heads/main', commit], { cwd: bare });
  await git(['tag', tag, commit], { cwd: bare });
}

describe('7.5 an error in the middle of a write', () => {
  it('a 300-character file name upstream: pull exits with a sentence and rolls itself back', async () => {
    await makeRepo(server.root, 'longname', { files: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`c/f${String(i).padStart(2, '0')}.txt`, 'old\n'])), tag: 'v1.0.0' });
    await tagWithLongName('longname', 'c', 50, 'v1.1.0');
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/longname.git`, 'c', '--path', 'c', '--version', '~1.0.0')).code).toBe(0);
    await writeFile(join(dir, 'forge.yaml'), (await text(dir, 'forge.yaml')).replace('~1.0.0', '^1.0.0'));
    const before = await snapshot(dir);

    const pulled = await run(dir, 'sync', 'pull', '--all');
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toMatch(/Cannot write c\/n+\.txt: the file name is too long/);
    expect(pulled.stderr).not.toMatch(/Unexpected error/);
    expect(await snapshot(dir)).toEqual(before);
    const next = await run(dir, 'sync', 'status', '--offline', '--json');
    expect(next.stderr).not.toMatch(/interrupted/);
    expect(next.json().summary.synced).toBe(1);
    expect((await readdir(join(dir, 'c'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('add is one transaction: after a failed add, forge.yaml, lock and folder are as before and the add can be retried', async () => {
    await makeRepo(server.root, 'longadd', { files: { 'c/ok.txt': 'ok\n' }, tag: 'v1.0.0' });
    await tagWithLongName('longadd', 'c', 3, 'v2.0.0');
    const dir = await workspace();
    const before = await snapshot(dir);
    const failed = await run(dir, 'add', `${server.url}/longadd.git`, 'c', '--path', 'c');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/too long/);
    expect(await snapshot(dir)).toEqual(before);
    expect((await run(dir, 'add', `${server.url}/longadd.git`, 'c', '--path', 'c', '--version', '^1.0.0')).code).toBe(0);
  });

  it('a kill -9 during add: the next run rolls back forge.yaml with the folder and the lock', async () => {
    const dir = await workspace();
    const before = await snapshot(dir);
    const killed = await runEnv(dir, { FORGE_TEST_KILL_AT: 'before-lock' }, 'add', UI, 'button');
    expect(killed.code).toBe(137);
    expect(await text(dir, 'forge.yaml')).toContain('button'); // the crash really left forge.yaml written
    const next = await run(dir, 'sync', 'status', '--offline');
    expect(next.stderr).toContain('rolled back');
    expect(await snapshot(dir)).toEqual(before);
    expect((await run(dir, 'add', UI, 'button')).code).toBe(0);
  });
});

describe('7.6 .forge as a symlink', () => {
  it('is refused: nothing is written outside the repository', async () => {
    const dir = await workspace();
    const outside = await tempDir('forge-outside-');
    await rm(join(dir, '.forge'), { recursive: true, force: true });
    await symlink(outside, join(dir, '.forge'));
    const result = await run(dir, 'add', UI, 'button');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\.forge .*is a symbolic link/);
    expect(await readdir(outside)).toEqual([]);
    expect(await exists(join(dir, 'components'))).toBe(false);
  });
});

describe('7.8 no downgrade', () => {
  it('a locked tag deleted upstream shows as detached, and pull keeps the lock', async () => {
    await makeRepo(server.root, 'retag', { files: { 'c/x.txt': '1\n' }, tag: 'v1.0.0' });
    await commitToRepo(server.root, 'retag', { files: { 'c/x.txt': '2\n' }, tag: 'v1.1.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/retag.git`, 'c', '--path', 'c')).code).toBe(0);
    const lock = await text(dir, 'forge.lock.yaml');
    await git(['tag', '-d', 'v1.1.0'], { cwd: repoDir(server.root, 'retag') });

    const status = await run(dir, 'sync', 'status', '--json');
    expect(status.json().components[0]).toMatchObject({ status: 'detached', behind: false, version: '1.1.0' });
    const pulled = await run(dir, 'sync', 'pull', '--all');
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toContain('Already up to date');
    expect(await text(dir, 'forge.lock.yaml')).toBe(lock);
    expect(await text(dir, 'c/x.txt')).toBe('2\n');
  });
});

describe('7.9 a blocked pull', () => {
  it('updates what is not blocked, names what is, and says only what happened in text and JSON', async () => {
    await makeRepo(server.root, 'pair', { files: { 'a/x.txt': 'a\n', 'b/y.txt': 'b\n' }, tag: 'v1.0.0' });
    const url = `${server.url}/pair.git`;
    const dir = await workspace();
    expect((await run(dir, 'add', url, 'a', '--path', 'a')).code).toBe(0);
    expect((await run(dir, 'add', url, 'b', '--path', 'b')).code).toBe(0);
    await commitToRepo(server.root, 'pair', { files: { 'a/x.txt': 'a2\n', 'b/y.txt': 'b2\n' }, tag: 'v1.1.0' });
    await writeFile(join(dir, 'a/x.txt'), 'mine\n');

    const pulled = await run(dir, 'sync', 'pull', '--json');
    expect(pulled.code).toBe(1);
    const json = pulled.json();
    expect(json.components.map((c: { name: string; action: string }) => [c.name, c.action])).toEqual([
      ['a', 'blocked'],
      ['b', 'fast-forward'],
    ]);
    expect(json.blocked).toEqual(['a']);
    const lock = await lockOf(dir);
    expect(lock.components.a.version).toBe('1.0.0');
    expect(lock.components.b.version).toBe('1.1.0');
    expect(await text(dir, 'a/x.txt')).toBe('mine\n');
    expect(await text(dir, 'b/y.txt')).toBe('b2\n');

    await commitToRepo(server.root, 'pair', { files: { 'a/x.txt': 'a3\n', 'b/y.txt': 'b3\n' }, tag: 'v1.2.0' });
    const textRun = await run(dir, 'sync', 'pull');
    expect(textRun.code).toBe(1);
    expect(textRun.stdout).not.toMatch(/Updating a/);
    expect(textRun.stdout).toMatch(/Updating b: 1\.1\.0 .* → 1\.2\.0/);
    expect(textRun.stdout).toMatch(/Component 'a' has local changes; it is left as it is/);
    expect(textRun.stdout).toMatch(/✓ Component updated successfully; not updated: a/);

    await writeFile(join(dir, 'b/y.txt'), 'mine too\n');
    await commitToRepo(server.root, 'pair', { files: { 'a/x.txt': 'a4\n', 'b/y.txt': 'b4\n' }, tag: 'v1.3.0' });
    const lockBefore = await text(dir, 'forge.lock.yaml');
    const none = await run(dir, 'sync', 'pull');
    expect(none.code).toBe(1);
    expect(none.stdout).not.toMatch(/Updating/);
    expect(none.stdout).toMatch(/Nothing changed: a, b are blocked/);
    expect(await text(dir, 'forge.lock.yaml')).toBe(lockBefore);
  });
});

describe('7.10 a dependency also added directly', () => {
  it('is synced, and a no-op pull leaves forge.lock.yaml byte-identical', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', UI, 'button')).code).toBe(0);
    expect((await run(dir, 'add', TOKENS, 'tokens', '--version', '~1.2.0')).code).toBe(0);
    expect((await run(dir, 'sync', 'pull', '--all')).code).toBe(0);
    const lock = await text(dir, 'forge.lock.yaml');
    for (let i = 0; i < 2; i++) {
      const again = await run(dir, 'sync', 'pull', '--all');
      expect(again.stdout).toContain('Already up to date');
      expect(await text(dir, 'forge.lock.yaml')).toBe(lock);
    }
    const status = (await run(dir, 'sync', 'status', '--json')).json();
    expect(status.components.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['button', 'synced'],
      ['tokens', 'synced'],
    ]);
  });
});

describe('7.11 a widened range', () => {
  it('status reports what the range allows now', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', TOKENS, 'tokens', '--version', '~1.1.0')).code).toBe(0);
    await writeFile(join(dir, 'forge.yaml'), (await text(dir, 'forge.yaml')).replace('~1.1.0', '^1.1.0'));
    const status = (await run(dir, 'sync', 'status', '--json')).json().components[0];
    expect(status).toMatchObject({ status: 'outdated', behind: true, version: '1.1.0', latestVersion: '1.3.0' });
    expect(status.upstreamCommit).toBe(await gitRevParse(repoDir(server.root, 'design-tokens'), 'v1.3.0^{commit}'));
  });
});

describe('7.12 --to outside the range', () => {
  it('is refused with the range named (exit 2), and never flip-flops', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', TOKENS, 'tokens', '--version', '^1.2.0')).code).toBe(0);
    const lock = await text(dir, 'forge.lock.yaml');
    const refused = await run(dir, 'sync', 'pull', 'tokens', '--to', '1.0.0');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--to 1\.0\.0 is outside the range \^1\.2\.0/);
    expect(await text(dir, 'forge.lock.yaml')).toBe(lock);
    const inside = await run(dir, 'sync', 'pull', 'tokens', '--to', '1.2.0');
    expect(inside.code).toBe(0);
    expect((await lockOf(dir)).components.tokens).toMatchObject({ version: '1.2.0', constraint: '^1.2.0' });
    const unknown = await run(dir, 'sync', 'pull', 'tokens', '--to', '9.9.9');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no version 9\.9\.9 .*available: 1\.3\.0, 1\.2\.0/);
    expect(unknown.stderr).not.toMatch(/GH_TOKEN|forge\.yaml/);
  });
});

describe('7.14 a tampered lock', () => {
  it('verify and an online status catch a vendored edit whose lock tree was rewritten to match', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', UI, 'button')).code).toBe(0);
    expect((await run(dir, 'verify')).code).toBe(0);
    await commitAll(dir, 'vendor');
    // The pull request: an edited vendored file, and the lock's tree rewritten to the edited folder's tree.
    await writeFile(join(dir, 'components/button/button.tsx'), 'export const Button = () => fetch("https://evil");\n');
    await git(['add', '-A'], { cwd: dir });
    const tree = await git(['rev-parse', `${await git(['write-tree'], { cwd: dir })}:components/button`], { cwd: dir });
    const lock = await text(dir, 'forge.lock.yaml');
    const locked = (await lockOf(dir)).components.button.tree;
    await writeFile(join(dir, 'forge.lock.yaml'), lock.replace(locked, tree));
    // A fresh CI checkout: no local state.
    await rm(join(dir, '.forge'), { recursive: true, force: true });

    expect((await run(dir, 'sync', 'status', '--offline', '--json')).json().components[0].status).toBe('synced'); // offline cannot tell

    const verify = await run(dir, 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/✗ button: forge\.lock\.yaml says tree [0-9a-f]{12}, but .* has tree [0-9a-f]{12}/);
    expect(verify.stdout).toMatch(/✓ tokens/);
    const json = (await run(dir, 'verify', '--json')).json();
    expect(json).toMatchObject({ ok: false, components: [{ name: 'button', ok: false, problems: [{ check: 'tree' }] }, { name: 'tokens', ok: true }] });

    const status = (await run(dir, 'sync', 'status', '--json')).json().components[0];
    expect(status).toMatchObject({ status: 'modified', localChanges: ['button.tsx'] });
    expect(status.problems.join(' ')).toContain('was the lock edited?');
  });

  it('verify reports a moved tag and exits 1; local edits alone pass', async () => {
    await makeRepo(server.root, 'moving', { files: { 'c/x.txt': '1\n' }, tag: 'v1.0.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/moving.git`, 'c', '--path', 'c')).code).toBe(0);
    await writeFile(join(dir, 'c/x.txt'), 'local edit\n');
    expect((await run(dir, 'verify')).code).toBe(0);
    await commitToRepo(server.root, 'moving', { files: { 'c/x.txt': 'retagged\n' }, tag: 'v1.0.0' });
    const verify = await run(dir, 'verify', 'c');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/tag v1\.0\.0 .* now points at [0-9a-f]{12}, not the locked [0-9a-f]{12} \(the tag moved\)/);
  });
});
