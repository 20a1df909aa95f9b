// Native git where it is several times faster than isomorphic-git: the first, heavy transfer
// into an empty cache repository (isomorphic-git also holds the whole pack in memory), many blob
// reads at once, building a commit (fast-import) and packing the objects of a push. Every caller
// falls back to isomorphic-git when git is missing or fails, and isomorphic-git gives the
// structured errors.

import { spawn } from 'node:child_process';

export interface NativeGitRun {
  code: number;
  stderr: string;
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

function run(args: string[], env: NodeJS.ProcessEnv): Promise<NativeGitRun & { stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      // Keep the tail only: progress output can be long.
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * `git fetch` into the bare cache repository. The token travels in an
 * Authorization header set through GIT_CONFIG_* environment variables: never in
 * argv (visible in `ps`), the URL or a config file.
 */
export async function nativeFetch(options: {
  gitdir: string;
  url: string;
  refspecs: string[];
  depth?: number;
  token?: string;
  userAgent?: string;
}): Promise<NativeGitRun> {
  const config: [string, string][] = [
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
    ['fetch.writeCommitGraph', 'false'],
    // Give up on a stalled transfer instead of hanging: below 1 KB/s for 60 s.
    ['http.lowSpeedLimit', '1000'],
    ['http.lowSpeedTime', '60'],
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
    // A user's insteadOf rule may turn the URL into ssh: never wait on a prompt there either.
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  const args = [
    `--git-dir=${options.gitdir}`,
    'fetch',
    '--quiet',
    '--no-tags',
    '--no-write-fetch-head',
    '--update-head-ok',
    ...(options.depth ? [`--depth=${options.depth}`] : []),
    '--',
    options.url,
    ...options.refspecs,
  ];
  const { code, stderr } = await run(args, env);
  return { code, stderr };
}

/** Runs git on a cache repository with `input` on stdin; resolves with stdout, or null when git failed. */
function runOnRepo(gitdir: string, args: string[], input: Buffer): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [`--git-dir=${gitdir}`, ...args], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdin.on('error', () => {}); // git died early: its exit code says so
    child.on('error', reject);
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(chunks) : null));
    child.stdin.end(input);
  });
}

/**
 * Feeds a `git fast-import` stream (ending in `get-mark :1` and `done`) into the cache repository;
 * returns the id of mark :1, or null when fast-import refused the stream.
 */
export async function nativeFastImport(gitdir: string, stream: Buffer): Promise<string | null> {
  const out = await runOnRepo(gitdir, ['-c', 'gc.auto=0', 'fast-import', '--quiet', '--force', '--done'], stream);
  const oid = out?.toString('latin1').trim() ?? '';
  return /^[0-9a-f]{40}$/.test(oid) ? oid : null;
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
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitdir, 'cat-file', '--batch'], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`git cat-file --batch exited with ${code}`));
      const out = Buffer.concat(chunks);
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
      resolve(blobs);
    });
    child.stdin.end(oids.join('\n') + '\n');
  });
}
