// The token forge sends to GitHub (API and Git over HTTPS): GH_TOKEN, GITHUB_TOKEN, FORGE_TOKEN
// (the first one set wins), else the gh CLI's own token when gh is installed and logged in, so
// a gh user needs no setup. `gh auth token` runs only when no variable is set and a `gh`
// executable is on PATH, with a timeout; any failure simply means "no token".

import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface TokenEnvironment {
  [name: string]: string | undefined;
}

export type TokenSource = 'GH_TOKEN' | 'GITHUB_TOKEN' | 'FORGE_TOKEN' | 'gh';

export interface ResolvedToken {
  token: string;
  source: TokenSource;
}

const VARIABLES = ['GH_TOKEN', 'GITHUB_TOKEN', 'FORGE_TOKEN'] as const;
const GH_TIMEOUT_MS = 10_000;

/** GH_TOKEN, GITHUB_TOKEN, FORGE_TOKEN: the first one set wins. */
export function tokenFromVariables(env: TokenEnvironment): ResolvedToken | null {
  for (const name of VARIABLES) {
    const value = env[name]?.trim();
    if (value) return { token: value, source: name };
  }
  return null;
}

/** The first executable named `name` on PATH, without running anything. */
export function findOnPath(name: string, env: TokenEnvironment): string | null {
  const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', '.bat'] : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const suffix of suffixes) {
      const candidate = join(dir, name + suffix);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** `gh auth token --hostname HOST`, or null when gh is missing, not logged in, or slow. */
export function tokenFromGh(host: string, env: TokenEnvironment): Promise<string | null> {
  const gh = findOnPath('gh', env);
  if (!gh) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(
      gh,
      ['auth', 'token', '--hostname', host],
      { env: { ...env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' } as NodeJS.ProcessEnv, timeout: GH_TIMEOUT_MS, encoding: 'utf8', windowsHide: true },
      (error, stdout) => {
        const token = stdout?.trim() ?? '';
        resolve(error || token === '' || /\s/.test(token) ? null : token);
      },
    );
  });
}

/** The variables first, then gh for `host`. */
export async function resolveToken(env: TokenEnvironment, host: string): Promise<ResolvedToken | null> {
  const fromEnv = tokenFromVariables(env);
  if (fromEnv) return fromEnv;
  const fromGh = await tokenFromGh(host, env);
  return fromGh ? { token: fromGh, source: 'gh' } : null;
}
