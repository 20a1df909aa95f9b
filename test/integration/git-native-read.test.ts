// Commits and trees read through native git (cat-file.ts, parsed in read.ts) must be exactly what
// isomorphic-git reads from the same objects, awkward ones included: merge commits, signatures
// and other multi-line headers, repeated headers, CRLF messages, time zones either side of UTC,
// annotated tags, every file mode, non-ASCII names. A name git refuses still fails the way
// isomorphic-git's reader fails (E_COMPONENT_INVALID, naming the entry). With native git there,
// isomorphic-git is not needed at all (nativeOnly: it would look in an empty folder).

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheRepo } from '../../src/git/cache-repo.js';
import { createObjectReader } from '../../src/git/cat-file.js';
import { readCommitIn, readTreeIn } from '../../src/git/read.js';
import { caught } from '../helpers/errors.js';
import { cleanupTempDirs, tempDir } from '../helpers/fixtures.js';

afterAll(cleanupTempDirs);

let gitdir: string;
const write = (type: string, content: string | Buffer) =>
  execFileSync('git', ['--git-dir', gitdir, 'hash-object', '--literally', '-w', '-t', type, '--stdin'], { input: content }).toString().trim();
const treeEntry = (mode: string, name: string, oid: string) => Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'utf8'), Buffer.from(oid, 'hex')]);

const repo = (native: boolean) => ({ gitdir, cache: {}, repository: 'example/objects', ...(native ? { objects: createObjectReader(gitdir) } : {}) }) as unknown as CacheRepo;
/** Native git's answers only: isomorphic-git would look in an empty folder and find nothing. */
const nativeOnly = async () => ({ gitdir: await tempDir('forge-native-read-empty-'), cache: {}, repository: 'example/objects', objects: createObjectReader(gitdir) }) as unknown as CacheRepo;

const commits: Record<string, string> = {};
const trees: Record<string, string> = {};

beforeAll(async () => {
  gitdir = await tempDir('forge-native-read-');
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  const blob = write('blob', 'hello\n');
  const exec = write('blob', '#!/bin/sh\n');
  const link = write('blob', 'target');
  const sub = write('tree', treeEntry('100644', 'inner.txt', blob));
  trees.every = write(
    'tree',
    Buffer.concat([
      treeEntry('100755', 'run.sh', exec),
      treeEntry('100644', 'a b.txt', blob),
      treeEntry('120000', 'link', link),
      treeEntry('40000', 'sub', sub),
      treeEntry('160000', 'vendor', '1234567890123456789012345678901234567890'),
      treeEntry('100644', 'ünïcödé.md', blob),
      treeEntry('100644', 'z', blob),
    ]),
  );
  trees.dotgit = write('tree', Buffer.concat([treeEntry('100644', 'ok.txt', blob), treeEntry('40000', '.GIT', sub)]));
  trees.oddMode = write('tree', treeEntry('100664', 'group-writable.txt', blob));
  commits.root = write('commit', `tree ${trees.every}\nauthor Ada <ada@example.com> 1700000000 +0530\ncommitter Bob <bob@example.com> 1700000001 -0800\n\nfirst\n`);
  commits.second = write('commit', `tree ${sub}\nparent ${commits.root}\nauthor A <a@x> 1700000002 +0000\ncommitter A <a@x> 1700000002 -0000\n\n\n\r\nline one\r\nline two\r\n\n\n`);
  commits.merge = write(
    'commit',
    [
      `tree ${trees.every}`,
      `parent ${commits.root}`,
      `parent ${commits.second}`,
      'author First <first@x> 1700000003 +0100',
      'committer C <c@x> 1700000004 +1400',
      'author Second <second@x> 1 +0000',
      'gpgsig -----BEGIN PGP SIGNATURE-----',
      ' ',
      ' abcdef',
      ' -----END PGP SIGNATURE-----',
      'encoding ISO-8859-1',
      '',
      'merge with a signature',
      '',
      'and a body',
    ].join('\n'),
  );
  commits.tag = write('tag', `object ${commits.merge}\ntype commit\ntag v1\ntagger T <t@x> 1700000005 +0000\n\nannotated\n`);
});

const shape = (parsed: Awaited<ReturnType<typeof readCommitIn>>) => ({
  oid: parsed.oid,
  tree: parsed.commit.tree,
  parent: parsed.commit.parent,
  message: parsed.commit.message,
  author: parsed.commit.author,
  committer: parsed.commit.committer,
});

describe('commits and trees read through native git', () => {
  it.each(['root', 'second', 'merge', 'tag'])('commit %s: what isomorphic-git reads', async (name) => {
    const native = await readCommitIn(repo(true), commits[name]!);
    expect(shape(native)).toEqual(shape(await readCommitIn(repo(false), commits[name]!)));
    if (name === 'tag') expect(native.oid).toBe(commits.merge);
    expect(shape(await readCommitIn(await nativeOnly(), commits[name]!))).toEqual(shape(native));
  });

  it('a tree with every mode, a submodule and non-ASCII names: the same entries', async () => {
    const byPath = (entries: Awaited<ReturnType<typeof readTreeIn>>) => [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
    const native = await readTreeIn(repo(true), trees.every!);
    expect(byPath(native)).toEqual(byPath(await readTreeIn(repo(false), trees.every!)));
    expect(native.map((e) => `${e.mode} ${e.type} ${e.path}`)).toContain('040000 tree sub');
    expect(await readTreeIn(await nativeOnly(), trees.every!)).toEqual(native);
  });

  it('a mode isomorphic-git does not know (100664, an old git\'s): the same E_GIT either way', async () => {
    for (const native of [true, false]) expect(await caught(readTreeIn(repo(native), trees.oddMode!))).toMatchObject({ code: 'E_GIT' });
  });

  it("a name git refuses ('.GIT'): E_COMPONENT_INVALID naming it, as without native git", async () => {
    for (const native of [true, false]) {
      const error = await caught(readTreeIn(repo(native), trees.dotgit!));
      expect(error).toMatchObject({ code: 'E_COMPONENT_INVALID' });
      expect(error.message).toContain('".GIT"');
    }
  });

  it('a missing commit: E_COMMIT_NOT_FOUND either way', async () => {
    for (const native of [true, false]) {
      expect(await caught(readCommitIn(repo(native), 'f'.repeat(40)))).toMatchObject({ code: 'E_COMMIT_NOT_FOUND' });
    }
  });
});
