// One error type for everything a user can see. Adapters translate library
// errors into ForgeError at their edge (by code or HTTP status, never by
// message text), so commands only ever map `exitCode` and print `message`.

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** A repository or API could not be reached, after retries. */
  unreachable: 3,
  auth: 4,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes: scripts may match on these, so never rename one. */
export type ErrorCode =
  // usage and input (exit 2)
  | 'E_USAGE'
  | 'E_MANIFEST_MISSING'
  | 'E_MANIFEST_INVALID'
  | 'E_LOCKFILE_INVALID'
  | 'E_LOCKFILE_TOO_NEW'
  | 'E_UNKNOWN_COMPONENT'
  | 'E_DUPLICATE_COMPONENT'
  | 'E_PATH_ESCAPES'
  | 'E_BAD_RANGE'
  | 'E_BAD_REPOSITORY'
  | 'E_NOT_GITHUB'
  | 'E_NO_IDENTITY'
  // work left for the user or a failure (exit 1)
  | 'E_NO_MATCHING_VERSION'
  | 'E_REF_NOT_FOUND'
  | 'E_COMMIT_NOT_FOUND'
  | 'E_PUSH_REJECTED'
  | 'E_COMPONENT_NOT_FOUND'
  | 'E_COMPONENT_AMBIGUOUS'
  | 'E_COMPONENT_INVALID'
  | 'E_LOCAL_CHANGES'
  | 'E_CONFLICTS'
  | 'E_NOT_LOCKED'
  | 'E_VERSION_CONFLICT'
  | 'E_DEPENDENCY_CYCLE'
  | 'E_DEPENDENCY_MISSING'
  | 'E_NAME_CLASH'
  | 'E_SYMLINK'
  | 'E_BUSY'
  | 'E_NETWORK'
  | 'E_REPO_NOT_FOUND'
  | 'E_GIT'
  | 'E_NOTHING_TO_UNDO'
  | 'E_NO_STASH'
  | 'E_NO_CONFLICTS'
  | 'E_REBASE_IN_PROGRESS'
  | 'E_NOT_INTERACTIVE'
  | 'E_STATE_INVALID'
  | 'E_FILESYSTEM'
  | 'E_INTERRUPTED'
  | 'E_DOWNGRADE'
  | 'E_GITHUB'
  | 'E_PR_EXISTS'
  | 'E_BRANCH_MOVED'
  | 'E_NOT_ON_REMOTE'
  | 'E_INTERNAL'
  // a repository or API could not be reached (exit 3): E_NETWORK and these
  | 'E_RATE_LIMITED'
  | 'E_FORK_NOT_READY'
  // authentication (exit 4)
  | 'E_AUTH';

const usageCodes = new Set<ErrorCode>([
  'E_USAGE',
  'E_MANIFEST_MISSING',
  'E_MANIFEST_INVALID',
  'E_LOCKFILE_INVALID',
  'E_LOCKFILE_TOO_NEW',
  'E_UNKNOWN_COMPONENT',
  'E_DUPLICATE_COMPONENT',
  'E_PATH_ESCAPES',
  'E_BAD_RANGE',
  'E_BAD_REPOSITORY',
  'E_NOT_GITHUB',
  'E_NO_IDENTITY',
]);

const unreachableCodes = new Set<ErrorCode>(['E_NETWORK', 'E_RATE_LIMITED', 'E_FORK_NOT_READY']);

export interface ForgeErrorOptions {
  /** What to do about it, one sentence. */
  hint?: string;
  /** Overrides the exit code derived from `code`. */
  exitCode?: ExitCodeValue;
  /** Structured detail for --json output (file, line, component, field...). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

export class ForgeError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ForgeErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ForgeError';
    this.code = code;
    this.hint = options.hint === undefined ? undefined : redact(options.hint);
    this.exitCode =
      options.exitCode ??
      (code === 'E_AUTH' ? ExitCode.auth : unreachableCodes.has(code) ? ExitCode.unreachable : usageCodes.has(code) ? ExitCode.usage : ExitCode.failed);
    this.data = options.data ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint ?? null, ...this.data };
  }
}

export function isForgeError(error: unknown): error is ForgeError {
  return error instanceof ForgeError;
}

/** Wraps anything thrown into a ForgeError without losing it (kept as `cause` for DEBUG=forge). */
export function toForgeError(error: unknown): ForgeError {
  if (error instanceof ForgeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ForgeError('E_INTERNAL', `Unexpected error: ${message}`, {
    hint: 'Run again with DEBUG=forge for details, and report it if it persists.',
    cause: error,
  });
}

// --- redaction -----------------------------------------------------------------

const secrets = new Set<string>();

/** Registers a secret (a token) so that no message forge prints can contain it. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

/** Removes registered secrets, URL credentials and token-shaped strings from text. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  // https://user:password@host  and  https://token@host
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
  // GitHub token shapes (classic, fine-grained, app, oauth)
  out = out.replace(/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '***');
  // Authorization headers that leaked into a message
  out = out.replace(/(authorization:\s*(?:token|bearer|basic)\s+)\S+/gi, '$1***');
  return out;
}
