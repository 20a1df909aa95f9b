// The one place that builds real adapters. Everything is lazy where it can be: `status
// --offline` never builds the git adapter, a command loads it (and isomorphic-git) only when it
// first reaches an upstream, and Octokit only when it makes its first GitHub request.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ForgeError, registerSecret } from './errors.js';
import { configureAddresses } from './core/repository.js';
import { createLazyGitAdapter } from './git/lazy-adapter.js';
import { createWorktree } from './git/worktree.js';
import { createBlobStore } from './store/blobs.js';
import { checkForgeDir } from './store/forge-dir.js';
import { createLockStore } from './store/lockfile.js';
import { createManifestStore, MANIFEST_FILE } from './store/manifest.js';
import { createParsedCache } from './store/parsed-cache.js';
import { acquireProcessLock } from './store/process-lock.js';
import { createStateStore } from './store/state.js';
import { createTreeIndex } from './store/tree-index.js';
import type { EngineContext } from './sync/engine-context.js';
import type { GitPort, Reporter } from './core/ports.js';
import type { GitHubPort } from './core/github.js';
import type { ConsumerRepoPort } from './core/consumer-repo.js';
import { createGitHubAdapter } from './github/github-adapter.js';
import { createHostResolver } from './github/hosts.js';
import { tokenFromGh, tokenFromVariables } from './github/token.js';
import { readIdentity } from './git/identity.js';

export interface Environment {
  [name: string]: string | undefined;
}

/** GH_TOKEN, GITHUB_TOKEN, FORGE_TOKEN: the first one set wins. */
export function tokenFrom(env: Environment): string | undefined {
  return tokenFromVariables(env)?.token;
}

/** The variables, else (for commands that go online) the gh CLI's token for GH_HOST or github.com. */
async function resolveToken(env: Environment, offline: boolean): Promise<string | undefined> {
  const fromEnv = tokenFrom(env);
  if (fromEnv || offline) return fromEnv;
  return (await tokenFromGh(createHostResolver(env).defaultHost, env)) ?? undefined;
}

/** A positive integer from the environment, else the default. */
function envNumber(env: Environment, name: string, fallback: number): number {
  const value = Number(env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * FORGE_HTTP_TIMEOUT_MS: how long a Git request may go without the server sending anything
 * (default 60 000); FORGE_HTTP_RETRIES: how many times a failed request is tried again (default 4).
 */
export function httpSettingsFrom(env: Environment): { requestTimeoutMs?: number; retries?: number } {
  const number = (name: string, min: number): number | undefined => {
    const text = env[name]?.trim();
    if (!text) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      throw new ForgeError('E_USAGE', `${name} must be a whole number of at least ${min}, not '${text}'.`, { hint: `Unset ${name} to use the default.` });
    }
    return value;
  };
  const requestTimeoutMs = number('FORGE_HTTP_TIMEOUT_MS', 1);
  const retries = number('FORGE_HTTP_RETRIES', 0);
  return { ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }), ...(retries === undefined ? {} : { retries }) };
}

export function cacheDirFrom(env: Environment): string {
  if (env.FORGE_CACHE_DIR) return resolve(env.FORGE_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'forge');
  return join(homedir(), '.cache', 'forge');
}

/** The folder holding forge.yaml: the current one or the nearest parent, as npm and cargo look for theirs. */
export function findRoot(cwd: string): string | null {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, MANIFEST_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export interface ContextOptions {
  /** Commands that never reach upstreams skip loading the git adapter (and isomorphic-git). */
  offline?: boolean;
  root: string;
  env: Environment;
  reporter: Reporter;
  concurrency?: number;
  /** The command commits to and pushes from the repository of forge.yaml (pull --pr). */
  consumerRepo?: boolean;
}

export async function buildContext(options: ContextOptions): Promise<EngineContext> {
  const consumerModule = options.consumerRepo ? await import('./git/consumer-repo.js') : null;
  const { root, env } = options;
  const forgeDir = join(root, '.forge');
  const token = await resolveToken(env, options.offline === true);
  registerSecret(token);
  // ORG/REPO means GH_HOST when set; relative local paths start at the folder of forge.yaml.
  configureAddresses({ ...(env.GH_HOST ? { defaultHost: env.GH_HOST } : {}), baseDir: root, homeDir: homedir() });
  let git: GitPort | undefined;
  let github: GitHubPort | undefined;
  let consumer: ConsumerRepoPort | undefined;
  await checkForgeDir(forgeDir);
  const blobs = createBlobStore(join(forgeDir, 'blobs'));
  const trees = createTreeIndex(join(forgeDir, 'trees'));
  return {
    manifest: createManifestStore(root, createParsedCache(join(forgeDir, 'parsed', 'forge.yaml.json'))),
    lock: createLockStore(root, createParsedCache(join(forgeDir, 'parsed', 'forge.lock.yaml.json'))),
    state: createStateStore(forgeDir, { trees, blobs }),
    blobs,
    trees,
    worktree: createWorktree({ root, statCacheDir: join(forgeDir, 'stat-cache'), stagingDir: join(forgeDir, 'staging') }),
    git: () => {
      if (options.offline) throw new ForgeError('E_INTERNAL', 'This command works offline, yet it needed an upstream repository.', { hint: 'Report this; run the command without --offline meanwhile.' });
      // The adapter (isomorphic-git) loads on first use: undo, resolve or remove never need it.
      git ??= createLazyGitAdapter({
        cacheDir: cacheDirFrom(env),
        ...(token ? { token } : {}),
        nativeGit: env.FORGE_NATIVE_GIT === '0' ? false : 'auto',
        ...httpSettingsFrom(env),
        onProgress: (event) => options.reporter.emit(event),
      });
      return git;
    },
    github: () => {
      const http = httpSettingsFrom(env);
      github ??= createGitHubAdapter({
        env,
        ...(token ? { token } : {}),
        userAgent: 'forge',
        emit: (event) => options.reporter.emit(event),
        timeoutMs: http.requestTimeoutMs ?? 30_000,
        ...(http.retries === undefined ? {} : { retries: http.retries }),
        // Tests only: how long one "second" of GitHub waiting (retries, rate limits, a new fork) lasts.
        secondMs: envNumber(env, 'FORGE_TEST_SECOND_MS', 1000),
      });
      return github;
    },
    consumer: () => {
      if (!consumerModule) throw new ForgeError('E_INTERNAL', 'This command works offline, yet it needed the repository of forge.yaml.', { hint: 'Report this.' });
      consumer ??= consumerModule.createConsumerRepo({
        root,
        cacheDir: cacheDirFrom(env),
        ...(token ? { token } : {}),
        nativeGit: env.FORGE_NATIVE_GIT !== '0',
        ...httpSettingsFrom(env),
        onProgress: (event) => options.reporter.emit(event),
      });
      return consumer;
    },
    identity: () => readIdentity(root, env),
    clock: { now: () => new Date() },
    reporter: options.reporter,
    concurrency: options.concurrency ?? 8,
    ...(env.FORGE_TEST_KILL_AT
      ? {
          // Crash-safety tests only: die like kill -9 at the named point of a write.
          faults: { at: (point: string) => (point === env.FORGE_TEST_KILL_AT ? process.kill(process.pid, 'SIGKILL') : undefined) },
        }
      : {}),
  };
}

/** Finds the workspace or says how to make one. */
export function requireRoot(cwd: string): string {
  const root = findRoot(cwd);
  if (!root) {
    throw new ForgeError('E_MANIFEST_MISSING', `No forge.yaml in ${cwd} or any parent folder.`, {
      hint: "Run 'forge init' to start one here.",
    });
  }
  return root;
}

export async function lockWorkspace(root: string, command: string) {
  return acquireProcessLock(join(root, '.forge'), { command });
}
