// What forge prints, through the built binary against real git over loopback HTTP:
// -q/--quiet and -v/--verbose on every command, colour only where the terminal and the
// environment allow it (FORCE_COLOR, NO_COLOR, TERM=dumb), the progress line only on a TTY,
// and dev edit writing JSON the way the file was written.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { runInPty } from '../helpers/pty.js';

vi.setConfig({ testTimeout: 180_000 });

const NAME = 'widget';
const DIR = 'comp/widget';
const SETTINGS = '{"name": "widget", "limits": {"max": 5, "min": 1}}\n';
const FILES = { [`${DIR}/component.yaml`]: 'name: widget\nversion: 1.0.0\n', [`${DIR}/settings.json`]: SETTINGS, [`${DIR}/main.txt`]: 'one\ntwo\nthree\n' };
const ESC = '\u001b[';

let server: GitServer;
let url: string;
let cache: string;

const env = (extra: NodeJS.ProcessEnv = {}) => ({ FORGE_CACHE_DIR: cache, ...extra });
const run = (cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}) => forge(args, { cwd, env: env(extra) });
const bin = join(import.meta.dirname, '../../bin/run.js');

/** A person at a terminal: no CI, our cache. */
function terminalEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, FORGE_CACHE_DIR: cache };
  for (const k of ['NODE_ENV', 'CI', 'NO_COLOR', 'FORCE_COLOR', 'GITHUB_ACTIONS', 'GH_TOKEN', 'GITHUB_TOKEN', 'FORGE_TOKEN']) delete e[k];
  return { ...e, ...extra };
}

async function workspace(): Promise<string> {
  const dir = await tempDir('forge-out-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  expect((await run(dir, ['init', '-q'])).code).toBe(0);
  return dir;
}

/** An upstream of its own, for a test that releases new versions (tests run concurrently). */
async function ownUpstream(name: string): Promise<string> {
  await makeRepo(server.root, name, { files: FILES, tag: 'v1.0.0' });
  return `${server.url}/${name}.git`;
}

async function installed(from = url): Promise<string> {
  const dir = await workspace();
  const added = await run(dir, ['add', from, NAME, '--version', '^1.0.0', '--path', DIR, '-q']);
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  return dir;
}

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-out-cache-');
  await makeRepo(server.root, 'widgets', { files: FILES, tag: 'v1.0.0' });
  url = `${server.url}/widgets.git`;
});

afterAll(async () => {
  await server?.stop();
  await cleanupTempDirs();
});

describe.concurrent('--quiet', () => {
  it('a command that works prints nothing; without -q it says what it did', async () => {
    const dir = await workspace();
    const quiet = await run(dir, ['add', url, NAME, '--path', DIR, '-q']);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await readFile(join(dir, DIR, 'main.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    const other = await workspace();
    const loud = await run(other, ['add', url, NAME, '--path', DIR]);
    expect(loud.stdout).toMatch(/Installed widget 1\.0\.0 .* into comp\/widget/);
    expect(loud.stdout).toContain('✓ Added widget to forge.yaml');
  });

  it('what you asked for is still printed: status, diff', async () => {
    const dir = await installed();
    await writeFile(join(dir, DIR, 'main.txt'), 'one\n2\nthree\n');
    const status = await run(dir, ['sync', 'status', '-q', '--offline']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/widget\s+modified/);
    const diff = await run(dir, ['dev', 'diff', '--quiet']);
    expect(diff.stdout).toContain('-two\n+2');
  });

  it('work left for you is still explained, with exit 1', async () => {
    const dir = await installed(await ownUpstream('blocked'));
    await writeFile(join(dir, DIR, 'main.txt'), 'local edit\n');
    await commitToRepo(server.root, 'blocked', { files: { [`${DIR}/main.txt`]: 'one\ntwo\nthree\nfour\n' }, tag: 'v1.0.1' });
    const pulled = await run(dir, ['sync', 'pull', NAME, '-q']);
    expect(pulled.code).toBe(1);
    expect(pulled.stdout).toContain("Component 'widget' has local changes");
    expect(pulled.stdout).toContain(`forge sync pull ${NAME} --merge`);
  });
});

describe.concurrent('--verbose', () => {
  it('adds what forge does on the way to stderr and leaves stdout alone', async () => {
    const dir = await installed();
    const plain = await run(dir, ['sync', 'status']);
    const verbose = await run(dir, ['sync', 'status', '-v']);
    expect(verbose.code).toBe(0);
    expect(verbose.stdout.replace(/\d+[smhd] ago|just now/g, 'T')).toBe(plain.stdout.replace(/\d+[smhd] ago|just now/g, 'T'));
    expect(verbose.stderr).toContain(`debug: workspace ${dir}`);
    expect(verbose.stderr).toContain(`Listing refs of ${url.replace('http://', '').replace(/\.git$/, '')}`);
  });

  it('under --json stdout stays pure JSON; the detail goes to stderr', async () => {
    const dir = await installed();
    const r = await run(dir, ['sync', 'status', '--json', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.json().components[0].name).toBe(NAME);
    expect(r.stderr).toContain('debug: workspace');
  });
});

describe.concurrent('colour', () => {
  const edited = async () => {
    const dir = await installed();
    await writeFile(join(dir, DIR, 'main.txt'), 'one\n2\nthree\n');
    return dir;
  };

  it('dev diff is coloured as git colours it when FORCE_COLOR is set, even on a pipe and with NO_COLOR', async () => {
    const dir = await edited();
    const r = await run(dir, ['dev', 'diff'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(r.stdout).toContain(`${ESC}31m-two${ESC}39m`);
    expect(r.stdout).toContain(`${ESC}32m+2${ESC}39m`);
    expect(r.stdout).toContain(`${ESC}36m@@ -1,3 +1,3 @@${ESC}39m`);
    expect(r.stdout).toContain(`${ESC}1mdiff --git a/${DIR}/main.txt b/${DIR}/main.txt${ESC}22m`);
  });

  it('no colour on a pipe, with NO_COLOR, with FORCE_COLOR=0, or in --json', async () => {
    const dir = await edited();
    const runs = await Promise.all([
      run(dir, ['dev', 'diff'], { NO_COLOR: undefined }),
      run(dir, ['dev', 'diff'], { NO_COLOR: '1' }),
      run(dir, ['dev', 'diff'], { FORCE_COLOR: '0', NO_COLOR: undefined }),
      run(dir, ['dev', 'diff', '--json'], { FORCE_COLOR: '1' }),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(ESC);
    }
    expect(runs[0]!.stdout).toContain('-two\n+2');
  });

  it('on a terminal: colour by default, none with TERM=dumb or NO_COLOR', async () => {
    const dir = await edited();
    const argv = [process.execPath, bin, 'dev', 'diff'];
    const [tty, dumb, noColor] = await Promise.all([
      runInPty(argv, { cwd: dir, env: terminalEnv(), steps: [] }),
      runInPty(argv, { cwd: dir, env: terminalEnv({ TERM: 'dumb' }), steps: [] }),
      runInPty(argv, { cwd: dir, env: terminalEnv({ NO_COLOR: '1' }), steps: [] }),
    ]);
    expect(tty.code).toBe(0);
    expect(tty.raw).toContain(`${ESC}32m+2${ESC}39m`);
    expect(dumb.raw).not.toContain(ESC);
    expect(noColor.raw).not.toContain(ESC);
    expect(dumb.output).toContain('+2');
  });
});

describe.concurrent('the progress line', () => {
  it('shows on a terminal while a repository is fetched, and is erased afterwards', async () => {
    const dir = await installed(await ownUpstream('progress-tty'));
    await commitToRepo(server.root, 'progress-tty', { files: { [`${DIR}/extra.txt`]: 'x\n' }, tag: 'v1.0.1' });
    const r = await runInPty([process.execPath, bin, 'sync', 'pull', '--all'], { cwd: dir, env: terminalEnv({ FORGE_CACHE_DIR: await tempDir('forge-out-cold-') }), steps: [] });
    expect(r.code).toBe(0);
    const host = `${server.url}/progress-tty`.replace('http://', '');
    // Drawn with a carriage return, erased with ESC[K before the next line is printed.
    expect(r.raw).toContain(`\rFetching ${host}…${ESC}K`);
    expect(r.raw).toMatch(new RegExp(`\\rFetching ${host.replace(/[.]/g, '\\.')}…[^\\n]*\\r${ESC.replace('[', '\\[')}K`));
  });

  it('never on a pipe, in CI, with --quiet or with --json', async () => {
    const dir = await installed(await ownUpstream('progress-pipe'));
    await commitToRepo(server.root, 'progress-pipe', { files: { [`${DIR}/extra.txt`]: 'y\n' }, tag: 'v1.0.1' });
    const piped = await run(dir, ['sync', 'pull', '--all', '--dry-run'], { FORGE_CACHE_DIR: await tempDir('forge-out-cold-') });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    const argv = [process.execPath, bin, 'sync', 'pull', '--all', '--dry-run'];
    // One after the other: a pull holds the workspace lock, even a dry run.
    const ci = await runInPty(argv, { cwd: dir, env: terminalEnv({ CI: 'true', FORGE_CACHE_DIR: await tempDir('forge-out-cold-') }), steps: [] });
    const quiet = await runInPty([...argv, '-q'], { cwd: dir, env: terminalEnv({ FORGE_CACHE_DIR: await tempDir('forge-out-cold-') }), steps: [] });
    const json = await runInPty([...argv, '--json'], { cwd: dir, env: terminalEnv({ FORGE_CACHE_DIR: await tempDir('forge-out-cold-') }), steps: [] });
    expect(JSON.parse(json.output).dryRun).toBe(true);
    for (const r of [ci, quiet, json]) {
      expect(r.output).not.toContain('Error');
      expect(r.code).toBe(0);
      expect(r.output).not.toContain('Fetching');
    }
  });
});

describe.concurrent('dev edit writes the file as it was written', () => {
  it('a one-line JSON file stays on one line, byte for byte but the value', async () => {
    const dir = await installed();
    const r = await run(dir, ['dev', 'edit', NAME, '--file', 'settings.json', '--field', 'limits.max', '--value', '7']);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, DIR, 'settings.json'), 'utf8')).toBe('{"name": "widget", "limits": {"max": 7, "min": 1}}\n');
    const added = await run(dir, ['dev', 'edit', NAME, '--file', 'settings.json', '--field', 'limits.step', '--value', '2']);
    expect(added.code).toBe(0);
    expect(await readFile(join(dir, DIR, 'settings.json'), 'utf8')).toBe('{"name": "widget", "limits": {"max": 7, "min": 1, "step": 2}}\n');
  });

  it("--value '' writes an empty string, not null", async () => {
    const dir = await installed();
    const json = await run(dir, ['dev', 'edit', NAME, '--file', 'settings.json', '--field', 'name', '--value', '', '--json']);
    expect(json.code).toBe(0);
    expect(json.json()).toMatchObject({ field: 'name', before: 'widget', after: '' });
    expect(await readFile(join(dir, DIR, 'settings.json'), 'utf8')).toBe('{"name": "", "limits": {"max": 5, "min": 1}}\n');
    const yaml = await run(dir, ['dev', 'edit', NAME, '--field', 'version', '--value', '']);
    expect(yaml.code).toBe(0);
    expect(await readFile(join(dir, DIR, 'component.yaml'), 'utf8')).toBe('name: widget\nversion: ""\n');
  });
});
