// createCommit and push against git http-backend on loopback, every result checked with native
// git: the parent, the written paths, every other path untouched, `git fsck` clean, and only the
// new objects sent.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheRepoPath, createGitAdapter } from '../../src/git/git-adapter.js';
import { nativePackObjects } from '../../src/git/native-git.js';
import type { GitIdentity, GitPort, TreeChange } from '../../src/core/ports.js';
import { blobOid } from '../../src/git/tree-hash.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { caught } from '../helpers/errors.js';

let server: GitServer;
const TOKEN = 'ghp_' + 'PushTokenValue0123456789abcdefABCDEF';
const AUTHOR: GitIdentity = { name: 'Dev Eloper', email: 'dev@example.com', timestamp: 1_700_000_000, timezoneOffset: -120 };
const bytes = (text: string) => Buffer.from(text, 'utf8');

const BASE_FILES = {
  'README.md': '# tools\n',
  'components/a/component.yaml': 'name: a\nversion: 1.0.0\n',
  'components/a/src/index.ts': 'export const a = 1;\n',
  'components/a/bin/run': { content: '#!/bin/sh\necho a\n', mode: '100755' as const },
  'components/a/old/gone.txt': 'bye\n',
  'components/b/x.txt': 'b\n',
};

/** The component edits every test pushes: a change, a new executable, a symlink, a deletion and a folder removed. */
const CHANGES: TreeChange[] = [
  { action: 'write', path: 'components/a/src/index.ts', mode: '100644', content: bytes('export const a = 2;\n') },
  { action: 'write', path: 'components/a/bin/new.sh', mode: '100755', content: bytes('#!/bin/sh\necho new\n') },
  { action: 'write', path: 'components/a/link', mode: '120000', content: bytes('src/index.ts') },
  { action: 'delete', path: 'components/a/bin/run' },
  { action: 'delete', path: 'components/a/old/gone.txt' },
];

let repoCount = 0;
/** A fresh upstream with BASE_FILES tagged v1.0.0; its URL, bare folder and tagged commit. */
async function upstream(files: Record<string, unknown> = BASE_FILES) {
  const name = `push-${++repoCount}`;
  const commit = await makeRepo(server.root, name, { files: files as typeof BASE_FILES, tag: 'v1.0.0' });
  return { name, url: `${server.url}/${name}.git`, bare: repoDir(server.root, name), commit };
}

async function adapterWith(url: string, commit: string, options: { nativeGit?: boolean; token?: string } = {}) {
  const cacheDir = await tempDir();
  const port = createGitAdapter({ cacheDir, nativeGit: options.nativeGit ?? false, ...(options.token ? { token: options.token } : {}) });
  await port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.0.0' }]);
  return { port, cacheDir };
}

/** What native git makes of the same change: a temporary index, write-tree, commit-tree. */
async function nativeCommit(bare: string, parent: string, changes: TreeChange[], message: string, author: GitIdentity) {
  const scratch = await tempDir();
  // An empty work tree: the index commands want one, and find no file in it.
  const env = { GIT_INDEX_FILE: join(scratch, 'index'), GIT_DIR: bare, GIT_WORK_TREE: scratch };
  await git(['read-tree', parent], { cwd: scratch, env });
  for (const change of changes) {
    if (change.action === 'delete') {
      await git(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', change.path], { cwd: scratch, env });
    } else {
      const blob = await git(['hash-object', '-w', '--stdin'], { cwd: scratch, env, input: Buffer.from(change.content).toString('utf8') });
      await git(['update-index', '--add', '--replace', '--cacheinfo', `${change.mode},${blob},${change.path}`], { cwd: scratch, env });
    }
  }
  const tree = await git(['write-tree'], { cwd: scratch, env });
  const zone = '+0200';
  const dates = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_AUTHOR_DATE: `${author.timestamp} ${zone}`, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email, GIT_COMMITTER_DATE: `${author.timestamp} ${zone}` };
  const commit = await git(['commit-tree', tree, '-p', parent, '-m', message], { cwd: bare, env: dates });
  return { tree, commit };
}

async function looseObjects(bare: string): Promise<number> {
  const out = await git(['count-objects', '-v'], { cwd: bare });
  return Number(/^count: (\d+)$/m.exec(out)![1]) + 0;
}

/** Files that differ between two commits (native git). */
async function changedPaths(bare: string, a: string, b: string): Promise<string[]> {
  const out = await git(['diff', '--name-only', '--no-renames', a, b], { cwd: bare });
  return out === '' ? [] : out.split('\n').sort();
}

beforeAll(async () => {
  server = await startGitServer();
});

afterAll(async () => {
  await server.stop();
  await cleanupTempDirs();
});

describe.each([
  ['isomorphic-git', false],
  ['native git', true],
] as const)('createCommit (%s)', (_label, nativeGit) => {
  it('builds the commit native git builds from a temporary index: same tree, same commit id', async () => {
    const up = await upstream();
    const { port, cacheDir } = await adapterWith(up.url, up.commit, { nativeGit });
    const made = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'Update a', author: AUTHOR });
    const expected = await nativeCommit(up.bare, up.commit, CHANGES, 'Update a', AUTHOR);
    expect(made).toEqual(expected);
    // The native path really ran (fast-import leaves its ref), and only there.
    const created = await gitRevParse(cacheRepoPath(cacheDir, up.url), 'refs/forge/created').catch(() => null);
    expect(created).toBe(nativeGit ? made.commit : null);
    const info = await port.readCommit(up.url, made.commit);
    expect(info).toMatchObject({ parents: [up.commit], tree: expected.tree, message: 'Update a\n', author: AUTHOR });
    // Reading the new commit back through the port gives the component as written.
    const snapshot = await port.readSnapshot(up.url, made.commit, 'components/a');
    expect(snapshot.files.map((f) => [f.path, f.mode])).toEqual([
      ['bin/new.sh', '100755'],
      ['component.yaml', '100644'],
      ['link', '120000'],
      ['src/index.ts', '100644'],
    ]);
    expect(snapshot.files.find((f) => f.path === 'link')!.oid).toBe(blobOid('src/index.ts'));
  });

  it('replaces a file by a folder and a folder by a file, deletes whole folders and keeps a no-op change the same tree', async () => {
    const up = await upstream();
    const { port } = await adapterWith(up.url, up.commit, { nativeGit });
    const changes: TreeChange[] = [
      { action: 'delete', path: 'components/a' },
      { action: 'write', path: 'components/a/only.txt', mode: '100644', content: bytes('only\n') },
      { action: 'write', path: 'README.md/inside.txt', mode: '100644', content: bytes('was a file\n') },
      { action: 'write', path: 'components/b', mode: '100644', content: bytes('was a folder\n') },
    ];
    const made = await port.createCommit(up.url, { parent: up.commit, changes, message: 'Reshape', author: AUTHOR, committer: { ...AUTHOR, name: 'Bot' } });
    expect(made).toEqual(await nativeCommit(up.bare, up.commit, changes, 'Reshape', AUTHOR).then((n) => ({ tree: n.tree, commit: made.commit })));
    const root = await port.readSnapshot(up.url, made.commit, '');
    expect(root.files.map((f) => f.path)).toEqual(['README.md/inside.txt', 'components/a/only.txt', 'components/b']);
    const same = await port.createCommit(up.url, {
      parent: up.commit,
      changes: [{ action: 'write', path: 'README.md', mode: '100644', content: bytes('# tools\n') }, { action: 'delete', path: 'no/such/file' }],
      message: 'Nothing',
      author: AUTHOR,
    });
    expect(same.tree).toBe(await gitRevParse(up.bare, `${up.commit}^{tree}`));
  });

  it('refuses paths outside the repository and identities git cannot record, writing nothing', async () => {
    const up = await upstream();
    const { port } = await adapterWith(up.url, up.commit, { nativeGit });
    for (const path of ['../x', 'a/../../x', '.git/config', 'a//b', '', 'a/.GIT/hooks']) {
      const error = await caught(port.createCommit(up.url, { parent: up.commit, changes: [{ action: 'write', path, mode: '100644', content: bytes('x') }], message: 'm', author: AUTHOR }));
      expect(error.code).toBe('E_PATH_ESCAPES');
      expect(error.exitCode).toBe(2);
    }
    const identity = await caught(port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'm', author: { ...AUTHOR, email: 'a>b' } }));
    expect(identity.code).toBe('E_USAGE');
    const missing = await caught(port.createCommit(up.url, { parent: 'e'.repeat(40), changes: CHANGES, message: 'm', author: AUTHOR }));
    expect(missing.code).toBe('E_COMMIT_NOT_FOUND');
  });
});

describe.each([
  ['isomorphic-git', false],
  ['native git', true],
] as const)('push (%s)', (_label, nativeGit) => {
  it('puts the commit on a new branch: its parent is the locked commit, the component as written, every other path untouched, fsck clean', async () => {
    const up = await upstream({ ...BASE_FILES, ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`big/f${i}.txt`, `file ${i}\n`])) });
    await git(['repack', '-a', '-d', '-q'], { cwd: up.bare });
    const { port, cacheDir } = await adapterWith(up.url, up.commit, { nativeGit });
    const made = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'Update a', author: AUTHOR });
    const before = await looseObjects(up.bare);
    expect(await port.push(up.url, { remote: up.url, commit: made.commit, branch: 'forge/a-1700000000', expect: null })).toEqual({ previous: null });

    const branch = 'refs/heads/forge/a-1700000000';
    expect(await gitRevParse(up.bare, branch)).toBe(made.commit);
    expect(await gitRevParse(up.bare, `${branch}^`)).toBe(up.commit);
    expect(await gitRevParse(up.bare, `${branch}:components/a/src/index.ts`)).toBe(blobOid('export const a = 2;\n'));
    expect(await git(['cat-file', '-p', `${branch}:components/a/link`], { cwd: up.bare })).toBe('src/index.ts');
    expect(await git(['ls-tree', branch, 'components/a/bin/'], { cwd: up.bare })).toBe(`100755 blob ${blobOid('#!/bin/sh\necho new\n')}\tcomponents/a/bin/new.sh`);
    expect(await changedPaths(up.bare, up.commit, branch)).toEqual(['components/a/bin/new.sh', 'components/a/bin/run', 'components/a/link', 'components/a/old/gone.txt', 'components/a/src/index.ts']);
    expect(await gitRevParse(up.bare, `${branch}:big`)).toBe(await gitRevParse(up.bare, `${up.commit}:big`));
    await git(['fsck', '--strict', '--no-dangling'], { cwd: up.bare });
    // Only the new objects travelled (receive-pack keeps a push of under 100 objects loose):
    // the commit, the trees root, components, a, a/bin, a/src, and the three new blobs.
    expect((await looseObjects(up.bare)) - before).toBe(9);
    // The commit as native git prints it: author with its time zone.
    expect(await git(['cat-file', '-p', made.commit], { cwd: up.bare })).toContain('author Dev Eloper <dev@example.com> 1700000000 +0200');
    // No credentials anywhere in the cache.
    for (const file of await readdir(cacheDir, { recursive: true })) {
      const text = await readFile(join(cacheDir, file)).then((b) => b.toString('latin1'), () => '');
      expect(text).not.toContain('x-access-token');
    }
  });

  it('sends a chain of commits it made together, and moves a branch forward without expect when it is a fast-forward', async () => {
    const up = await upstream();
    const { port } = await adapterWith(up.url, up.commit, { nativeGit });
    const first = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES.slice(0, 1), message: 'one', author: AUTHOR });
    expect(await port.push(up.url, { remote: up.url, commit: first.commit, branch: 'fix' })).toEqual({ previous: null });
    const second = await port.createCommit(up.url, { parent: first.commit, changes: CHANGES.slice(1, 2), message: 'two', author: AUTHOR });
    const third = await port.createCommit(up.url, { parent: second.commit, changes: CHANGES.slice(2, 3), message: 'three', author: AUTHOR });
    expect(await port.push(up.url, { remote: up.url, commit: third.commit, branch: 'fix' })).toEqual({ previous: first.commit });
    expect(await gitRevParse(up.bare, 'fix~2')).toBe(first.commit);
    expect(await gitRevParse(up.bare, 'fix')).toBe(third.commit);
    await git(['fsck', '--strict', '--no-dangling'], { cwd: up.bare });
    // Pushing what is already there is no request for an update.
    expect(await port.push(up.url, { remote: up.url, commit: third.commit, branch: 'fix' })).toEqual({ previous: third.commit });
  });

  it('pushes to a fork (another repository holding the parent) and leaves the upstream alone', async () => {
    const up = await upstream();
    const fork = `${up.name}-fork`;
    await git(['clone', '-q', '--bare', up.bare, repoDir(server.root, fork)]);
    const { port } = await adapterWith(up.url, up.commit, { nativeGit });
    const made = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'Update a', author: AUTHOR });
    await port.push(up.url, { remote: `${server.url}/${fork}.git`, commit: made.commit, branch: 'forge/a' });
    expect(await gitRevParse(repoDir(server.root, fork), 'forge/a')).toBe(made.commit);
    await expect(gitRevParse(up.bare, 'refs/heads/forge/a')).rejects.toThrow();
    await git(['fsck', '--strict', '--no-dangling'], { cwd: repoDir(server.root, fork) });
  });
});

describe('push refusals', () => {
  it('refuses with E_PUSH_REJECTED naming the branch when the branch moved, is not a fast-forward, or exists when it must not; force and a matching expect replace it', async () => {
    const up = await upstream();
    const { port } = await adapterWith(up.url, up.commit);
    const mine = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'mine', author: AUTHOR });
    const theirs = await commitToRepo(server.root, up.name, { files: { 'components/a/theirs.txt': 'theirs\n' }, branch: 'forge/a' });

    for (const input of [{}, { expect: null }, { expect: up.commit }]) {
      const error = await caught(port.push(up.url, { remote: up.url, commit: mine.commit, branch: 'forge/a', ...input }));
      expect(error.code).toBe('E_PUSH_REJECTED');
      expect(error.exitCode).toBe(1);
      expect(error.message).toContain('forge/a');
      expect(error.message).toContain(up.url);
      expect(error.data).toMatchObject({ branch: 'forge/a', current: theirs });
      expect(await gitRevParse(up.bare, 'forge/a')).toBe(theirs);
    }
    expect(await port.push(up.url, { remote: up.url, commit: mine.commit, branch: 'forge/a', expect: theirs })).toEqual({ previous: theirs });
    expect(await gitRevParse(up.bare, 'forge/a')).toBe(mine.commit);
    const again = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES.slice(1), message: 'again', author: AUTHOR });
    expect(await port.push(up.url, { remote: up.url, commit: again.commit, branch: 'forge/a', force: true })).toEqual({ previous: mine.commit });
    expect(await gitRevParse(up.bare, 'forge/a')).toBe(again.commit);
    const gone = await caught(port.push(up.url, { remote: up.url, commit: mine.commit, branch: 'other', expect: again.commit }));
    expect(gone.code).toBe('E_PUSH_REJECTED');
    expect(gone.message).toContain('no longer exists');
  });

  it('loses the race safely: a branch moved between the look and the update is refused by the server, not overwritten', async () => {
    const up = await upstream();
    const { port } = await adapterWith(up.url, up.commit);
    const mine = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'mine', author: AUTHOR });
    let theirs = '';
    server.onRequest = async (req) => {
      if (req.method === 'POST' && req.url?.endsWith(`/${up.name}.git/git-receive-pack`)) {
        server.onRequest = undefined;
        theirs = await commitToRepo(server.root, up.name, { files: { 'x.txt': 'raced\n' }, branch: 'race' });
      }
      return false;
    };
    try {
      const error = await caught(port.push(up.url, { remote: up.url, commit: mine.commit, branch: 'race', expect: null }));
      expect(error.code).toBe('E_PUSH_REJECTED');
      expect(error.message).toContain('race');
    } finally {
      server.onRequest = undefined;
    }
    expect(await gitRevParse(up.bare, 'race')).toBe(theirs);
  });

  it('says when the remote lacks the commit the change builds on', async () => {
    const up = await upstream();
    const other = await upstream({ 'unrelated.txt': 'x\n' });
    const { port } = await adapterWith(up.url, up.commit);
    const mine = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'mine', author: AUTHOR });
    const error = await caught(port.push(up.url, { remote: other.url, commit: mine.commit, branch: 'forge/a' }));
    expect(error.code).toBe('E_PUSH_REJECTED');
    expect(error.message).toContain('forge/a');
    expect(error.hint).toContain('fork sync');
    await expect(gitRevParse(other.bare, 'refs/heads/forge/a')).rejects.toThrow();
  });

  it('refuses a branch name git would refuse', async () => {
    const up = await upstream();
    const { port } = await adapterWith(up.url, up.commit);
    for (const branch of ['', 'a..b', 'a b', '-x', 'a/', 'x.lock', 'a:b', '@']) {
      const error = await caught(port.push(up.url, { remote: up.url, commit: up.commit, branch }));
      expect(error.code).toBe('E_USAGE');
    }
  });

  it('maps 401 and 403 to E_AUTH (exit 4) and an unreachable remote to E_NETWORK (exit 3), never showing the token; the right token pushes', async () => {
    const up = await upstream();
    const locked = await startGitServer({ root: server.root, auth: { username: 'x-access-token', password: TOKEN } });
    try {
      const lockedUrl = `${locked.url}/${up.name}.git`;
      const { port } = await adapterWith(up.url, up.commit, { token: 'ghp_' + 'WrongToken0123456789abcdefABCDEFGHIJ' });
      const mine = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'mine', author: AUTHOR });
      const refused = await caught(port.push(up.url, { remote: lockedUrl, commit: mine.commit, branch: 'forge/a' }));
      expect(refused.code).toBe('E_AUTH');
      expect(refused.exitCode).toBe(4);
      expect(refused.message).toContain(locked.url);

      locked.onRequest = (req, res) => {
        if (!req.url?.includes('git-receive-pack')) return false;
        res.writeHead(403, { 'content-type': 'text/plain' });
        res.end('Permission denied');
        return true;
      };
      const forbidden = await caught(port.push(up.url, { remote: lockedUrl, commit: mine.commit, branch: 'forge/a' }));
      expect(forbidden.code).toBe('E_AUTH');
      locked.onRequest = undefined;

      for (const nativeGit of [false, true]) {
        const branch = `forge/a-${nativeGit}`;
        const { port: good } = await adapterWith(up.url, up.commit, { token: TOKEN, nativeGit });
        const made = await good.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'mine', author: AUTHOR });
        expect(await good.push(up.url, { remote: lockedUrl, commit: made.commit, branch })).toEqual({ previous: null });
        expect(await gitRevParse(up.bare, branch)).toBe(made.commit);
      }
      for (const error of [refused, forbidden]) {
        const shown = JSON.stringify(error.toJSON()) + error.message + (error.hint ?? '');
        expect(shown).not.toContain(TOKEN);
        expect(shown).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
      }
    } finally {
      await locked.stop();
    }

    const closed = await startGitServer({ root: server.root });
    const deadUrl = `${closed.url}/${up.name}.git`;
    await closed.stop();
    const { port } = await adapterWith(up.url, up.commit);
    const unreachable = await caught(port.push(up.url, { remote: deadUrl, commit: up.commit, branch: 'x' }));
    expect(unreachable.code).toBe('E_NETWORK');
    expect(unreachable.exitCode).toBe(3);
    expect(unreachable.message).toContain(deadUrl);
  });
});

describe('native pack-objects', () => {
  it('packs exactly the objects asked for', async () => {
    const up = await upstream();
    const oids = [up.commit, await gitRevParse(up.bare, `${up.commit}^{tree}`), await gitRevParse(up.bare, `${up.commit}:README.md`)];
    const pack = (await nativePackObjects(up.bare, oids))!;
    expect(pack.subarray(0, 4).toString('latin1')).toBe('PACK');
    expect(pack.readUInt32BE(8)).toBe(3); // the object count in the pack header
  });
});

/** The same port over the fakes: createCommit gives the ids git gives. */
describe('the fake upstream agrees with the adapter', () => {
  it('makes the same commit id for the same change', async () => {
    const { FakeUpstream } = await import('../helpers/fakes.js');
    const up = await upstream();
    const { port } = await adapterWith(up.url, up.commit);
    const real = await port.createCommit(up.url, { parent: up.commit, changes: CHANGES, message: 'Update a', author: AUTHOR });

    const fake = new FakeUpstream();
    const repo = fake.repo('github.com/acme/tools');
    const files: Record<string, string | { content: string; mode: '100755' }> = { ...BASE_FILES };
    // The fake dates its first commit like the fixture does: the same parent id.
    const parent = repo.commit({ files, message: 'Initial commit' });
    expect(parent).toBe(up.commit);
    const port2: GitPort = fake;
    await port2.ensureCommits('https://github.com/acme/tools', [{ commit: parent }]);
    const made = await port2.createCommit('https://github.com/acme/tools', { parent, changes: CHANGES, message: 'Update a', author: AUTHOR });
    expect(made).toEqual(real);
  });
});
