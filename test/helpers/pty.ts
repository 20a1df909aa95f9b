/**
 * Runs a command under a real pseudo-terminal (python3's pty module) and drives it with keys, the
 * way a person at a terminal would:
 *
 *   const r = await runInPty(['node', 'bin/run.js', 'sync', 'resolve', 'x', '--interactive'], {
 *     cwd, env,
 *     steps: [{ expect: /Conflict 1\/2/, send: '' }, { expect: 'Choose resolution', send: KEYS.down + KEYS.enter }],
 *   });
 *   r.code; r.output;   // exit code and everything the terminal showed (ANSI escapes stripped)
 *
 * Each step waits (up to `stepTimeoutMs`) until `expect` appears in output not yet consumed by an
 * earlier step, pauses briefly so the prompt has switched the terminal to raw mode, then types
 * `send`. Asynchronous (child_process.spawn), so it is safe next to the in-process git server.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './fixtures.js';

export const KEYS = { up: '\x1b[A', down: '\x1b[B', enter: '\r' } as const;

export interface PtyStep {
  expect: string | RegExp;
  send: string;
}

export interface PtyRun {
  /** Exit code of the command; 124 when a step timed out (the command is killed). */
  code: number;
  /** Terminal output, ANSI escape sequences removed. */
  output: string;
  /** Terminal output as the program wrote it (escape sequences and carriage returns kept). */
  raw: string;
  /** The step that timed out (steps.length: the command did not exit after the last step), if any. */
  timedOutAt: number | null;
}

const DRIVER = String.raw`
import json, os, pty, re, select, signal, sys, time
cfg = json.load(open(sys.argv[1]))
ansi = re.compile(r'\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r')
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cfg['argv'][0], cfg['argv'])
raw = b''
def pump(timeout):
    global raw
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return False
    if not chunk:
        return False
    raw += chunk
    return True
def text():
    return ansi.sub('', raw.decode('utf-8', 'replace'))
pos = 0
timed_out = None
alive = True
for i, step in enumerate(cfg['steps']):
    pattern = re.compile(step['expect'])
    deadline = time.time() + cfg['stepTimeout']
    while True:
        m = pattern.search(text(), pos)
        if m:
            pos = m.end()
            break
        if not alive or time.time() > deadline:
            timed_out = i
            break
        alive = pump(0.05)
    if timed_out is not None:
        break
    time.sleep(0.2)
    os.write(fd, step['send'].encode())
if timed_out is not None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
deadline = time.time() + cfg['stepTimeout']
while alive and time.time() < deadline:
    alive = pump(0.1)
if alive:
    timed_out = len(cfg['steps'])
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
_, status = os.waitpid(pid, 0)
code = 124 if timed_out is not None else (os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
json.dump({'code': code, 'output': text(), 'raw': raw.decode('utf-8', 'replace'), 'timedOutAt': timed_out}, open(cfg['result'], 'w'))
`;

export async function runInPty(
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; steps: PtyStep[]; stepTimeoutMs?: number },
): Promise<PtyRun> {
  const dir = await tempDir('forge-pty-');
  const driver = join(dir, 'driver.py');
  const config = join(dir, 'config.json');
  const result = join(dir, 'result.json');
  await writeFile(driver, DRIVER);
  const steps = options.steps.map((s) => ({ expect: typeof s.expect === 'string' ? s.expect.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : s.expect.source, send: s.send }));
  await writeFile(config, JSON.stringify({ argv, steps, stepTimeout: (options.stepTimeoutMs ?? 20_000) / 1000, result }));
  await new Promise<void>((resolve, reject) => {
    const child = spawn('python3', [driver, config], { cwd: options.cwd, env: { TERM: 'xterm-256color', COLUMNS: '120', LINES: '40', ...options.env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pty driver exited with ${code}`))));
  });
  return JSON.parse(await readFile(result, 'utf8')) as PtyRun;
}
