// `forge sync resolve --interactive` in a real terminal: the built CLI runs under a pseudo-terminal
// and is driven with arrow keys and Enter, conflict by conflict, against a real upstream served
// over loopback HTTP.

import { chmod, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, commitToRepo, git, makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { KEYS, runInPty } from '../helpers/pty.js';

const NAME = 'widget';
const DIR = 'comp/widget';
const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

const lines = (edits: Record<number, string> = {}) =>
  Array.from({ length: 20 }, (_, i) => `${edits[i + 1] ?? `line ${i + 1}`}\n`).join('');
const UPSTREAM = lines({ 3: 'line 3 upstream', 10: 'line 10 upstream', 14: 'line 14 upstream' });
const LOCAL = lines({ 3: 'line 3 local', 14: 'line 14 local', 18: 'line 18 local' });

// Tests run concurrently (one workspace each); on a busy machine one may take longer than the default 60 s.
vi.setConfig({ testTimeout: 180_000 });

let server: GitServer;
let url: string;
let cache: string;

/** The environment of a person at a terminal: no CI, no colours (easier to read back), our cache. */
function terminalEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORGE_CACHE_DIR: cache };
  for (const k of ['NODE_ENV', 'CI', 'GITHUB_ACTIONS', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GH_TOKEN', 'GITHUB_TOKEN', 'FORGE_TOKEN']) delete env[k];
  return { ...env, ...extra };
}

const run = (cwd: string, ...args: string[]) => forge(args, { cwd, env: { FORGE_CACHE_DIR: cache } });

/** A workspace whose main.txt conflicts with upstream in two hunks (lines 3 and 14) after `pull --merge`. */
async function conflicted(): Promise<string> {
  const dir = await tempDir('forge-ws-');
  await git(['init', '-q', '-b', 'main'], { cwd: dir });
  expect((await run(dir, 'init')).code).toBe(0);
  expect((await run(dir, 'add', url, NAME, '--version', '1.0.0')).code).toBe(0);
  await writeFile(join(dir, DIR, 'main.txt'), LOCAL);
  // forge.yaml pinned 1.0.0; widen it so the pull may take 1.1.0 (--to stays inside the range).
  await writeFile(join(dir, 'forge.yaml'), (await readFile(join(dir, 'forge.yaml'), 'utf8')).replace('version: 1.0.0', 'version: ^1.0.0'));
  expect((await run(dir, 'sync', 'pull', NAME, '--merge', '--to', '1.1.0')).code).toBe(1);
  const conflicts = (await run(dir, 'sync', 'conflicts', 'list', '--json')).json().conflicts;
  expect(conflicts.map((c: { file: string }) => c.file)).toEqual(['main.txt']);
  return dir;
}

const resolveArgv = ['node', bin, 'sync', 'resolve', NAME, '--interactive'];

beforeAll(async () => {
  server = await startGitServer();
  cache = await tempDir('forge-cache-');
  await makeRepo(server.root, 'widgets', { files: { [`${DIR}/component.yaml`]: 'name: widget\n', [`${DIR}/main.txt`]: lines() }, tag: 'v1.0.0' });
  await commitToRepo(server.root, 'widgets', { files: { [`${DIR}/main.txt`]: UPSTREAM }, tag: 'v1.1.0' });
  url = `${server.url}/widgets.git`;
});

afterAll(async () => {
  await server?.stop();
  await cleanupTempDirs();
});

describe.concurrent('forge sync resolve --interactive', () => {
  it('walks conflict by conflict showing each hunk: "Use upstream version" then "Keep both"; the component becomes modified', async () => {
    const dir = await conflicted();
    const r = await runInPty(resolveArgv, {
      cwd: dir,
      env: terminalEnv(),
      steps: [
        { expect: /Conflict 1\/2: main\.txt[\s\S]*Choose resolution/, send: KEYS.down + KEYS.enter },
        { expect: /Conflict 2\/2: main\.txt[\s\S]*Choose resolution/, send: KEYS.down + KEYS.down + KEYS.enter },
      ],
    });
    expect(r.timedOutAt, r.output).toBeNull();
    expect(r.code, r.output).toBe(0);
    // the hunks were shown, each with both sides
    expect(r.output).toMatch(/Conflict 1\/2: main\.txt \(content\)\n+<<<<<<< LOCAL\nline 3 local\n=======\nline 3 upstream\n>>>>>>> UPSTREAM/);
    expect(r.output).toMatch(/Conflict 2\/2: main\.txt \(content\)\n+<<<<<<< LOCAL\nline 14 local\n=======\nline 14 upstream\n>>>>>>> UPSTREAM/);
    expect(r.output).toContain('Use upstream version');
    expect(r.output).toContain('Keep both');
    expect(r.output).toContain('Skip this conflict');

    expect(await readFile(join(dir, DIR, 'main.txt'), 'utf8')).toBe(
      lines({ 3: 'line 3 upstream', 10: 'line 10 upstream', 14: 'line 14 local\nline 14 upstream', 18: 'line 18 local' }),
    );
    const status = (await run(dir, 'sync', 'status', '--json')).json().components[0];
    expect(status).toMatchObject({ status: 'modified', conflicts: [] });
  });

  it('"Edit manually" opens $EDITOR on the hunk and takes what it saved; "Skip" leaves the rest in conflict', async () => {
    const dir = await conflicted();
    const editor = join(await tempDir('forge-editor-'), 'editor.sh');
    await writeFile(editor, `#!/bin/sh\nprintf 'line 3 edited\\nline 3b edited\\n' > "$1"\n`);
    await chmod(editor, 0o755);
    const r = await runInPty(resolveArgv, {
      cwd: dir,
      env: terminalEnv({ EDITOR: editor, VISUAL: '' }),
      steps: [
        { expect: /Conflict 1\/2[\s\S]*Choose resolution/, send: KEYS.down + KEYS.down + KEYS.down + KEYS.enter },
        { expect: /Conflict 2\/2[\s\S]*Choose resolution/, send: KEYS.up + KEYS.enter },
      ],
    });
    expect(r.timedOutAt, r.output).toBeNull();
    // the second conflict was skipped: work left, exit 1, the file keeps its markers there
    expect(r.code, r.output).toBe(1);
    expect(await readFile(join(dir, DIR, 'main.txt'), 'utf8')).toBe(
      lines({ 3: 'line 3 edited\nline 3b edited', 10: 'line 10 upstream', 14: '<<<<<<< LOCAL\nline 14 local\n=======\nline 14 upstream\n>>>>>>> UPSTREAM', 18: 'line 18 local' }),
    );
    expect((await run(dir, 'sync', 'status', '--json')).json().components[0].status).toBe('conflict');

    // A second pass settles the one left ("Use local version", the first choice).
    const again = await runInPty(resolveArgv, { cwd: dir, env: terminalEnv(), steps: [{ expect: /Conflict 1\/1[\s\S]*Choose resolution/, send: KEYS.enter }] });
    expect(again.code, again.output).toBe(0);
    expect(await readFile(join(dir, DIR, 'main.txt'), 'utf8')).toBe(lines({ 3: 'line 3 edited\nline 3b edited', 10: 'line 10 upstream', 14: 'line 14 local', 18: 'line 18 local' }));
  });

  it('after a pass that skipped a hunk, --prefer-local settles only that hunk, and undo steps back through both passes', async () => {
    const dir = await conflicted();
    const original = await readFile(join(dir, DIR, 'main.txt'));
    const r = await runInPty(resolveArgv, {
      cwd: dir,
      env: terminalEnv(),
      steps: [
        { expect: /Conflict 1\/2[\s\S]*Choose resolution/, send: KEYS.down + KEYS.enter },
        { expect: /Conflict 2\/2[\s\S]*Choose resolution/, send: KEYS.up + KEYS.enter },
      ],
    });
    expect(r.code, r.output).toBe(1);
    const partial = await readFile(join(dir, DIR, 'main.txt'));
    expect(partial.toString()).toContain('line 3 upstream\n');
    expect(partial.toString()).toContain('<<<<<<< LOCAL\nline 14 local\n');

    expect((await run(dir, 'sync', 'resolve', NAME, '--prefer-local')).code).toBe(0);
    expect(await readFile(join(dir, DIR, 'main.txt'), 'utf8')).toBe(lines({ 3: 'line 3 upstream', 10: 'line 10 upstream', 14: 'line 14 local', 18: 'line 18 local' }));

    expect((await run(dir, 'sync', 'undo', NAME)).code).toBe(0);
    expect(Buffer.compare(await readFile(join(dir, DIR, 'main.txt')), partial)).toBe(0);
    expect((await run(dir, 'sync', 'undo', NAME)).code).toBe(0);
    expect(Buffer.compare(await readFile(join(dir, DIR, 'main.txt')), original)).toBe(0);
    const again = await runInPty(resolveArgv, { cwd: dir, env: terminalEnv(), steps: [{ expect: /Conflict 1\/2[\s\S]*Choose resolution/, send: KEYS.enter }, { expect: /Conflict 2\/2[\s\S]*Choose resolution/, send: KEYS.enter }] });
    expect(again.code, again.output).toBe(0);
    expect(await readFile(join(dir, DIR, 'main.txt'), 'utf8')).toBe(lines({ 3: 'line 3 local', 10: 'line 10 upstream', 14: 'line 14 local', 18: 'line 18 local' }));
  });

  it('without a terminal --interactive exits 2 with a clear message and changes nothing', async () => {
    const dir = await conflicted();
    const before = await readFile(join(dir, DIR, 'main.txt'));
    const r = await run(dir, 'sync', 'resolve', NAME, '--interactive');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--interactive needs a terminal');
    expect(r.stderr).toMatch(/--prefer-local|--strategy/);
    expect(Buffer.compare(await readFile(join(dir, DIR, 'main.txt')), before)).toBe(0);
    // CI set, even in a terminal: no prompts either
    const ci = await runInPty(resolveArgv, { cwd: dir, env: terminalEnv({ CI: 'true' }), steps: [] });
    expect(ci.code, ci.output).toBe(2);
    expect(ci.output).toContain('--interactive needs a terminal');
  });
});
