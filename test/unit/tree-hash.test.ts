import { afterAll, describe, expect, it } from 'vitest';
import { blobOid, snapshotFromFiles, treeOid, type TreeEntry } from '../../src/git/tree-hash.js';
import { EMPTY_TREE, type FileEntry } from '../../src/core/model.js';
import { cleanupTempDirs, git, tempDir } from '../helpers/fixtures.js';

afterAll(cleanupTempDirs);

async function bareRepo(): Promise<string> {
  const dir = await tempDir();
  await git(['init', '-q', '--bare'], { cwd: dir });
  return dir;
}

async function hashObject(repo: string, content: string): Promise<string> {
  return git(['hash-object', '-w', '--stdin'], { cwd: repo, input: content });
}

describe('blobOid', () => {
  it('equals git hash-object for text, empty and binary content', async () => {
    const repo = await bareRepo();
    for (const content of ['', 'hello\n', 'no newline', 'ünïcødé ✓\r\n']) {
      expect(blobOid(Buffer.from(content))).toBe(await hashObject(repo, content));
      expect(blobOid(content)).toBe(await hashObject(repo, content));
    }
    const binary = Buffer.from([0, 1, 2, 255, 254, 0, 10]);
    const dir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/bin`, binary);
    expect(blobOid(binary)).toBe(await git(['hash-object', `${dir}/bin`], { cwd: repo }));
  });
});

describe('treeOid', () => {
  it('equals git mktree, ordering trees as if their names ended in "/"', async () => {
    const repo = await bareRepo();
    const blob = await hashObject(repo, 'x');
    const exe = await hashObject(repo, '#!/bin/sh\n');
    const link = await hashObject(repo, 'target');
    const sub = await git(['mktree'], { cwd: repo, input: `100644 blob ${blob}\tinner\n` });
    const entries: TreeEntry[] = [
      { name: 'a0', mode: '100644', oid: blob },
      { name: 'a', mode: '40000', oid: sub },
      { name: 'a.txt', mode: '100644', oid: blob },
      { name: 'a-b', mode: '100755', oid: exe },
      { name: 'Z', mode: '120000', oid: link },
      { name: 'é', mode: '100644', oid: blob },
    ];
    const input = entries.map((e) => `${e.mode === '40000' ? '040000 tree' : `${e.mode} blob`} ${e.oid}\t${e.name}\n`).join('');
    expect(treeOid(entries)).toBe(await git(['mktree'], { cwd: repo, input }));
    expect(treeOid([...entries].reverse())).toBe(treeOid(entries));
  });

  it('orders names by their UTF-8 bytes, where JavaScript string order would differ (astral vs U+E000..U+FFFF)', async () => {
    const repo = await bareRepo();
    const blob = await hashObject(repo, 'x');
    // U+1F600 is a surrogate pair (0xD83D...) in UTF-16, below U+FF21; in UTF-8 it is 0xF0..., above 0xEF...
    const entries: TreeEntry[] = ['\u{1F600}', '\uFF21', 'a\u{1F600}', 'a\uFF21', 'b'].map((name) => ({ name, mode: '100644', oid: blob }));
    const input = entries.map((e) => `100644 blob ${e.oid}\t${e.name}\n`).join('');
    expect(treeOid(entries)).toBe(await git(['mktree'], { cwd: repo, input }));
    expect(treeOid([...entries].reverse())).toBe(treeOid(entries));
  });

  it('gives the empty tree for no entries', () => {
    expect(treeOid([])).toBe(EMPTY_TREE);
    expect(snapshotFromFiles([])).toBe(EMPTY_TREE);
  });

  it('refuses names with a slash', () => {
    expect(() => treeOid([{ name: 'a/b', mode: '100644', oid: EMPTY_TREE }])).toThrow();
  });
});

describe('snapshotFromFiles', () => {
  it('equals the tree git writes for the same files (nested folders, modes, tricky order)', async () => {
    const repo = await tempDir();
    await git(['init', '-q'], { cwd: repo });
    const { mkdir, writeFile, symlink, chmod } = await import('node:fs/promises');
    const files: Record<string, string> = {
      'a.txt': 'a',
      'a/b.txt': 'ab',
      'a/b/c.txt': 'abc',
      'a0': 'a0',
      'a-b/x': 'x',
      'deep/er/than/that.md': '# deep\n',
      'run.sh': '#!/bin/sh\n',
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(`${repo}/${path}`.replace(/\/[^/]+$/, ''), { recursive: true });
      await writeFile(`${repo}/${path}`, content);
    }
    await chmod(`${repo}/run.sh`, 0o755);
    await symlink('a/b/c.txt', `${repo}/link`);
    await git(['add', '-A'], { cwd: repo });
    const expected = await git(['write-tree'], { cwd: repo });

    const entries: FileEntry[] = [
      ...Object.entries(files).map(([path, content]) => ({ path, mode: (path === 'run.sh' ? '100755' : '100644') as FileEntry['mode'], oid: blobOid(content) })),
      { path: 'link', mode: '120000', oid: blobOid('a/b/c.txt') },
    ];
    expect(snapshotFromFiles(entries)).toBe(expected);
    expect(snapshotFromFiles([...entries].reverse())).toBe(expected);
    const sub = entries.filter((e) => e.path.startsWith('a/')).map((e) => ({ ...e, path: e.path.slice(2) }));
    expect(snapshotFromFiles(sub)).toBe(await git(['rev-parse', `${expected}:a`], { cwd: repo }));
  });
});
