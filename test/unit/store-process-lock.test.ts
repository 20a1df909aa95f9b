import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireProcessLock } from '../../src/store/process-lock.js';

let forgeDir: string;
beforeEach(async () => {
  forgeDir = join(await mkdtemp(join(tmpdir(), 'forge-plock-')), '.forge');
});
afterEach(async () => {
  await rm(join(forgeDir, '..'), { recursive: true, force: true });
});

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

async function writeLock(pid: number, command = 'forge sync pull', host = hostname()): Promise<void> {
  await mkdir(forgeDir, { recursive: true });
  await writeFile(join(forgeDir, 'lock'), JSON.stringify({ pid, hostname: host, command, startedAt: '2024-01-15T10:30:00Z', token: 'x' }));
}

describe('one forge process at a time per repository', () => {
  it('writes pid, host, command and start time, and removes the lock on release', async () => {
    const lock = await acquireProcessLock(forgeDir, { command: 'forge sync pull' });
    const owner = JSON.parse(await readFile(join(forgeDir, 'lock'), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname(), command: 'forge sync pull' });
    expect(Number.isNaN(Date.parse(owner.startedAt))).toBe(false);
    await lock.release();
    expect(existsSync(join(forgeDir, 'lock'))).toBe(false);
    await lock.release(); // twice is fine
  });

  it('refuses while a live process holds it (E_BUSY, exit 1, names pid and command)', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeLock(sleeper.pid!, 'forge sync pull');
      const error = await acquireProcessLock(forgeDir, { command: 'forge sync status' }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'E_BUSY',
        exitCode: 1,
        message: `Another forge process (pid ${sleeper.pid}, 'forge sync pull') is working in this repository. Wait for it to finish, or delete .forge/lock if it is gone.`,
      });
      expect(JSON.parse(await readFile(join(forgeDir, 'lock'), 'utf8')).pid).toBe(sleeper.pid);
    } finally {
      sleeper.kill();
    }
  });

  it('a second acquire in the same process is refused until the first is released', async () => {
    const first = await acquireProcessLock(forgeDir, { command: 'forge add' });
    await expect(acquireProcessLock(forgeDir, { command: 'forge add' })).rejects.toMatchObject({ code: 'E_BUSY' });
    await first.release();
    const second = await acquireProcessLock(forgeDir, { command: 'forge add' });
    await second.release();
  });

  it('takes over a stale lock left by a dead process', async () => {
    await writeLock(deadPid());
    const lock = await acquireProcessLock(forgeDir, { command: 'forge sync pull' });
    expect(JSON.parse(await readFile(join(forgeDir, 'lock'), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('a lock held on another host is respected', async () => {
    await writeLock(deadPid(), 'forge sync push', 'some-other-host.invalid');
    await expect(acquireProcessLock(forgeDir, { command: 'x' })).rejects.toMatchObject({ code: 'E_BUSY', message: expect.stringContaining('on some-other-host.invalid') });
  });

  it('is released when the process is killed with SIGTERM, and the process still dies by the signal', async () => {
    const script = join(forgeDir, '..', 'holder.mts');
    await writeFile(
      script,
      `import { acquireProcessLock } from ${JSON.stringify(resolve('src/store/process-lock.ts'))};
await acquireProcessLock(${JSON.stringify(forgeDir)}, { command: 'forge sync pull' });
process.stdout.write('locked\\n');
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: resolve('.'), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((done, fail) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && done());
      child.on('exit', () => fail(new Error('holder exited early')));
    });
    expect(existsSync(join(forgeDir, 'lock'))).toBe(true);
    const exit = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    child.kill('SIGTERM');
    expect(await exit).toBe('SIGTERM');
    expect(existsSync(join(forgeDir, 'lock'))).toBe(false);
  });
});
