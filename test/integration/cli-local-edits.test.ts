// Local edits across upstream updates, end to end: the built CLI against real git repositories
// served over loopback HTTP. Every pull strategy and resolve mode, undo, stash and dev diff/edit,
// checked against what native git computes on the same inputs (git merge-file, git write-tree,
// git diff --no-index).

import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const NAME = 'widget';
const DIR = 'comp/widget';

const lines = (edits: Record<number, string> = {}) =>
  Array.from({ length: 20 }, (_, i) => `${edits[i + 1] ?? `line ${i + 1}`}\n`).join('');

const YAML_V1 = `# Widget component
name: widget
version: 1.0.0
config:
  # seconds before giving up
  timeout: 30
  retries: 3 # attempts
`;
const BIN_V1 = Buffer.from([0, 1, 2, 3, 0, 255, 254, 10, 0, 7]);
const BIN_UP = Buffer.from([0, 1, 2, 3, 0, 9, 9, 9, 0, 7, 0]);
const BIN_LOCAL = Buffer.from([0, 42, 42, 0, 13, 10, 0]);

const UP_MAIN = lines({ 3: 'line 3 upstream', 10: 'line 10 upstream', 14: 'line 14 upstream' });
const UP_YAML = YAML_V1.replace('version: 1.0.0', 'version: 1.1.0').replace('timeout: 30', 'timeout: 45');

// Tests run concurrently (one workspace each); on a busy machine one may take longer than the default 60 s.
vi.setConfig({ testTimeout: 180_000 });

let server: GitServer;
let url: string;
let cache: string;
let bare: string;

const env = () => ({ FORGE_CACHE_DIR: cache });
const run = (cwd: string, ...args: string[]) => forge(args, { cwd, env: env() });
const lockOf = async (cwd: string) => parse(await readFile(join(cwd, 'forge.lock.yaml'), 'utf8'));
const read = (cwd: string, file: string) => readFile(join(cwd, DIR, file));
const readText = (cwd: string, file: string) => readFile(join(cwd, DIR, file), 'utf8');
const put = async (cwd: string, file: string, content: string | Buffer) => {
  await mkdir(join(cwd, DIR, file, '..'), { recursive: true });
  await writeFile(join(cwd, DIR, file), content);
};
const exists = (path: string) => stat(path).then(() => true, () => false);

/** Runs a command; resolves with its exit code and stdout whatever the code (git merge-file exits with the conflict count). */
function sh(cmd: string, args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** git merge-file -p on three texts with forge's labels; extra flags: --ours, --theirs, --union. */
async function gitMergeFile(local: string, base: string, upstream: string, ...flags: string[]): Promise<string> {
  const dir = await tempDir('forge-mf-');
  await writeFile(join(dir, 'local'), local);
  await writeFile(join(dir, 'base'), base);
  await writeFile(join(dir, 'upstream'), upstream);
  const r = await sh('git', ['merge-file', '-p', ...flags, '-L', 'LOCAL', '-L', 'BASE', '-L', 'UPSTREAM', 'local', 'base', 'upstream'], dir);
  return r.stdout;
}

/** The tree id git computes for the component folder of a workspace (via its index, without committing). */
async function gitTreeOf(cwd: string, folder = DIR): Promise<string> {
  await git(['add', '-A', '--', folder], { cwd });
  const tree = await git(['write-tree'], { cwd });
  return git(['rev-parse', `${tree}:${folder}`], { cwd });
}

async function workspace(): Promise<string> {
  const dir = await tempDir('forge-ws-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  expect((await run(dir, 'init')).code).toBe(0);
  return dir;
}

/** A workspace with the component installed at 1.0.0, following ^1.0.0 (so a pull goes to 1.1.0). */
async function installed(): Promise<string> {
  const dir = await workspace();
  const added = await run(dir, 'add', url, NAME, '--version', '1.0.0');
  expect(added.stderr).toBe('');
  expect(added.code).toBe(0);
  const manifest = join(dir, 'forge.yaml');
  await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('version: 1.0.0', 'version: ^1.0.0'));
  return dir;
}

/** Local edits that clash with 1.1.0 in main.txt (lines 3 and 14; line 18 is a clean local edit). */
const CONFLICT_MAIN = lines({ 3: 'line 3 local', 14: 'line 14 local', 18: 'line 18 local' });

/** A workspace left in conflict by `pull --merge`: main.txt (2 hunks), logo.bin (binary), moddel.txt (modify/delete). */
async function conflicted(): Promise<string> {
  const dir = await installed();
  await put(dir, 'main.txt', CONFLICT_MAIN);
  await put(dir, 'logo.bin', BIN_LOCAL);
  await put(dir, 'moddel.txt', 'changed here\n');
  const pulled = await run(dir, 'sync', 'pull', NAME, '--merge');
  expect(pulled.code).toBe(1);
  return dir;
}

/** Snapshot of every file of the folder (bytes, mode) plus the lock entry, for byte-for-byte comparisons. */
async function capture(cwd: string) {
  return { tree: await gitTreeOf(cwd), lock: (await lockOf(cwd)).components[NAME], main: await read(cwd, 'main.txt').catch(() => null) };
}

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-cache-');
  await makeRepo(server.root, 'widgets', {
    files: {
      [`${DIR}/component.yaml`]: YAML_V1,
      [`${DIR}/main.txt`]: lines(),
      [`${DIR}/logo.bin`]: { content: BIN_V1 },
      [`${DIR}/gone.txt`]: 'deleted upstream in 1.1.0\n',
      [`${DIR}/moddel.txt`]: 'deleted upstream, maybe edited here\n',
      [`${DIR}/run.sh`]: '#!/bin/sh\necho run\n',
      'comp/other/component.yaml': 'name: other\n',
    },
    tag: 'v1.0.0',
  });
  await commitToRepo(server.root, 'widgets', {
    files: {
      [`${DIR}/component.yaml`]: UP_YAML,
      [`${DIR}/main.txt`]: UP_MAIN,
      [`${DIR}/logo.bin`]: { content: BIN_UP },
      [`${DIR}/gone.txt`]: null,
      [`${DIR}/moddel.txt`]: null,
      [`${DIR}/run.sh`]: { content: '#!/bin/sh\necho run\n', mode: '100755' },
      [`${DIR}/added.txt`]: 'new upstream\n',
    },
    tag: 'v1.1.0',
  });
  bare = repoDir(server.root, 'widgets');
  url = `${server.url}/widgets.git`;
});

afterAll(async () => {
  await server?.stop();
  await cleanupTempDirs();
});

describe.concurrent('pull --merge', () => {
  it('merges clean edits: text equals git merge-file, YAML merges field by field keeping comments, deletions and exec bits come from upstream', async () => {
    const dir = await installed();
    const localMain = lines({ 18: 'line 18 local' });
    const localYaml = YAML_V1.replace('retries: 3', 'retries: 5');
    await put(dir, 'main.txt', localMain);
    await put(dir, 'component.yaml', localYaml);

    const pulled = await run(dir, 'sync', 'pull', NAME, '--merge');
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toMatch(/Auto-merge successful for: .*main\.txt/);

    expect(await readText(dir, 'main.txt')).toBe(await gitMergeFile(localMain, lines(), UP_MAIN));
    expect(await readText(dir, 'main.txt')).toBe(lines({ 3: 'line 3 upstream', 10: 'line 10 upstream', 14: 'line 14 upstream', 18: 'line 18 local' }));
    // timeout and retries are adjacent lines: a text merge would conflict, the field merge does not.
    expect(await readText(dir, 'component.yaml')).toBe(UP_YAML.replace('retries: 3', 'retries: 5'));
    expect(await readText(dir, 'component.yaml')).toContain('# seconds before giving up');
    expect(await exists(join(dir, DIR, 'gone.txt'))).toBe(false);
    expect(await exists(join(dir, DIR, 'moddel.txt'))).toBe(false);
    expect(await readText(dir, 'added.txt')).toBe('new upstream\n');
    expect(Buffer.compare(await read(dir, 'logo.bin'), BIN_UP)).toBe(0);
    expect((await stat(join(dir, DIR, 'run.sh'))).mode & 0o111).not.toBe(0);

    const entry = (await lockOf(dir)).components[NAME];
    expect(entry.version).toBe('1.1.0');
    expect(entry.commit).toBe(await gitRevParse(bare, 'v1.1.0^{commit}'));
    const status = (await run(dir, 'sync', 'status', '--json')).json();
    expect(status.components[0]).toMatchObject({ status: 'modified', behind: false, conflicts: [] });
    expect([...status.components[0].localChanges].sort()).toEqual(['component.yaml', 'main.txt']);
  });

  it('records conflicts: markers as git merge-file writes them, binary keeps local bytes, modify/delete; exit 1 and the resolve hint', async () => {
    const dir = await installed();
    await put(dir, 'main.txt', CONFLICT_MAIN);
    await put(dir, 'logo.bin', BIN_LOCAL);
    await put(dir, 'moddel.txt', 'changed here\n');
    const pulled = await run(dir, 'sync', 'pull', NAME, '--merge');
    expect(pulled.code).toBe(1);
    expect(pulled.stdout).toContain(`Run 'forge sync resolve ${NAME}' to resolve conflicts`);

    const main = await readText(dir, 'main.txt');
    expect(main).toBe(await gitMergeFile(CONFLICT_MAIN, lines(), UP_MAIN));
    expect(main).toContain('<<<<<<< LOCAL\nline 3 local\n=======\nline 3 upstream\n>>>>>>> UPSTREAM\n');
    expect(main).toContain('line 10 upstream\n');
    expect(main).toContain('line 18 local\n');
    expect(Buffer.compare(await read(dir, 'logo.bin'), BIN_LOCAL)).toBe(0);
    expect(await readText(dir, 'moddel.txt')).toBe('changed here\n');

    const status = (await run(dir, 'sync', 'status', '--json')).json();
    const c = status.components[0];
    expect(c.status).toBe('conflict');
    expect(status.summary.conflict).toBe(1);
    const files = c.conflicts.map((x: { file: string }) => x.file).sort();
    expect(files).toEqual(['logo.bin', 'main.txt', 'moddel.txt']);
    const byFile = Object.fromEntries(c.conflicts.map((x: { file: string; type: string }) => [x.file, x.type]));
    expect(byFile['logo.bin']).toBe('content');
    expect(byFile['main.txt']).toBe('content');

    const list = await run(dir, 'sync', 'conflicts', 'list', '--json');
    expect(list.code).toBe(0);
    const listed = list.json().conflicts;
    expect(listed.map((x: { component: string; file: string }) => `${x.component}:${x.file}`).sort()).toEqual([`${NAME}:logo.bin`, `${NAME}:main.txt`, `${NAME}:moddel.txt`]);
    const text = await run(dir, 'sync', 'conflicts', 'list');
    expect(text.stdout).toContain(`${DIR}/main.txt`);
  });
});

describe.concurrent('pull --overwrite and undo', () => {
  it('makes the folder the upstream tree; undo puts back the local files byte for byte and the lock entry', async () => {
    const dir = await installed();
    await put(dir, 'main.txt', CONFLICT_MAIN);
    await put(dir, 'logo.bin', BIN_LOCAL);
    await put(dir, 'mine.txt', 'only here\n');
    await rm(join(dir, DIR, 'gone.txt'));
    await chmod(join(dir, DIR, 'moddel.txt'), 0o755);
    const before = await capture(dir);

    const pulled = await run(dir, 'sync', 'pull', NAME, '--overwrite');
    expect(pulled.code).toBe(0);
    expect(await gitTreeOf(dir)).toBe(await gitRevParse(bare, `v1.1.0:${DIR}`));
    expect((await lockOf(dir)).components[NAME].version).toBe('1.1.0');

    const undone = await run(dir, 'sync', 'undo', NAME);
    expect(undone.stderr).toBe('');
    expect(undone.code).toBe(0);
    expect(await capture(dir)).toEqual(before);
    expect(Buffer.compare(await read(dir, 'logo.bin'), BIN_LOCAL)).toBe(0);
    expect(await readText(dir, 'mine.txt')).toBe('only here\n');
    expect((await stat(join(dir, DIR, 'moddel.txt'))).mode & 0o111).not.toBe(0);
  });
});

describe.concurrent('pull --stash', () => {
  it('fast-forwards, lists the stash, pop re-applies with a three-way merge, undo of the pop is byte-identical', async () => {
    const dir = await installed();
    await put(dir, 'main.txt', lines({ 18: 'line 18 local' }));
    await put(dir, 'mine.txt', 'only here\n');
    const pulled = await run(dir, 'sync', 'pull', NAME, '--stash');
    expect(pulled.code).toBe(0);
    expect(await gitTreeOf(dir)).toBe(await gitRevParse(bare, `v1.1.0:${DIR}`));

    const list = await run(dir, 'sync', 'stash', 'list', '--json');
    expect(list.code).toBe(0);
    const stashes = list.json().stashes;
    expect(stashes).toHaveLength(1);
    expect(stashes[0]).toMatchObject({ component: NAME, baseVersion: '1.0.0' });
    expect([...stashes[0].files].sort()).toEqual(['main.txt', 'mine.txt']);
    expect((await run(dir, 'sync', 'stash', 'list')).stdout).toContain(`${NAME}: 2 file(s) stashed`);

    const beforePop = await capture(dir);
    const popped = await run(dir, 'sync', 'stash', 'pop', NAME);
    expect(popped.stderr).toBe('');
    expect(popped.code).toBe(0);
    expect(await readText(dir, 'main.txt')).toBe(lines({ 3: 'line 3 upstream', 10: 'line 10 upstream', 14: 'line 14 upstream', 18: 'line 18 local' }));
    expect(await readText(dir, 'mine.txt')).toBe('only here\n');
    expect((await run(dir, 'sync', 'stash', 'list', '--json')).json().stashes).toHaveLength(0);

    expect((await run(dir, 'sync', 'undo', NAME)).code).toBe(0);
    expect(await capture(dir)).toEqual(beforePop);
  });
});

describe.concurrent('pull --rebase', () => {
  const commitAll = async (dir: string, message: string) => {
    await git(['add', '-A'], { cwd: dir });
    await git(['-c', 'user.email=dev@forge.invalid', '-c', 'user.name=Forge Dev', 'commit', '-q', '-m', message], { cwd: dir });
  };

  /** Installed and committed, then two consumer commits and an uncommitted change; the second commit clashes with 1.1.0 when `clash`. */
  async function rebaseable(clash: boolean): Promise<string> {
    const dir = await installed();
    await commitAll(dir, 'forge add widget');
    await put(dir, 'main.txt', lines({ 18: 'line 18 local' }));
    await commitAll(dir, 'first: line 18');
    await put(dir, 'main.txt', lines({ 3: clash ? 'line 3 local' : 'line 3', 18: 'line 18 local', 20: 'line 20 local' }));
    await put(dir, 'component.yaml', YAML_V1.replace('retries: 3', 'retries: 5'));
    await commitAll(dir, 'second: line 20 and retries');
    await put(dir, 'mine.txt', 'uncommitted\n');
    return dir;
  }

  it('replays two consumer commits and the uncommitted change onto upstream', async () => {
    const dir = await rebaseable(false);
    const pulled = await run(dir, 'sync', 'pull', NAME, '--rebase');
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    expect(await readText(dir, 'main.txt')).toBe(lines({ 3: 'line 3 upstream', 10: 'line 10 upstream', 14: 'line 14 upstream', 18: 'line 18 local', 20: 'line 20 local' }));
    expect(await readText(dir, 'component.yaml')).toBe(UP_YAML.replace('retries: 3', 'retries: 5'));
    expect(await readText(dir, 'mine.txt')).toBe('uncommitted\n');
    expect((await lockOf(dir)).components[NAME].version).toBe('1.1.0');
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('modified');
  });

  it('stops at the conflicting commit, says which, and resolve --prefer-local continues to the end', async () => {
    const dir = await rebaseable(true);
    const pulled = await run(dir, 'sync', 'pull', NAME, '--rebase');
    expect(pulled.code).toBe(1);
    expect(pulled.stdout).toMatch(/Rebasing widget: 1\.0\.0 .* → 1\.1\.0/);
    expect(pulled.stdout).toMatch(/The rebase stopped at commit [0-9a-f]{7} second: line 20 and retries/);
    expect(await readText(dir, 'main.txt')).toContain('<<<<<<< LOCAL\nline 3 local\n=======\nline 3 upstream\n>>>>>>> UPSTREAM\n');
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('conflict');
    expect((await run(dir, 'sync', 'conflicts', 'list')).stdout).toMatch(/rebase stopped at .*second/);

    const resolved = await run(dir, 'sync', 'resolve', NAME, '--prefer-local');
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toContain('Rebase finished');
    expect(await readText(dir, 'main.txt')).toBe(lines({ 3: 'line 3 local', 10: 'line 10 upstream', 14: 'line 14 upstream', 18: 'line 18 local', 20: 'line 20 local' }));
    expect(await readText(dir, 'mine.txt')).toBe('uncommitted\n');
    expect(await readText(dir, 'component.yaml')).toBe(UP_YAML.replace('retries: 3', 'retries: 5'));
    const status = (await run(dir, 'sync', 'status', '--json')).json().components[0];
    expect(status).toMatchObject({ status: 'modified', version: '1.1.0', conflicts: [] });
  });

  it('--abort puts the files and the lock entry back byte for byte', async () => {
    const dir = await rebaseable(true);
    const before = await capture(dir);
    const lockText = await readFile(join(dir, 'forge.lock.yaml'), 'utf8');
    expect((await run(dir, 'sync', 'pull', NAME, '--rebase')).code).toBe(1);
    const aborted = await run(dir, 'sync', 'resolve', NAME, '--abort');
    expect(aborted.stderr).toBe('');
    expect(aborted.code).toBe(0);
    expect(await capture(dir)).toEqual(before);
    expect(await readFile(join(dir, 'forge.lock.yaml'), 'utf8')).toBe(lockText);
    expect((await run(dir, 'sync', 'conflicts', 'list', '--json')).json().conflicts).toEqual([]);
  });
});

describe.concurrent('forge sync resolve', () => {
  const conflictsOf = async (dir: string) => (await run(dir, 'sync', 'conflicts', 'list', '--json')).json().conflicts.map((c: { file: string }) => c.file).sort();

  it('--prefer-local decides only the conflicting hunks (= git merge-file --ours); binary and modify/delete keep local; state becomes modified', async () => {
    const dir = await conflicted();
    const r = await run(dir, 'sync', 'resolve', NAME, '--prefer-local');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readText(dir, 'main.txt')).toBe(await gitMergeFile(CONFLICT_MAIN, lines(), UP_MAIN, '--ours'));
    expect(await readText(dir, 'main.txt')).toContain('line 10 upstream\n');
    expect(Buffer.compare(await read(dir, 'logo.bin'), BIN_LOCAL)).toBe(0);
    expect(await readText(dir, 'moddel.txt')).toBe('changed here\n');
    const status = (await run(dir, 'sync', 'status', '--json')).json().components[0];
    expect(status).toMatchObject({ status: 'modified', conflicts: [] });
    expect(await conflictsOf(dir)).toEqual([]);
  });

  it('--prefer-upstream decides only the conflicting hunks (= git merge-file --theirs); binary takes upstream, modify/delete deletes', async () => {
    const dir = await conflicted();
    const r = await run(dir, 'sync', 'resolve', NAME, '--prefer-upstream');
    expect(r.code).toBe(0);
    expect(await readText(dir, 'main.txt')).toBe(await gitMergeFile(CONFLICT_MAIN, lines(), UP_MAIN, '--theirs'));
    expect(await readText(dir, 'main.txt')).toContain('line 18 local\n');
    expect(Buffer.compare(await read(dir, 'logo.bin'), BIN_UP)).toBe(0);
    expect(await exists(join(dir, DIR, 'moddel.txt'))).toBe(false);
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('modified');
  });

  it('--strategy ours / theirs take a whole side of the named FILE only; the others stay in conflict', async () => {
    const dir = await conflicted();
    const ours = await run(dir, 'sync', 'resolve', NAME, '--strategy', 'ours', 'main.txt');
    expect(ours.code).toBe(1); // logo.bin and moddel.txt are left
    expect(ours.stdout).toContain('Resolved: main.txt');
    expect(await readText(dir, 'main.txt')).toBe(CONFLICT_MAIN);
    expect(await conflictsOf(dir)).toEqual(['logo.bin', 'moddel.txt']);
    expect(Buffer.compare(await read(dir, 'logo.bin'), BIN_LOCAL)).toBe(0);

    const theirs = await run(dir, 'sync', 'resolve', NAME, '--strategy', 'theirs', 'logo.bin', 'moddel.txt');
    expect(theirs.code).toBe(0);
    expect(Buffer.compare(await read(dir, 'logo.bin'), BIN_UP)).toBe(0);
    expect(await exists(join(dir, DIR, 'moddel.txt'))).toBe(false);
    expect(await conflictsOf(dir)).toEqual([]);
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('modified');
  });

  it('--strategy union keeps both sides of each hunk (= git merge-file --union); --strategy merge leaves a real text conflict alone', async () => {
    const dir = await conflicted();
    const merge = await run(dir, 'sync', 'resolve', NAME, '--strategy', 'merge', 'main.txt');
    expect(merge.code).toBe(1);
    expect(merge.stdout).toMatch(/Still in conflict \(content\): main\.txt/);
    expect(await conflictsOf(dir)).toContain('main.txt');

    const union = await run(dir, 'sync', 'resolve', NAME, '--strategy', 'union', 'main.txt');
    expect(union.stdout).toContain('Resolved: main.txt');
    expect(await readText(dir, 'main.txt')).toBe(await gitMergeFile(CONFLICT_MAIN, lines(), UP_MAIN, '--union'));
    expect(await conflictsOf(dir)).toEqual(['logo.bin', 'moddel.txt']);
  });

  it('plain resolve counts files whose markers were edited away, not the others', async () => {
    const dir = await conflicted();
    const first = await run(dir, 'sync', 'resolve', NAME, 'main.txt');
    expect(first.code).toBe(1);
    expect(await readText(dir, 'main.txt')).toBe(await gitMergeFile(CONFLICT_MAIN, lines(), UP_MAIN));
    expect(first.stdout).toMatch(/Still in conflict \(content\): main\.txt/);

    const fixed = lines({ 3: 'line 3 both', 10: 'line 10 upstream', 14: 'line 14 local', 18: 'line 18 local' });
    await put(dir, 'main.txt', fixed);
    const second = await run(dir, 'sync', 'resolve', NAME, 'main.txt');
    expect(second.code).toBe(1);
    expect(second.stdout).toContain('Resolved: main.txt');
    expect(await readText(dir, 'main.txt')).toBe(fixed);
    expect(await conflictsOf(dir)).toEqual(['logo.bin', 'moddel.txt']);

    // binary and modify/delete: whatever is in the folder is the answer
    const third = await run(dir, 'sync', 'resolve', NAME);
    expect(third.code).toBe(0);
    expect(await conflictsOf(dir)).toEqual([]);
    expect(Buffer.compare(await read(dir, 'logo.bin'), BIN_LOCAL)).toBe(0);
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('modified');
  });

  it('undo after resolve brings back the conflict markers byte for byte and the conflict state', async () => {
    const dir = await conflicted();
    const before = await capture(dir);
    const bin = await read(dir, 'logo.bin');
    expect((await run(dir, 'sync', 'resolve', NAME, '--prefer-upstream')).code).toBe(0);
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('modified');

    const undone = await run(dir, 'sync', 'undo', NAME);
    expect(undone.stderr).toBe('');
    expect(undone.code).toBe(0);
    expect(await capture(dir)).toEqual(before);
    expect(Buffer.compare(await read(dir, 'logo.bin'), bin)).toBe(0);
    expect(await readText(dir, 'main.txt')).toContain('<<<<<<< LOCAL\n');
    expect(await conflictsOf(dir)).toEqual(['logo.bin', 'main.txt', 'moddel.txt']);
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('conflict');
  });
});

describe.concurrent('forge dev edit and dev diff', () => {
  it('edit sets one field keeping comments; diff prints the field change and the same hunks as git diff --no-index', async () => {
    const dir = await installed();
    const edited = await run(dir, 'dev', 'edit', NAME, '--field', 'config.timeout', '--value', '60');
    expect(edited.stderr).toBe('');
    expect(edited.code).toBe(0);
    expect(edited.stdout).toContain('Modified: config.timeout (30 → 60)');
    const after = await readText(dir, 'component.yaml');
    expect(after).toBe(YAML_V1.replace('timeout: 30', 'timeout: 60'));

    const diff = await run(dir, 'dev', 'diff', NAME);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('Modified: config.timeout (30 → 60)');
    const tmp = await tempDir('forge-diff-');
    await writeFile(join(tmp, 'before.yaml'), YAML_V1);
    await writeFile(join(tmp, 'after.yaml'), after);
    const native = await sh('git', ['diff', '--no-index', '--no-color', 'before.yaml', 'after.yaml'], tmp);
    expect(native.code).toBe(1);
    const body = (patch: string) => patch.slice(patch.indexOf('@@')).replace(/\n$/, '');
    expect(body(diff.stdout)).toBe(body(native.stdout));
    expect(diff.stdout).toContain(`--- a/${DIR}/component.yaml\n+++ b/${DIR}/component.yaml\n`);

    const json = (await run(dir, 'dev', 'diff', NAME, '--json')).json();
    expect(json.components[0].files[0]).toMatchObject({ file: 'component.yaml', fields: [{ field: 'config.timeout', kind: 'changed', before: 30, after: 60 }] });

    const other = await run(dir, 'dev', 'edit', NAME, '--file', 'main.txt', '--field', 'a', '--value', '1');
    expect(other.code).toBe(2);
  });
});
