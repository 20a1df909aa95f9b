// The Octokit forge talks through: @octokit/rest 22 with the retry and throttling plugins, and a
// small plugin of forge's own. Loaded with a dynamic import, so only commands that reach GitHub
// pay for it (status --offline never does).
//
// - Every request carries X-GitHub-Api-Version: 2022-11-28 and a timeout (no request can hang).
// - 5xx answers, resets and timeouts are retried by plugin-retry with its growing delays (1, 4,
//   9 "seconds"), plus a random jitter of up to half that delay before each retry. 4xx answers
//   are never retried by it: 409 and 429 join its doNotRetry list (429 and rate-limited 403s are
//   the throttling plugin's; a 409 is an answer, not a hiccup).
// - Rate limits (primary: wait for x-ratelimit-reset; secondary: for retry-after) are waited out
//   by plugin-throttling, twice at most and never longer than 15 minutes; a wait of 10 seconds or
//   more is announced as a warning on stderr, shorter ones as debug lines.
// - Octokit's own logging goes to debug events (shown with --verbose), never to the console.
//
// `secondMs` is how long one "second" of waiting lasts: 1000, except in tests.

import type { Octokit } from '@octokit/rest';
import type { ProgressEvent } from '../core/ports.js';
import { redact } from '../errors.js';

export type GitHubClient = Octokit;

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  userAgent: string;
  /** Per request, including reading the body. */
  timeoutMs: number;
  secondMs: number;
  /** Retries of a failed (5xx, reset, timeout) request. */
  retries: number;
  emit: (event: ProgressEvent) => void;
}

const API_VERSION = '2022-11-28';
const MAX_RATE_LIMIT_WAIT_SECONDS = 15 * 60;
const ANNOUNCE_WAIT_SECONDS = 10;
const RATE_LIMIT_RETRIES = 2;

interface RequestOptionsShape {
  method?: string;
  url?: string;
  baseUrl?: string;
  headers: Record<string, string | number | undefined>;
  request?: { signal?: AbortSignal; retryCount?: number };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let clients = 0;
let clientClass: Promise<new (options: object) => Octokit> | undefined;

/** Octokit with forge's plugins, imported on first use. */
function loadClientClass(): Promise<new (options: object) => Octokit> {
  clientClass ??= (async () => {
    const [{ Octokit: Rest }, { retry }, { throttling }] = await Promise.all([
      import('@octokit/rest'),
      import('@octokit/plugin-retry'),
      import('@octokit/plugin-throttling'),
    ]);
    // Registered before retry, so its hook runs on every attempt (Octokit applies plugins in
    // order and the first hook registered is the innermost).
    const forgeDefaults = (octokit: Octokit, options: { forge?: { timeoutMs: number; secondMs: number; emit: ClientOptions['emit'] } }) => {
      const forge = options.forge;
      if (!forge) return {};
      octokit.hook.before('request', async (raw) => {
        const request = raw as unknown as RequestOptionsShape;
        request.headers['x-github-api-version'] ??= API_VERSION;
        request.request ??= {};
        const retryCount = request.request.retryCount ?? 0;
        if (retryCount > 0) {
          const jitter = Math.round(Math.random() * 0.5 * retryCount * retryCount * forge.secondMs);
          forge.emit({ type: 'debug', message: `GitHub: retry ${retryCount} of ${request.method} ${redact(String(request.url))} (+${jitter} ms jitter)` });
          await sleep(jitter);
        }
        request.request.signal = AbortSignal.timeout(forge.timeoutMs);
      });
      return {};
    };
    return Rest.plugin(forgeDefaults as never, retry, throttling) as unknown as new (options: object) => Octokit;
  })();
  return clientClass;
}

export async function createClient(options: ClientOptions): Promise<GitHubClient> {
  const Client = await loadClientClass();
  const { emit } = options;
  const debug = (message: string) => emit({ type: 'debug', message: `GitHub: ${redact(message)}` });
  const waitHandler = (kind: string) => (retryAfter: number, request: { method?: string; url?: string }, _octokit: unknown, retryCount: number) => {
    const what = `${request.method} ${request.url}`;
    if (retryCount >= RATE_LIMIT_RETRIES || retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS) {
      debug(`${kind} rate limit on ${what}: giving up (retry-after ${retryAfter} s)`);
      return false;
    }
    const line = `GitHub's ${kind} rate limit: waiting ${retryAfter} s before retrying ${what}`;
    if (retryAfter >= ANNOUNCE_WAIT_SECONDS) emit({ type: 'warning', message: line });
    else debug(line);
    return true;
  };
  return new Client({
    baseUrl: options.baseUrl,
    userAgent: options.userAgent,
    ...(options.token ? { auth: options.token } : {}),
    // plugin-request-log's info/error lines name method, path, status and time; its debug line says nothing more.
    log: { debug: () => {}, info: debug, warn: debug, error: debug },
    forge: { timeoutMs: options.timeoutMs, secondMs: options.secondMs, emit },
    retry: {
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
      retries: options.retries,
      retryAfterBaseValue: options.secondMs,
    },
    throttle: {
      // Keys the plugin's process-wide limiters (writes 1 s apart, notifying writes 3 s apart, as
      // GitHub asks): one key per client, so two clients never wait on each other.
      id: `forge-${options.baseUrl}-${++clients}`,
      retryAfterBaseValue: options.secondMs,
      onRateLimit: waitHandler('primary'),
      onSecondaryRateLimit: waitHandler('secondary'),
    },
  });
}
