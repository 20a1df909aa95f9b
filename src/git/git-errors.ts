// Library errors become ForgeErrors here, by isomorphic-git error code, HTTP
// status or Node system error code; never by message text.

import { ForgeError, isForgeError } from '../errors.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

const OFFLINE_NOTE = "Meanwhile 'forge sync status --offline' works without reaching it.";
const NETWORK_HINT = `Check your network connection and the repository URL, then try again. ${OFFLINE_NOTE}`;

function timeoutText(error: unknown): string {
  const ms = Number((error as { timeoutMs?: unknown }).timeoutMs);
  return Number.isFinite(ms) ? (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`) : 'too long';
}

interface CodedError {
  code?: unknown;
  data?: { statusCode?: unknown };
}

/** Shows a repository URL to the user: no credentials, no trailing .git noise kept as given. */
export function displayRepository(url: string): string {
  return withoutCredentials(url);
}

/** `url` without a user name or password (any scheme URL parses; anything else is returned as it is). */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Translates an error raised while talking to `url` (listing refs or fetching). */
export function translateRemoteError(error: unknown, url: string): ForgeError {
  if (isForgeError(error)) return error;
  const repo = displayRepository(url);
  const coded = (error ?? {}) as CodedError;
  const code = typeof coded.code === 'string' ? coded.code : undefined;

  if (code === 'HttpError') {
    const status = Number(coded.data?.statusCode);
    if (status === 401 || status === 403) {
      return new ForgeError('E_AUTH', `Authentication refused by ${repo} (HTTP ${status}).`, {
        hint: 'Set GH_TOKEN (or GITHUB_TOKEN / FORGE_TOKEN) to a token that can read this repository.',
        data: { repository: repo, status },
        cause: error,
      });
    }
    if (status === 404) {
      return new ForgeError('E_REPO_NOT_FOUND', `Repository ${repo} was not found (HTTP 404).`, {
        hint: 'Check the repository in forge.yaml; for a private repository, set GH_TOKEN to a token that can read it.',
        data: { repository: repo, status },
        cause: error,
      });
    }
    return new ForgeError('E_NETWORK', `${repo} answered HTTP ${Number.isFinite(status) ? status : 'error'}.`, {
      hint: `Try again later; if it persists, check the repository URL. ${OFFLINE_NOTE}`,
      data: { repository: repo, status },
      cause: error,
    });
  }
  if (code === 'UserCanceledError') {
    return new ForgeError('E_AUTH', `Authentication refused by ${repo}.`, {
      hint: 'Set GH_TOKEN (or GITHUB_TOKEN / FORGE_TOKEN) to a token that can read this repository.',
      data: { repository: repo },
      cause: error,
    });
  }
  if (code === 'ETIMEDOUT') {
    return new ForgeError('E_NETWORK', `${repo} stopped answering (nothing received for ${timeoutText(error)}).`, {
      hint: NETWORK_HINT,
      data: { repository: repo, errno: code },
      cause: error,
    });
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new ForgeError('E_NETWORK', `Could not reach ${repo} (${code}).`, {
      hint: NETWORK_HINT,
      data: { repository: repo, errno: code },
      cause: error,
    });
  }
  if (code === 'PktLineError') {
    // Our own protocol check (pkt-line.ts): its message says what was missing.
    return new ForgeError('E_NETWORK', `${repo} sent an answer cut short (${(error as Error).message}).`, {
      hint: NETWORK_HINT,
      data: { repository: repo, errorCode: code },
      cause: error,
    });
  }
  if (code === 'SmartHttpError' || code === 'ParseError' || code === 'RemoteCapabilityError' || code === 'EmptyServerResponseError') {
    return new ForgeError('E_NETWORK', `${repo} did not answer like a Git server (${code}).`, {
      hint: 'Check that the repository URL points to a Git repository over HTTP(S).',
      data: { repository: repo, errorCode: code },
      cause: error,
    });
  }
  return new ForgeError('E_GIT', `Git operation on ${repo} failed${code ? ` (${code})` : ''}.`, {
    hint: 'Run again with DEBUG=forge for details.',
    data: { repository: repo, ...(code ? { errorCode: code } : {}) },
    cause: error,
  });
}

/** True for isomorphic-git's "object not found" family. */
export function isMissingObject(error: unknown): boolean {
  const code = (error as CodedError | null)?.code;
  return code === 'NotFoundError' || code === 'ENOENT' || code === 'ObjectTypeError';
}
