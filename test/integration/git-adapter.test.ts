import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCacheLock } from '../../src/git/cache-lock.js';
import { blobOid } from '../../src/git/tree-hash.js';
import { cacheRepoPath, createGitAdapter, type GitRequestEvent } from '../../src/git/git-adapter.js';
import { commitToRepo, cleanupTempDirs, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { caught } from '../helpers/errors.js';

let server: GitServer;
let url: string;
const TOKEN = 'ghp_' + 'S3cretTokenValue0123456789abcdefABCD';

beforeAll(async () => {
  server = await startGitServer();
  await makeRepo(server.root, 'tools', {
    files: {
      'README.md': '# tools\n',
      'components/a/component.yaml': 'name: a\nversion: 1.0.0\n',
      'components/a/src/index.ts': 'export const a = 1;\n',
      'components/a/bin/run': { content: '#!/bin/sh\necho a\n', mode: '100755' },
      'components/a/link': { content: 'src/index.ts', mode: '120000' },
      'components/b/component.yaml': 'name: b\n',
      'node_modules/x/component.yaml': 'name: ignored\n',
    },
    tag: 'v1.0.0',
    annotated: true,
  });
  await commitToRepo(server.root, 'tools', { files: { 'components/a/src/index.ts': 'export const a = 2;\n' }, tag: 'v1.1.0' });
  url = `${server.url}/tools.git`;
});

afterAll(async () => {
  await server.stop();
  await cleanupTempDirs();
});

function adapter(cacheDir: string, extra: Partial<Parameters<typeof createGitAdapter>[0]> = {}) {
  return createGitAdapter({ cacheDir, nativeGit: false, ...extra });
}

describe('listRemoteRefs', () => {
  it('lists heads, tags (annotated ones peeled to their commit) and the default branch, like git ls-remote', async () => {
    const port = adapter(await tempDir());
    server.resetCounts();
    const remote = await port.listRemoteRefs(url);
    expect(server.requests.filter((r) => r.repo === 'tools' && r.method === 'POST')).toEqual([]); // one GET, no ls-refs round trip
    const lsRemote = await git(['ls-remote', url]);
    const expected = new Map<string, string>();
    for (const line of lsRemote.split('\n')) {
      const [oid, name] = line.split('\t') as [string, string];
      expected.set(name.replace(/\^\{\}$/, ''), oid); // the peeled line comes after the tag line
    }
    expect(new Map(remote.refs.map((r) => [r.name, r.commit]))).toEqual(expected);
    expect(remote.head).toBe('refs/heads/main');
    expect(remote.refs.find((r) => r.name === 'refs/tags/v1.0.0')!.commit).toBe(await gitRevParse(repoDir(server.root, 'tools'), 'v1.0.0^{commit}'));
  });
});

describe.each([
  ['isomorphic-git', false],
  ['native git first transfer', true],
] as const)('ensureCommits and readSnapshot (%s)', (_label, nativeGit) => {
  it('fetches a tagged commit and reads the component folder with the tree id git computes', async () => {
    const events: GitRequestEvent[] = [];
    const port = adapter(await tempDir(), { nativeGit, onRequest: (e) => events.push(e) });
    const bare = repoDir(server.root, 'tools');
    const commit = await gitRevParse(bare, 'v1.0.0^{commit}');
    expect(await port.hasCommit(url, commit)).toBe(false);
    expect(await port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.0.0' }])).toEqual({ fetched: true });
    expect(events.some((e) => e.transport === (nativeGit ? 'native-git' : 'isomorphic-git'))).toBe(true);
    expect(await port.hasCommit(url, commit)).toBe(true);

    const snapshot = await port.readSnapshot(url, commit, 'components/a');
    expect(snapshot.tree).toBe(await gitRevParse(bare, 'v1.0.0:components/a'));
    expect(snapshot.files).toEqual([
      { path: 'bin/run', mode: '100755', oid: await gitRevParse(bare, 'v1.0.0:components/a/bin/run') },
      { path: 'component.yaml', mode: '100644', oid: await gitRevParse(bare, 'v1.0.0:components/a/component.yaml') },
      { path: 'link', mode: '120000', oid: await gitRevParse(bare, 'v1.0.0:components/a/link') },
      { path: 'src/index.ts', mode: '100644', oid: await gitRevParse(bare, 'v1.0.0:components/a/src/index.ts') },
    ]);
    const root = await port.readSnapshot(url, commit, '');
    expect(root.tree).toBe(await gitRevParse(bare, 'v1.0.0^{tree}'));
  });

  it('does no request at all when every wanted commit is already cached', async () => {
    const port = adapter(await tempDir(), { nativeGit });
    const commit = await gitRevParse(repoDir(server.root, 'tools'), 'v1.1.0^{commit}');
    await port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.1.0' }]);
    server.resetCounts();
    expect(await port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.1.0' }])).toEqual({ fetched: false });
    expect(server.requests).toEqual([]);
  });
});

describe('ensureCommits', () => {
  it('fetches once when two components of one repository ask at the same time', async () => {
    const port = adapter(await tempDir());
    const commit = await gitRevParse(repoDir(server.root, 'tools'), 'v1.1.0^{commit}');
    server.resetCounts();
    const results = await Promise.all([
      port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.1.0' }]),
      port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.1.0' }]),
    ]);
    expect(results.map((r) => r.fetched).sort()).toEqual([false, true]);
    expect(server.countFetches('tools')).toBe(1);
  });

  it('fetches components of one repository at different versions in one request', async () => {
    await makeRepo(server.root, 'mono', { files: { 'a/x.txt': 'a1', 'b/y.txt': 'b1' }, tag: ['a@1.0.0', 'b@1.0.0'], annotated: true });
    await commitToRepo(server.root, 'mono', { files: { 'a/x.txt': 'a2' }, tag: 'a@1.1.0', annotated: true });
    await commitToRepo(server.root, 'mono', { files: { 'c/z.txt': 'c' }, tag: 'c@1.0.0' });
    const bare = repoDir(server.root, 'mono');
    const monoUrl = `${server.url}/mono.git`;
    const wants = await Promise.all(['b@1.0.0', 'a@1.1.0', 'c@1.0.0'].map(async (tag) => ({ commit: await gitRevParse(bare, `${tag}^{commit}`), ref: `refs/tags/${tag}` })));
    for (const nativeGit of [false, true]) {
      const port = adapter(await tempDir(), { nativeGit });
      server.resetCounts();
      expect(await port.ensureCommits(monoUrl, wants)).toEqual({ fetched: true });
      expect(server.countFetches('mono')).toBe(1);
      for (const [want, path] of [[wants[0]!, 'b'], [wants[1]!, 'a'], [wants[2]!, 'c']] as const) {
        expect((await port.readSnapshot(monoUrl, want.commit, path)).tree).toBe(await gitRevParse(bare, `${want.commit}:${path}`));
      }
    }
    // Later, into a cache that is no longer empty (isomorphic-git even when native git is there).
    const cacheDir = await tempDir();
    const port = adapter(cacheDir, { nativeGit: true });
    await port.ensureCommits(monoUrl, [wants[0]!]);
    const b2 = await commitToRepo(server.root, 'mono', { files: { 'b/y.txt': 'b2' }, tag: 'b@2.0.0' });
    const more = [wants[1]!, wants[2]!, { commit: b2, ref: 'refs/tags/b@2.0.0' }];
    server.resetCounts();
    await port.ensureCommits(monoUrl, more);
    expect(server.countFetches('mono')).toBe(1);
    for (const want of more) expect(await port.hasCommit(monoUrl, want.commit)).toBe(true);
  });

  it('fetches a newer tag into a cache that holds an older one, and shares the cache between adapters', async () => {
    const cacheDir = await tempDir();
    const bare = repoDir(server.root, 'tools');
    const first = adapter(cacheDir);
    await first.ensureCommits(url, [{ commit: await gitRevParse(bare, 'v1.0.0^{commit}'), ref: 'refs/tags/v1.0.0' }]);
    const newer = await gitRevParse(bare, 'v1.1.0^{commit}');
    const second = adapter(cacheDir);
    expect(await second.ensureCommits(url, [{ commit: newer, ref: 'refs/tags/v1.1.0' }])).toEqual({ fetched: true });
    const snapshot = await second.readSnapshot(url, newer, '');
    expect(snapshot.tree).toBe(await gitRevParse(bare, 'v1.1.0^{tree}'));
    // The second fetch is a thin pack against the first: every blob must still read back whole.
    for (const file of snapshot.files) expect(blobOid(await second.readBlob(url, file.oid))).toBe(file.oid);
    const again = adapter(cacheDir);
    server.resetCounts();
    expect(await again.ensureCommits(url, [{ commit: newer, ref: 'refs/tags/v1.1.0' }])).toEqual({ fetched: false });
    expect(server.requests).toEqual([]);
  });

  it('finds a commit that is no longer at the tip of its branch (deep fetch)', async () => {
    await makeRepo(server.root, 'history', { files: { 'c/x.txt': '1' } });
    const old = await commitToRepo(server.root, 'history', { files: { 'c/x.txt': '2' } });
    await commitToRepo(server.root, 'history', { files: { 'c/x.txt': '3' } });
    const port = adapter(await tempDir());
    const historyUrl = `${server.url}/history.git`;
    await port.ensureCommits(historyUrl, [{ commit: old, ref: 'refs/heads/main' }]);
    expect((await port.readSnapshot(historyUrl, old, 'c')).tree).toBe(await gitRevParse(repoDir(server.root, 'history'), `${old}:c`));
    const parent = (await port.readCommit(historyUrl, old)).parents[0]!;
    await port.ensureCommits(historyUrl, [{ commit: parent }], { deep: true });
    expect(await port.hasCommit(historyUrl, parent)).toBe(true);
  });

  it('says which ref is gone and which commit is missing, naming the repository', async () => {
    const port = adapter(await tempDir());
    const gone = await caught(port.ensureCommits(url, [{ commit: 'a'.repeat(40), ref: 'refs/tags/v9.9.9' }]));
    expect(gone.code).toBe('E_REF_NOT_FOUND');
    expect(gone.message).toContain('/tools.git');
    const missing = await caught(port.ensureCommits(url, [{ commit: 'b'.repeat(40), ref: 'refs/tags/v1.0.0' }]));
    expect(missing.code).toBe('E_COMMIT_NOT_FOUND');
    expect(missing.message).toContain('b'.repeat(40));
  });
});

describe('reading', () => {
  it('reads blobs, commits and every component.yaml outside node_modules', async () => {
    const port = adapter(await tempDir());
    const bare = repoDir(server.root, 'tools');
    const commit = await gitRevParse(bare, 'v1.0.0^{commit}');
    await port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.0.0' }]);
    const manifests = await port.findComponentManifests(url, commit);
    expect(manifests.map((m) => [m.folder, Buffer.from(m.content).toString()])).toEqual([
      ['components/a', 'name: a\nversion: 1.0.0\n'],
      ['components/b', 'name: b\n'],
    ]);
    const oid = await gitRevParse(bare, 'v1.0.0:components/a/src/index.ts');
    expect(Buffer.from(await port.readBlob(url, oid)).toString()).toBe('export const a = 1;\n');
    const info = await port.readCommit(url, commit);
    expect(info).toMatchObject({ oid: commit, parents: [], tree: await gitRevParse(bare, 'v1.0.0^{tree}'), message: 'Initial commit\n' });
    expect(info.author).toEqual({ name: 'Forge Test', email: 'test@forge.invalid', timestamp: Date.parse('2024-01-01T00:00:00Z') / 1000, timezoneOffset: 0 });
  });

  it('reports a path that is neither a file nor a folder upstream as E_COMPONENT_NOT_FOUND naming path, repository and commit', async () => {
    const port = adapter(await tempDir());
    const commit = await gitRevParse(repoDir(server.root, 'tools'), 'v1.0.0^{commit}');
    await port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.0.0' }]);
    for (const path of ['components/nope', 'components/a/component.yaml/x']) {
      const error = await caught(port.readSnapshot(url, commit, path));
      expect(error.code).toBe('E_COMPONENT_NOT_FOUND');
      expect(error.message).toContain(path);
      expect(error.message).toContain('/tools.git');
      expect(error.message).toContain(commit.slice(0, 12));
    }
  });

  it('reads a file path as a single-file snapshot: its blob id and mode as git records them, under the name asked for', async () => {
    const port = adapter(await tempDir());
    const bare = repoDir(server.root, 'tools');
    const commit = await gitRevParse(bare, 'v1.0.0^{commit}');
    await port.ensureCommits(url, [{ commit, ref: 'refs/tags/v1.0.0' }]);
    const file = await port.readSnapshot(url, commit, 'README.md', { fileName: 'TOOLS.md' });
    expect(file.kind).toBe('file');
    expect(file.files).toEqual([{ path: 'TOOLS.md', mode: '100644', oid: await gitRevParse(bare, 'v1.0.0:README.md') }]);
    const folder = await port.readSnapshot(url, commit, 'components/a', { filters: [{ exclude: ['src/'] }] });
    expect(folder.kind).toBe('folder');
    expect(folder.files.some((f) => f.path.startsWith('src/'))).toBe(false);
  });

  it('skips submodules and reports the tree of the files it keeps', async () => {
    const bare = repoDir(server.root, 'tools');
    await makeRepo(server.root, 'withsub', { files: { 'c/x.txt': 'x' } });
    // Add a gitlink entry by hand (mode 160000) next to c/x.txt.
    const sub = repoDir(server.root, 'withsub');
    const xOid = await gitRevParse(sub, 'HEAD:c/x.txt');
    const inner = await git(['mktree'], { cwd: sub, input: `100644 blob ${xOid}\tx.txt\n160000 commit ${await gitRevParse(bare, 'v1.0.0^{commit}')}\tlib\n` });
    const top = await git(['mktree'], { cwd: sub, input: `040000 tree ${inner}\tc\n` });
    const commit = await git(['commit-tree', top, '-m', 'sub'], { cwd: sub, env: { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' } });
    await git(['update-ref', 'refs/heads/sub', commit], { cwd: sub });
    const port = adapter(await tempDir());
    const subUrl = `${server.url}/withsub.git`;
    await port.ensureCommits(subUrl, [{ commit, ref: 'refs/heads/sub' }]);
    const snapshot = await port.readSnapshot(subUrl, commit, 'c');
    expect(snapshot.files).toEqual([{ path: 'x.txt', mode: '100644', oid: xOid }]);
    expect(snapshot.tree).toBe(await gitRevParse(sub, 'HEAD:c'));
  });
});

describe('errors at the edge', () => {
  it('turns a 401 into E_AUTH (exit code 4) without the token anywhere in the message', async () => {
    const locked = await startGitServer({ root: server.root, auth: { password: 'right-token-0000' } });
    try {
      const lockedUrl = `${locked.url}/tools.git`;
      for (const port of [adapter(await tempDir(), { token: TOKEN }), adapter(await tempDir())]) {
        const error = await caught(port.listRemoteRefs(lockedUrl));
        expect(error.code).toBe('E_AUTH');
        expect(error.exitCode).toBe(4);
        expect(error.message).toContain(locked.url);
        const shown = JSON.stringify(error.toJSON()) + error.message + (error.hint ?? '');
        expect(shown).not.toContain(TOKEN);
        const fetchError = await caught(port.ensureCommits(lockedUrl, [{ commit: 'c'.repeat(40), ref: 'refs/heads/main' }]));
        expect(fetchError.code).toBe('E_AUTH');
        expect(JSON.stringify(fetchError.toJSON())).not.toContain(TOKEN);
      }
      // The right token is sent as x-access-token and works, through native git too.
      const token = 'right-token-0000';
      for (const nativeGit of [false, true]) {
        const events: GitRequestEvent[] = [];
        const cacheDir = await tempDir();
        const port = adapter(cacheDir, { token, nativeGit, onRequest: (e) => events.push(e) });
        const refs = await port.listRemoteRefs(lockedUrl);
        const main = refs.refs.find((r) => r.name === 'refs/heads/main')!;
        events.length = 0; // count the fetch only
        await port.ensureCommits(lockedUrl, [{ commit: main.commit, ref: main.name }]);
        expect(await port.hasCommit(lockedUrl, main.commit)).toBe(true);
        // With native git, the transfer really went through it (no isomorphic-git fallback).
        const isoFetches = events.filter((e) => e.transport === 'isomorphic-git' && e.method === 'POST' && e.url.endsWith('/git-upload-pack'));
        expect(isoFetches.length).toBe(nativeGit ? 0 : 1);
        // The token is in no file of the cache (config, FETCH_HEAD, logs...).
        const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
        for (const file of await readdir(cacheDir, { recursive: true })) {
          const text = await readFile(join(cacheDir, file)).then((b) => b.toString('latin1'), () => '');
          expect(text.includes(token) || text.includes(basic)).toBe(false);
        }
      }
    } finally {
      await locked.stop();
    }
  });

  it('turns a missing repository into E_REPO_NOT_FOUND', async () => {
    const error = await caught(adapter(await tempDir()).listRemoteRefs(`${server.url}/nothing-here.git`));
    expect(error.code).toBe('E_REPO_NOT_FOUND');
    expect(error.message).toContain('nothing-here');
  });

  it('turns an unreachable server into E_NETWORK naming the repository', async () => {
    const closed = await startGitServer();
    const deadUrl = `${closed.url}/tools.git`;
    await closed.stop();
    const port = adapter(await tempDir(), { nativeGit: true, retries: 1, retryDelayMs: 10 });
    const error = await caught(port.listRemoteRefs(deadUrl));
    expect(error.code).toBe('E_NETWORK');
    expect(error.message).toContain(deadUrl);
    const fetchError = await caught(port.ensureCommits(deadUrl, [{ commit: 'd'.repeat(40), ref: 'refs/heads/main' }]));
    expect(fetchError.code).toBe('E_NETWORK');
  });
});

describe('object cache', () => {
  it('keeps one bare repository per upstream URL under repos/<host>/', async () => {
    const a = cacheRepoPath('/c', 'https://github.com/Org/Repo');
    expect(a).toMatch(/^\/c\/repos\/github\.com\/Org-Repo-[0-9a-f]{8}\.git$/);
    expect(cacheRepoPath('/c', 'https://github.com/Org/Repo.git')).toBe(a);
    expect(cacheRepoPath('/c', 'https://github.com/Org/Other')).not.toBe(a);
  });

  it('waits for another process holding the lock, and takes over a lock whose owner is dead', async () => {
    const gitdir = await tempDir();
    await writeFile(join(gitdir, 'forge.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: (await import('node:os')).hostname(), command: 'fetch r', startedAt: new Date().toISOString(), token: 'dead' }));
    expect(await withCacheLock(gitdir, 'r', async () => 'ran')).toBe('ran');
    const order: string[] = [];
    await Promise.all([
      withCacheLock(gitdir, 'r', async () => {
        order.push('a-start');
        await new Promise((r) => setTimeout(r, 100));
        order.push('a-end');
      }),
      withCacheLock(gitdir, 'r', async () => {
        order.push('b');
      }),
    ]);
    expect(order.indexOf('b') === 0 || order.indexOf('b') === 2).toBe(true);
  });
});
