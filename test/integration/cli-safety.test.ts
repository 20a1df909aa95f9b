// Bad input, faults and crashes: every case checks the exit code, a clear message
// naming what is at fault, and that nothing was lost or half-written.

import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

let server: GitServer;
let cache: string;
const TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

const run = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => forge(args, { cwd, env: { FORGE_CACHE_DIR: cache, ...env } });

async function workspace(): Promise<string> {
  const dir = await tempDir('forge-safety-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  expect((await run(dir, ['init'])).code).toBe(0);
  return dir;
}

/** Every file under a folder with its bytes, to prove nothing changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name === '.git' || path === '.forge') continue;
      if (entry.isDirectory()) await walk(path);
      else out[path] = entry.isSymbolicLink() ? `link:${path}` : (await readFile(join(dir, path))).toString('base64');
    }
  };
  await walk('');
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-safety-cache-');
  await makeRepo(server.root, 'tools', {
    files: { 'a/component.yaml': 'name: a\n', 'a/one.txt': 'one\n', 'b/component.yaml': 'name: b\n', 'b/two.txt': 'two\n' },
    tag: 'v1.0.0',
  });
});

afterAll(async () => {
  await server?.stop();
});

describe('bad forge.yaml and forge.lock.yaml', () => {
  const cases: [string, string, RegExp][] = [
    ['broken YAML', 'components:\n  a:\n    repository: [oops\n', /forge\.yaml.*line \d+|forge\.yaml:\d+/],
    ['a bad range', 'components:\n  a:\n    repository: github.com/o/r\n    path: a\n    version: ^^1\n', /forge\.yaml:5.*'a'.*version/],
    ['a dest escaping the repository', 'components:\n  a:\n    repository: github.com/o/r\n    path: a\n    dest: ../outside\n    version: ^1.0.0\n', /forge\.yaml:5.*'a'.*dest.*outside the repository/],
    ['an absolute path', 'components:\n  a:\n    repository: github.com/o/r\n    path: /etc\n    version: ^1.0.0\n', /forge\.yaml:4.*'a'.*path.*absolute/],
    ['a typo in a field name', 'components:\n  a:\n    repository: github.com/o/r\n    path: a\n    verison: ^1.0.0\n', /forge\.yaml:5.*'a'.*verison/],
  ];
  for (const [what, text, message] of cases) {
    it(`${what}: exit 2, the message names file, line, component and field, nothing written`, async () => {
      const dir = await workspace();
      await writeFile(join(dir, 'forge.yaml'), text);
      const before = await snapshot(dir);
      for (const args of [['sync', 'pull', '--all'], ['sync', 'status']]) {
        const result = await run(dir, args);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace without DEBUG=forge
      }
      expect(await snapshot(dir)).toEqual(before);
    });
  }

  it('a lockfile from a newer forge is refused with "Upgrade forge" (exit 2)', async () => {
    const dir = await workspace();
    await writeFile(join(dir, 'forge.lock.yaml'), 'lockfileVersion: 2\ncomponents: {}\n');
    const result = await run(dir, ['sync', 'status']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/forge\.lock\.yaml has lockfileVersion 2.*Upgrade forge/s);
    expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toBe('lockfileVersion: 2\ncomponents: {}\n');
  });

  it('bad flags are usage errors (exit 2)', async () => {
    const dir = await workspace();
    expect((await run(dir, ['sync', 'pull', '--merge', '--rebase'])).code).toBe(2);
    expect((await run(dir, ['add', 'github.com/o/r', 'x', '--version', 'not a range'])).code).toBe(2);
    expect((await run(dir, ['add', 'github.com/o/r', 'x', '--dest', '../../etc', '--path', 'x', '--version', '1.0.0'])).code).toBe(2);
    const unknown = await run(dir, ['sync', 'pull', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No component named 'nope'");
  });

  it('--json errors are JSON on stdout with a stable code', async () => {
    const dir = await workspace();
    const result = await run(dir, ['sync', 'pull', 'nope', '--json']);
    expect(result.code).toBe(2);
    expect(result.json().error).toMatchObject({ code: 'E_UNKNOWN_COMPONENT' });
  });
});

describe('repositories that cannot be reached', () => {
  it("an unknown repository in the user's own input: exit 2, names the repository, hints at a token, writes nothing", async () => {
    const dir = await workspace();
    const before = await snapshot(dir);
    const result = await run(dir, ['add', `${server.url}/missing.git`, 'a', '--path', 'a', '--version', '^1.0.0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.git');
    expect(result.stderr).toContain('GH_TOKEN');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a network fault (nothing listening): exit 3, names the repository, writes nothing', async () => {
    const dir = await workspace();
    const port = await freePort();
    const before = await snapshot(dir);
    const result = await run(dir, ['add', `http://127.0.0.1:${port}/tools.git`, 'a', '--path', 'a', '--version', '^1.0.0']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`127.0.0.1:${port}/tools.git`);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a refused token: exit 4, and the token appears nowhere', async () => {
    const guarded = await startGitServer({ auth: { password: 'the-right-one' } });
    try {
      await makeRepo(guarded.root, 'private', { files: { 'a/x.txt': 'x\n' }, tag: 'v1.0.0' });
      const dir = await workspace();
      const result = await run(dir, ['add', `${guarded.url}/private.git`, 'a', '--path', 'a', '--version', '^1.0.0'], { GH_TOKEN: TOKEN, DEBUG: 'forge' });
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/authenticat|permission/i);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      for (const file of Object.keys(await snapshot(dir))) expect(await readFile(join(dir, file), 'utf8')).not.toContain(TOKEN);
    } finally {
      await guarded.stop();
    }
  });
});

describe('safety of the working tree', () => {
  it('never writes through a symlinked folder', async () => {
    const dir = await workspace();
    const outside = await tempDir('forge-outside-');
    await mkdir(join(dir, 'vendor'), { recursive: true });
    await symlink(outside, join(dir, 'vendor/a'));
    const result = await run(dir, ['add', `${server.url}/tools.git`, 'a', '--path', 'a', '--dest', 'vendor/a', '--version', '^1.0.0']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/symlink|symbolic link/i);
    expect(await readdir(outside)).toEqual([]);
  });

  it('one forge process at a time per repository', async () => {
    const dir = await workspace();
    await mkdir(join(dir, '.forge'), { recursive: true });
    const owner = { pid: process.pid, hostname: hostname(), command: 'forge sync pull', startedAt: new Date().toISOString(), token: 'x' };
    await writeFile(join(dir, '.forge/lock'), JSON.stringify(owner));
    const result = await run(dir, ['add', `${server.url}/tools.git`, 'a', '--path', 'a', '--version', '^1.0.0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Another forge process');
    expect(result.stderr).toContain(String(process.pid));
  });
});

describe('an interrupted pull (kill -9) is finished or rolled back by the next run', () => {
  async function twoComponents(name: string) {
    await makeRepo(server.root, name, { files: { 'a/x.txt': 'a1\n', 'a/keep.txt': 'k\n', 'b/y.txt': 'b1\n' }, tag: 'v1.0.0' });
    const dir = await workspace();
    const url = `${server.url}/${name}.git`;
    await writeFile(
      join(dir, 'forge.yaml'),
      `components:\n  a:\n    repository: ${url}\n    path: a\n    version: ^1.0.0\n  b:\n    repository: ${url}\n    path: b\n    version: ^1.0.0\n`,
    );
    expect((await run(dir, ['sync', 'pull', '--all'])).code).toBe(0);
    await commitToRepo(server.root, name, { files: { 'a/x.txt': 'a2\n', 'a/keep.txt': null, 'a/new.txt': 'n\n', 'b/y.txt': 'b2\n' }, tag: 'v1.1.0' });
    return { dir, bare: repoDir(server.root, name) };
  }

  it('killed after writing one folder: rolled back, byte for byte, lock unchanged', async () => {
    const { dir } = await twoComponents('crash1');
    const before = await snapshot(dir);
    const killed = await run(dir, ['sync', 'pull', '--all'], { FORGE_TEST_KILL_AT: 'after-first-folder' });
    expect(killed.code).toBe(137);
    expect(await snapshot(dir)).not.toEqual(before); // the crash really left a half-written state
    const next = await run(dir, ['sync', 'status', '--json', '--offline']);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain('rolled back');
    expect(await snapshot(dir)).toEqual(before);
    expect(next.json().summary.synced).toBe(2);
  });

  it('killed after the lock was written: completed', async () => {
    const { dir, bare } = await twoComponents('crash2');
    const killed = await run(dir, ['sync', 'pull', '--all'], { FORGE_TEST_KILL_AT: 'before-state' });
    expect(killed.code).toBe(137);
    const next = await run(dir, ['sync', 'pull', '--all']);
    expect(next.code).toBe(0);
    const lock = parse(await readFile(join(dir, 'forge.lock.yaml'), 'utf8'));
    expect(lock.components.a.commit).toBe(await gitRevParse(bare, 'v1.1.0^{commit}'));
    expect(await readFile(join(dir, 'a/x.txt'), 'utf8')).toBe('a2\n');
    const status = (await run(dir, ['sync', 'status', '--json', '--offline'])).json();
    expect(status.summary.synced).toBe(2);
    await rm(join(dir, 'a/new.txt'));
  });
});

describe('every writer is crash-safe: a kill -9 mid-write is finished or rolled back by the next run', () => {
  /** The workspace's files (not .git, not .forge) with the lock's resolvedAt times blanked, which differ between two runs. */
  async function state(dir: string): Promise<Record<string, string>> {
    const files = await snapshot(dir);
    const lock = files['forge.lock.yaml'];
    if (lock) files['forge.lock.yaml'] = Buffer.from(lock, 'base64').toString('utf8').replace(/resolvedAt: .*/g, 'resolvedAt: -');
    return files;
  }

  async function leftovers(dir: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string) => {
      for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        if (path === '.git') continue;
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.tmp')) out.push(path);
      }
    };
    await walk('');
    return out;
  }

  async function copyOf(template: string): Promise<string> {
    const dir = await tempDir('forge-kill-');
    await rm(dir, { recursive: true, force: true });
    const { cp } = await import('node:fs/promises');
    await cp(template, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  }

  /** One upstream per writer, v1.0.0 installed as component `w`, then v1.1.0 published (a.txt and b.txt change). */
  async function prepared(name: string, after: (dir: string, url: string) => Promise<void>): Promise<string> {
    await makeRepo(server.root, name, { files: { 'w/a.txt': 'alpha\nbeta\ngamma\n', 'w/b.txt': 'b\n', 'w/c.txt': 'c\n' }, tag: 'v1.0.0' });
    const url = `${server.url}/${name}.git`;
    const dir = await workspace();
    expect((await run(dir, ['add', url, 'w', '--path', 'w'])).code).toBe(0);
    await commitToRepo(server.root, name, { files: { 'w/a.txt': 'alpha\nBETA\ngamma\n', 'w/b.txt': 'b2\n', 'w/d.txt': 'd\n' }, tag: 'v1.1.0' });
    await after(dir, url);
    return dir;
  }

  const writers: { name: string; setup: (dir: string, url: string) => Promise<void>; args: string[]; changesLock: boolean }[] = [
    { name: 'add', setup: async (dir) => void (await run(dir, ['remove', 'w'])), args: ['add', 'URL', 'w', '--path', 'w'], changesLock: true },
    { name: 'remove', setup: async () => {}, args: ['remove', 'w'], changesLock: true },
    { name: 'undo', setup: async (dir) => expect((await run(dir, ['sync', 'pull', '--all'])).code).toBe(0), args: ['sync', 'undo', 'w'], changesLock: true },
    {
      name: 'resolve',
      setup: async (dir) => {
        await writeFile(join(dir, 'w/a.txt'), 'alpha\nmine\ngamma\n');
        expect((await run(dir, ['sync', 'pull', '--all', '--merge'])).code).toBe(1);
      },
      args: ['sync', 'resolve', 'w', '--prefer-local'],
      changesLock: false,
    },
    {
      name: 'resolve --abort',
      setup: async (dir) => {
        await writeFile(join(dir, 'w/a.txt'), 'alpha\nmine\ngamma\n');
        expect((await run(dir, ['sync', 'pull', '--all', '--merge'])).code).toBe(1);
      },
      args: ['sync', 'resolve', 'w', '--abort'],
      changesLock: true,
    },
    {
      name: 'stash pop',
      setup: async (dir) => {
        await writeFile(join(dir, 'w/c.txt'), 'my c\n');
        expect((await run(dir, ['sync', 'pull', '--all', '--stash'])).code).toBe(0);
      },
      args: ['sync', 'stash', 'pop', 'w'],
      changesLock: false,
    },
  ];

  for (const writer of writers) {
    it(`${writer.name}: killed after its first folder it is rolled back; killed before its state it is ${writer.changesLock ? 'completed' : 'rolled back'}`, async () => {
      const url = `${server.url}/kill-${writer.name.replace(/\W+/g, '-')}.git`;
      const template = await prepared(`kill-${writer.name.replace(/\W+/g, '-')}`, writer.setup);
      const args = writer.args.map((a) => (a === 'URL' ? url : a));
      const before = await state(template);
      const twin = await copyOf(template);
      expect((await run(twin, args)).code).toBe(0);
      const after = await state(twin);
      expect(after).not.toEqual(before); // the writer really writes

      for (const point of ['after-first-folder', 'before-state'] as const) {
        const dir = await copyOf(template);
        const killed = await run(dir, args, { FORGE_TEST_KILL_AT: point });
        expect(killed.code, `${writer.name} killed at ${point}`).toBe(137);
        const next = await run(dir, ['sync', 'status', '--offline', '--json']);
        expect(next.stderr).toMatch(/interrupted forge/);
        const expected = point === 'before-state' && writer.changesLock ? after : before;
        expect(await state(dir), `${writer.name} killed at ${point}`).toEqual(expected);
        expect(await leftovers(dir)).toEqual([]);
        // And the workspace works on: the same command (when rolled back) ends where an uninterrupted run does.
        if (expected === before) {
          expect((await run(dir, args)).code).toBe(0);
          expect(await state(dir)).toEqual(after);
        }
      }
    });
  }
});
