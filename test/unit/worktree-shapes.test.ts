// The worktree for single-file components and folders filtered by include/exclude, on a real
// file system, checked against native git (hash-object, an index holding only the selected files
// and write-tree, ls-files --ignored for the pattern rules).
import { chmod, lstat, mkdir, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSelector, patternProblem } from '../../src/core/file-filter.js';
import { createWorktree } from '../../src/git/worktree.js';
import { blobOid } from '../../src/git/tree-hash.js';
import { EMPTY_TREE, type ComponentShape } from '../../src/core/model.js';
import { cleanupTempDirs, git, tempDir } from '../helpers/fixtures.js';
import { caught } from '../helpers/errors.js';

afterAll(cleanupTempDirs);

const FILE: ComponentShape = { kind: 'file' };

async function put(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

const exists = (path: string) => lstat(path).then(() => true, () => false);

/** What `git write-tree` gives for an index holding only `paths` (relative to `folder`), read at `folder`. */
async function gitTreeOfOnly(root: string, folder: string, paths: string[]): Promise<string> {
  await git(['init', '-q'], { cwd: root }).catch(() => undefined);
  const env = { ...process.env, GIT_INDEX_FILE: join(root, '.git', 'only-these') };
  await git(['add', '-f', '--', ...paths.map((p) => `${folder}/${p}`)], { cwd: root, env });
  const tree = await git(['write-tree'], { cwd: root, env });
  return git(['rev-parse', `${tree}:${folder}`], { cwd: root });
}

describe('a single file', () => {
  it('scans to one entry under its name, with the blob id git gives it, the exec bit, or a symlink as mode 120000', async () => {
    const root = await tempDir();
    await put(root, { 'src/ui/button.tsx': 'button\n', 'src/ui/other.tsx': 'other\n', 'bin/run.sh': '#!/bin/sh\n' });
    await chmod(join(root, 'bin/run.sh'), 0o755);
    await symlink('run.sh', join(root, 'bin/link'));
    const worktree = createWorktree({ root });
    const button = await worktree.scan('src/ui/button.tsx', FILE);
    expect(button.files).toEqual([{ path: 'button.tsx', mode: '100644', oid: await git(['hash-object', 'src/ui/button.tsx'], { cwd: root }) }]);
    expect((await worktree.scan('bin/run.sh', FILE)).files[0]!.mode).toBe('100755');
    expect((await worktree.scan('bin/link', FILE)).files[0]).toMatchObject({ path: 'link', mode: '120000', oid: await git(['hash-object', '--stdin'], { cwd: root, input: 'run.sh' }) });
    expect(await worktree.scan('src/ui/missing.tsx', FILE)).toEqual({ tree: EMPTY_TREE, files: [] });
    expect(await worktree.scan('nowhere/missing.tsx', FILE)).toEqual({ tree: EMPTY_TREE, files: [] });
    expect(new TextDecoder().decode((await worktree.readFile('src/ui/button.tsx', 'button.tsx', FILE))!)).toBe('button\n');
  });

  it('refuses a folder where the file goes, and a symlinked parent folder', async () => {
    const root = await tempDir();
    await put(root, { 'src/ui/button.tsx/inside.txt': 'x\n', 'real/button.tsx': 'b\n' });
    await symlink('real', join(root, 'linked'));
    const worktree = createWorktree({ root });
    const clash = await caught(worktree.scan('src/ui/button.tsx', FILE));
    expect(clash.code).toBe('E_NAME_CLASH');
    expect(clash.message).toBe('src/ui/button.tsx is a folder, but the component there is a single file.');
    const write = await caught(worktree.apply('src/ui/button.tsx', [{ action: 'write', path: 'button.tsx', mode: '100644', content: Buffer.from('new\n') }], FILE));
    expect(write.code).toBe('E_NAME_CLASH');
    expect(await readFile(join(root, 'src/ui/button.tsx/inside.txt'), 'utf8')).toBe('x\n');
    expect((await caught(worktree.scan('linked/button.tsx', FILE))).code).toBe('E_SYMLINK');
  });

  it('writes it (creating folders), replaces it, deletes it and the folders it leaves empty, and touches nothing else', async () => {
    const root = await tempDir();
    await put(root, { 'src/keep.txt': 'keep\n' });
    const worktree = createWorktree({ root });
    await worktree.apply('src/ui/deep/button.tsx', [{ action: 'write', path: 'button.tsx', mode: '100755', content: Buffer.from('one\n') }], FILE);
    expect(await readFile(join(root, 'src/ui/deep/button.tsx'), 'utf8')).toBe('one\n');
    expect((await lstat(join(root, 'src/ui/deep/button.tsx'))).mode & 0o100).not.toBe(0);
    await worktree.apply('src/ui/deep/button.tsx', [{ action: 'write', path: 'button.tsx', mode: '120000', content: Buffer.from('elsewhere') }], FILE);
    expect((await lstat(join(root, 'src/ui/deep/button.tsx'))).isSymbolicLink()).toBe(true);
    await worktree.removeFolder('src/ui/deep/button.tsx', FILE);
    expect(await exists(join(root, 'src/ui'))).toBe(false);
    expect(await readFile(join(root, 'src/keep.txt'), 'utf8')).toBe('keep\n');
    const other = await caught(worktree.apply('src/x.txt', [{ action: 'write', path: 'y.txt', mode: '100644', content: Buffer.from('') }], FILE));
    expect(other.code).toBe('E_PATH_ESCAPES');
  });
});

describe('a folder filtered by include/exclude', () => {
  const shape: ComponentShape = { kind: 'folder', filters: [{ include: ['src/**', '*.yaml'], exclude: ['**/*.test.ts', 'src/vendor/'] }] };
  const files = {
    'lib/a.yaml': 'a\n',
    'lib/sub/b.yaml': 'b\n',
    'lib/src/main.ts': 'main\n',
    'lib/src/main.test.ts': 'test\n',
    'lib/src/vendor/x.ts': 'vendored\n',
    'lib/docs/guide.md': 'guide\n',
    'lib/README.md': 'readme\n',
  };

  it('scans only the selected files; its tree is what git writes for an index holding only them', async () => {
    const root = await tempDir();
    await put(root, files);
    const snapshot = await createWorktree({ root }).scan('lib', shape);
    expect(snapshot.files.map((f) => f.path)).toEqual(['a.yaml', 'src/main.ts', 'sub/b.yaml']);
    expect(snapshot.tree).toBe(await gitTreeOfOnly(root, 'lib', ['a.yaml', 'src/main.ts', 'sub/b.yaml']));
  });

  it('removes only the selected files, and never replaces a folder that holds others', async () => {
    const root = await tempDir();
    await put(root, files);
    const worktree = createWorktree({ root });
    const clash = await caught(worktree.apply('lib', [{ action: 'write', path: 'src', mode: '100644', content: Buffer.from('now a file\n') }], shape));
    expect(clash.code).toBe('E_NAME_CLASH');
    expect(await readFile(join(root, 'lib/src/main.test.ts'), 'utf8')).toBe('test\n');
    await worktree.removeFolder('lib', shape);
    const left = await createWorktree({ root }).scan('lib');
    expect(left.files.map((f) => f.path)).toEqual(['README.md', 'docs/guide.md', 'src/main.test.ts', 'src/vendor/x.ts']);
  });
});

/** Files written a minute ago, so that a cache written now is not racy about them. */
async function age(root: string, paths: string[], past = new Date(Date.now() - 60_000)): Promise<void> {
  for (const p of paths) await utimes(join(root, p), past, past);
}

describe('the stat cache keeps each shape apart', () => {
  const shape: ComponentShape = { kind: 'folder', filters: [{ include: ['src/**', '*.yaml'], exclude: ['**/*.test.ts'] }] };
  const files = { 'lib/a.yaml': 'a\n', 'lib/src/main.ts': 'main\n', 'lib/src/main.test.ts': 'test\n', 'lib/README.md': 'readme\n' };

  it('a filtered folder and the whole folder at one dest each keep their own entries and tree: alternating scans read no file', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    await put(root, files);
    await age(root, Object.keys(files));
    const first = createWorktree({ root, statCacheDir });
    await first.scan('lib', shape);
    await first.scan('lib');
    expect(first.stats()).toEqual({ hashed: 6, cached: 0 });
    expect(await readdir(statCacheDir)).toHaveLength(2);
    const later = createWorktree({ root, statCacheDir });
    const filtered = await later.scan('lib', shape);
    const whole = await later.scan('lib');
    const again = await later.scan('lib', shape);
    expect(later.stats()).toEqual({ hashed: 0, cached: 8 });
    expect(filtered.files.map((f) => f.path)).toEqual(['a.yaml', 'src/main.ts']);
    expect(again).toEqual(filtered);
    expect(filtered.tree).toBe(await gitTreeOfOnly(root, 'lib', ['a.yaml', 'src/main.ts']));
    expect(whole.files).toHaveLength(4);
    expect(whole.tree).toBe(await gitTreeOfOnly(root, 'lib', ['README.md', 'a.yaml', 'src/main.test.ts', 'src/main.ts']));

    // A file outside the filter changes: the filtered tree does not, the whole one does.
    await writeFile(join(root, 'lib/README.md'), 'readme, edited\n');
    const after = createWorktree({ root, statCacheDir });
    expect(await after.scan('lib', shape)).toEqual(filtered);
    expect((await after.scan('lib')).tree).not.toBe(whole.tree);
  });

  it('a single file is read once, is read again when it changes (same size, mtime put back), and apply() records what it writes', async () => {
    const root = await tempDir();
    const statCacheDir = join(root, '.forge/stat-cache');
    await put(root, { 'src/ui/button.tsx': 'one\n' });
    const past = new Date(Date.now() - 60_000);
    await age(root, ['src/ui/button.tsx'], past);
    await createWorktree({ root, statCacheDir }).scan('src/ui/button.tsx', FILE);
    const cached = createWorktree({ root, statCacheDir });
    expect((await cached.scan('src/ui/button.tsx', FILE)).files[0]!.oid).toBe(blobOid('one\n'));
    expect(cached.stats()).toEqual({ hashed: 0, cached: 1 });

    await writeFile(join(root, 'src/ui/button.tsx'), 'two\n');
    await age(root, ['src/ui/button.tsx'], past);
    const changed = createWorktree({ root, statCacheDir });
    expect((await changed.scan('src/ui/button.tsx', FILE)).files[0]!.oid).toBe(blobOid('two\n'));
    expect(changed.stats()).toEqual({ hashed: 1, cached: 0 });

    const writer = createWorktree({ root, statCacheDir });
    await writer.apply('src/ui/button.tsx', [{ action: 'write', path: 'button.tsx', mode: '100755', content: Buffer.from('three\n') }], FILE);
    await writer.flush();
    const later = new Date(Date.now() + 60_000);
    for (const name of await readdir(statCacheDir)) await utimes(join(statCacheDir, name), later, later);
    const reader = createWorktree({ root, statCacheDir });
    const scanned = await reader.scan('src/ui/button.tsx', FILE);
    expect(reader.stats()).toEqual({ hashed: 0, cached: 1 });
    expect(scanned.files).toEqual([{ path: 'button.tsx', mode: '100755', oid: await git(['hash-object', 'src/ui/button.tsx'], { cwd: root }) }]);
    // Removed: its cache goes with it, and a new file at the same path is read.
    await reader.removeFolder('src/ui/button.tsx', FILE);
    expect(await reader.scan('src/ui/button.tsx', FILE)).toEqual({ tree: EMPTY_TREE, files: [] });
  });
});

describe('consumer commits for --rebase', () => {
  it('lists the commits that changed the component’s own files: the single file, or the selected files of a folder', async () => {
    const root = await tempDir();
    await git(['init', '-q', '-b', 'main'], { cwd: root });
    const commit = async (message: string, files: Record<string, string>, date: string) => {
      await put(root, files);
      await git(['add', '-A'], { cwd: root });
      const env = { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
      await git(['commit', '-q', '-m', message], { cwd: root, env });
    };
    await commit('install', { 'src/ui/button.tsx': 'one\n', 'src/ui/card.tsx': 'card\n', 'lib/a.ts': 'a\n', 'lib/a.test.ts': 't\n' }, '2024-01-01T00:00:00Z');
    await commit('edit button', { 'src/ui/button.tsx': 'two\n' }, '2024-01-02T00:00:00Z');
    await commit('edit card and a test', { 'src/ui/card.tsx': 'card 2\n', 'lib/a.test.ts': 't 2\n' }, '2024-01-03T00:00:00Z');
    await commit('edit a', { 'lib/a.ts': 'a 2\n' }, '2024-01-04T00:00:00Z');
    const worktree = createWorktree({ root });
    const file = await worktree.commitsTouching('src/ui/button.tsx', '2024-01-01T12:00:00Z', FILE);
    expect(file.map((c) => c.message.trim())).toEqual(['edit button']);
    expect(new TextDecoder().decode(file[0]!.files.get('button.tsx')!.content)).toBe('two\n');
    expect(new TextDecoder().decode(file[0]!.parentFiles.get('button.tsx')!.content)).toBe('one\n');
    const filtered = await worktree.commitsTouching('lib', '2024-01-01T12:00:00Z', { kind: 'folder', filters: [{ exclude: ['*.test.ts'] }] });
    expect(filtered.map((c) => c.message.trim())).toEqual(['edit a']);
    expect([...filtered[0]!.files.keys()]).toEqual(['a.ts']);
  });
});

describe('the pattern rules are git’s', () => {
  const paths = [
    'a.yaml', 'b.yml', 'x/a.yaml', 'x/y/z.yaml', 'src/main.ts', 'src/deep/util.ts', 'src/main.test.ts', 'x/src/other.ts',
    'docs/guide.md', 'docs/api/index.md', 'build/out.js', 'x/build/out.js', 'README.md', 'x/README.md', '#notes', 'a b.txt', 'lib[1].ts',
  ];
  const patternSets = [
    ['*.yaml'],
    ['/*.yaml'],
    ['src/**'],
    ['src/'],
    ['**/build/'],
    ['build'],
    ['docs/**/*.md'],
    ['*.md', '!x/README.md'],
    ['x/', '!x/a.yaml'],
    ['\\#notes', 'a\\ b.txt'],
    ['lib\\[1\\].ts', '?.yml'],
    ['**/*.ts', '!**/*.test.ts'],
  ];

  it('selects exactly what `git ls-files --others --ignored --exclude-from` lists for the same patterns', async () => {
    const root = await tempDir();
    await git(['init', '-q'], { cwd: root });
    await put(root, Object.fromEntries(paths.map((p) => [p, `${p}\n`])));
    for (const patterns of patternSets) {
      for (const p of patterns) expect(patternProblem(p)).toBeNull();
      await writeFile(join(root, '.git', 'patterns'), `${patterns.join('\n')}\n`);
      const listed = (await git(['ls-files', '--others', '--ignored', '--exclude-from=.git/patterns'], { cwd: root })).split('\n').filter(Boolean).map(unquote);
      const selector = fileSelector([{ include: patterns }]);
      expect(paths.filter((p) => selector.selects(p)).sort(), patterns.join(' ')).toEqual(listed.sort());
    }
  });

  it('refuses patterns that cannot mean what they say', () => {
    expect(patternProblem('')).toBe('is empty');
    expect(patternProblem('#x')).toMatch(/comment/);
    expect(patternProblem('../x')).toMatch(/cannot leave/);
    expect(patternProblem('src/./x')).toMatch(/'\.' or '\.\.'/);
    expect(patternProblem('[abc')).toMatch(/without its '\]'/);
    expect(patternProblem('x\\')).toMatch(/backslash/);
    expect(patternProblem('!')).toMatch(/names no file/);
    expect(patternProblem('\\[abc')).toBeNull();
  });
});

/** git quotes unusual names in its listings ("#notes" is fine, "a b.txt" too); undo C-style quotes if any. */
function unquote(name: string): string {
  return name.startsWith('"') ? JSON.parse(name) : name;
}
