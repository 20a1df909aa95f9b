// Git over HTTP survives faults: the loopback server fails, resets, stalls and cuts answers on
// purpose, and the adapter retries what is worth retrying, times out what stalls, and never takes
// a cut-off answer for a complete one.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitAdapter, type GitAdapterOptions } from '../../src/git/git-adapter.js';
import type { TreeChange } from '../../src/core/ports.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { caught } from '../helpers/errors.js';

let server: GitServer;
let url: string;
let v1: string;
let v2: string;
const bare = () => repoDir(server.root, 'tools');
const AUTHOR = { name: 'Dev', email: 'dev@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
const CHANGE: TreeChange[] = [{ action: 'write', path: 'components/a/x.txt', mode: '100644', content: Buffer.from('pushed\n') }];

beforeAll(async () => {
  server = await startGitServer();
  v1 = await makeRepo(server.root, 'tools', { files: { 'components/a/x.txt': 'one\n', 'README.md': 'r\n' }, tag: 'v1.0.0' });
  v2 = await commitToRepo(server.root, 'tools', { files: { 'components/a/x.txt': 'two\n' }, tag: 'v1.1.0' });
  url = `${server.url}/tools.git`;
});

afterEach(() => {
  server.setFaults(undefined);
  server.onRequest = undefined;
});

afterAll(async () => {
  await server.stop();
  await cleanupTempDirs();
});

async function adapter(extra: Partial<GitAdapterOptions> = {}) {
  return createGitAdapter({ cacheDir: await tempDir(), nativeGit: false, retryDelayMs: 5, ...extra });
}

describe('retries', () => {
  for (const [label, faults] of [
    ['every third request answered 500', { failEvery: 3 }],
    ['every third connection reset', { resetEvery: 3 }],
  ] as const) {
    for (const nativeGit of [false, true]) {
      it(`lists refs, fetches and pushes with ${label} (native git ${nativeGit ? 'on' : 'off'})`, async () => {
        const port = await adapter({ nativeGit });
        server.setFaults(faults);
        const refs = await port.listRemoteRefs(url);
        expect(refs.refs.find((r) => r.name === 'refs/tags/v1.1.0')?.commit).toBe(v2);
        await port.ensureCommits(url, [{ commit: v1, ref: 'refs/tags/v1.0.0' }]);
        await port.ensureCommits(url, [{ commit: v2, ref: 'refs/tags/v1.1.0' }]);
        expect((await port.readSnapshot(url, v2, 'components/a')).tree).toBe(await gitRevParse(bare(), 'v1.1.0:components/a'));
        for (let i = 0; i < 3; i++) {
          const made = await port.createCommit(url, { parent: v2, changes: CHANGE, message: `push ${i}`, author: { ...AUTHOR, timestamp: AUTHOR.timestamp + i } });
          const branch = `faults/${label.replace(/\W+/g, '-')}-${nativeGit}-${i}`;
          expect(await port.push(url, { remote: url, commit: made.commit, branch, expect: null })).toEqual({ previous: null });
          expect(await gitRevParse(bare(), `refs/heads/${branch}`)).toBe(made.commit);
        }
        expect(server.faultsInjected).toBeGreaterThan(2);
        await git(['fsck', '--no-dangling'], { cwd: bare() });
      });
    }
  }

  it('never retries 401, 403 or 404', async () => {
    for (const status of [401, 403, 404]) {
      let seen = 0;
      server.onRequest = (req, res) => {
        if (!req.url?.includes('/tools.git/')) return false;
        seen++;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end('no');
        return true;
      };
      const port = await adapter();
      const error = await caught(port.listRemoteRefs(url));
      expect(error.code).toBe(status === 404 ? 'E_REPO_NOT_FOUND' : 'E_AUTH');
      expect(seen).toBe(1);
    }
  });

  it('a ref listing sends the token only when the server asks (401): a token the server refuses cannot hide a public repository', async () => {
    const authorizations: (string | undefined)[] = [];
    server.onRequest = (req, res) => {
      if (!req.url?.includes('/tools.git/')) return false;
      authorizations.push(req.headers.authorization);
      if (!req.headers.authorization) return false;
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="x"' });
      res.end('bad credentials');
      return true;
    };
    const refs = await (await adapter({ token: 'expired-token-0000' })).listRemoteRefs(url);
    expect(refs.refs.find((r) => r.name === 'refs/tags/v1.1.0')?.commit).toBe(v2);
    expect(authorizations).toEqual([undefined]);
  });

  it('gives up after the retries with E_NETWORK naming the repository, and says what to do offline', async () => {
    const port = await adapter({ retries: 2 });
    server.setFaults({ failEvery: 1 });
    const error = await caught(port.listRemoteRefs(url));
    expect(error.code).toBe('E_NETWORK');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain(url);
    expect(error.hint).toContain('--offline');
    expect(server.faultsInjected).toBe(3);
  });
});

describe('stalls', () => {
  it('a server that never answers the ref listing is a network failure naming the repository', async () => {
    const port = await adapter({ requestTimeoutMs: 300, retries: 1 });
    server.setFaults({ stall: true });
    const error = await caught(port.listRemoteRefs(url));
    expect(error.code).toBe('E_NETWORK');
    expect(error.message).toContain(url);
    expect(error.message).toContain('stopped answering');
    expect(server.faultsInjected).toBe(2);
  });

  for (const nativeGit of [false, true]) {
    it(`a fetch that stalls halfway is a network failure, never a missing commit (native git ${nativeGit ? 'on' : 'off'})`, async () => {
      const port = await adapter({ requestTimeoutMs: 300, retries: 1, nativeGit });
      await port.listRemoteRefs(url);
      server.setFaults({ stall: 'body', match: (r) => r.method === 'POST' && r.service === 'git-upload-pack' });
      const error = await caught(port.ensureCommits(url, [{ commit: v2, ref: 'refs/tags/v1.1.0' }]));
      expect(error.code).toBe('E_NETWORK');
      expect(error.message).toContain(url);
      expect(await port.hasCommit(url, v2)).toBe(false);
    });
  }

  it('a push whose answer never comes looks at the branch again: pushed is pushed', async () => {
    const port = await adapter({ requestTimeoutMs: 400, retries: 2 });
    await port.ensureCommits(url, [{ commit: v2, ref: 'refs/tags/v1.1.0' }]);
    const made = await port.createCommit(url, { parent: v2, changes: CHANGE, message: 'stalled answer', author: AUTHOR });
    let stalled = 0;
    server.setFaults({ stall: 'body', match: (r) => r.method === 'POST' && r.service === 'git-receive-pack' && stalled++ === 0 });
    expect(await port.push(url, { remote: url, commit: made.commit, branch: 'stalled-answer', expect: null })).toEqual({ previous: null });
    expect(await gitRevParse(bare(), 'refs/heads/stalled-answer')).toBe(made.commit);
    expect(server.faultsInjected).toBe(1);
  });
});

describe('answers cut short', () => {
  it('a ref list without its closing flush-pkt is an error, never a shorter list', async () => {
    for (const truncateRefs of [true, 60, 200]) {
      const port = await adapter({ retries: 1 });
      server.setFaults({ truncateRefs });
      const error = await caught(port.listRemoteRefs(url));
      expect(error.code).toBe('E_NETWORK');
      expect(error.message).toContain(url);
      expect(error.message).toContain('cut short');
    }
  });

  it('a ref list cut once is asked for again and comes back whole', async () => {
    const port = await adapter();
    let first = true;
    server.setFaults({ truncateRefs: 60, match: () => first && !(first = false) });
    const refs = await port.listRemoteRefs(url);
    const all = (await git(['for-each-ref', '--format=%(refname)'], { cwd: bare() })).split('\n');
    expect(refs.refs.map((r) => r.name)).toEqual(['HEAD', ...all].sort());
    expect(refs.refs.find((r) => r.name === 'refs/tags/v1.1.0')?.commit).toBe(v2);
    expect(server.faultsInjected).toBe(1);
  });

  it('a fetch answer cut at a pkt-line boundary is fetched again', async () => {
    const port = await adapter();
    await port.listRemoteRefs(url);
    let cut = true;
    server.onRequest = (req, res) => {
      if (!(cut && req.method === 'POST' && req.url?.endsWith('/tools.git/git-upload-pack'))) return false;
      cut = false;
      // Answer with the start of a real fetch answer: a NAK and no pack, no closing flush.
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' });
      res.end('0008NAK\n');
      return true;
    };
    await port.ensureCommits(url, [{ commit: v1, ref: 'refs/tags/v1.0.0' }]);
    expect(cut).toBe(false);
    expect(await port.hasCommit(url, v1)).toBe(true);
  });
});
