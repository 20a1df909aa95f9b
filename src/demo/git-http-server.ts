/**
 * A real Git smart-HTTP server on loopback, for integration tests and forge demo.
 *
 *   const server = await startGitServer();          // serves bare repos under server.root
 *   await makeRepo(server.root, 'tools', { files: { 'a/x.txt': 'hi' }, tag: 'v1.0.0' });
 *   const url = `${server.url}/tools.git`;           // http://127.0.0.1:PORT/tools.git
 *   server.countFetches('tools');                    // POST git-upload-pack requests so far
 *   server.resetCounts();
 *   await server.stop();
 *
 * countFetches counts POST git-upload-pack requests except protocol v2 `ls-refs` (which native
 * git and ref listings send): one per actual fetch, for native git and isomorphic-git alike.
 *
 * Options:
 *   root       folder of bare repositories (default: a fresh temp dir, removed by stop())
 *   auth       { username?, password }: every Git request must carry matching Basic auth, else 401
 *   onRequest  (req, res) => boolean | Promise<boolean>: runs first for every request; return true
 *              when it answered (e.g. a fake GitHub API under /api/v3). Also settable later:
 *              `server.onRequest = ...`, as is `server.auth`.
 *
 * Faults, for tests of forge's transport (`server.setFaults(...)`, `server.setFaults(undefined)` to
 * stop; counting starts again at each call; `server.faultsInjected` counts what was done):
 *   failEvery N      every Nth Git request is answered 500
 *   resetEvery N     every Nth Git request has its connection destroyed before any answer
 *   stall            Git requests are never answered ('body': headers and a first chunk, then nothing)
 *   truncateRefs     ref advertisements lose their closing flush-pkt (a number: that many bytes more)
 *   match            only requests it returns true for are faulted (e.g. by user agent or service)
 *
 * Each Git request runs `git http-backend` as a CGI child (GIT_PROJECT_ROOT=root, every repo
 * exported, pushes enabled through http.receivepack, uploadpack.allowReachableSHA1InWant like
 * GitHub, protocol v2 through the Git-Protocol header).
 *
 * IMPORTANT: the server runs in the test's own process. Talk to it only with asynchronous calls
 * (isomorphic-git, `spawn`/`execFile` with a callback or promise, the `git()` helper of
 * fixtures.ts). A synchronous call (`execFileSync('git', ['clone', server.url ...])`) blocks the
 * event loop that would answer it and deadlocks.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitServerRequest {
  method: string;
  /** URL path without the query, e.g. /tools.git/git-upload-pack */
  path: string;
  /** git-upload-pack or git-receive-pack, when the request is a Git one. */
  service?: string;
  /** Repository name without a trailing .git, e.g. "tools" or "org/tools". */
  repo?: string;
  /** Protocol v2 command of a POST (`ls-refs` or `fetch`); absent for protocol v0/v1. */
  command?: string;
}

export interface GitServerAuth {
  username?: string;
  password: string;
}

export type RequestHook = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

export interface GitServerFaults {
  /** Only requests this returns true for are faulted, and counted (default: every Git request). */
  match?: (request: GitServerRequest, req: http.IncomingMessage) => boolean;
  failEvery?: number;
  resetEvery?: number;
  stall?: boolean | 'body';
  truncateRefs?: boolean | number;
}

export interface GitServerOptions {
  root?: string;
  auth?: GitServerAuth;
  onRequest?: RequestHook;
}

export interface GitServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  url: string;
  root: string;
  requests: GitServerRequest[];
  /** Fetches (POST git-upload-pack, not counting protocol v2 `ls-refs`) of one repository (name with or without .git). */
  countFetches(repoName: string): number;
  resetCounts(): void;
  auth: GitServerAuth | undefined;
  onRequest: RequestHook | undefined;
  /** Makes the server misbehave (see the top of this file); undefined stops it. */
  setFaults(faults: GitServerFaults | undefined): void;
  /** Faults done since the last setFaults. */
  faultsInjected: number;
  stop(): Promise<void>;
}

const GIT_SUFFIXES = ['/info/refs', '/git-upload-pack', '/git-receive-pack', '/HEAD'];

function repoOf(path: string): string | undefined {
  for (const suffix of GIT_SUFFIXES) {
    if (path.endsWith(suffix)) return stripGit(path.slice(1, -suffix.length));
  }
  const objects = path.indexOf('/objects/');
  if (objects > 0) return stripGit(path.slice(1, objects));
  return undefined;
}

function stripGit(name: string): string {
  return name.replace(/\.git$/, '');
}

function authorized(req: http.IncomingMessage, auth: GitServerAuth): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return password === auth.password && (auth.username === undefined || auth.username === username);
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const ownsRoot = options.root === undefined;
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'forge-git-server-')));
  const requests: GitServerRequest[] = [];
  const children = new Set<ReturnType<typeof spawn>>();

  const state: GitServer = {
    url: '',
    root,
    requests,
    auth: options.auth,
    onRequest: options.onRequest,
    countFetches(repoName: string): number {
      const name = stripGit(repoName.replace(/^\/+/, ''));
      return requests.filter((r) => r.method === 'POST' && r.service === 'git-upload-pack' && r.repo === name && r.command !== 'ls-refs').length;
    },
    resetCounts(): void {
      requests.length = 0;
    },
    setFaults(next) {
      faults = next;
      faultCounter = 0;
      state.faultsInjected = 0;
    },
    faultsInjected: 0,
    stop: async () => {},
  };
  let faults: GitServerFaults | undefined;
  let faultCounter = 0;

  /** Answers the request with a fault when one is due; true when it did. */
  function injectFault(entry: GitServerRequest, req: http.IncomingMessage, res: http.ServerResponse): 'handled' | 'truncate' | 'stall-body' | null {
    if (!faults || entry.repo === undefined || (faults.match && !faults.match(entry, req))) return null;
    const n = ++faultCounter;
    const injected = () => {
      state.faultsInjected++;
    };
    if (faults.failEvery && n % faults.failEvery === 0) {
      injected();
      req.resume();
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('injected failure');
      return 'handled';
    }
    if (faults.resetEvery && n % faults.resetEvery === 0) {
      injected();
      req.socket.destroy();
      return 'handled';
    }
    if (faults.stall === true) {
      injected();
      req.resume(); // read the request, never answer
      return 'handled';
    }
    if (faults.stall === 'body') {
      injected();
      return 'stall-body';
    }
    if (faults.truncateRefs !== undefined && faults.truncateRefs !== false && req.method === 'GET' && entry.path.endsWith('/info/refs')) {
      injected();
      return 'truncate';
    }
    return null;
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const service =
      url.searchParams.get('service') ??
      (path.endsWith('/git-upload-pack') ? 'git-upload-pack' : path.endsWith('/git-receive-pack') ? 'git-receive-pack' : undefined);
    const entry: GitServerRequest = { method: req.method ?? 'GET', path };
    if (service) entry.service = service;
    const repo = repoOf(path);
    if (repo !== undefined) entry.repo = repo;
    requests.push(entry);

    if (state.onRequest && (await state.onRequest(req, res))) return;
    const fault = injectFault(entry, req, res);
    if (fault === 'handled') return;

    if (state.auth && !authorized(req, state.auth)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="forge-test"', 'content-type': 'text/plain' });
      res.end('authentication required');
      return;
    }

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_COUNT: '3',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_CONFIG_KEY_1: 'uploadpack.allowReachableSHA1InWant',
      GIT_CONFIG_VALUE_1: 'true',
      GIT_CONFIG_KEY_2: 'safe.directory',
      GIT_CONFIG_VALUE_2: '*',
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.replace(/^\?/, ''),
      PATH_INFO: path,
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      REMOTE_USER: 'forge-test',
      SERVER_PROTOCOL: 'HTTP/1.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
    };
    if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type'];
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
    const protocol = req.headers['git-protocol'];
    if (protocol) env.GIT_PROTOCOL = Array.isArray(protocol) ? protocol.join(':') : protocol;

    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.on('close', () => children.delete(child));
    child.on('error', (error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
    child.stdin.on('error', () => {});
    if (entry.method === 'POST' && !req.headers['content-encoding']) {
      // Protocol v2 starts the body with a pkt-line "command=ls-refs" or "command=fetch".
      req.once('data', (chunk: Buffer) => {
        const m = /^[0-9a-f]{4}command=([a-z-]+)/.exec(chunk.subarray(0, 64).toString('latin1'));
        if (m) entry.command = m[1]!;
      });
    }
    req.pipe(child.stdin);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    // CGI output: headers, a blank line, then the body (streamed through).
    let head = Buffer.alloc(0);
    let headersDone = false;
    // A truncated ref list is held back whole, then sent without its end; a stalled body stops
    // after its first chunk (the connection stays open).
    const held: Buffer[] = [];
    let stalled = false;
    const send = (chunk: Buffer) => {
      if (stalled) return;
      if (fault === 'truncate') held.push(chunk);
      else res.write(chunk);
      if (fault === 'stall-body') stalled = true;
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        send(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      let statusText = 'OK';
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') {
          const m = /^(\d{3})\s*(.*)$/.exec(value);
          if (m) {
            status = Number(m[1]);
            statusText = m[2] || statusText;
          }
        } else {
          headers[name] = value;
        }
      }
      if (fault === 'truncate') delete headers['Content-Length'];
      res.writeHead(status, statusText, headers);
      const rest = head.subarray(end + sep);
      if (rest.length > 0) send(rest);
    });
    child.stdout.on('end', () => {
      if (!headersDone) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`git http-backend failed: ${stderr}`);
        return;
      }
      if (stalled) return;
      if (fault === 'truncate') {
        const body = Buffer.concat(held);
        const cut = 4 + (typeof faults?.truncateRefs === 'number' ? faults.truncateRefs : 0);
        res.end(body.subarray(0, Math.max(0, body.length - cut)));
        return;
      }
      res.end();
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.stop = async () => {
    for (const child of children) child.kill();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (ownsRoot) await rm(root, { recursive: true, force: true });
  };
  return state;
}
