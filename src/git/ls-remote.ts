// `git ls-remote` over smart HTTP in one GET of info/refs, without isomorphic-git: a pull or a
// status that finds nothing moved upstream never loads it (its initialisation and HTTP client
// were a fifth of a no-op pull's CPU time). It behaves as isomorphic-git's listServerRefs with
// protocol v1 did: anonymous first, the token (x-access-token, only where sendsToken allows) after
// a 401 or 203; up to 10 redirects, dropping credentials when the host changes; gzip or deflate
// bodies; errors shaped as isomorphic-git's (HttpError with data.statusCode, SmartHttpError,
// Node's errno codes), so translateRemoteError turns them into the same ForgeErrors.

import http from 'node:http';
import https from 'node:https';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { RemoteRef, RemoteRefs } from '../core/ports.js';
import { comparePaths } from '../core/paths.js';
import { translateRemoteError } from './git-errors.js';
import { parseRefAdvertisement } from './pkt-line.js';

export interface LsRemoteOptions {
  /** Sent only where sendsToken allows, as username x-access-token. */
  token?: string;
  /** Extra request headers (the user agent). */
  headers?: Record<string, string>;
  /** Time allowed until a server starts answering a request (ms). Default 60 000. */
  timeoutMs?: number;
  /** Called for every HTTP request. */
  onRequest?: (event: { method: string; url: string }) => void;
}

/** The token goes over https, or plain http to this machine (the loopback test and demo servers). */
export function sendsToken(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return true;
  return parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
}

const MAX_REDIRECTS = 10;
const SERVICE = 'git-upload-pack';

function coded(code: string, message: string, data?: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { code, ...(data ? { data } : {}) });
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One GET, following redirects; the Authorization header is dropped when the host changes. */
async function get(url: string, headers: Record<string, string>, options: LsRemoteOptions): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let current = new URL(url);
  const originalHost = current.hostname;
  const sent = { ...headers };
  for (let redirects = 0; ; redirects++) {
    options.onRequest?.({ method: 'GET', url: current.toString() });
    const answer = await new Promise<Answer>((resolve, reject) => {
      const client = current.protocol === 'https:' ? https : http;
      const request = client.get(current, { headers: { 'accept-encoding': 'gzip, deflate', ...sent } }, (response) => {
        clearTimeout(timer);
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      });
      const timer = setTimeout(() => {
        request.destroy(coded('ETIMEDOUT', `No answer within ${timeoutMs} ms`));
      }, timeoutMs);
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const location = answer.headers.location;
    if (answer.status >= 300 && answer.status < 400 && location) {
      if (redirects >= MAX_REDIRECTS) throw coded('HttpError', 'too many redirects', { statusCode: answer.status });
      current = new URL(location, current);
      if (current.hostname !== originalHost) delete sent.authorization;
      continue;
    }
    const encoding = answer.headers['content-encoding'];
    const body = encoding === 'gzip' ? gunzipSync(answer.body) : encoding === 'deflate' ? inflateSync(answer.body) : answer.body;
    return { ...answer, body };
  }
}

/** The refs of `url` as forge uses them: HEAD, heads and tags (annotated tags peeled), and HEAD's branch. */
export async function lsRemote(url: string, options: LsRemoteOptions = {}): Promise<RemoteRefs> {
  try {
    const base = url.replace(/\/+$/, '');
    const target = `${base}/info/refs?service=${SERVICE}`;
    const headers: Record<string, string> = { ...options.headers };
    let answer = await get(target, headers, options);
    if ((answer.status === 401 || answer.status === 203) && options.token && sendsToken(url)) {
      headers.authorization = `Basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`;
      answer = await get(target, headers, options);
    }
    if (answer.status !== 200) throw coded('HttpError', `HTTP Error: ${answer.status}`, { statusCode: answer.status });
    let advertised;
    try {
      advertised = parseRefAdvertisement(answer.body, SERVICE);
    } catch (error) {
      // Not the advertisement of a smart HTTP server: a dumb server, or a web page.
      if (answer.headers['content-type'] !== `application/x-${SERVICE}-advertisement`) throw coded('SmartHttpError', 'not a smart HTTP Git server');
      throw error;
    }
    return refsOf(advertised.refs, advertised.capabilities);
  } catch (error) {
    throw translateRemoteError(error, url);
  }
}

function refsOf(advertised: Map<string, string>, capabilities: Set<string>): RemoteRefs {
  let head: string | null = null;
  for (const cap of capabilities) {
    const match = /^symref=HEAD:(.+)$/.exec(cap);
    if (match) head = match[1]!;
  }
  const refs: RemoteRef[] = [];
  for (const [name, oid] of advertised) {
    if (name.endsWith('^{}')) continue;
    if (name !== 'HEAD' && !name.startsWith('refs/heads/') && !name.startsWith('refs/tags/')) continue;
    refs.push({ name, commit: advertised.get(`${name}^{}`) ?? oid });
  }
  refs.sort((a, b) => comparePaths(a.name, b.name));
  return { refs, head };
}
