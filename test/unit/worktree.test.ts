import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blobOid, snapshotFromFiles } from '../../src/git/tree-hash.js';
import { createWorktree } from '../../src/git/worktree.js';
import { EMPTY_TREE, type FileEntry } from '../../src/core/model.js';
import { cleanupTempDirs, git, tempDir } from '../helpers/fixtures.js';
import { caught } from '../helpers/errors.js';

afterAll(cleanupTempDirs);

async function put(root: string, files: Record<string, string | { content: string; mode?: number; link?: boolean }>): Promise<void> {
  for (const [path, spec] of Object.entries(files)) {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    const file = typeof spec === 'string' ? { content: spec } : spec;
    if (file.link) await symlink(file.content, abs);
    else {
      await writeFile(abs, file.content);
      if (file.mode !== undefined) await chmod(abs, file.mode);
    }
  }
}

/** The tree git writes for `dest` after `git add -A` in a scratch repository at root. */
async function gitTree(root: string, dest: string): Promise<string> {
  await git(['init', '-q'], { cwd: root }).catch(() => undefined);
  await git(['-c', 'core.filemode=true', '-c', 'core.symlinks=true', 'add', '-A'], { cwd: root });
  const tree = await git(['write-tree'], { cwd: root });
  return git(['rev-parse', `${tree}:${dest}`], { cwd: root });
}

describe('scan', () => {
  it('hashes a folder to the tree id git writes, with executable bits and symlinks, ignoring empty folders', async () => {
    const root = await tempDir();
    await put(root, {
      'comp/a.txt': 'a\n',
      'comp/a/b.txt': 'ab',
      'comp/a0': 'zero',
      'comp/bin/run': { content: '#!/bin/sh\n', mode: 0o755 },
      'comp/bin/group-exec': { content: 'x', mode: 0o654 },
      'comp/link': { content: 'a/b.txt', link: true },
      'comp/dangling': { content: '../../nowhere', link: true },
      'comp/binary.bin': '\u0000\u0001\u00ff',
      'other/x': 'not part of it',
    });
    await mkdir(join(root, 'comp/empty/deeper'), { recursive: true });
    const snapshot = await createWorktree({ root }).scan('comp');
    expect(snapshot.tree).toBe(await gitTree(root, 'comp'));
    expect(snapshot.files.map((f) => [f.path, f.mode])).toEqual([
      ['a.txt', '100644'],
      ['a/b.txt', '100644'],
      ['a0', '100644'],
      ['bin/group-exec', '100644'], // git looks at the owner's x bit only
      ['bin/run', '100755'],
      ['binary.bin', '100644'],
      ['dangling', '120000'],
      ['link', '120000'],
    ]);
    expect(snapshot.files.find((f) => f.path === 'link')!.oid).toBe(blobOid('a/b.txt'));
  });

  it('gives the empty snapshot for a missing folder', async () => {
    const root = await tempDir();
    expect(await createWorktree({ root }).scan('nothing/here')).toEqual({ tree: EMPTY_TREE, files: [] });
  });

  it('refuses a symlinked component folder instead of hashing what it points to', async () => {
    const root = await tempDir();
    await put(root, { 'real/x': 'x', comp: { content: 'real', link: true } });
    expect((await caught(createWorktree({ root }).scan('comp'))).code).toBe('E_SYMLINK');
  });
});

/** The stat cache's files (one per folder) and their mtimes. */
async function cacheFiles(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of await readdir(dir).catch(() => [] as string[])) out[name] = (await stat(join(dir, name))).mtimeMs;
  return out;
}

/** Makes every cache file newer than every file, as when the cache is written well after the files. */
async function ageFilesBehindCache(dir: string): Promise<void> {
  const later = new Date(Date.now() + 60_000);
  for (const name of await readdir(dir)) await utimes(join(dir, name), later, later);
}

describe('stat cache', () => {
  it('does not read unchanged files again, and writes the cache only when it changed', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    await put(root, { 'c/a': 'a', 'c/b': 'b', 'c/d/e': 'e' });
    // Old enough not to be racily clean.
    for (const f of ['c/a', 'c/b', 'c/d/e']) await utimes(join(root, f), new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));

    const first = createWorktree({ root, statCacheDir });
    const cold = await first.scan('c');
    expect(first.stats()).toEqual({ hashed: 3, cached: 0 });
    const written = await cacheFiles(statCacheDir);
    expect(Object.keys(written)).toHaveLength(1);

    const second = createWorktree({ root, statCacheDir });
    expect(await second.scan('c')).toEqual(cold);
    expect(second.stats()).toEqual({ hashed: 0, cached: 3 });
    expect(await cacheFiles(statCacheDir)).toEqual(written);

    await writeFile(join(root, 'c/b'), 'B'); // same size, new content
    const afterEdit = await second.scan('c');
    expect(second.stats()).toEqual({ hashed: 1, cached: 5 });
    expect(afterEdit.files.find((f) => f.path === 'b')!.oid).toBe(blobOid('B'));
    expect(afterEdit.tree).toBe(await gitTree(root, 'c'));
  });

  it('re-hashes a racily clean file (mtime not older than the cache)', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    await put(root, { 'c/a': 'a' });
    const future = new Date(Date.now() + 60_000);
    await utimes(join(root, 'c/a'), future, future);
    const worktree = createWorktree({ root, statCacheDir });
    await worktree.scan('c');
    await worktree.scan('c');
    expect(worktree.stats()).toEqual({ hashed: 2, cached: 0 });
  });

  it('sees every change to a folder whose files were all cached: a new, removed, renamed, re-moded or retargeted file', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    await put(root, { 'c/a': 'a', 'c/sub/b': 'b', 'c/run': 'x', 'c/link': { content: 'a', link: true } });
    const scanned = async () => {
      await ageFilesBehindCache(statCacheDir).catch(() => undefined);
      const snapshot = await createWorktree({ root, statCacheDir }).scan('c');
      expect(snapshot.tree).toBe(await gitTree(root, 'c'));
      return snapshot;
    };
    await scanned();
    const cached = createWorktree({ root, statCacheDir });
    await ageFilesBehindCache(statCacheDir);
    expect((await cached.scan('c')).tree).toBe(await gitTree(root, 'c'));
    expect(cached.stats()).toEqual({ hashed: 0, cached: 4 });

    await put(root, { 'c/sub/new': 'n' });
    expect((await scanned()).files.map((f) => f.path)).toContain('sub/new');
    await rm(join(root, 'c/sub/b'));
    expect((await scanned()).files.map((f) => f.path)).not.toContain('sub/b');
    await rename(join(root, 'c/sub/new'), join(root, 'c/moved'));
    expect((await scanned()).files.map((f) => f.path)).toEqual(['a', 'link', 'moved', 'run']);
    await chmod(join(root, 'c/run'), 0o755);
    expect((await scanned()).files.find((f) => f.path === 'run')!.mode).toBe('100755');
    await rm(join(root, 'c/link'));
    await symlink('moved', join(root, 'c/link'));
    expect((await scanned()).files.find((f) => f.path === 'link')!.oid).toBe(blobOid('moved'));
    await rm(join(root, 'c/a'));
    await put(root, { 'c/a': { content: 'run', link: true } }); // a file becomes a symlink
    expect((await scanned()).files.find((f) => f.path === 'a')).toEqual({ path: 'a', mode: '120000', oid: blobOid('run') });
  });

  it('a file rewritten behind the cache with the same size and mtime is still read (its ctime moved)', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    await put(root, { 'c/a': 'one' });
    const old = new Date(Date.now() - 10_000);
    await utimes(join(root, 'c/a'), old, old);
    await createWorktree({ root, statCacheDir }).scan('c');
    await writeFile(join(root, 'c/a'), 'two');
    await utimes(join(root, 'c/a'), old, old);
    await ageFilesBehindCache(statCacheDir);
    const worktree = createWorktree({ root, statCacheDir });
    expect((await worktree.scan('c')).files[0]!.oid).toBe(blobOid('two'));
    expect(worktree.stats()).toEqual({ hashed: 1, cached: 0 });
  });

  it('apply() records what it writes: after flush() the next scan reads no file, and gives the tree git writes', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    await put(root, { 'c/stale.txt': 'old', 'c/keep.txt': 'keep' });
    await createWorktree({ root, statCacheDir }).scan('c');
    const enc = (s: string) => new TextEncoder().encode(s);
    const writer = createWorktree({ root, statCacheDir });
    await writer.apply('c', [
      { action: 'delete', path: 'stale.txt' },
      { action: 'write', path: 'new/file.txt', mode: '100644', content: enc('new') },
      { action: 'write', path: 'bin/run', mode: '100755', content: enc('#!/bin/sh\n') },
      { action: 'write', path: 'link', mode: '120000', content: enc('keep.txt') },
    ]);
    await writer.flush();
    await ageFilesBehindCache(statCacheDir);
    const reader = createWorktree({ root, statCacheDir });
    const snapshot = await reader.scan('c');
    expect(reader.stats()).toEqual({ hashed: 0, cached: 4 });
    expect(snapshot.tree).toBe(await gitTree(root, 'c'));
    expect(snapshot.files.map((f) => [f.path, f.mode])).toEqual([
      ['bin/run', '100755'],
      ['keep.txt', '100644'],
      ['link', '120000'],
      ['new/file.txt', '100644'],
    ]);
  });

  it('what apply() recorded is racy until a cache written after the files says otherwise: without flush() it is read again', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    const enc = (s: string) => new TextEncoder().encode(s);
    const writer = createWorktree({ root, statCacheDir });
    await writer.apply('c', [{ action: 'write', path: 'a', mode: '100644', content: enc('a') }]);
    const notFlushed = createWorktree({ root, statCacheDir });
    await notFlushed.scan('c');
    expect(notFlushed.stats()).toEqual({ hashed: 1, cached: 0 });

    await writer.apply('c', [{ action: 'write', path: 'b', mode: '100644', content: enc('b') }]);
    await writer.flush();
    // A cache file that is not newer than the files it describes proves nothing about them.
    const past = new Date(Date.now() - 60_000);
    for (const name of await readdir(statCacheDir)) await utimes(join(statCacheDir, name), past, past);
    const racy = createWorktree({ root, statCacheDir });
    expect((await racy.scan('c')).tree).toBe(await gitTree(root, 'c'));
    expect(racy.stats()).toEqual({ hashed: 2, cached: 0 });
  });

  it('a damaged cache file is ignored', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    await put(root, { 'c/a': 'a' });
    await createWorktree({ root, statCacheDir }).scan('c');
    for (const name of await readdir(statCacheDir)) await writeFile(join(statCacheDir, name), '{"version":3,"files":[[');
    const worktree = createWorktree({ root, statCacheDir });
    expect((await worktree.scan('c')).tree).toBe(await gitTree(root, 'c'));
    expect(worktree.stats()).toEqual({ hashed: 1, cached: 0 });
  });
});

describe('apply', () => {
  it('writes files with their modes and symlinks, deletes files and the folders left empty', async () => {
    const root = await tempDir();
    await put(root, { 'c/old/gone.txt': 'bye', 'c/keep.txt': 'keep' });
    const worktree = createWorktree({ root });
    const enc = (s: string) => new TextEncoder().encode(s);
    await worktree.apply('c', [
      { action: 'delete', path: 'old/gone.txt' },
      { action: 'write', path: 'new/deep/file.txt', mode: '100644', content: enc('new') },
      { action: 'write', path: 'bin/run', mode: '100755', content: enc('#!/bin/sh\n') },
      { action: 'write', path: 'link', mode: '120000', content: enc('keep.txt') },
      { action: 'write', path: 'keep.txt', mode: '100644', content: enc('kept') },
    ]);
    await expect(lstat(join(root, 'c/old'))).rejects.toThrow();
    expect((await stat(join(root, 'c/bin/run'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(root, 'c/keep.txt'))).mode & 0o777).toBe(0o644);
    expect(await readlink(join(root, 'c/link'))).toBe('keep.txt');
    const expected: FileEntry[] = [
      { path: 'bin/run', mode: '100755', oid: blobOid('#!/bin/sh\n') },
      { path: 'keep.txt', mode: '100644', oid: blobOid('kept') },
      { path: 'link', mode: '120000', oid: blobOid('keep.txt') },
      { path: 'new/deep/file.txt', mode: '100644', oid: blobOid('new') },
    ];
    expect(await worktree.scan('c')).toEqual({ tree: snapshotFromFiles(expected), files: expected });
    expect(await worktree.readFile('c', 'keep.txt')).toEqual(enc('kept'));
    expect(await worktree.readFile('c', 'link')).toEqual(enc('keep.txt'));
    expect(await worktree.readFile('c', 'missing')).toBeNull();
    // Deleting the last file leaves no empty folders behind (except dest itself).
    await worktree.apply('c', [{ action: 'delete', path: 'new/deep/file.txt' }]);
    await expect(lstat(join(root, 'c/new'))).rejects.toThrow();
    expect((await lstat(join(root, 'c'))).isDirectory()).toBe(true);
  });

  it('creates the component folder when it does not exist yet', async () => {
    const root = await tempDir();
    const worktree = createWorktree({ root });
    await worktree.apply('components/x', [{ action: 'write', path: 'a.txt', mode: '100644', content: new TextEncoder().encode('a') }]);
    expect(await readFile(join(root, 'components/x/a.txt'), 'utf8')).toBe('a');
  });

  it('refuses a symlinked component folder or parent folder and never writes into a link target', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await put(outside, { 'victim.txt': 'untouched' });
    await symlink(outside, join(root, 'comp'));
    await put(root, { 'real/sub/x': 'x' });
    await symlink(outside, join(root, 'real/linked'));
    const worktree = createWorktree({ root });
    const content = new TextEncoder().encode('evil');

    const viaDest = await caught(worktree.apply('comp', [{ action: 'write', path: 'victim.txt', mode: '100644', content }]));
    expect(viaDest.code).toBe('E_SYMLINK');
    const viaParent = await caught(worktree.apply('real', [{ action: 'write', path: 'linked/victim.txt', mode: '100644', content }]));
    expect(viaParent.code).toBe('E_SYMLINK');
    const deleteViaParent = await caught(worktree.apply('real', [{ action: 'delete', path: 'linked/victim.txt' }]));
    expect(deleteViaParent.code).toBe('E_SYMLINK');
    const destUnderLink = await caught(worktree.apply('real/linked/deeper', [{ action: 'write', path: 'v.txt', mode: '100644', content }]));
    expect(destUnderLink.code).toBe('E_SYMLINK');
    expect(await readFile(join(outside, 'victim.txt'), 'utf8')).toBe('untouched');

    // A symlink at the file's own path is replaced by the file, its target left alone.
    await symlink(join(outside, 'victim.txt'), join(root, 'real/sub/file'));
    await worktree.apply('real', [{ action: 'write', path: 'sub/file', mode: '100644', content }]);
    expect((await lstat(join(root, 'real/sub/file'))).isSymbolicLink()).toBe(false);
    expect(await readFile(join(root, 'real/sub/file'), 'utf8')).toBe('evil');
    expect(await readFile(join(outside, 'victim.txt'), 'utf8')).toBe('untouched');
  });

  it('refuses paths that leave the repository or the component folder', async () => {
    const root = await tempDir();
    const worktree = createWorktree({ root });
    const content = new TextEncoder().encode('x');
    for (const [dest, path] of [
      ['../outside', 'a'],
      ['/etc', 'a'],
      ['c', '../../escape'],
      ['c', '../sibling/a'],
      ['c', '/abs'],
      ['c', 'a/./b'],
    ] as const) {
      const error = await caught(worktree.apply(dest, [{ action: 'write', path, mode: '100644', content }]));
      expect(error.code).toBe('E_PATH_ESCAPES');
    }
    expect((await caught(worktree.scan('../x'))).code).toBe('E_PATH_ESCAPES');
    expect((await caught(worktree.removeFolder('..'))).code).toBe('E_PATH_ESCAPES');
  });
});

describe('removeFolder', () => {
  it('removes the folder and parent folders left empty, and only the link of a symlinked folder', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await put(outside, { 'kept.txt': 'kept' });
    await put(root, { 'components/tools/x/a.txt': 'a', 'components/other.txt': 'o' });
    await symlink(outside, join(root, 'linked'));
    const worktree = createWorktree({ root });
    await worktree.removeFolder('components/tools/x');
    await expect(lstat(join(root, 'components/tools'))).rejects.toThrow();
    expect(await readFile(join(root, 'components/other.txt'), 'utf8')).toBe('o');
    await worktree.removeFolder('linked');
    await expect(lstat(join(root, 'linked'))).rejects.toThrow();
    expect(await readFile(join(outside, 'kept.txt'), 'utf8')).toBe('kept');
    await worktree.removeFolder('not/there');
  });
});

describe('commitsTouching', () => {
  it('lists the consumer commits that touched dest after a time, oldest first, with both sides of each', async () => {
    const root = await tempDir();
    await git(['init', '-q', '-b', 'main'], { cwd: root });
    let minute = 0;
    const commit = async (message: string) => {
      const date = new Date(Date.parse('2024-03-01T00:00:00Z') + minute++ * 60_000).toISOString();
      const env = { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@x', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@x', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
      await git(['add', '-A'], { cwd: root });
      await git(['commit', '-q', '--allow-empty', '-m', message], { cwd: root, env });
      return git(['rev-parse', 'HEAD'], { cwd: root });
    };
    await put(root, { 'c/a.txt': 'a1', 'c/b.txt': 'b1' });
    await commit('install'); // 00:00
    await put(root, { 'c/a.txt': 'a2' });
    const edit = await commit('edit a'); // 00:01
    await put(root, { 'elsewhere.txt': 'x' });
    await commit('unrelated'); // 00:02
    await put(root, { 'c/new.txt': { content: '#!/bin/sh\n', mode: 0o755 } });
    await git(['rm', '-q', 'c/b.txt'], { cwd: root });
    const add = await commit('add new, drop b'); // 00:03

    const worktree = createWorktree({ root });
    const commits = await worktree.commitsTouching('c', '2024-03-01T00:00:00Z');
    expect(commits.map((c) => [c.oid, c.message])).toEqual([
      [edit, 'edit a\n'],
      [add, 'add new, drop b\n'],
    ]);
    const text = (m: Map<string, { mode: string; content: Uint8Array } | null>) =>
      Object.fromEntries([...m].map(([k, v]) => [k, v && `${v.mode}:${Buffer.from(v.content).toString()}`]));
    expect(text(commits[0]!.parentFiles)).toEqual({ 'a.txt': '100644:a1', 'b.txt': '100644:b1' });
    expect(text(commits[0]!.files)).toEqual({ 'a.txt': '100644:a2', 'b.txt': '100644:b1' });
    expect(text(commits[1]!.files)).toEqual({ 'a.txt': '100644:a2', 'b.txt': null, 'new.txt': '100755:#!/bin/sh\n' });
    expect(text(commits[1]!.parentFiles)).toEqual({ 'a.txt': '100644:a2', 'b.txt': '100644:b1', 'new.txt': null });
    expect(await worktree.commitsTouching('c', '2024-03-01T00:03:00Z')).toEqual([]);
  });

  it('returns nothing outside a git repository', async () => {
    const root = await tempDir();
    await put(root, { 'c/a': 'a' });
    expect(await createWorktree({ root }).commitsTouching('c', '2000-01-01T00:00:00Z')).toEqual([]);
  });
});

describe('install', () => {
  const files = (entries: [string, FileEntry['mode'], string][]): FileEntry[] => entries.map(([path, mode, content]) => ({ path, mode, oid: blobOid(content) }));
  const source = (list: FileEntry[], write: (into: string) => Promise<void>, path = 'up') => ({
    files: { tree: snapshotFromFiles(list), files: list },
    path,
    group: 'g',
    write: async (into: string, paths: readonly string[]) => {
      expect(paths).toEqual([path]);
      await write(join(into, path));
    },
  });

  it('moves a staged folder into place, sets exec bits as the tree says, and leaves nothing staged', async () => {
    const root = await tempDir();
    const stagingDir = join(root, '.forge/staging');
    const worktree = createWorktree({ root, statCacheDir: join(root, '.forge/stat-cache'), stagingDir });
    const list = files([['a.txt', '100644', 'a'], ['bin/run', '100755', 'run'], ['link', '120000', 'a.txt']]);
    await worktree.install('vendor/c', source(list, async (into) => {
      await put(into, { 'a.txt': 'a', 'bin/run': { content: 'run', mode: 0o644 }, link: { content: 'a.txt', link: true } });
    }));
    expect((await stat(join(root, 'vendor/c/bin/run'))).mode & 0o777).toBe(0o755);
    expect(await worktree.scan('vendor/c')).toEqual({ tree: snapshotFromFiles(list), files: list });
    expect(await readdir(stagingDir)).toEqual([]);
    await worktree.flush();
    const reader = createWorktree({ root, statCacheDir: join(root, '.forge/stat-cache') });
    await ageFilesBehindCache(join(root, '.forge/stat-cache'));
    expect((await reader.scan('vendor/c')).tree).toBe(await gitTree(root, 'vendor/c'));
    expect(reader.stats()).toEqual({ hashed: 0, cached: 3 });
  });

  it('stages several folders of one group in one write, then installs each', async () => {
    const root = await tempDir();
    const worktree = createWorktree({ root, stagingDir: join(root, '.forge/staging') });
    const writes: (readonly string[])[] = [];
    const one = files([['x', '100644', 'x']]);
    const src = (path: string) => ({
      files: { tree: snapshotFromFiles(one), files: one },
      path,
      group: 'repo@c1',
      write: async (into: string, paths: readonly string[]) => {
        writes.push(paths);
        for (const p of paths) await put(join(into, p), { x: 'x' });
      },
    });
    const folders = [{ dest: 'v/a', source: src('lib/a') }, { dest: 'v/b', source: src('lib/b') }, { dest: 'v/c', source: src('lib') }];
    await worktree.stage(folders);
    expect(writes).toEqual([['lib/a', 'lib/b'], ['lib']]); // nested upstream folders never share a write
    for (const f of folders) await worktree.install(f.dest, f.source);
    for (const dest of ['v/a', 'v/b', 'v/c']) expect(await readFile(join(root, dest, 'x'), 'utf8')).toBe('x');
    expect(await readdir(join(root, '.forge/staging'))).toEqual([]);
  });

  it('refuses what is not exactly the tree, and a symlinked parent, moving nothing into place', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    const worktree = createWorktree({ root, stagingDir: join(root, '.forge/staging') });
    const list = files([['a.txt', '100644', 'a']]);
    const extra = await caught(worktree.install('vendor/c', source(list, (into) => put(into, { 'a.txt': 'a', 'b.txt': 'b' }))));
    expect(extra.code).toBe('E_INTERNAL');
    const missing = await caught(worktree.install('vendor/c', source(list, async (into) => mkdir(into, { recursive: true }).then(() => undefined))));
    expect(missing.code).toBe('E_INTERNAL');
    await expect(lstat(join(root, 'vendor/c'))).rejects.toThrow();
    await symlink(outside, join(root, 'linked'));
    const viaLink = await caught(worktree.install('linked/c', source(list, (into) => put(into, { 'a.txt': 'a' }))));
    expect(viaLink.code).toBe('E_SYMLINK');
    expect(await readdir(outside)).toEqual([]);
    await put(root, { 'taken/file.txt': 'mine' });
    const notEmpty = await caught(worktree.install('taken', source(list, (into) => put(into, { 'a.txt': 'a' }))));
    expect(notEmpty.code).toBe('E_INTERNAL');
    expect(await readFile(join(root, 'taken/file.txt'), 'utf8')).toBe('mine');
  });
});
