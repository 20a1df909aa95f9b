// The two readers of a component upstream give the same answer for every shape: native git's
// (export.ts nativeReadSnapshot: one `git ls-tree -r -t` per commit, used whenever git is
// installed) and isomorphic-git's (read.ts readSnapshot, with FORGE_NATIVE_GIT=0 or no git). A
// single file, a folder filtered by include/exclude (a folder excluded whole, a file taken back
// with '!', several filters at once), submodules, and a path that is neither: same files, same
// tree id (checked against git write-tree of an index holding only the selected files), same
// error. Read straight from a bare repository, so nothing here depends on a fetch.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileFilter } from '../../src/core/model.js';
import type { SnapshotOptions } from '../../src/core/ports.js';
import { createCacheRepos, type CacheRepo } from '../../src/git/cache-repo.js';
import { nativeReadSnapshot } from '../../src/git/export.js';
import { readSnapshot } from '../../src/git/read.js';
import { cleanupTempDirs, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { caught } from '../helpers/errors.js';

const FILES = {
  'lib/widget/a.yaml': 'a\n',
  'lib/widget/sub/b.yaml': 'b\n',
  'lib/widget/src/main.ts': 'main\n',
  'lib/widget/src/main.test.ts': 'test\n',
  'lib/widget/src/vendor/x.ts': 'vendored\n',
  'lib/widget/src/vendor/deep/y.ts': 'deep\n',
  'lib/widget/docs/guide.md': 'guide\n',
  'lib/widget/x/README.md': 'x readme\n',
  'lib/widget/README.md': 'readme\n',
  'lib/widget/run.sh': { content: '#!/bin/sh\necho run\n', mode: '100755' as const },
  'lib/widget/link': { content: 'a.yaml', mode: '120000' as const },
  'tools/fmt.sh': { content: '#!/bin/sh\necho fmt\n', mode: '100755' as const },
  'tools/current': { content: 'fmt.sh', mode: '120000' as const },
  'README.md': '# kit\n',
};

let root: string;
let bare: string;
let commit: string;
let repo: CacheRepo;

beforeAll(async () => {
  root = await tempDir('forge-shapes-');
  await makeRepo(root, 'kit', { files: FILES });
  bare = repoDir(root, 'kit');
  // A submodule (gitlink, mode 160000) inside the folder, added by hand through a temporary index.
  const env = { ...process.env, GIT_INDEX_FILE: join(await tempDir('forge-index-'), 'index'), GIT_WORK_TREE: await tempDir('forge-wt-') };
  const head = await gitRevParse(bare, 'HEAD');
  await git(['read-tree', 'HEAD'], { cwd: bare, env });
  await git(['update-index', '--add', '--cacheinfo', `160000,${head},lib/widget/src/mod`], { cwd: bare, env });
  const tree = await git(['write-tree'], { cwd: bare, env });
  const who = { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' };
  commit = await git(['commit-tree', tree, '-p', head, '-m', 'with a submodule'], { cwd: bare, env: { ...process.env, ...who } });
  await git(['update-ref', 'refs/heads/main', commit], { cwd: bare });
  repo = { ...createCacheRepos(await tempDir('forge-cache-')).get('https://example.invalid/kit.git'), gitdir: bare };
});

afterAll(cleanupTempDirs);

/** What git write-tree gives for an index holding only `paths` of `folder` at the commit. */
async function treeOfOnly(folder: string, paths: string[]): Promise<string> {
  const env = { ...process.env, GIT_INDEX_FILE: join(await tempDir('forge-index-'), 'index'), GIT_WORK_TREE: await tempDir('forge-wt-') };
  if (paths.length > 0) {
    const listed = await git(['ls-tree', '-r', commit, '--', ...paths.map((p) => `${folder}/${p}`)], { cwd: bare });
    const lines = listed.split('\n').filter(Boolean).map((line) => {
      const [meta, path] = line.split('\t') as [string, string];
      return `${meta}\t${path.slice(folder.length + 1)}`;
    });
    expect(lines).toHaveLength(paths.length);
    await git(['update-index', '--add', '--index-info'], { cwd: bare, env, input: `${lines.join('\n')}\n` });
  }
  return git(['write-tree'], { cwd: bare, env });
}

const filtered = (...filters: FileFilter[]): SnapshotOptions => ({ filters });

describe('native git and isomorphic-git read a component alike', () => {
  const folders: { label: string; options: SnapshotOptions; selected: string[] | null }[] = [
    { label: 'a whole folder (the submodule left out)', options: {}, selected: ['README.md', 'a.yaml', 'docs/guide.md', 'link', 'run.sh', 'src/main.test.ts', 'src/main.ts', 'src/vendor/deep/y.ts', 'src/vendor/x.ts', 'sub/b.yaml', 'x/README.md'] },
    { label: 'include and exclude, a folder excluded whole', options: filtered({ include: ['src/**', '*.yaml'], exclude: ['**/*.test.ts', 'src/vendor/'] }), selected: ['a.yaml', 'src/main.ts', 'sub/b.yaml'] },
    { label: 'exclude only', options: filtered({ exclude: ['src/'] }), selected: ['README.md', 'a.yaml', 'docs/guide.md', 'link', 'run.sh', 'sub/b.yaml', 'x/README.md'] },
    { label: "a file taken back with '!'", options: filtered({ include: ['*.md', '!x/README.md'] }), selected: ['README.md', 'docs/guide.md'] },
    { label: "no file taken back from an excluded folder", options: filtered({ exclude: ['src/vendor/', '!src/vendor/x.ts'] }), selected: ['README.md', 'a.yaml', 'docs/guide.md', 'link', 'run.sh', 'src/main.test.ts', 'src/main.ts', 'sub/b.yaml', 'x/README.md'] },
    { label: 'two filters (a pull from one set of patterns to another)', options: filtered({ include: ['run.sh'] }, { include: ['link', 'docs/'] }), selected: ['docs/guide.md', 'link', 'run.sh'] },
    { label: 'patterns that select nothing', options: filtered({ include: ['*.nothing'] }), selected: [] },
  ];

  it.each(folders)('$label', async ({ options, selected }) => {
    const native = await nativeReadSnapshot(repo, commit, 'lib/widget', options);
    expect(native, 'native git answered').not.toBeNull();
    const iso = await readSnapshot(repo, commit, 'lib/widget', options);
    expect(native).toEqual(iso);
    expect(iso.kind).toBe('folder');
    expect(iso.files.map((f) => f.path)).toEqual(selected);
    expect(iso.tree).toBe(await treeOfOnly('lib/widget', selected!));
  });

  it('a single file: its blob id and mode as git records them (an exec bit, a symlink), under the name asked for', async () => {
    for (const [path, mode] of [['tools/fmt.sh', '100755'], ['tools/current', '120000'], ['README.md', '100644']] as const) {
      const options = { fileName: 'here.txt' };
      const native = await nativeReadSnapshot(repo, commit, path, options);
      const iso = await readSnapshot(repo, commit, path, options);
      expect(native).toEqual(iso);
      expect(iso).toEqual({ kind: 'file', tree: iso.tree, files: [{ path: 'here.txt', mode, oid: await gitRevParse(bare, `${commit}:${path}`) }] });
    }
  });

  it('a path that is neither a file nor a folder, runs through a file, or is a submodule: the same E_COMPONENT_NOT_FOUND', async () => {
    for (const path of ['lib/nope', 'lib/widget/a.yaml/x', 'lib/widget/src/mod', 'lib/widget/src/mod/inside']) {
      const native = await caught(nativeReadSnapshot(repo, commit, path));
      const iso = await caught(readSnapshot(repo, commit, path));
      expect(native.code, path).toBe('E_COMPONENT_NOT_FOUND');
      expect(native.message).toBe(iso.message);
      expect(native.message).toContain(path);
      expect(native.message).toContain(commit.slice(0, 12));
    }
    expect((await caught(readSnapshot(repo, commit, 'lib/widget/src/mod'))).message).toContain('a submodule');
  });
});
