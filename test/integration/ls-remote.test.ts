// Ref listing in forge's own GET (src/git/ls-remote.ts): what git http-backend serves is read as
// `git ls-remote` reads it, and every way a server can answer otherwise ends in the error
// isomorphic-git's listing gave (E_AUTH, E_REPO_NOT_FOUND, E_NETWORK), never in a shorter list.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lsRemote } from '../../src/git/ls-remote.js';
import { createLazyGitAdapter } from '../../src/git/lazy-adapter.js';
import { pktLine, FLUSH } from '../../src/git/pkt-line.js';
import { caught } from '../helpers/errors.js';
import { cleanupTempDirs, git, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer } from '../helpers/git-server.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

/** An advertisement as git http-backend writes it: HEAD, a branch, an annotated tag and its peeled line. */
function advertisement(options: { close?: boolean } = {}): Buffer {
  return Buffer.concat([
    pktLine('# service=git-upload-pack\n'),
    FLUSH,
    pktLine(`${A} HEAD\0multi_ack symref=HEAD:refs/heads/main agent=git/2.39\n`),
    pktLine(`${A} refs/heads/main\n`),
    pktLine(`${B} refs/tags/v1.0.0\n`),
    pktLine(`${C} refs/tags/v1.0.0^{}\n`),
    pktLine(`${A} refs/pull/1/head\n`),
    ...(options.close === false ? [] : [FLUSH]),
  ]);
}

const EXPECTED = {
  head: 'refs/heads/main',
  refs: [
    { name: 'HEAD', commit: A },
    { name: 'refs/heads/main', commit: A },
    { name: 'refs/tags/v1.0.0', commit: C },
  ],
};

interface Seen {
  url: string;
  host: string | undefined;
  authorization: string | undefined;
}

/** A server answering each request with `handler`; records what it was asked. */
async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen[]) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host, authorization: req.headers.authorization });
    handler(req, res, seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const advertise = (res: http.ServerResponse, body: Buffer = advertisement(), headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', ...headers });
  res.end(body);
};

let real: Awaited<ReturnType<typeof startGitServer>>;
beforeAll(async () => {
  real = await startGitServer();
  await makeRepo(real.root, 'tools', { files: { 'components/x/a.txt': 'a' }, tag: 'v1.0.0', message: 'one' });
});
afterAll(async () => {
  await real.stop();
  await cleanupTempDirs();
});

describe('lsRemote', () => {
  it('lists what git http-backend serves exactly as git ls-remote does (annotated tags peeled)', async () => {
    const url = `${real.url}/tools.git`;
    await git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'tag', '-a', 'v1.1.0', '-m', 'annotated', 'v1.0.0'], { cwd: repoDir(real.root, 'tools') });
    const listed = await lsRemote(url);
    const native = new Map<string, string>();
    for (const line of (await git(['ls-remote', url])).split('\n')) {
      const [oid, name] = line.split('\t') as [string, string];
      native.set(name.replace(/\^\{\}$/, ''), oid);
    }
    expect(new Map(listed.refs.map((r) => [r.name, r.commit]))).toEqual(native);
    expect(listed.refs.find((r) => r.name === 'refs/tags/v1.1.0')!.commit).toBe(native.get('refs/tags/v1.0.0'));
    expect(listed.head).toBe('refs/heads/main');
  });

  it('reads a gzip-encoded answer and follows redirects', async () => {
    const server = await serve((req, res) => {
      if (req.url!.startsWith('/old/')) {
        res.writeHead(301, { location: req.url!.replace('/old/', '/new/') });
        res.end();
      } else advertise(res, gzipSync(advertisement()), { 'content-encoding': 'gzip' });
    });
    try {
      expect(await lsRemote(`${server.url}/old/repo.git`)).toEqual(EXPECTED);
      expect(server.seen.map((s) => s.url)).toEqual(['/old/repo.git/info/refs?service=git-upload-pack', '/new/repo.git/info/refs?service=git-upload-pack']);
    } finally {
      await server.close();
    }
  });

  it('asks without the token first and sends it (as x-access-token) only after a 401; never to another host after a redirect', async () => {
    const token = 'secret-token-1234';
    const basic = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    const server = await serve((req, res) => {
      if (req.headers.host?.startsWith('localhost')) return advertise(res);
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
        return res.end();
      }
      if (req.url!.startsWith('/moved/')) {
        res.writeHead(302, { location: `http://localhost:${server.port}/elsewhere.git/info/refs?service=git-upload-pack` });
        return res.end();
      }
      advertise(res);
    });
    try {
      expect(await lsRemote(`${server.url}/repo.git`, { token })).toEqual(EXPECTED);
      expect(server.seen.map((s) => s.authorization)).toEqual([undefined, basic]);

      server.seen.length = 0;
      expect(await lsRemote(`${server.url}/moved/repo.git`, { token })).toEqual(EXPECTED);
      expect(server.seen.map((s) => [s.host?.split(':')[0], s.authorization])).toEqual([
        ['127.0.0.1', undefined],
        ['127.0.0.1', basic],
        ['localhost', undefined],
      ]);

      const refused = await caught(lsRemote(`${server.url}/repo.git`, { token: 'wrong' }));
      expect(refused.code).toBe('E_AUTH');
      expect(JSON.stringify(refused.toJSON()) + refused.message).not.toContain('wrong');
      expect((await caught(lsRemote(`${server.url}/repo.git`))).code).toBe('E_AUTH');
    } finally {
      await server.close();
    }
  });

  it('a web page, a list cut short or a missing repository are errors naming the repository, never a list', async () => {
    const server = await serve((req, res) => {
      if (req.url!.startsWith('/page')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>sign in</html>');
      } else if (req.url!.startsWith('/cut')) advertise(res, advertisement({ close: false }));
      else {
        res.writeHead(404);
        res.end();
      }
    });
    try {
      const page = await caught(lsRemote(`${server.url}/page.git`));
      expect(page).toMatchObject({ code: 'E_NETWORK' });
      expect(page.message).toContain('/page.git');
      expect(page.message).toContain('did not answer like a Git server');
      expect((await caught(lsRemote(`${server.url}/cut.git`))).code).toBe('E_NETWORK');
      const missing = await caught(lsRemote(`${server.url}/gone.git`));
      expect(missing.code).toBe('E_REPO_NOT_FOUND');
      expect(missing.message).toContain('gone.git');
    } finally {
      await server.close();
    }
  });

  it('gives up on a server that does not answer in time, and on one that is not there', async () => {
    const server = await serve(() => {
      /* never answers */
    });
    try {
      const slow = await caught(lsRemote(`${server.url}/slow.git`, { timeoutMs: 200 }));
      expect(slow.code).toBe('E_NETWORK');
      expect(slow.message).toContain('ETIMEDOUT');
    } finally {
      server.seen.length = 0;
      await Promise.race([server.close(), new Promise((r) => setTimeout(r, 100))]);
    }
    const closed = await serve(() => undefined);
    await closed.close();
    expect((await caught(lsRemote(`${closed.url}/x.git`))).code).toBe('E_NETWORK');
  });
});

describe('the port commands get', () => {
  it('lists refs in its own GET, checks the URL first, and reaches the full adapter for the rest', async () => {
    const port = createLazyGitAdapter({ cacheDir: await tempDir(), nativeGit: false });
    const url = `${real.url}/tools.git`;
    const listed = await port.listRemoteRefs(url);
    expect(listed.head).toBe('refs/heads/main');
    expect((await caught(port.listRemoteRefs('https://user:pw@example.com/x.git'))).code).toBe('E_BAD_REPOSITORY');
    expect((await caught(port.listRemoteRefs('ftp://example.com/x.git'))).code).toBe('E_BAD_REPOSITORY');
    const main = listed.refs.find((r) => r.name === 'refs/heads/main')!;
    await port.ensureCommits(url, [{ commit: main.commit, ref: main.name }]);
    expect(await port.hasCommit(url, main.commit)).toBe(true);
    expect((await port.readSnapshot(url, main.commit, 'components/x')).files.map((f) => f.path)).toEqual(['a.txt']);
  });
});
