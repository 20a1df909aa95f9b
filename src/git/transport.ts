// Git over HTTP for isomorphic-git: every request gets a timeout, the token (only where it may
// go), the user agent, and the upload-pack rewrite below.

import * as git from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import type { Oid } from '../core/model.js';
import type { CacheRepo } from './cache-repo.js';

export interface GitRequestEvent {
  repository: string;
  method: string;
  /** The request URL (never carries credentials). */
  url: string;
  transport: 'isomorphic-git' | 'native-git';
}

export interface TransportOptions {
  /** Sent only over https (or http to a loopback host), as username x-access-token. */
  token?: string;
  userAgent?: string;
  /** Called for every HTTP request isomorphic-git makes, and once per native git fetch. */
  onRequest?: (event: GitRequestEvent) => void;
  /** Time allowed until a server starts answering a request (ms). Default 60 000. */
  requestTimeoutMs?: number;
}

type HttpRequest = Parameters<typeof nodeHttp.request>[0];
export type HttpClient = { request(request: HttpRequest): ReturnType<typeof nodeHttp.request> };

export interface Transport {
  /** isomorphic-git's `http` for requests to `repo`. */
  http(repo: CacheRepo): HttpClient;
  /** isomorphic-git's `onAuth`, when a token may be sent to `url`. */
  auth(url: string): { onAuth?: () => { username: string; password: string } };
  /** The token to give native git for `url`, if any. */
  tokenFor(url: string): string | undefined;
  headers(): Record<string, string>;
  /**
   * One request where forge speaks smart HTTP itself (push): the token goes in an Authorization
   * header up front (as native git sends it), the whole answer is read. Throws isomorphic-git's
   * HttpError for a status other than 200, so errors translate as for its own requests.
   */
  exchange(repo: CacheRepo, request: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; body?: Buffer }): Promise<{ headers: Record<string, string>; body: Buffer }>;
  userAgent: string | undefined;
  onRequest: ((event: GitRequestEvent) => void) | undefined;
}

/** The token goes over https, or plain http to this machine (the loopback test and demo servers). */
export function sendsToken(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return true;
  return parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
}

export function createTransport(options: TransportOptions): Transport {
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const headers: Record<string, string> = options.userAgent ? { 'user-agent': options.userAgent } : {};
  const tokenFor = (url: string) => (options.token && sendsToken(url) ? options.token : undefined);
  return {
    http(repo) {
      return {
        async request(request: HttpRequest) {
          options.onRequest?.({ repository: repo.repository, method: request.method ?? 'GET', url: request.url, transport: 'isomorphic-git' });
          const controller = new AbortController();
          let timedOut = false;
          const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs);
          try {
            const signal = request.signal ? AbortSignal.any([request.signal as AbortSignal, controller.signal]) : controller.signal;
            const body =
              request.method === 'POST' && request.url.endsWith('/git-upload-pack')
                ? (rewriteUploadPackRequest(request.body, repo.extraWants) as HttpRequest['body'])
                : request.body;
            return await nodeHttp.request({ ...request, ...(body === undefined ? {} : { body }), signal });
          } catch (error) {
            if (timedOut) throw Object.assign(new Error(`No answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT', cause: error });
            throw error;
          } finally {
            clearTimeout(timer);
          }
        },
      };
    },
    auth(url) {
      const token = tokenFor(url);
      return token ? { onAuth: () => ({ username: 'x-access-token', password: token }) } : {};
    },
    tokenFor,
    headers: () => ({ ...headers }),
    async exchange(repo, request) {
      const token = tokenFor(request.url);
      const response = await this.http(repo).request({
        method: request.method,
        url: request.url,
        headers: {
          ...headers,
          ...(token ? { authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}` } : {}),
          ...request.headers,
        },
        ...(request.body ? { body: [request.body] as unknown as HttpRequest['body'] } : {}),
      });
      const chunks: Buffer[] = [];
      if (response.body) for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
      const body = Buffer.concat(chunks);
      if (response.statusCode !== 200) throw new git.Errors.HttpError(response.statusCode, response.statusMessage, body.toString('utf8').slice(0, 500));
      return { headers: response.headers ?? {}, body };
    },
    userAgent: options.userAgent,
    onRequest: options.onRequest,
  };
}

/**
 * Rewrites isomorphic-git's upload-pack request (the first pkt-line is `want OID capabilities`):
 *
 * - adds the `thin-pack` capability, which isomorphic-git leaves out so that canonical git can
 *   read its packs. Without it, a shallow fetch into a cache that already holds an older version
 *   gets every file again instead of only the changed ones (measured: 9.1 MB instead of 1.25 MB).
 *   Only isomorphic-git reads packs it fetched (native git writes only into an empty cache), and
 *   it resolves a thin pack's external bases from the objects it has.
 * - adds `want` lines for more commits, so several refs (components at different versions of one
 *   repository) arrive in one fetch; isomorphic-git's fetch asks for one ref only. Over smart
 *   HTTP, git and GitHub accept any commit reachable from a ref in a want.
 */
// isomorphic-git types the body as an async iterator; fetch passes an array of one buffer.
export function rewriteUploadPackRequest(body: unknown, extraWants: readonly Oid[]): unknown {
  if (!Array.isArray(body)) return body;
  const bytes = Buffer.concat(body.map((chunk: Uint8Array) => Buffer.from(chunk)));
  const length = Number.parseInt(bytes.subarray(0, 4).toString('latin1'), 16);
  if (!Number.isFinite(length) || length < 5 || length > bytes.length) return [bytes];
  const line = bytes.subarray(4, length).toString('latin1');
  if (!line.startsWith('want ')) return [bytes];
  const patched = / thin-pack(\s|$)/.test(line) ? line : `${line.replace(/\n$/, '')} thin-pack\n`;
  const pkt = (text: string) => `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
  const wanted = line.slice(5, 45);
  const extra = [...new Set(extraWants)].filter((oid) => oid !== wanted).map((oid) => pkt(`want ${oid}\n`));
  return [Buffer.concat([Buffer.from(pkt(patched) + extra.join(''), 'latin1'), bytes.subarray(length)])];
}
