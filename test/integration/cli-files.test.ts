// Components that are one file, and folders filtered by include/exclude (issue 12), end to end:
// the built CLI against a real repository served over loopback HTTP, each result checked with
// native git (rev-parse COMMIT:PATH for a blob, an index holding only the selected files and
// write-tree for a filtered tree, git merge-file for a merge).

import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

vi.setConfig({ testTimeout: 180_000 });

const lines = (edits: Record<number, string> = {}) => Array.from({ length: 12 }, (_, i) => `${edits[i + 1] ?? `line ${i + 1}`}\n`).join('');
const UP = 'apps/registry/ui/button.tsx';
const DEST = 'src/ui/button.tsx';
const UP_BUTTON = lines({ 3: 'line 3 upstream', 10: 'line 10 upstream' });
const LOCAL_BUTTON = lines({ 3: 'line 3 local', 7: 'line 7 local' });
const SELECTED = ['a.yaml', 'src/main.ts', 'src/util/helpers.ts'];
const PATTERNS = ['--include', 'src/**', '--include', '*.yaml', '--exclude', '**/*.test.ts'];

let server: GitServer;
let url: string;
let cache: string;
let bare: string;

const run = (cwd: string, ...args: string[]) => forge(args, { cwd, env: { FORGE_CACHE_DIR: cache } });
const lockOf = async (cwd: string) => parse(await readFile(join(cwd, 'forge.lock.yaml'), 'utf8'));
const text = (cwd: string, path: string) => readFile(join(cwd, path), 'utf8');
const exists = (path: string) => stat(path).then(() => true, () => false);
const put = async (cwd: string, path: string, content: string) => {
  await mkdir(dirname(join(cwd, path)), { recursive: true });
  await writeFile(join(cwd, path), content);
};

/** git merge-file -p with forge's labels. */
function gitMergeFile(local: string, base: string, upstream: string): Promise<string> {
  return (async () => {
    const dir = await tempDir('forge-mf-');
    await writeFile(join(dir, 'local'), local);
    await writeFile(join(dir, 'base'), base);
    await writeFile(join(dir, 'upstream'), upstream);
    return new Promise<string>((resolve) =>
      execFile('git', ['merge-file', '-p', '-L', 'LOCAL', '-L', 'BASE', '-L', 'UPSTREAM', 'local', 'base', 'upstream'], { cwd: dir }, (_e, stdout) => resolve(stdout)),
    );
  })();
}

/** What git write-tree gives for an index holding only `files` of `folder` in the workspace. */
async function treeOfOnly(cwd: string, folder: string, files: string[]): Promise<string> {
  const env = { ...process.env, GIT_INDEX_FILE: join(cwd, '.git', `only-${Math.random().toString(36).slice(2)}`) };
  await git(['add', '-f', '--', ...files.map((f) => `${folder}/${f}`)], { cwd, env });
  const tree = await git(['write-tree'], { cwd, env });
  return git(['rev-parse', `${tree}:${folder}`], { cwd });
}

async function workspace(): Promise<string> {
  const dir = await tempDir('forge-ws-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  expect((await run(dir, 'init')).code).toBe(0);
  return dir;
}

/** Lets the next pull go to 1.1.0 (added at 1.0.0, as a user would pin first). */
async function widen(dir: string): Promise<void> {
  const manifest = join(dir, 'forge.yaml');
  await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll('version: 1.0.0', 'version: ^1.0.0'));
}

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-cache-');
  await makeRepo(server.root, 'kit', {
    files: {
      [UP]: lines(),
      'apps/registry/ui/card.tsx': 'card\n',
      'bin/release.sh': { content: '#!/bin/sh\necho release\n', mode: '100755' },
      'lib/a.yaml': 'a: 1\n',
      'lib/src/main.ts': lines(),
      'lib/src/main.test.ts': 'test 1\n',
      'lib/src/util/helpers.ts': 'helpers\n',
      'lib/docs/guide.md': 'guide\n',
      'README.md': 'kit\n',
    },
    tag: 'v1.0.0',
  });
  await commitToRepo(server.root, 'kit', {
    files: {
      [UP]: UP_BUTTON,
      'apps/registry/ui/card.tsx': 'card 2\n',
      'lib/src/main.ts': lines({ 3: 'line 3 upstream' }),
      'lib/src/main.test.ts': 'test 2\n',
      'lib/docs/guide.md': 'guide 2\n',
    },
    tag: 'v1.1.0',
  });
  bare = repoDir(server.root, 'kit');
  url = `${server.url}/kit.git`;
});

afterAll(async () => {
  await server?.stop();
  await cleanupTempDirs();
});

describe.concurrent('a single-file component', () => {
  it('add, status, pull --merge with a real conflict, resolve, undo and verify, checked with native git', async () => {
    const dir = await workspace();
    await put(dir, 'src/ui/mine.tsx', 'not forge\n');
    const added = await run(dir, 'add', url, 'button', '--path', UP, '--dest', DEST, '--version', '1.0.0');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(await text(dir, DEST)).toBe(lines());
    const entry = (await lockOf(dir)).components.button;
    expect(entry.blob).toBe(await gitRevParse(bare, `v1.0.0:${UP}`));
    expect(entry.mode).toBe('100644');
    expect(entry.tree).toBeUndefined();
    expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toContain(`    blob: ${entry.blob}\n    mode: "100644"\n`);
    expect(await exists(join(dir, 'src/ui/card.tsx'))).toBe(false);

    await widen(dir);
    await put(dir, DEST, LOCAL_BUTTON);
    const offline = (await run(dir, 'sync', 'status', '--offline', '--json')).json();
    expect(offline.components[0]).toMatchObject({ name: 'button', status: 'modified', localChanges: ['button.tsx'], dest: DEST });

    const blocked = await run(dir, 'sync', 'pull', 'button');
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain(`modified: ${DEST}\n`);

    const pulled = await run(dir, 'sync', 'pull', 'button', '--merge');
    expect(pulled.code).toBe(1);
    expect(pulled.stdout).toContain("Run 'forge sync resolve button' to resolve conflicts");
    const merged = await text(dir, DEST);
    expect(merged).toBe(await gitMergeFile(LOCAL_BUTTON, lines(), UP_BUTTON));
    expect(merged).toContain('<<<<<<< LOCAL\nline 3 local\n=======\nline 3 upstream\n>>>>>>> UPSTREAM\n');
    expect((await run(dir, 'sync', 'conflicts', 'list')).stdout).toContain(`1. content: ${DEST}\n`);

    const resolved = await run(dir, 'sync', 'resolve', 'button', '--prefer-upstream');
    expect(resolved.code).toBe(0);
    expect(await text(dir, DEST)).toBe(lines({ 3: 'line 3 upstream', 7: 'line 7 local', 10: 'line 10 upstream' }));
    const after = (await lockOf(dir)).components.button;
    expect(after.blob).toBe(await gitRevParse(bare, `v1.1.0:${UP}`));
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0]).toMatchObject({ status: 'modified', behind: false, conflicts: [] });

    const verified = await run(dir, 'verify');
    expect(verified.code).toBe(0);
    const lockPath = join(dir, 'forge.lock.yaml');
    const goodLock = await readFile(lockPath, 'utf8');
    await writeFile(lockPath, goodLock.replace(after.blob, entry.blob));
    const tampered = await run(dir, 'verify');
    expect(tampered.code).toBe(1);
    expect(tampered.stdout + tampered.stderr).toContain(`says blob ${entry.blob.slice(0, 12)}, but ${url} has blob ${after.blob.slice(0, 12)}`);
    await writeFile(lockPath, goodLock);

    expect((await run(dir, 'sync', 'undo', 'button')).code).toBe(0); // the resolve
    expect(await text(dir, DEST)).toBe(merged);
    expect((await run(dir, 'sync', 'undo', 'button')).code).toBe(0); // the merge
    expect(await text(dir, DEST)).toBe(LOCAL_BUTTON);
    expect((await lockOf(dir)).components.button.blob).toBe(entry.blob);
    expect(await text(dir, 'src/ui/mine.tsx')).toBe('not forge\n');
  });

  it('keeps the exec bit, diffs and removes just the file', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', url, 'release', '--path', 'bin/release.sh', '--ref', 'main')).code).toBe(0);
    expect((await stat(join(dir, 'bin/release.sh'))).mode & 0o100).not.toBe(0);
    expect((await lockOf(dir)).components.release).toMatchObject({ blob: await gitRevParse(bare, 'main:bin/release.sh'), mode: '100755' });
    await put(dir, 'bin/other.sh', 'mine\n');
    await put(dir, 'bin/release.sh', '#!/bin/sh\necho changed\n');
    const diff = await run(dir, 'dev', 'diff', 'release');
    expect(diff.stdout).toContain('--- a/bin/release.sh\n+++ b/bin/release.sh\n');
    expect((await run(dir, 'remove', 'release', '--force')).code).toBe(0);
    expect(await exists(join(dir, 'bin/release.sh'))).toBe(false);
    expect(await text(dir, 'bin/other.sh')).toBe('mine\n');
  });
});

describe.concurrent('a folder filtered by include/exclude', () => {
  it('add, status, pull --merge with a real conflict, resolve, undo and verify; files outside the filter are never touched', async () => {
    const dir = await workspace();
    await put(dir, 'lib/src/main.test.ts', 'my own test\n');
    await put(dir, 'lib/notes.md', 'my notes\n');
    const added = await run(dir, 'add', url, 'lib', '--path', 'lib', '--version', '1.0.0', ...PATTERNS);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(await text(dir, 'forge.yaml')).toContain('    include: ["src/**", "*.yaml"]\n    exclude: ["**/*.test.ts"]\n');
    const entry = (await lockOf(dir)).components.lib;
    expect(entry).toMatchObject({ include: ['src/**', '*.yaml'], exclude: ['**/*.test.ts'] });
    expect(entry.tree).toBe(await treeOfOnly(dir, 'lib', SELECTED));
    expect(await exists(join(dir, 'lib/docs/guide.md'))).toBe(false);
    expect(await text(dir, 'lib/src/main.test.ts')).toBe('my own test\n');
    expect((await run(dir, 'sync', 'status', '--offline', '--json')).json().components[0]).toMatchObject({ status: 'synced', localChanges: [] });

    await widen(dir);
    const local = lines({ 3: 'line 3 local' });
    await put(dir, 'lib/src/main.ts', local);
    const pulled = await run(dir, 'sync', 'pull', 'lib', '--merge');
    expect(pulled.code).toBe(1);
    expect(await text(dir, 'lib/src/main.ts')).toBe(await gitMergeFile(local, lines(), lines({ 3: 'line 3 upstream' })));
    expect(await text(dir, 'lib/src/main.test.ts')).toBe('my own test\n');
    expect(await exists(join(dir, 'lib/docs/guide.md'))).toBe(false);
    const status = (await run(dir, 'sync', 'status', '--json')).json().components[0];
    expect(status).toMatchObject({ status: 'conflict', conflicts: [{ type: 'content', file: 'src/main.ts' }] });

    expect((await run(dir, 'sync', 'resolve', 'lib', '--prefer-upstream')).code).toBe(0);
    expect(await text(dir, 'lib/src/main.ts')).toBe(lines({ 3: 'line 3 upstream' }));
    const after = (await lockOf(dir)).components.lib;
    expect(after.tree).toBe(await treeOfOnly(dir, 'lib', SELECTED));
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0]).toMatchObject({ status: 'synced' });
    expect((await run(dir, 'verify')).code).toBe(0);

    expect((await run(dir, 'sync', 'undo', 'lib')).code).toBe(0);
    expect((await run(dir, 'sync', 'undo', 'lib')).code).toBe(0);
    expect(await text(dir, 'lib/src/main.ts')).toBe(local);
    expect((await lockOf(dir)).components.lib.tree).toBe(entry.tree);
    expect(await text(dir, 'lib/src/main.test.ts')).toBe('my own test\n');
    expect(await text(dir, 'lib/notes.md')).toBe('my notes\n');
  });

  it('a bad pattern in forge.yaml is exit 2 naming the line; changing the patterns moves the folder at the next pull', async () => {
    const dir = await workspace();
    expect((await run(dir, 'add', url, 'lib', '--path', 'lib', '--version', '1.0.0', ...PATTERNS)).code).toBe(0);
    const manifest = join(dir, 'forge.yaml');
    const good = await readFile(manifest, 'utf8');
    await writeFile(manifest, good.replace('["**/*.test.ts"]', '["**/*.test.ts", "../up"]'));
    const lockBefore = await readFile(join(dir, 'forge.lock.yaml'), 'utf8');
    const bad = await run(dir, 'sync', 'pull', 'lib');
    expect(bad.code).toBe(2);
    const line = good.split('\n').findIndex((l) => l.includes('exclude:')) + 1;
    expect(bad.stderr).toContain(`forge.yaml:${line}: component 'lib': field 'exclude' has the pattern "../up"`);
    expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toBe(lockBefore);

    await writeFile(manifest, good.replace('include: ["src/**", "*.yaml"]', 'include: ["src/**", "docs/**"]'));
    const moved = await run(dir, 'sync', 'pull', 'lib');
    expect(moved.code).toBe(0);
    expect(await exists(join(dir, 'lib/a.yaml'))).toBe(false);
    expect(await text(dir, 'lib/docs/guide.md')).toBe('guide\n');
    expect((await lockOf(dir)).components.lib.tree).toBe(await treeOfOnly(dir, 'lib', ['docs/guide.md', 'src/main.ts', 'src/util/helpers.ts']));
  });
});

/** What a pushed branch must be: one commit on the locked commit that changes exactly `paths`, fsck clean. */
async function expectPushed(branch: string, lockedCommit: string, paths: string[]): Promise<string> {
  const tip = await gitRevParse(bare, `refs/heads/${branch}`);
  expect(await gitRevParse(bare, `${tip}^`)).toBe(lockedCommit);
  expect(await git(['rev-list', '--count', `${lockedCommit}..${tip}`], { cwd: bare })).toBe('1');
  expect((await git(['diff', '--name-only', lockedCommit, tip], { cwd: bare })).split('\n').filter(Boolean)).toEqual(paths);
  expect(await git(['fsck', '--full', '--no-dangling'], { cwd: bare })).toBe('');
  return tip;
}

async function withIdentity(dir: string): Promise<void> {
  await git(['config', 'user.name', 'Ada Lovelace'], { cwd: dir });
  await git(['config', 'user.email', 'ada@example.com'], { cwd: dir });
}

describe.concurrent('push', () => {
  it('a single file: the commit replaces exactly that file upstream', async () => {
    const dir = await workspace();
    await withIdentity(dir);
    expect((await run(dir, 'add', url, 'button', '--path', UP, '--dest', DEST, '--version', '1.0.0')).code).toBe(0);
    await put(dir, DEST, LOCAL_BUTTON);
    const pushed = await run(dir, 'sync', 'push', 'button', '--json');
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    const out = pushed.json();
    expect(out.files).toEqual([{ file: 'button.tsx', kind: 'modified' }]);
    const tip = await expectPushed(out.branch, (await lockOf(dir)).components.button.commit, [UP]);
    expect(await gitRevParse(bare, `${tip}:${UP}`)).toBe(await git(['hash-object', DEST], { cwd: dir }));
    expect((await run(dir, 'sync', 'status', '--offline', '--json')).json().components[0].status).toBe('forked');
  });

  it('a filtered folder: only selected files go; upstream files outside the filter and local files outside it stay where they are', async () => {
    const dir = await workspace();
    await withIdentity(dir);
    await put(dir, 'lib/src/main.test.ts', 'my own test\n');
    expect((await run(dir, 'add', url, 'lib', '--path', 'lib', '--version', '1.0.0', ...PATTERNS)).code).toBe(0);
    await put(dir, 'lib/src/main.ts', lines({ 5: 'line 5 local' }));
    await put(dir, 'lib/src/new.ts', 'new\n');
    await put(dir, 'lib/docs/guide.md', 'my guide\n');
    const pushed = await run(dir, 'sync', 'push', 'lib', '--json');
    expect(pushed.code).toBe(0);
    const locked = (await lockOf(dir)).components.lib.commit;
    const tip = await expectPushed(pushed.json().branch, locked, ['lib/src/main.ts', 'lib/src/new.ts']);
    for (const other of ['lib/src/main.test.ts', 'lib/docs/guide.md', 'README.md']) expect(await gitRevParse(bare, `${tip}:${other}`)).toBe(await gitRevParse(bare, `${locked}:${other}`));
    expect(await gitRevParse(bare, `${tip}:lib/src/main.ts`)).toBe(await git(['hash-object', 'lib/src/main.ts'], { cwd: dir }));
  });
});

/** Every file of the workspace but git's and forge's own folders: path → content (links as their target). */
async function everyFile(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (prefix === '' && (entry.name === '.git' || entry.name === '.forge')) continue;
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(folder, entry.name), path);
      else out[path] = await readFile(join(folder, entry.name), 'utf8');
    }
  };
  await walk(dir, '');
  return out;
}

describe.concurrent('kill -9', () => {
  it('a pull of a single file and a filtered folder killed before the lock is written: the next run puts everything back, the files outside the filter included', async () => {
    const dir = await workspace();
    await put(dir, 'lib/src/main.test.ts', 'my own test\n');
    expect((await run(dir, 'add', url, 'lib', '--path', 'lib', '--version', '1.0.0', ...PATTERNS)).code).toBe(0);
    expect((await run(dir, 'add', url, 'button', '--path', UP, '--dest', DEST, '--version', '1.0.0')).code).toBe(0);
    await widen(dir);
    await put(dir, DEST, LOCAL_BUTTON);
    const before = await everyFile(dir);
    const killed = await forge(['sync', 'pull', '--all', '--merge'], { cwd: dir, env: { FORGE_CACHE_DIR: cache, FORGE_TEST_KILL_AT: 'before-lock' } });
    expect(killed.code).toBe(137);
    expect(await everyFile(dir)).not.toEqual(before);
    const next = await run(dir, 'sync', 'status', '--offline', '--json');
    expect(next.stderr).toContain('rolled back');
    expect(await everyFile(dir)).toEqual(before);
    expect(next.json().components.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['lib', 'synced'],
      ['button', 'modified'],
    ]);
  });
});

describe.concurrent('bad input', () => {
  it('a path that is neither a file nor a folder: exit 2 naming the path and the commit; nothing written', async () => {
    const dir = await workspace();
    const before = await readFile(join(dir, 'forge.yaml'), 'utf8');
    const result = await run(dir, 'add', url, 'nope', '--path', 'apps/registry/ui/nope.tsx', '--ref', 'main');
    expect(result.code).toBe(2);
    const main = (await gitRevParse(bare, 'main')).slice(0, 12);
    expect(result.stderr).toContain(`Nothing is at apps/registry/ui/nope.tsx in ${url} at ${main}: it is neither a file nor a folder there`);
    expect(result.stderr).not.toContain('needs a component');
    expect(await readFile(join(dir, 'forge.yaml'), 'utf8')).toBe(before);
    expect(await exists(join(dir, 'forge.lock.yaml'))).toBe(false);
  });

  it('a file dest that is a folder here, and a folder dest that is a file here: refused, nothing lost', async () => {
    const dir = await workspace();
    await put(dir, `${DEST}/inside.txt`, 'mine\n');
    const file = await run(dir, 'add', url, 'button', '--path', UP, '--dest', DEST, '--ref', 'main');
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(`${DEST} is a folder, but the component there is a single file.`);
    expect(await text(dir, `${DEST}/inside.txt`)).toBe('mine\n');

    await put(dir, 'vendor/lib', 'a file\n');
    const folder = await run(dir, 'add', url, 'lib', '--path', 'lib', '--dest', 'vendor/lib', '--ref', 'main');
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain('vendor/lib is a file, but the component there is a folder.');
    expect(await text(dir, 'vendor/lib')).toBe('a file\n');
    expect(await exists(join(dir, 'forge.lock.yaml'))).toBe(false);
    expect((await run(dir, 'sync', 'status', '--json')).json().components).toEqual([]);
  });

  it('a bad --include is exit 2, and nothing is written', async () => {
    const dir = await workspace();
    const before = await readFile(join(dir, 'forge.yaml'), 'utf8');
    const result = await run(dir, 'add', url, 'lib', '--path', 'lib', '--include', '[abc');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--include "[abc" has a '[' without its ']'`);
    expect(await readFile(join(dir, 'forge.yaml'), 'utf8')).toBe(before);
    expect(await exists(join(dir, 'lib'))).toBe(false);
  });
});
