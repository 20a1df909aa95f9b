// A cold pull of a folder filtered by include/exclude and of a single file, with native git (the
// reader of export.ts, and the staged install a whole folder gets) and without it
// (FORGE_NATIVE_GIT=0): the same files, byte for byte with their modes; the filtered folder holds
// only the selected files next to what was already there (a staged install, moved into place,
// would have replaced the folder); the lock's tree is what git write-tree gives for an index of
// only the selected files, the file's blob what git rev-parse gives. A whole folder pulled beside
// them still goes through the staging area.

import { mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { forge } from '../helpers/cli.js';
import { cleanupTempDirs, git, gitRevParse, makeRepo, repoDir, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

vi.setConfig({ testTimeout: 120_000 });

const FOLDER = 'lib/widget';
const FILES: Record<string, string | { content: string; mode: '100755' | '120000' }> = {
  [`${FOLDER}/a.yaml`]: 'a\n',
  [`${FOLDER}/sub/b.yaml`]: 'b\n',
  [`${FOLDER}/src/main.ts`]: 'main\n',
  [`${FOLDER}/src/main.test.ts`]: 'test\n',
  [`${FOLDER}/src/vendor/x.ts`]: 'vendored\n',
  [`${FOLDER}/src/run.sh`]: { content: '#!/bin/sh\necho run\n', mode: '100755' as const },
  [`${FOLDER}/src/link`]: { content: 'main.ts', mode: '120000' as const },
  [`${FOLDER}/docs/guide.md`]: 'guide\n',
  [`${FOLDER}/README.md`]: 'readme\n',
  'tools/fmt.sh': { content: '#!/bin/sh\necho fmt\n', mode: '100755' as const },
  'whole/component.yaml': 'name: whole\n',
  'whole/index.ts': 'export {};\n',
};
/** What include src/** and *.yaml, exclude **\/*.test.ts and src/vendor/ select of the folder. */
const SELECTED = ['a.yaml', 'src/link', 'src/main.ts', 'src/run.sh', 'sub/b.yaml'];
/** A file of the consumer's own, in the filtered folder, outside its patterns. */
const MINE = { path: 'vendor/widget/NOTES.md', content: 'my notes, not the component’s\n' };

let server: GitServer;
let url: string;
let bare: string;

beforeAll(async () => {
  server = await startGitServer();
  await makeRepo(server.root, 'kit', { files: FILES, tag: 'v1.0.0' });
  url = `${server.url}/kit.git`;
  bare = repoDir(server.root, 'kit');
});

afterAll(async () => {
  await server?.stop();
  await cleanupTempDirs();
});

/** Every file under `dir`: its git mode and content (a symlink: its target). */
async function filesUnder(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, await filesUnder(dir, path));
    else if (entry.isSymbolicLink()) out[path] = `120000 ${await readlink(join(dir, path))}`;
    else out[path] = `${(await stat(join(dir, path))).mode & 0o100 ? '100755' : '100644'} ${await readFile(join(dir, path), 'utf8')}`;
  }
  return out;
}

/** What git write-tree gives for an index holding only `files` of `folder` in the workspace. */
async function treeOfOnly(cwd: string, folder: string, files: string[]): Promise<string> {
  const env = { ...process.env, GIT_INDEX_FILE: join(cwd, '.git', `only-${Math.random().toString(36).slice(2)}`) };
  await git(['add', '-f', '--', ...files.map((f) => `${folder}/${f}`)], { cwd, env });
  const tree = await git(['write-tree'], { cwd, env });
  return git(['rev-parse', `${tree}:${folder}`], { cwd });
}

async function coldPull(env: Record<string, string>) {
  const cwd = await tempDir('forge-ws-');
  const cache = await tempDir('forge-cache-');
  await git(['init', '-q', '-b', 'main'], { cwd });
  await writeFile(
    join(cwd, 'forge.yaml'),
    [
      'components:',
      '  widget:',
      `    repository: ${url}`,
      `    path: ${FOLDER}`,
      '    version: ^1.0.0',
      '    dest: vendor/widget',
      "    include: ['src/**', '*.yaml']",
      "    exclude: ['**/*.test.ts', 'src/vendor/']",
      '  fmt:',
      `    repository: ${url}`,
      '    path: tools/fmt.sh',
      '    version: ^1.0.0',
      '    dest: scripts/format.sh',
      '  whole:',
      `    repository: ${url}`,
      '    path: whole',
      '    version: ^1.0.0',
      '    dest: vendor/whole',
      '',
    ].join('\n'),
  );
  await mkdir(dirname(join(cwd, MINE.path)), { recursive: true });
  await writeFile(join(cwd, MINE.path), MINE.content);
  const pulled = await forge(['sync', 'pull', '--all', '--json'], { cwd, env: { FORGE_CACHE_DIR: cache, ...env } });
  expect(pulled.code, pulled.stderr).toBe(0);
  return { cwd, cache };
}

describe('a cold pull of a filtered folder and a single file', () => {
  it('gives the same files with native git and without, only the selected ones, the lock checked against git', async () => {
    const upstream: Record<string, string> = {};
    for (const path of SELECTED) {
      const spec = FILES[`${FOLDER}/${path}`]!;
      upstream[path] = typeof spec === 'string' ? `100644 ${spec}` : `${spec.mode} ${spec.content}`;
    }
    const results: { files: Record<string, string>; script: string; lock: unknown }[] = [];
    for (const env of [{}, { FORGE_NATIVE_GIT: '0' }] as Record<string, string>[]) {
      const { cwd, cache } = await coldPull(env);
      const files = await filesUnder(join(cwd, 'vendor/widget'));
      // The selected files, and the consumer's own file left where it was.
      expect(files).toEqual({ ...upstream, 'NOTES.md': `100644 ${MINE.content}` });
      const script = `${(await stat(join(cwd, 'scripts/format.sh'))).mode & 0o100 ? '100755' : '100644'} ${await readFile(join(cwd, 'scripts/format.sh'), 'utf8')}`;
      expect(script).toBe('100755 #!/bin/sh\necho fmt\n');
      expect(await filesUnder(join(cwd, 'vendor/whole'))).toEqual({ 'component.yaml': '100644 name: whole\n', 'index.ts': '100644 export {};\n' });

      const lock = parse(await readFile(join(cwd, 'forge.lock.yaml'), 'utf8'));
      expect(lock.components.widget.tree).toBe(await treeOfOnly(cwd, 'vendor/widget', SELECTED));
      expect(lock.components.widget.include).toEqual(['src/**', '*.yaml']);
      expect(lock.components.fmt.blob).toBe(await gitRevParse(bare, 'v1.0.0:tools/fmt.sh'));
      expect(lock.components.fmt.mode).toBe('100755');
      expect(lock.components.whole.tree).toBe(await gitRevParse(bare, 'v1.0.0:whole'));

      const status = await forge(['sync', 'status', '--offline', '--json'], { cwd, env: { FORGE_CACHE_DIR: cache } });
      expect(status.code, status.stderr).toBe(0);
      expect((status.json().components as { name: string; status: string }[]).map((c) => [c.name, c.status]).sort()).toEqual([
        ['fmt', 'synced'],
        ['whole', 'synced'],
        ['widget', 'synced'],
      ]);
      const verify = await forge(['verify'], { cwd, env: { FORGE_CACHE_DIR: cache } });
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(await readdir(join(cwd, '.forge', 'staging')).catch(() => [])).toEqual([]);
      for (const entry of Object.values(lock.components) as { resolvedAt?: string }[]) delete entry.resolvedAt; // the clock
      results.push({ files, script, lock: lock.components });
    }
    expect(results[0]).toEqual(results[1]);
  });
});
