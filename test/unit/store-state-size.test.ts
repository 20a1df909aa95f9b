// Issue 11, state size: .forge/state.json holds ids, not file lists or contents (those live in the
// tree index and the blob store, content-addressed), so it stays small however large the folders:
// under 1 MB at 24,000 files after 50 pulls, with undo history for every one of them.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStateStore } from '../../src/store/state.js';
import { createTreeIndex } from '../../src/store/tree-index.js';
import { createBlobStore } from '../../src/store/blobs.js';
import { pull } from '../../src/sync/pull.js';
import { undo } from '../../src/sync/history-ops.js';
import { makeContext, makeWorld, spec } from '../helpers/fakes.js';

const REPO = 'github.com/acme/big';
const COMPONENTS = 24;
const FILES = 1_000;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'forge-state-size-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the size of .forge/state.json', () => {
  it('stays under 1 MB at 24,000 files after 50 pulls, merges included, and undo still works', async () => {
    const world = makeWorld();
    const state = createStateStore(join(dir, '.forge'), { trees: world.trees, blobs: world.blobs });
    const ctx = () => makeContext(world, { state });
    const repo = world.upstream.repo(REPO);
    const files: Record<string, string> = {};
    for (let c = 0; c < COMPONENTS; c++) for (let f = 0; f < FILES; f++) files[`c${c}/dir${f % 10}/file-${f}.txt`] = `component ${c} file ${f}\nline two\n`;
    repo.commit({ files, tag: 'v1.0.0' });
    world.manifest.seed(Array.from({ length: COMPONENTS }, (_, c) => spec(`c${c}`, REPO, { path: `c${c}`, version: '^1.0.0' })));
    await pull(ctx(), { names: [], strategy: null, dryRun: false });

    for (let round = 1; round <= 50; round++) {
      const changes: Record<string, string> = {};
      for (let c = 0; c < COMPONENTS; c++) changes[`c${c}/dir${round % 10}/file-${round}.txt`] = `component ${c} file ${round}\nline two, release ${round}\n`;
      repo.commit({ files: changes, tag: `v1.${round}.0` });
      // From round 10 on, every component carries a local edit that each pull merges.
      if (round === 10) for (let c = 0; c < COMPONENTS; c++) world.worktree.write(`c${c}/dir0/file-0.txt`, `component ${c} file 0\nline two, edited here\n`);
      const result = await pull(ctx(), { names: [], strategy: 'merge', dryRun: false });
      expect(result.blocked).toEqual([]);
    }

    const size = (await stat(join(dir, '.forge/state.json'))).size;
    console.log(`state.json after 50 pulls of ${COMPONENTS * FILES} files: ${(size / 1024).toFixed(0)} KiB`);
    expect(size).toBeLessThan(1024 * 1024);
    expect((await state.history()).length).toBe(COMPONENTS * 50);
    // The content-addressed state is enough to step back.
    await undo(ctx(), 'c0');
    expect(world.worktree.read('c0/dir0/file-50.txt')).toBe('component 0 file 50\nline two\n');
    expect(world.worktree.read('c0/dir0/file-0.txt')).toBe('component 0 file 0\nline two, edited here\n');
  }, 600_000);

  it('a version 1 state.json (file lists and base64 contents inline) is migrated on read, and undo works from it', async () => {
    const forgeDir = join(dir, '.forge');
    const lock = { name: 'a', repository: REPO, path: 'a', dest: 'a', commit: 'a'.repeat(40), tree: 'b'.repeat(40), resolvedAt: '2024-01-15T10:30:00Z', dependencies: [] };
    const file = { path: 'x.txt', mode: '100644', oid: '3b18e512dba79e4c8300dd08aeb37f8e728b8dad' }; // "hello world\n"
    const v1 = {
      version: 1,
      conflicts: [{ component: 'a', operation: 'merge', at: 't', target: lock, records: [{ type: 'content', file: 'x.txt', message: 'm', base: null, local: Buffer.from('mine\n').toString('base64'), upstream: Buffer.from('theirs\n').toString('base64') }] }],
      stashes: [{ id: 's', component: 'a', at: 't', base: lock, files: [file] }],
      history: [{ id: 'h', component: 'a', op: 'pull', at: 't', summary: 's', before: { lock: null, files: [] }, after: { lock, files: [file] } }],
      forks: [],
      pullRequests: [],
      pending: null,
    };
    await (await import('node:fs/promises')).mkdir(forgeDir, { recursive: true });
    await writeFile(join(forgeDir, 'state.json'), JSON.stringify(v1));
    const trees = createTreeIndex(join(forgeDir, 'trees'));
    const blobs = createBlobStore(join(forgeDir, 'blobs'));
    const store = createStateStore(forgeDir, { trees, blobs });

    const [stash] = await store.stashes();
    expect((await trees.get(stash!.tree))!.files).toEqual([file]);
    const [set] = await store.conflicts();
    expect(Buffer.from(await blobs.get(set!.records[0]!.local!)).toString()).toBe('mine\n');
    const [entry] = await store.history();
    expect(entry!.after.tree).toBe(stash!.tree);
    const raw = JSON.parse(await readFile(join(forgeDir, 'state.json'), 'utf8'));
    expect(raw.version).toBe(2);
    expect(JSON.stringify(raw)).not.toContain('"files"');
  });

  it('a structurally wrong state.json is a sentence naming the file, not a TypeError', async () => {
    const forgeDir = join(dir, '.forge');
    await (await import('node:fs/promises')).mkdir(forgeDir, { recursive: true });
    for (const [text, says] of [
      ['{"version":2,"history":"x"}', /'history' is not a list/],
      ['{"version":2,"history":[{"id":1}]}', /history entry 1 is incomplete/],
      ['{"version":2,"pending":[]}', /'pending'/],
      ['[1,2]', /does not hold forge state/],
      ['{"version":9}', /newer forge/],
    ] as const) {
      await writeFile(join(forgeDir, 'state.json'), text);
      await expect(createStateStore(forgeDir).history()).rejects.toMatchObject({ code: 'E_STATE_INVALID', message: expect.stringMatching(says) });
    }
  });
});
