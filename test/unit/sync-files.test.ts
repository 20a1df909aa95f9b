// Components that are one file, and folders filtered by include/exclude (issue 12), through the
// engine with the in-memory fakes: install, status, every pull strategy, conflicts and resolve,
// stash, undo, remove, verify, crash recovery and the bad inputs.
import { describe, expect, it } from 'vitest';
import { fileNameOf, shapeOf } from '../../src/core/file-filter.js';
import { lockedSnapshot } from '../../src/sync/pull-plan.js';
import { diffSnapshots } from '../../src/sync/snapshot.js';
import { upstreamChanges } from '../../src/sync/upstream-changes.js';
import { singleFileTree } from '../../src/store/lockfile.js';
import { diffComponents, editField } from '../../src/sync/dev.js';
import { popStash, undo } from '../../src/sync/history-ops.js';
import { addComponent, removeComponent } from '../../src/sync/manage.js';
import { pull } from '../../src/sync/pull.js';
import { recover } from '../../src/sync/recovery.js';
import { resolveConflicts } from '../../src/sync/resolve-conflicts.js';
import { status } from '../../src/sync/status.js';
import { verify } from '../../src/sync/verify.js';
import { blobOid, snapshotFromFiles } from '../../src/git/tree-hash.js';
import { caught } from '../helpers/errors.js';
import { TOOLS, makeContext, makeWorld, spec, type World } from '../helpers/fakes.js';

const UP = 'ui/button.tsx';
const DEST = 'src/ui/button.tsx';
const lines = (edits: Record<number, string> = {}) => Array.from({ length: 10 }, (_, i) => `${edits[i + 1] ?? `line ${i + 1}`}\n`).join('');

/** `button` (one file upstream at ui/button.tsx) installed at 1.0.0 into src/ui/button.tsx, next to a file that is not forge's. */
async function installedFile() {
  const world = makeWorld();
  const tools = world.upstream.repo(TOOLS);
  const v1 = tools.commit({ files: { [UP]: lines(), 'ui/card.tsx': 'card\n', 'README.md': 'tools\n' }, tag: 'v1.0.0' });
  world.worktree.write('src/ui/mine.tsx', 'not forge\n');
  world.manifest.seed([spec('button', TOOLS, { path: UP, dest: DEST, version: '^1.0.0' })]);
  await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
  return { world, tools, v1, ctx: makeContext(world) };
}

const LIB = 'lib';
const LIB_V1 = {
  'lib/a.yaml': 'a: 1\n',
  'lib/src/main.ts': lines(),
  'lib/src/main.test.ts': 'test 1\n',
  'lib/docs/guide.md': 'guide\n',
};

/** `lib` installed at 1.0.0 with include src/** and *.yaml, exclude **\/*.test.ts; the folder also holds files that are not forge's. */
async function installedFiltered() {
  const world = makeWorld();
  const tools = world.upstream.repo(TOOLS);
  const v1 = tools.commit({ files: LIB_V1, tag: 'v1.0.0' });
  world.worktree.write('lib/src/main.test.ts', 'my own test\n');
  world.worktree.write('lib/notes.md', 'my notes\n');
  world.manifest.seed([spec('lib', TOOLS, { path: LIB, version: '^1.0.0', include: ['src/**', '*.yaml'], exclude: ['**/*.test.ts'] })]);
  await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
  return { world, tools, v1, ctx: makeContext(world) };
}

const others = (world: World) => ({ test: world.worktree.read('lib/src/main.test.ts'), notes: world.worktree.read('lib/notes.md') });

describe('a single-file component', () => {
  it('installs the file at its dest and locks its blob and mode; its tree is that of a tree holding just the file under its name here', async () => {
    const { world, tools, v1 } = await installedFile();
    expect(world.worktree.read(DEST)).toBe(lines());
    expect(world.worktree.read('src/ui/mine.tsx')).toBe('not forge\n');
    expect(world.worktree.read('src/ui/card.tsx')).toBeNull();
    const entry = world.lock.lockfile.components.button!;
    expect(entry).toMatchObject({ path: UP, dest: DEST, commit: v1, blob: blobOid(lines()), mode: '100644' });
    expect(entry.blob).toBe(tools.commits.get(v1)!.files.get(UP) && blobOid(lines()));
    expect(entry.tree).toBe(singleFileTree(DEST, '100644', entry.blob!));
    expect(entry.tree).toBe((await world.worktree.scan(DEST, { kind: 'file' })).tree);
  });

  it('keeps the exec bit and symlinks as git records them', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({ files: { 'bin/run.sh': { content: '#!/bin/sh\n', mode: '100755' }, 'bin/link': { content: 'run.sh', mode: '120000' } }, tag: 'v1.0.0' });
    world.manifest.seed([spec('run', TOOLS, { path: 'bin/run.sh', dest: 'tools/run.sh' }), spec('link', TOOLS, { path: 'bin/link', dest: 'tools/link' })]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    expect(world.worktree.modes('tools')).toEqual({ 'run.sh': '100755', link: '120000' });
    expect(world.lock.lockfile.components.run).toMatchObject({ mode: '100755' });
    expect(world.lock.lockfile.components.link).toMatchObject({ mode: '120000', blob: blobOid('run.sh') });
  });

  it('status offline: synced, then modified naming the file when it is edited or deleted', async () => {
    const { world, ctx } = await installedFile();
    const first = await status(ctx, { names: [], offline: true, detailed: true });
    expect(first.components[0]).toMatchObject({ name: 'button', status: 'synced', localChanges: [] });
    world.worktree.write(DEST, lines({ 2: 'mine' }));
    const edited = await status(ctx, { names: [], offline: true, detailed: true });
    expect(edited.components[0]).toMatchObject({ status: 'modified', localChanges: ['button.tsx'], changes: [{ file: 'button.tsx', kind: 'modified' }] });
    world.worktree.remove(DEST);
    expect((await status(ctx, { names: [], offline: true, detailed: true })).components[0]).toMatchObject({ status: 'modified', changes: [{ file: 'button.tsx', kind: 'deleted' }] });
  });

  it('fast-forwards to the new blob; the sibling files stay', async () => {
    const { world, tools, ctx } = await installedFile();
    const v2 = tools.commit({ files: { [UP]: lines({ 5: 'five' }), 'ui/card.tsx': 'card 2\n' }, tag: 'v1.1.0' });
    const result = await pull(ctx, { names: [], strategy: null, dryRun: false });
    expect(result.plan.components[0]).toMatchObject({ action: 'fast-forward' });
    expect(world.worktree.read(DEST)).toBe(lines({ 5: 'five' }));
    expect(world.worktree.read('src/ui/mine.tsx')).toBe('not forge\n');
    expect(world.lock.lockfile.components.button).toMatchObject({ commit: v2, blob: blobOid(lines({ 5: 'five' })) });
  });

  it('blocks a pull over local edits, then --merge merges three ways; a clash leaves markers, a conflict record and resolve settles it', async () => {
    const { world, tools, ctx } = await installedFile();
    tools.commit({ files: { [UP]: lines({ 2: 'two upstream', 8: 'eight upstream' }) }, tag: 'v1.1.0' });
    world.worktree.write(DEST, lines({ 2: 'two local' }));
    const blocked = await pull(ctx, { names: [], strategy: null, dryRun: false });
    expect(blocked.blocked).toEqual(['button']);
    expect(world.worktree.read(DEST)).toBe(lines({ 2: 'two local' }));

    const merged = await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    expect(merged.conflicted).toEqual(['button']);
    expect(world.worktree.read(DEST)).toBe(
      lines({ 2: '<<<<<<< LOCAL\ntwo local\n=======\ntwo upstream\n>>>>>>> UPSTREAM', 8: 'eight upstream' }),
    );
    const [set] = world.state.conflictSets;
    expect(set!.records.map((r) => [r.type, r.file])).toEqual([['content', 'button.tsx']]);
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]!.status).toBe('conflict');

    const resolved = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'prefer', side: 'local' } });
    expect(resolved.resolved).toEqual(['button.tsx']);
    expect(resolved.state).toBe('modified');
    expect(world.worktree.read(DEST)).toBe(lines({ 2: 'two local', 8: 'eight upstream' }));
    expect(world.state.conflictSets).toEqual([]);

    // undo steps back over the resolve, then over the merge: the edit as it was, the lock at 1.0.0.
    await undo(ctx, 'button');
    expect(world.worktree.read(DEST)).toContain('<<<<<<< LOCAL');
    expect(world.state.conflictSets).toHaveLength(1);
    await undo(ctx, 'button');
    expect(world.worktree.read(DEST)).toBe(lines({ 2: 'two local' }));
    expect(world.lock.lockfile.components.button!.version).toBe('1.0.0');
    expect(world.worktree.read('src/ui/mine.tsx')).toBe('not forge\n');
  });

  it("resolve says what state it leaves: taking upstream's side throughout is synced, not modified", async () => {
    const { world, tools, ctx } = await installedFile();
    tools.commit({ files: { [UP]: lines({ 2: 'two upstream' }) }, tag: 'v1.1.0' });
    world.worktree.write(DEST, lines({ 2: 'two local' }));
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    const still = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'marked' } });
    expect(still.state).toBeNull();
    const taken = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'prefer', side: 'upstream' } });
    expect(taken.state).toBe('synced');
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]!.status).toBe('synced');
  });

  it('resolve without flags takes the file as edited by hand once its markers are gone', async () => {
    const { world, tools, ctx } = await installedFile();
    tools.commit({ files: { [UP]: lines({ 2: 'two upstream' }) }, tag: 'v1.1.0' });
    world.worktree.write(DEST, lines({ 2: 'two local' }));
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    const still = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'marked' } });
    expect(still.remaining.map((r) => r.file)).toEqual(['button.tsx']);
    world.worktree.write(DEST, lines({ 2: 'two, both' }));
    const done = await resolveConflicts(ctx, { component: 'button', files: ['button.tsx'], mode: { kind: 'marked' } });
    expect(done.resolved).toEqual(['button.tsx']);
    expect(world.state.conflictSets).toEqual([]);
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]!.localChanges).toEqual(['button.tsx']);
  });

  it('a clean --merge writes the merged text; --overwrite keeps the edit for undo; --stash sets it aside and pop brings it back', async () => {
    const { world, tools, ctx } = await installedFile();
    tools.commit({ files: { [UP]: lines({ 8: 'eight upstream' }) }, tag: 'v1.1.0' });
    world.worktree.write(DEST, lines({ 2: 'two local' }));
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    expect(world.worktree.read(DEST)).toBe(lines({ 2: 'two local', 8: 'eight upstream' }));
    await undo(ctx, 'button');

    await pull(ctx, { names: [], strategy: 'overwrite', dryRun: false });
    expect(world.worktree.read(DEST)).toBe(lines({ 8: 'eight upstream' }));
    await undo(ctx, 'button');
    expect(world.worktree.read(DEST)).toBe(lines({ 2: 'two local' }));

    await pull(ctx, { names: [], strategy: 'stash', dryRun: false });
    expect(world.worktree.read(DEST)).toBe(lines({ 8: 'eight upstream' }));
    const popped = await popStash(ctx, 'button');
    expect(popped.dropped).toBe(true);
    expect(world.worktree.read(DEST)).toBe(lines({ 2: 'two local', 8: 'eight upstream' }));
  });

  it('--rebase replays the edit onto the new upstream', async () => {
    const { world, tools, ctx } = await installedFile();
    tools.commit({ files: { [UP]: lines({ 8: 'eight upstream' }) }, tag: 'v1.1.0' });
    world.worktree.write(DEST, lines({ 2: 'two local' }));
    const result = await pull(ctx, { names: [], strategy: 'rebase', dryRun: false });
    expect(result.conflicted).toEqual([]);
    expect(world.worktree.read(DEST)).toBe(lines({ 2: 'two local', 8: 'eight upstream' }));
  });

  it('dev diff labels the file by its dest; dev edit changes the YAML file itself', async () => {
    const world = makeWorld();
    world.upstream.repo(TOOLS).commit({ files: { 'config/app.yaml': 'timeout: 30\n' }, tag: 'v1.0.0' });
    world.manifest.seed([spec('config', TOOLS, { path: 'config/app.yaml', dest: 'app.yaml' })]);
    const ctx = makeContext(world);
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    const edit = await editField(ctx, { component: 'config', field: 'timeout', value: '60' });
    expect(edit).toMatchObject({ file: 'app.yaml', before: 30, after: 60 });
    expect(world.worktree.read('app.yaml')).toBe('timeout: 60\n');
    const [diff] = await diffComponents(ctx, ['config']);
    expect(diff!.files[0]!.patch).toContain('--- a/app.yaml\n+++ b/app.yaml\n');
    await expect(editField(ctx, { component: 'config', field: 'x', value: '1', file: 'other.yaml' })).rejects.toThrow(/single file app\.yaml/);
  });

  it('remove deletes the file and nothing beside it; undo puts it back', async () => {
    const { world, ctx } = await installedFile();
    await removeComponent(ctx, { name: 'button', keepFiles: false });
    expect(world.worktree.read(DEST)).toBeNull();
    expect(world.worktree.read('src/ui/mine.tsx')).toBe('not forge\n');
    await undo(ctx, 'button');
    expect(world.worktree.read(DEST)).toBe(lines());
  });

  it('verify checks the blob and mode against upstream', async () => {
    const { world, ctx } = await installedFile();
    expect((await verify(ctx, [])).ok).toBe(true);
    world.lock.lockfile.components.button!.blob = blobOid('forged\n');
    const report = await verify(ctx, []);
    expect(report.ok).toBe(false);
    expect(report.components[0]!.problems[0]!.message).toMatch(/says blob [0-9a-f]{12}, but .* has blob/);
  });

  it('a kill -9 after the file was written, before the lock: the next run puts the file back', async () => {
    const { world, tools } = await installedFile();
    tools.commit({ files: { [UP]: lines({ 8: 'eight upstream' }) }, tag: 'v1.1.0' });
    const before = world.worktree.snapshotAll();
    const killed = makeContext(world, { faults: { at: (p) => { if (p === 'before-lock') throw new Error('simulated crash'); } } });
    await expect(pull(killed, { names: [], strategy: null, dryRun: false })).rejects.toThrow(/simulated crash/);
    expect(world.worktree.read(DEST)).toBe(lines({ 8: 'eight upstream' }));
    expect(await recover(makeContext(world))).toMatchObject({ outcome: 'rolled-back', components: ['button'] });
    expect(world.worktree.snapshotAll()).toEqual(before);
    expect(world.lock.lockfile.components.button!.version).toBe('1.0.0');
  });

  it('can be a dependency: component.yaml names a file by path', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({
      files: {
        'components/form/component.yaml': `name: form\ndependencies:\n  - repository: ${TOOLS}\n    path: ${UP}\n    name: button\n    dest: ${DEST}\n`,
        'components/form/form.tsx': 'form\n',
        [UP]: lines(),
      },
      tag: 'v1.0.0',
    });
    world.manifest.seed([spec('form', TOOLS, { path: 'components/form' })]);
    const ctx = makeContext(world);
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    expect(world.worktree.read(DEST)).toBe(lines());
    expect(world.lock.lockfile.components.button).toMatchObject({ path: UP, dest: DEST, blob: blobOid(lines()), requiredBy: ['form'] });
    expect(world.lock.lockfile.components.form!.dependencies).toEqual(['button']);
  });

  it('add --path FILE installs it (the path is told apart from the upstream tree)', async () => {
    const world = makeWorld();
    world.upstream.repo(TOOLS).commit({ files: { [UP]: lines() }, tag: 'v1.0.0' });
    world.manifest.seed([]);
    const result = await addComponent(makeContext(world), { repository: TOOLS, component: 'button', path: UP, dest: DEST });
    expect(result.plan.components[0]).toMatchObject({ action: 'install' });
    expect(world.worktree.read(DEST)).toBe(lines());
    expect(world.manifest.components[0]).toMatchObject({ path: UP, dest: DEST });
  });

  it('a path that is neither a file nor a folder: exit 2, naming the path and the commit, nothing written', async () => {
    const world = makeWorld();
    const v1 = world.upstream.repo(TOOLS).commit({ files: { [UP]: lines() }, tag: 'v1.0.0' });
    world.manifest.seed([]);
    const error = await caught(addComponent(makeContext(world), { repository: TOOLS, component: 'button', path: 'ui/nope.tsx' }));
    expect(error.code).toBe('E_COMPONENT_NOT_FOUND');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('ui/nope.tsx');
    expect(error.message).toContain(v1.slice(0, 12));
    expect(error.message).not.toMatch(/needs a component/);
    expect(world.manifest.components).toEqual([]);
    expect(world.worktree.store.size).toBe(0);
  });

  it('a dest that is a folder here is refused, and nothing in it is touched', async () => {
    const world = makeWorld();
    world.upstream.repo(TOOLS).commit({ files: { [UP]: lines() }, tag: 'v1.0.0' });
    world.worktree.write(`${DEST}/inside.txt`, 'a folder named like the file\n');
    world.manifest.seed([]);
    const before = world.worktree.snapshotAll();
    const error = await caught(addComponent(makeContext(world), { repository: TOOLS, component: 'button', path: UP, dest: DEST }));
    expect(error.code).toBe('E_NAME_CLASH');
    expect(error.message).toContain(`${DEST} is a folder`);
    expect(world.worktree.snapshotAll()).toEqual(before);
    expect(world.manifest.components).toEqual([]);
  });

  it('a dest that already exists as a file forge did not install is refused', async () => {
    const world = makeWorld();
    world.upstream.repo(TOOLS).commit({ files: { [UP]: lines() }, tag: 'v1.0.0' });
    world.worktree.write(DEST, 'mine\n');
    world.manifest.seed([]);
    const error = await caught(addComponent(makeContext(world), { repository: TOOLS, component: 'button', path: UP, dest: DEST }));
    expect(error.message).toBe(`'${DEST}' already exists and forge did not install it.`);
    expect(world.worktree.read(DEST)).toBe('mine\n');
  });

  it('include/exclude on a file is refused as bad input', async () => {
    const world = makeWorld();
    world.upstream.repo(TOOLS).commit({ files: { [UP]: lines() }, tag: 'v1.0.0' });
    world.manifest.seed([]);
    const error = await caught(addComponent(makeContext(world), { repository: TOOLS, component: 'button', path: UP, include: ['*.tsx'] }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/is a single file .* include\/exclude/);
    expect(world.worktree.store.size).toBe(0);
  });

  it('a file that becomes a folder upstream is not followed: the pull leaves it and says why', async () => {
    const { world, tools, ctx } = await installedFile();
    tools.commit({ files: { [UP]: null, [`${UP}/index.tsx`]: 'now a folder\n' }, tag: 'v1.1.0' });
    const result = await pull(ctx, { names: [], strategy: null, dryRun: false });
    const plan = result.plan.components[0]!;
    expect(plan.action).toBe('blocked');
    expect(plan.note).toMatch(/was a single file .* is a folder/);
    expect(world.worktree.read(DEST)).toBe(lines());
    expect(world.lock.lockfile.components.button!.version).toBe('1.0.0');
  });

  it('may be called otherwise here: snapshots use the name here, and a push still goes to its path upstream', async () => {
    expect(fileNameOf('src/ui/button.tsx')).toBe('button.tsx');
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    const v1 = tools.commit({ files: { [UP]: lines() }, tag: 'v1.0.0' });
    world.manifest.seed([spec('button', TOOLS, { path: UP, dest: 'Button.tsx' })]);
    const ctx = makeContext(world);
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    expect(world.worktree.read('Button.tsx')).toBe(lines());
    world.worktree.write('Button.tsx', lines({ 1: 'one' }));
    const entry = world.lock.lockfile.components.button!;
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]!.localChanges).toEqual(['Button.tsx']);
    const diff = diffSnapshots(await lockedSnapshot(ctx, entry), await world.worktree.scan('Button.tsx', { kind: 'file' }));
    const changes = await upstreamChanges(ctx, entry, diff);
    expect(changes.map((c) => c.path)).toEqual([UP]);
    expect(v1).toBe(entry.commit);
  });
});

describe('a folder filtered by include/exclude', () => {
  it('installs only the selected files; the lock tree is that of exactly those; other files here are left alone', async () => {
    const { world } = await installedFiltered();
    expect(world.worktree.files(LIB)).toEqual({ 'a.yaml': 'a: 1\n', 'notes.md': 'my notes\n', 'src/main.test.ts': 'my own test\n', 'src/main.ts': lines() });
    const entry = world.lock.lockfile.components.lib!;
    expect(entry).toMatchObject({ include: ['src/**', '*.yaml'], exclude: ['**/*.test.ts'] });
    const selected = [
      { path: 'a.yaml', mode: '100644' as const, oid: blobOid('a: 1\n') },
      { path: 'src/main.ts', mode: '100644' as const, oid: blobOid(lines()) },
    ];
    expect(entry.tree).toBe(snapshotFromFiles(selected));
    expect((await status(makeContext(world), { names: [], offline: true, detailed: false })).components[0]).toMatchObject({ status: 'synced', localChanges: [] });
  });

  it('pulls, merges and resolves only selected files; files outside are never touched, even where upstream changed them', async () => {
    const { world, tools, ctx } = await installedFiltered();
    tools.commit({ files: { 'lib/src/main.ts': lines({ 2: 'two upstream' }), 'lib/src/main.test.ts': 'test 2\n', 'lib/docs/guide.md': 'guide 2\n' }, tag: 'v1.1.0' });
    world.worktree.write('lib/src/main.ts', lines({ 2: 'two local' }));
    const merged = await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    expect(merged.conflicted).toEqual(['lib']);
    expect(world.state.conflictSets[0]!.records.map((r) => r.file)).toEqual(['src/main.ts']);
    expect(others(world)).toEqual({ test: 'my own test\n', notes: 'my notes\n' });
    expect(world.worktree.read('lib/docs/guide.md')).toBeNull();
    await resolveConflicts(ctx, { component: 'lib', files: [], mode: { kind: 'prefer', side: 'upstream' } });
    expect(world.worktree.read('lib/src/main.ts')).toBe(lines({ 2: 'two upstream' }));
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]).toMatchObject({ status: 'synced' });
    expect(others(world)).toEqual({ test: 'my own test\n', notes: 'my notes\n' });
  });

  it('changing the patterns moves the folder to the new set at the next pull; an edited file leaving the set is refused, then kept by --merge', async () => {
    const { world, ctx } = await installedFiltered();
    // Now: everything but yaml files. a.yaml leaves the set, docs/guide.md joins it.
    world.manifest.components[0] = spec('lib', TOOLS, { path: LIB, version: '^1.0.0', include: ['src/**', 'docs/**'], exclude: ['**/*.test.ts'] });
    const status1 = await status(ctx, { names: [], offline: true, detailed: false });
    expect(status1.components[0]).toMatchObject({ status: 'outdated', behind: true, note: 'forge.yaml changed since the last pull' });
    const report = await verify(ctx, []);
    expect(report.components[0]!.problems[0]!.message).toContain('(include src/**, docs/**; exclude **/*.test.ts); forge.lock.yaml has');

    world.worktree.write('lib/a.yaml', 'a: edited\n');
    const refused = await pull(ctx, { names: ['lib'], strategy: null, dryRun: false });
    expect(refused.blocked).toEqual(['lib']);
    expect(refused.plan.components[0]!.localChanges.map((c) => c.path)).toEqual(['a.yaml']);
    expect(world.worktree.read('lib/docs/guide.md')).toBeNull();

    const merged = await pull(ctx, { names: ['lib'], strategy: 'merge', dryRun: false });
    expect(merged.conflicted).toEqual(['lib']);
    expect(world.worktree.read('lib/a.yaml')).toBe('a: edited\n'); // kept, never silently deleted
    expect(world.worktree.read('lib/docs/guide.md')).toBe('guide\n');
    expect(world.lock.lockfile.components.lib!.include).toEqual(['src/**', 'docs/**']);
    await resolveConflicts(ctx, { component: 'lib', files: [], mode: { kind: 'prefer', side: 'local' } });
    expect(world.worktree.read('lib/a.yaml')).toBe('a: edited\n');
    expect(others(world)).toEqual({ test: 'my own test\n', notes: 'my notes\n' });
    // a.yaml is no longer the component's: the folder is synced.
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]).toMatchObject({ status: 'synced', localChanges: [] });
  });

  it('an unedited file leaving the set is removed by a plain pull, and undo brings the old set back', async () => {
    const { world, ctx } = await installedFiltered();
    world.manifest.components[0] = spec('lib', TOOLS, { path: LIB, version: '^1.0.0', include: ['src/**'], exclude: ['**/*.test.ts'] });
    const result = await pull(ctx, { names: ['lib'], strategy: null, dryRun: false });
    expect(result.plan.components[0]!.action).toBe('fast-forward');
    expect(world.worktree.read('lib/a.yaml')).toBeNull();
    expect(others(world)).toEqual({ test: 'my own test\n', notes: 'my notes\n' });
    await undo(ctx, 'lib');
    expect(world.worktree.read('lib/a.yaml')).toBe('a: 1\n');
    expect(world.lock.lockfile.components.lib!.include).toEqual(['src/**', '*.yaml']);
  });

  it('a file newly selected that exists here and was not installed by forge counts as a local change', async () => {
    const { world, ctx } = await installedFiltered();
    world.worktree.write('lib/docs/guide.md', 'my guide\n');
    world.manifest.components[0] = spec('lib', TOOLS, { path: LIB, version: '^1.0.0', include: ['src/**', '*.yaml', 'docs/**'], exclude: ['**/*.test.ts'] });
    const result = await pull(ctx, { names: ['lib'], strategy: null, dryRun: false });
    expect(result.blocked).toEqual(['lib']);
    expect(world.worktree.read('lib/docs/guide.md')).toBe('my guide\n');
  });

  it('remove deletes only the selected files; a crash mid-pull rolls back without touching the others', async () => {
    const { world, tools, ctx } = await installedFiltered();
    tools.commit({ files: { 'lib/src/main.ts': lines({ 2: 'two' }), 'lib/a.yaml': 'a: 2\n' }, tag: 'v1.1.0' });
    world.worktree.crashAfterWrites = world.worktree.writes + 1;
    const before = world.worktree.snapshotAll();
    await expect(pull(ctx, { names: [], strategy: null, dryRun: false })).rejects.toThrow(/simulated crash/);
    world.worktree.crashAfterWrites = undefined;
    expect(await recover(makeContext(world))).toMatchObject({ outcome: 'rolled-back' });
    expect(world.worktree.snapshotAll()).toEqual(before);

    await removeComponent(makeContext(world), { name: 'lib', keepFiles: false });
    expect(world.worktree.files(LIB)).toEqual({ 'notes.md': 'my notes\n', 'src/main.test.ts': 'my own test\n' });
  });

  it('verify checks the filtered tree against upstream', async () => {
    const { world, ctx } = await installedFiltered();
    expect((await verify(ctx, [])).ok).toBe(true);
    world.lock.lockfile.components.lib!.exclude = ['docs/'];
    const report = await verify(ctx, []);
    expect(report.components[0]!.problems.map((p) => p.check)).toContain('tree');
  });

  it('patterns that select nothing are refused at add, writing nothing', async () => {
    const world = makeWorld();
    world.upstream.repo(TOOLS).commit({ files: LIB_V1, tag: 'v1.0.0' });
    world.manifest.seed([]);
    const error = await caught(addComponent(makeContext(world), { repository: TOOLS, component: 'lib', path: LIB, include: ['*.rs'] }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/select no file of lib/);
    expect(world.worktree.store.size).toBe(0);
    expect(world.manifest.components).toEqual([]);
  });

  it('a bad pattern given to add is refused before anything is read', async () => {
    const world = makeWorld();
    world.manifest.seed([]);
    const error = await caught(addComponent(makeContext(world), { repository: TOOLS, component: 'lib', path: LIB, exclude: ['../x'] }));
    expect(error.code).toBe('E_USAGE');
    expect(error.message).toContain('--exclude "../x"');
    expect(world.upstream.listRefsCount()).toBe(0);
  });
});

describe('the changes a push sends upstream', () => {
  const author = { name: 'Forge Test', email: 'test@forge.invalid', timestamp: 1717243200, timezoneOffset: 0 };

  it('a single file: the commit replaces exactly that file; every other path is the locked commit’s', async () => {
    const { world, tools, v1, ctx } = await installedFile();
    world.worktree.write(DEST, lines({ 4: 'four local' }));
    const entry = world.lock.lockfile.components.button!;
    const diff = diffSnapshots(await lockedSnapshot(ctx, entry), await world.worktree.scan(DEST, { kind: 'file' }));
    const changes = await upstreamChanges(ctx, entry, diff);
    expect(changes.map((c) => [c.action, c.path])).toEqual([['write', UP]]);
    const made = await world.upstream.createCommit(tools.url, { parent: v1, changes, message: 'button', author });
    const files = tools.commits.get(made.commit)!.files;
    const before = tools.commits.get(v1)!.files;
    expect(Buffer.from(files.get(UP)!.content).toString()).toBe(lines({ 4: 'four local' }));
    for (const [path, file] of before) if (path !== UP) expect(files.get(path)).toEqual(file);
    expect(files.size).toBe(before.size);
  });

  it('a filtered folder: only selected files go; upstream’s files outside the filter stay as they are', async () => {
    const { world, tools, v1, ctx } = await installedFiltered();
    world.worktree.write('lib/src/main.ts', lines({ 4: 'four local' }));
    world.worktree.write('lib/src/new.ts', 'new\n');
    world.worktree.write('lib/src/main.test.ts', 'my test, edited\n');
    const entry = world.lock.lockfile.components.lib!;
    const diff = diffSnapshots(await lockedSnapshot(ctx, entry), await world.worktree.scan(LIB, shapeOf(entry)));
    const changes = await upstreamChanges(ctx, entry, diff);
    expect(changes.map((c) => [c.action, c.path])).toEqual([['write', 'lib/src/main.ts'], ['write', 'lib/src/new.ts']]);
    const made = await world.upstream.createCommit(tools.url, { parent: v1, changes, message: 'lib', author });
    const files = tools.commits.get(made.commit)!.files;
    expect(Buffer.from(files.get('lib/src/main.test.ts')!.content).toString()).toBe('test 1\n');
    expect(Buffer.from(files.get('lib/docs/guide.md')!.content).toString()).toBe('guide\n');
  });
});
