/**
 * Runs the built CLI (dist/, via bin/run.js) as a user would: a child process with its own
 * environment, asynchronously (the loopback git server lives in the test process, so a
 * synchronous spawn would deadlock). `npm test` builds first; after editing src/, run
 * `npm run build` before running one integration file by hand.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface ForgeRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = any>(): T;
}

export interface ForgeRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Text for stdin; stdin is closed (not a TTY) in every case. */
  input?: string;
}

export function forge(args: string[], options: ForgeRunOptions): Promise<ForgeRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
    // vitest sets NODE_ENV=test, which makes oclif look for TypeScript sources; users never run that way.
    delete env.NODE_ENV;
    delete env.GH_TOKEN;
    delete env.GITHUB_TOKEN;
    delete env.FORGE_TOKEN;
    delete env.GITHUB_ACTIONS;
    delete env.GITHUB_OUTPUT;
    delete env.GITHUB_STEP_SUMMARY;
    for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.stdin.end(options.input ?? '');
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal === 'SIGKILL' ? 137 : 1),
        stdout,
        stderr,
        json: () => {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`forge ${args.join(' ')} did not print JSON.\nstdout: ${stdout}\nstderr: ${stderr}`);
          }
        },
      }),
    );
  });
}
