// The bench's git smart-HTTP server, run as its own process (`node bench/git-server.mjs ROOT`) so
// the measured commands never share an event loop with it. Prints one JSON line
// `{"url":"http://127.0.0.1:PORT","impl":"dist"|"bench"}` on stdout once listening.
//
// Uses startGitServer from dist/demo/git-http-server.js when the build has it, else a minimal
// CGI bridge to `git http-backend`. Either way it counts requests by kind:
//   GET  /__bench/stats  -> { infoRefs, uploadPackPosts, lsRefs, fetches, other }
//   POST /__bench/reset  -> zeroes the counters
// A "fetch" is a POST to git-upload-pack whose body asks for objects (`command=fetch` in protocol
// v2, or `want ` lines in v0/v1); `command=ls-refs` is only a listing.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = process.argv[2];
if (!root) {
  console.error('usage: node bench/git-server.mjs ROOT');
  process.exit(2);
}

const counts = { infoRefs: 0, uploadPackPosts: 0, lsRefs: 0, fetches: 0, other: 0 };
const reset = () => Object.keys(counts).forEach((k) => (counts[k] = 0));

function classify(body, encoding) {
  let bytes = body;
  if (encoding === 'gzip') {
    try {
      bytes = gunzipSync(body);
    } catch {
      /* keep raw */
    }
  }
  const text = bytes.toString('latin1');
  if (text.includes('command=fetch') || /(^|\n|[0-9a-f]{4})want [0-9a-f]{40}/.test(text)) counts.fetches++;
  else if (text.includes('command=ls-refs')) counts.lsRefs++;
  else counts.other++;
}

/** Control endpoints; true when answered. Records Git requests as a side effect. */
function control(req, res) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/__bench/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counts));
    return true;
  }
  if (url.pathname === '/__bench/reset') {
    reset();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
    return true;
  }
  if (url.pathname.endsWith('/info/refs')) counts.infoRefs++;
  return false;
}

/**
 * Sees a POST body without consuming it. The listener goes on in the same tick as the server's
 * own req.pipe(): attached earlier, the stream would start flowing before the pipe exists and the
 * first chunks would never reach `git http-backend`.
 */
function tapUploadPack(req) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method !== 'POST' || !url.pathname.endsWith('/git-upload-pack')) return;
  counts.uploadPackPosts++;
  const chunks = [];
  const pipe = req.pipe;
  req.pipe = function (...args) {
    req.pipe = pipe;
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => classify(Buffer.concat(chunks), req.headers['content-encoding']));
    return pipe.apply(this, args);
  };
}

async function startWithDist() {
  const distServer = fileURLToPath(new URL('../dist/demo/git-http-server.js', import.meta.url));
  if (!existsSync(distServer)) return null;
  const { startGitServer } = await import(distServer);
  if (typeof startGitServer !== 'function') return null;
  const server = await startGitServer({
    root,
    onRequest: (req, res) => {
      if (control(req, res)) return true;
      tapUploadPack(req);
      return false;
    },
  });
  return { url: server.url, impl: 'dist', stop: () => server.stop() };
}

async function startBridge() {
  const server = http.createServer((req, res) => {
    if (control(req, res)) return;
    tapUploadPack(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'uploadpack.allowReachableSHA1InWant',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_CONFIG_KEY_1: 'safe.directory',
      GIT_CONFIG_VALUE_1: '*',
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.replace(/^\?/, ''),
      PATH_INFO: decodeURIComponent(url.pathname),
      REMOTE_ADDR: '127.0.0.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
    };
    if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type'];
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
    if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => {});
    req.pipe(child.stdin);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
    let head = Buffer.alloc(0);
    let done = false;
    child.stdout.on('data', (chunk) => {
      if (done) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) [end, sep] = [head.indexOf('\n\n'), 2];
      if (end < 0) return;
      done = true;
      let status = 200;
      const headers = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      if (head.length > end + sep) res.write(head.subarray(end + sep));
    });
    child.stdout.on('end', () => {
      if (!done) {
        if (!res.headersSent) res.writeHead(500);
        return void res.end(`git http-backend failed: ${stderr}`);
      }
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    impl: 'bench',
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const server = (await startWithDist().catch((error) => {
  console.error(`bench git server: dist startGitServer unusable (${error.message}); using the bench bridge`);
  return null;
})) ?? (await startBridge());
process.stdout.write(`${JSON.stringify({ url: server.url, impl: server.impl })}\n`);
const stop = () => server.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop); // parent gone
process.stdin.resume();
