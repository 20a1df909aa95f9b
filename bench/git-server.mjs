// The bench's git smart-HTTP server, run as its own process (`node bench/git-server.mjs ROOT`) so
// the measured commands never share an event loop with it. Prints one JSON line
// `{"url":"http://127.0.0.1:PORT","impl":"dist"|"bench"}` on stdout once listening.
//
// Serves with startGitServer from dist/demo/git-http-server.js (the same server as forge demo and
// the tests), and counts requests by kind:
//   GET  /__bench/stats  -> { infoRefs, uploadPackPosts, lsRefs, fetches, other }
//   POST /__bench/reset  -> zeroes the counters
// A "fetch" is a POST to git-upload-pack whose body asks for objects (`command=fetch` in protocol
// v2, or `want ` lines in v0/v1); `command=ls-refs` is only a listing.

import { existsSync } from 'node:fs';
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

const server = await startWithDist();
if (!server) {
  console.error('bench git server: dist/demo/git-http-server.js is missing; run `npm run build` first (npm run bench does).');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ url: server.url, impl: server.impl })}\n`);
const stop = () => server.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop); // parent gone
process.stdin.resume();
