// pull NAME, pull --to, and undo/stash pop around conflicts.
import { describe, expect, it } from 'vitest';
import { popStash, undo } from '../../src/sync/history-ops.js';
import { pull } from '../../src/sync/pull.js';
import { BUTTON, TOOLS, inFolder, installedButton, makeContext, makeWorld, spec } from '../helpers/fakes.js';

describe('pull NAME', () => {
  it('pulls only the named component; another one with local changes is left alone and does not block', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({ files: { 'components/a/x.txt': 'a\n', 'components/b/y.txt': 'b\n' }, tag: 'v1.0.0' });
    world.manifest.seed([spec('a', TOOLS, { path: 'components/a' }), spec('b', TOOLS, { path: 'components/b' })]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    const bBefore = structuredClone(world.lock.lockfile.components.b);
    tools.commit({ files: { 'components/a/x.txt': 'a2\n', 'components/b/y.txt': 'b2\n' }, tag: 'v1.1.0' });
    world.worktree.write('components/b/y.txt', 'mine\n');

    const result = await pull(makeContext(world), { names: ['a'], strategy: null, dryRun: false });

    expect(result.blocked).toEqual([]);
    expect(world.worktree.read('components/a/x.txt')).toBe('a2\n');
    expect(world.worktree.read('components/b/y.txt')).toBe('mine\n');
    expect(world.lock.lockfile.components.b).toEqual(bBefore);
  });

  it('an unknown name is E_UNKNOWN_COMPONENT', async () => {
    const { ctx } = await installedButton();
    await expect(pull(ctx, { names: ['nope'], strategy: null, dryRun: false })).rejects.toMatchObject({ code: 'E_UNKNOWN_COMPONENT' });
  });
});

describe('pull --to', () => {
  it('moves to the version asked for, even an older one, and records it', async () => {
    const { world, tools, ctx, v1 } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    expect(world.lock.lockfile.components.button!.version).toBe('1.1.0');
    await pull(ctx, { names: ['button'], strategy: null, dryRun: false, to: '1.0.0' });
    expect(world.lock.lockfile.components.button).toMatchObject({ version: '1.0.0', commit: v1 });
    expect(world.worktree.read(`${BUTTON}/b.txt`)).toBe('bee\n');
  });

  it('--to needs exactly one component', async () => {
    const { ctx } = await installedButton();
    await expect(pull(ctx, { names: [], strategy: null, dryRun: false, to: '1.0.0' })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('undo and stash pop around conflicts', () => {
  it('undo of a pull that left conflicts restores the folder and lock and clears the conflicts', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': 'alpha\nUP\ngamma\ndelta\nepsilon\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'alpha\nLOCAL\ngamma\ndelta\nepsilon\n');
    const filesBefore = world.worktree.snapshotAll();
    const lockBefore = structuredClone(world.lock.lockfile);
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    expect(world.state.conflictSets).toHaveLength(1);
    await undo(ctx, 'button');
    expect(world.worktree.snapshotAll()).toEqual(filesBefore);
    expect(world.lock.lockfile).toEqual(lockBefore);
    expect(world.state.conflictSets).toEqual([]);
  });

  it('a stash pop that conflicts keeps the stash and records the conflict', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': 'alpha\nUP\ngamma\ndelta\nepsilon\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'alpha\nLOCAL\ngamma\ndelta\nepsilon\n');
    await pull(ctx, { names: [], strategy: 'stash', dryRun: false });
    const popped = await popStash(ctx, 'button');
    expect(popped.dropped).toBe(false);
    expect(popped.conflicts.map((c) => c.file)).toEqual(['a.txt']);
    expect(world.state.stashList).toHaveLength(1);
    expect(world.state.conflictSets[0]).toMatchObject({ component: 'button', operation: 'stash-pop' });
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toContain('<<<<<<< LOCAL\nLOCAL\n=======\nUP\n>>>>>>> UPSTREAM\n');
  });
});
