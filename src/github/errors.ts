// Octokit's RequestError becomes a ForgeError here, by HTTP status and headers. GitHub's own
// words (the body's `message` and `errors[].message`) are quoted to the user, because they
// carry the reason (a branch protection rule, a missing scope), but never decide the code.

import { ForgeError, isForgeError } from '../errors.js';

export interface GitHubFailure {
  status: number;
  /** Response headers (lower-case names); absent when no response arrived. */
  headers: Record<string, string | undefined> | null;
  /** GitHub's message and its `errors[].message` lines, joined; '' when none. */
  message: string;
}

interface RequestErrorShape {
  status?: unknown;
  response?: { status?: unknown; headers?: Record<string, unknown>; data?: unknown };
  cause?: unknown;
}

/** Status, headers and GitHub's message of an Octokit error; null for anything that is not one. */
export function failureOf(error: unknown): GitHubFailure | null {
  const e = error as RequestErrorShape | null;
  if (!e || typeof e !== 'object' || typeof e.status !== 'number') return null;
  const response = e.response;
  const headers: Record<string, string | undefined> | null = response?.headers
    ? Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v === undefined ? undefined : String(v)]))
    : null;
  return { status: e.status, headers, message: bodyMessage(response?.data) };
}

function bodyMessage(data: unknown): string {
  if (typeof data === 'string') return data.trim().slice(0, 300);
  if (!data || typeof data !== 'object') return '';
  const body = data as { message?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (typeof body.message === 'string' && body.message.trim() !== '') parts.push(body.message.trim());
  if (Array.isArray(body.errors)) {
    for (const item of body.errors) {
      if (typeof item === 'string') parts.push(item);
      else if (item && typeof item === 'object' && typeof (item as { message?: unknown }).message === 'string') parts.push((item as { message: string }).message);
    }
  }
  return parts.join(': ').slice(0, 300);
}

/** True when GitHub refused for a rate limit (primary: remaining 0; secondary: retry-after; or 429). */
export function isRateLimited(failure: GitHubFailure): boolean {
  if (failure.status === 429) return true;
  if (failure.status !== 403 || !failure.headers) return false;
  return failure.headers['x-ratelimit-remaining'] === '0' || failure.headers['retry-after'] !== undefined;
}

export interface FailureContext {
  /** What forge was doing, for the message: "reading acme/tools", "opening a pull request on acme/tools". */
  doing: string;
  /** The API host, for messages about reaching it. */
  host: string;
  hasToken: boolean;
  /** The next step for a 404, 409 or 422 of this request. */
  hints?: Partial<Record<404 | 409 | 422, string>>;
  data?: Record<string, unknown>;
}

const TOKEN_HINT = 'Set GH_TOKEN (or GITHUB_TOKEN, FORGE_TOKEN) to a token with the repo scope, or log in with `gh auth login`.';

/** Translates an error thrown by an Octokit call into a ForgeError naming what failed and what to do. */
export function translateGitHubError(error: unknown, context: FailureContext): ForgeError {
  if (isForgeError(error)) return error;
  const failure = failureOf(error);
  const data = { ...context.data, ...(failure ? { status: failure.status } : {}) };
  if (!failure) {
    return new ForgeError('E_INTERNAL', `Unexpected failure while ${context.doing}: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'Run again with DEBUG=forge for details, and report it if it persists.',
      data,
      cause: error,
    });
  }
  const said = failure.message ? `: ${failure.message}` : '';
  const { status } = failure;
  if (isRateLimited(failure)) {
    const reset = Number(failure.headers?.['x-ratelimit-reset']);
    const when = Number.isFinite(reset) && reset > 0 ? ` The limit resets at ${new Date(reset * 1000).toISOString()}.` : '';
    return new ForgeError('E_RATE_LIMITED', `GitHub's rate limit stopped forge while ${context.doing} (HTTP ${status}).${when}`, {
      hint: context.hasToken ? 'Wait for the limit to reset, then run the command again.' : `Wait, or authenticate: ${TOKEN_HINT}`,
      data,
      cause: error,
    });
  }
  if (failure.headers === null || status >= 500) {
    // No response at all (reset, refused, timed out), or the server failed: after the retries.
    const reason = failure.headers === null ? `could not be reached${causeCode(error)}` : `answered HTTP ${status}`;
    return new ForgeError('E_NETWORK', `The GitHub API at ${context.host} ${reason} while ${context.doing}.`, {
      hint: 'Check your network connection and try again later.',
      data,
      cause: error,
    });
  }
  if (status === 401) {
    return new ForgeError('E_AUTH', `GitHub (${context.host}) ${context.hasToken ? 'rejected the token' : 'needs a token'} for ${context.doing}.`, {
      hint: context.hasToken ? `The token may have expired or been revoked. ${TOKEN_HINT}` : TOKEN_HINT,
      data,
      cause: error,
    });
  }
  if (status === 403) {
    return new ForgeError('E_AUTH', `GitHub refused ${context.doing} (HTTP 403${said}).`, {
      hint: context.hasToken ? 'The token lacks a permission this needs (classic tokens: repo, and workflow for workflow files).' : TOKEN_HINT,
      data,
      cause: error,
    });
  }
  if (status === 404) {
    return new ForgeError('E_REPO_NOT_FOUND', `GitHub found nothing while ${context.doing} (HTTP 404).`, {
      hint: context.hints?.[404] ?? (context.hasToken ? 'Check the name; for a private repository the token must be able to read it.' : `Check the name; for a private repository: ${TOKEN_HINT}`),
      data,
      cause: error,
    });
  }
  const hint = status === 409 || status === 422 ? context.hints?.[status] : undefined;
  return new ForgeError('E_GITHUB', `GitHub refused ${context.doing} (HTTP ${status}${said}).`, {
    hint: hint ?? 'Fix what GitHub names above, then run the command again.',
    data,
    cause: error,
  });
}

function causeCode(error: unknown): string {
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; cause && depth < 4; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return ` (${code})`;
    const name = (cause as { name?: unknown }).name;
    if (name === 'TimeoutError') return ' (timed out)';
    cause = (cause as { cause?: unknown }).cause;
  }
  return '';
}
