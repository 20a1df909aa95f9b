// Native git where it is several times faster than isomorphic-git: the first, heavy transfer
// into an empty cache repository (isomorphic-git also holds the whole pack in memory), many blob
// reads at once, building a commit (fast-import) and packing the objects of a push. Every caller
// falls back to isomorphic-git when git is missing or fails, and isomorphic-git gives the
// structured errors.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { idleTimer } from './idle-timer.js';

export interface NativeGitRun {
  code: number;
  stderr: string;
  /** Killed after going `idleMs` without a byte of output (a stalled remote). */
  timedOut?: boolean;
}

/**
 * Runs `sh -c WATCHDOG forge-git git ARGS…` in a process group of its own: git runs in the
 * background while a watcher reads fd 3, a pipe only forge holds. When forge dies (even by
 * kill -9) the pipe closes, the read ends, and the watcher kills the whole group: git and every
 * process git started (remote helpers, index-pack). When git ends first, the watcher is stopped
 * and git's exit status is passed on.
 */
const WATCHDOG = [
  'exec 4<&0',
  '"$@" <&4 4<&- 3<&- &',
  'child=$!',
  'exec 4<&-',
  '( while read -r _; do :; done <&3; kill -TERM 0 ) >/dev/null 2>&1 4<&- &',
  'watcher=$!',
  'exec 3<&-',
  "trap 'kill -TERM 0' HUP INT TERM",
  'wait "$child"',
  'status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

type Stdio = ['ignore' | 'pipe', 'pipe' | 'ignore', 'pipe' | 'ignore'];

/** Spawns git so that it cannot outlive forge (see WATCHDOG; plain spawn where there is no sh). */
export function spawnGit(args: string[], options: { env?: NodeJS.ProcessEnv; stdio: Stdio }): ChildProcess {
  return spawnWatched('git', args, options);
}

/** Any command under the same watchdog (ssh for a push over ssh). */
export function spawnWatched(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdio: Stdio }): ChildProcess {
  const env = { ...process.env, ...options.env };
  if (process.platform === 'win32') return spawn(command, args, { env, stdio: options.stdio });
  const spawnOptions: SpawnOptions = { env, stdio: [...options.stdio, 'pipe'], detached: true };
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'forge-git', command, ...args], spawnOptions);
  // fd 3 only has to stay open while git runs; then our end goes too, so 'close' can come.
  child.once('exit', () => (child.stdio[3] as { destroy?: () => void } | null)?.destroy?.());
  return child;
}

/** Stops a git started by spawnGit, with everything it started. */
export function killGit(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

let versionProbe: Promise<boolean> | undefined;

/** True when `git` >= 2.38 is on PATH (probed once per process, asynchronously). */
export function nativeGitAvailable(): Promise<boolean> {
  versionProbe ??= run(['--version'], {}).then(
    (result) => {
      const match = /git version (\d+)\.(\d+)/.exec(result.stdout);
      if (result.code !== 0 || !match) return false;
      const [major, minor] = [Number(match[1]), Number(match[2])];
      return major > 2 || (major === 2 && minor >= 38);
    },
    () => false,
  );
  return versionProbe;
}

function run(args: string[], env: NodeJS.ProcessEnv, onStderr?: (chunk: string) => void, idleMs?: number): Promise<NativeGitRun & { stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const idle = idleTimer(idleMs, () => killGit(child));
    child.stdout!.on('data', (chunk: Buffer) => {
      idle.arm();
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      idle.arm();
      const text = chunk.toString();
      onStderr?.(text);
      // Keep the tail only: progress output can be long.
      stderr = (stderr + text).slice(-4000);
    });
    child.on('error', (error) => {
      idle.stop();
      reject(error);
    });
    child.on('close', (code) => {
      idle.stop();
      resolve({ code: code ?? 1, stdout, stderr, ...(idle.timedOut ? { timedOut: true } : {}) });
    });
  });
}

/** ssh as forge runs it: never a prompt, and a dead connection noticed within the timeout. */
export function sshOptions(timeoutSeconds = 60): string[] {
  const seconds = Math.max(1, Math.ceil(timeoutSeconds));
  const interval = Math.max(1, Math.min(15, Math.ceil(seconds / 3)));
  return ['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${seconds}`, '-o', `ServerAliveInterval=${interval}`, '-o', 'ServerAliveCountMax=3'];
}

export interface TransferOptions {
  token?: string;
  userAgent?: string;
  /** Seconds without data after which git gives up on the transfer (http.lowSpeedTime). Default 60. */
  timeoutSeconds?: number;
}

/**
 * The environment of a git that talks to a remote. The token travels in an Authorization header
 * set through GIT_CONFIG_* environment variables: never in argv (visible in `ps`), the URL or a
 * config file. Nothing may wait on a prompt.
 */
export function transferEnv(options: TransferOptions): NodeJS.ProcessEnv {
  const config: [string, string][] = [
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
    ['fetch.writeCommitGraph', 'false'],
    // Give up on a stalled transfer instead of hanging: below 1 KB/s for as long as forge waits
    // on its own requests.
    ['http.lowSpeedLimit', '1000'],
    ['http.lowSpeedTime', String(Math.max(1, Math.ceil(options.timeoutSeconds ?? 60)))],
  ];
  if (options.token) {
    const basic = Buffer.from(`x-access-token:${options.token}`).toString('base64');
    config.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
  }
  if (options.userAgent) config.push(['http.userAgent', options.userAgent]);
  const env: NodeJS.ProcessEnv = {
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GIT_CONFIG_COUNT: String(config.length),
  };
  // ssh must not ask for a password either; a user's own ssh command is theirs to configure.
  if (!process.env.GIT_SSH_COMMAND && !process.env.GIT_SSH) env.GIT_SSH_COMMAND = ['ssh', ...sshOptions(options.timeoutSeconds)].join(' ');
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

export interface NativeProgress {
  phase: string;
  loaded: number;
  total: number | null;
  bytes?: number;
}

const UNITS: Record<string, number> = { byte: 1, bytes: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/**
 * Reads git's progress output (`--progress` on stderr): lines ended by \r while they update,
 * e.g. `Receiving objects:  45% (450/1000), 1.20 MiB | 350.00 KiB/s` or
 * `remote: Compressing objects: 100% (2/2), done.`. Returns a function to feed chunks to.
 */
export function progressReader(onProgress: (progress: NativeProgress) => void): (chunk: string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk;
    const lines = pending.split(/[\r\n]/);
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^(?:remote: )?([A-Z][A-Za-z ]*?):\s+\d+% \((\d+)\/(\d+)\)(?:, ([\d.]+) (bytes?|KiB|MiB|GiB|TiB))?/.exec(line.trim());
      if (!match) continue;
      const progress: NativeProgress = { phase: match[1]!, loaded: Number(match[2]), total: Number(match[3]) };
      if (match[4]) progress.bytes = Math.round(Number(match[4]) * UNITS[match[5]!]!);
      onProgress(progress);
    }
  };
}

/** `git fetch` into the bare cache repository. */
export async function nativeFetch(options: TransferOptions & {
  gitdir: string;
  url: string;
  refspecs: string[];
  depth?: number;
  /** Turn a shallow cache into a full one (`--unshallow`). */
  unshallow?: boolean;
  /** git's own progress, read from its --progress output. */
  onProgress?: (progress: NativeProgress) => void;
}): Promise<NativeGitRun> {
  const args = [
    `--git-dir=${options.gitdir}`,
    'fetch',
    // Progress output also tells the watchdog below that the transfer is alive.
    '--progress',
    '--no-tags',
    '--no-write-fetch-head',
    '--update-head-ok',
    ...(options.depth ? [`--depth=${options.depth}`] : []),
    ...(options.unshallow ? ['--unshallow'] : []),
    '--',
    options.url,
    ...options.refspecs,
  ];
  // curl's http.lowSpeedTime ends a stalled HTTP transfer first; this catches ssh and local ones.
  const idleMs = 2 * 1000 * Math.max(1, options.timeoutSeconds ?? 60);
  const { code, stderr, timedOut } = await run(args, transferEnv(options), options.onProgress ? progressReader(options.onProgress) : undefined, idleMs);
  return { code, stderr, ...(timedOut ? { timedOut } : {}) };
}

/** `git ls-remote --symref URL`: every ref and HEAD's target (for ssh, where isomorphic-git cannot go). */
export async function nativeLsRemote(options: TransferOptions & { url: string }): Promise<NativeGitRun & { stdout: string }> {
  return run(['ls-remote', '--symref', '--', options.url], transferEnv(options), undefined, 1000 * Math.max(1, options.timeoutSeconds ?? 60));
}

/**
 * Runs git on a cache repository with `input` on stdin; resolves with stdout, or null when git
 * failed. No watchdog here: these commands read stdin to its end, so they end when forge does.
 */
function runOnRepo(gitdir: string, args: string[], input: Buffer): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [`--git-dir=${gitdir}`, ...args], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdin!.on('error', () => {}); // git died early: its exit code says so
    child.on('error', reject);
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(chunks) : null));
    child.stdin!.end(input);
  });
}

/**
 * Feeds a `git fast-import` stream (ending in `get-mark :1`, `ls :1 ""` and `done`) into the
 * cache repository; returns the commit of mark :1 and its tree, or null when fast-import refused.
 */
export async function nativeFastImport(gitdir: string, stream: Buffer): Promise<{ commit: string; tree: string } | null> {
  const out = await runOnRepo(gitdir, ['-c', 'gc.auto=0', 'fast-import', '--quiet', '--force', '--done'], stream);
  const match = /^([0-9a-f]{40})\n040000 tree ([0-9a-f]{40})\t\n?$/.exec(out?.toString('latin1') ?? '');
  return match ? { commit: match[1]!, tree: match[2]! } : null;
}

/** A pack of exactly these objects (deltas between them, none against others), or null. */
export function nativePackObjects(gitdir: string, oids: readonly string[]): Promise<Buffer | null> {
  return runOnRepo(gitdir, ['pack-objects', '--stdout', '-q'], Buffer.from(oids.map((oid) => `${oid}\n`).join(''), 'latin1'));
}

/**
 * Reads many blobs in one `git cat-file --batch` process: what takes isomorphic-git ~1.3 ms a
 * blob takes native git a few microseconds. Returns only the blobs it found.
 */
export function nativeReadBlobs(gitdir: string, oids: readonly string[]): Promise<Map<string, Uint8Array>> {
  return runOnRepo(gitdir, ['cat-file', '--batch'], Buffer.from(oids.join('\n') + '\n', 'latin1')).then((out) => {
    if (out === null) throw new Error('git cat-file --batch failed');
    const blobs = new Map<string, Uint8Array>();
    let at = 0;
    while (at < out.length) {
      const eol = out.indexOf(0x0a, at);
      if (eol < 0) break;
      const [oid, type, size] = out.subarray(at, eol).toString('utf8').split(' ');
      at = eol + 1;
      if (type === 'missing' || size === undefined) continue;
      const length = Number(size);
      if (type === 'blob' && oid) blobs.set(oid, new Uint8Array(out.subarray(at, at + length)));
      at += length + 1; // content, then its newline
    }
    return blobs;
  });
}
