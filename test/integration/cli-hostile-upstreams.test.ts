// Issue 7.13 and 8.6 through the built CLI: what upstreams (or the local disk) throw at forge gets a
// sentence naming what is at fault, never "Unexpected error" or a missing cache object; Ctrl-C in
// a prompt exits 130 with nothing written; and one unreachable upstream does not block the others.

import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { forge } from '../helpers/cli.js';
import { commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { runInPty } from '../helpers/pty.js';

vi.setConfig({ testTimeout: 180_000 });

let server: GitServer;
let cache: string;
const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const run = (cwd: string, ...args: string[]) => forge(args, { cwd, env: { FORGE_CACHE_DIR: cache } });

async function workspace(): Promise<string> {
  const dir = await tempDir('forge-hostile-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  expect((await run(dir, 'init')).code).toBe(0);
  return dir;
}

const IDENTITY = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@t', GIT_AUTHOR_DATE: '2024-01-02T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-02T00:00:00Z' };

/** Tags, in a bare repository, a commit whose folder `c` holds ok.txt and one more entry named `name` (git plumbing allows what checkouts refuse). */
async function tagHostile(repo: string, name: string, tag: string): Promise<void> {
  const bare = repoDir(server.root, repo);
  const blob = await git(['hash-object', '-w', '--stdin'], { cwd: bare, input: 'evil\n' });
  const sub = await git(['mktree'], { cwd: bare, input: `100644 blob ${blob}\tok.txt\n100644 blob ${blob}\t${name}\n` });
  const top = await git(['mktree'], { cwd: bare, input: `040000 tree ${sub}\tc\n` });
  const commit = await git(['commit-tree', top, '-p', await gitRevParse(bare, 'HEAD'), '-m', 'hostile'], { cwd: bare, env: IDENTITY });
  await git(['tag', tag, commit], { cwd: bare });
}

/** Everything in the workspace but .git, to prove nothing changed. */
async function files(dir: string): Promise<string> {
  return git(['status', '--porcelain', '--untracked-files=all', '--ignored'], { cwd: dir });
}

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-hostile-cache-');
});

afterAll(async () => {
  await server?.stop();
});

describe('7.13 a sentence where an internal error was', () => {
  for (const [name, tag] of [['..', 'v2.0.0'], ['.git', 'v3.0.0'], ['a\\b', 'v4.0.0']] as const) {
    it(`an upstream entry named ${JSON.stringify(name)} is refused by name, nothing written`, async () => {
      const repo = `hostile-${tag}`;
      await makeRepo(server.root, repo, { files: { 'c/ok.txt': 'ok\n' }, tag: 'v1.0.0' });
      await tagHostile(repo, name, tag);
      const dir = await workspace();
      const before = await files(dir);
      const result = await run(dir, 'add', `${server.url}/${repo}.git`, 'c', '--path', 'c', '--version', tag.slice(1));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`named ${JSON.stringify(name)}`);
      expect(result.stderr).toMatch(/refuses names that could write outside a component/);
      expect(result.stderr).not.toMatch(/missing from the object cache|Unexpected error/);
      expect(await files(dir)).toBe(before);
    });
  }

  it('a tag that points at a tree is said to be one', async () => {
    await makeRepo(server.root, 'treetag', { files: { 'c/ok.txt': 'ok\n' }, tag: 'v1.0.0' });
    const bare = repoDir(server.root, 'treetag');
    await git(['tag', 'v2.0.0', await gitRevParse(bare, 'HEAD^{tree}')], { cwd: bare });
    const dir = await workspace();
    const result = await run(dir, 'add', `${server.url}/treetag.git`, 'c', '--path', 'c');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Tag v2\.0\.0 of .*treetag\.git points at [0-9a-f]{12}, which is not a commit/);
    expect((await run(dir, 'add', `${server.url}/treetag.git`, 'c', '--path', 'c', '--version', '^1.0.0')).code).toBe(0);
  });

  it('a YAML alias bomb in an upstream component.yaml is named as such', async () => {
    const level = (name: string, prev: string) => `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    let bomb = 'name: a\nx0: &x0 ["x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 1; i < 9; i++) bomb += level(`x${i}`, `x${i - 1}`);
    await makeRepo(server.root, 'bomb', { files: { 'a/component.yaml': bomb, 'a/x.txt': 'x\n' }, tag: 'v1.0.0' });
    const dir = await workspace();
    const byPath = await run(dir, 'add', `${server.url}/bomb.git`, 'a', '--path', 'a');
    expect(byPath.code).toBe(1);
    expect(byPath.stderr).toMatch(/a\/component\.yaml at 1\.0\.0, line 1: cannot be read: Excessive alias count/);
    const byName = await run(dir, 'add', `${server.url}/bomb.git`, 'a');
    expect(byName.code).toBe(1);
    expect(byName.stderr).toMatch(/could not be read: a\/component\.yaml/);
  });

  it("a typo in a component name suggests the nearest one instead of 'no component.yaml names it'", async () => {
    await makeRepo(server.root, 'named', { files: { 'components/button/component.yaml': 'name: button\n', 'components/card/component.yaml': 'name: card\n' }, tag: 'v1.0.0' });
    const dir = await workspace();
    const result = await run(dir, 'add', `${server.url}/named.git`, 'buton');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No component named 'buton' in .*named\.git \(components there: button, card\)\. Did you mean 'button'\?/);
    expect(result.stderr).not.toMatch(/no component\.yaml .* names it/);
  });

  it('a damaged .forge/state.json is named, with what to do', async () => {
    await makeRepo(server.root, 'plain', { files: { 'c/x.txt': 'x\n' }, tag: 'v1.0.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/plain.git`, 'c', '--path', 'c')).code).toBe(0);
    await writeFile(join(dir, '.forge/state.json'), '{"version":2,"history":"x"}');
    const result = await run(dir, 'sync', 'undo', 'c');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\.forge\/state\.json is damaged: 'history' is not a list\./);
    expect(result.stderr).toMatch(/Move it aside/);
  });

  it.skipIf(process.getuid?.() === 0)('a file forge may not read is named (permission denied)', async () => {
    await makeRepo(server.root, 'perm', { files: { 'c/x.txt': 'x\n' }, tag: 'v1.0.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/perm.git`, 'c', '--path', 'c')).code).toBe(0);
    await writeFile(join(dir, 'c/x.txt'), 'changed\n');
    await chmod(join(dir, 'c/x.txt'), 0o000);
    try {
      const result = await run(dir, 'sync', 'status', '--offline');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Cannot read c\/x\.txt: permission denied/);
    } finally {
      await chmod(join(dir, 'c/x.txt'), 0o644);
    }
  });
});

describe('7.13 Ctrl-C in a prompt', () => {
  it('resolve --interactive: exit 130, quietly, nothing written', async () => {
    await makeRepo(server.root, 'prompt', { files: { 'c/main.txt': 'one\ntwo\nthree\n' }, tag: 'v1.0.0' });
    await commitToRepo(server.root, 'prompt', { files: { 'c/main.txt': 'one\nTWO upstream\nthree\n' }, tag: 'v1.1.0' });
    const dir = await workspace();
    expect((await run(dir, 'add', `${server.url}/prompt.git`, 'c', '--path', 'c', '--version', '~1.0.0')).code).toBe(0);
    await writeFile(join(dir, 'forge.yaml'), (await readFile(join(dir, 'forge.yaml'), 'utf8')).replace('~1.0.0', '^1.0.0'));
    await writeFile(join(dir, 'c/main.txt'), 'one\ntwo local\nthree\n');
    expect((await run(dir, 'sync', 'pull', 'c', '--merge')).code).toBe(1);
    const before = await readFile(join(dir, 'c/main.txt'), 'utf8');
    const state = await readFile(join(dir, '.forge/state.json'), 'utf8');
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORGE_CACHE_DIR: cache };
    for (const k of ['NODE_ENV', 'CI', 'GITHUB_ACTIONS']) delete env[k];

    const r = await runInPty(['node', bin, 'sync', 'resolve', 'c', '--interactive'], { cwd: dir, env, steps: [{ expect: 'Choose resolution', send: '\x03' }] });

    expect(r.code).toBe(130);
    expect(r.output).not.toMatch(/Error|Unexpected|ExitPromptError/);
    expect(await readFile(join(dir, 'c/main.txt'), 'utf8')).toBe(before);
    expect(await readFile(join(dir, '.forge/state.json'), 'utf8')).toBe(state);
  });
});

describe('8.6 one unreachable upstream', () => {
  it('add and pull NAME work while another repository is down; the rest stay at their lock', async () => {
    const other = await startGitServer();
    let otherUp = true;
    try {
      await makeRepo(other.root, 'far', { files: { 'f/x.txt': 'far\n' }, tag: 'v1.0.0' });
      await makeRepo(server.root, 'near', { files: { 'n/x.txt': 'near\n', 'm/y.txt': 'm\n' }, tag: 'v1.0.0' });
      const dir = await workspace();
      expect((await run(dir, 'add', `${other.url}/far.git`, 'f', '--path', 'f')).code).toBe(0);
      expect((await run(dir, 'add', `${server.url}/near.git`, 'n', '--path', 'n')).code).toBe(0);
      const far = (await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).match(/ {2}f:\n(?: {4}.*\n)+/)![0];
      await commitToRepo(server.root, 'near', { files: { 'n/x.txt': 'near 2\n' }, tag: 'v1.1.0' });
      await other.stop();
      otherUp = false;

      const pulled = await run(dir, 'sync', 'pull', 'n');
      expect(pulled.code).toBe(0);
      expect(await readFile(join(dir, 'n/x.txt'), 'utf8')).toBe('near 2\n');
      const added = await run(dir, 'add', `${server.url}/near.git`, 'm', '--path', 'm');
      expect(added.code).toBe(0);
      expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toContain(far);
      // Everything at once still needs every repository: exit 3, naming the one that is down.
      const all = await run(dir, 'sync', 'pull', '--all');
      expect(all.code).toBe(3);
      expect(all.stderr).toContain(other.url.replace('http://', ''));
    } finally {
      if (otherUp) await other.stop();
    }
  });
});

void mkdir;
