// kill -9 in the middle of a pull: the next forge run finishes or rolls back, never leaves a half state.
import { describe, expect, it } from 'vitest';
import { pull } from '../../src/sync/pull.js';
import { recover } from '../../src/sync/recovery.js';
import { status } from '../../src/sync/status.js';
import { BUTTON, TOOLS, inFolder, installedButton, makeContext, makeWorld, spec } from '../helpers/fakes.js';

/** A kill -9 at a named point of the write (the real CLI dies there under FORGE_TEST_KILL_AT). */
function killedAt(point: string) {
  return {
    at(p: string) {
      if (p === point) throw new Error(`simulated crash at ${p}`);
    },
  };
}

describe('recover()', () => {
  it('a crash after some folder writes: the next run rolls the folder and lock back to before the pull', async () => {
    const { world, tools, ctx } = await installedButton({ crashAfterWrites: 1 });
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': 'changed\n', 'b.txt': null, 'c.txt': 'new\n' }), tag: 'v1.1.0' });
    const filesBefore = world.worktree.snapshotAll();
    const lockBefore = structuredClone(world.lock.lockfile);

    await expect(pull(ctx, { names: [], strategy: null, dryRun: false })).rejects.toThrow(/simulated crash/);
    expect(world.worktree.snapshotAll()).not.toEqual(filesBefore); // half written
    expect(world.state.pendingOp).not.toBeNull();

    world.worktree.crashAfterWrites = undefined; // the next process
    const report = await recover(makeContext(world));

    expect(report).toMatchObject({ outcome: 'rolled-back', components: ['button'] });
    expect(world.worktree.snapshotAll()).toEqual(filesBefore);
    expect(world.lock.lockfile).toEqual(lockBefore);
    expect(world.state.pendingOp).toBeNull();
    expect((await status(makeContext(world), { names: [], offline: true, detailed: false })).components[0]!.status).toBe('synced');
    expect(await recover(makeContext(world))).toBeNull(); // nothing left to do
  });

  it('rolls back local edits that were about to be overwritten, byte for byte', async () => {
    const { world, tools, ctx } = await installedButton({ crashAfterWrites: 1 });
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': 'changed\n', 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'my precious edit\n');
    world.worktree.write(`${BUTTON}/b.txt`, 'my other edit\n');
    const filesBefore = world.worktree.snapshotAll();
    await expect(pull(ctx, { names: [], strategy: 'overwrite', dryRun: false })).rejects.toThrow(/simulated crash/);
    world.worktree.crashAfterWrites = undefined;
    await recover(makeContext(world));
    expect(world.worktree.snapshotAll()).toEqual(filesBefore);
  });

  it('a crash in the second of two components rolls both back', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({ files: { 'components/a/x.txt': 'a\n', 'components/b/y.txt': 'b\n' }, tag: 'v1.0.0' });
    world.manifest.seed([spec('a', TOOLS, { path: 'components/a' }), spec('b', TOOLS, { path: 'components/b' })]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    tools.commit({ files: { 'components/a/x.txt': 'a2\n', 'components/b/y.txt': 'b2\n', 'components/b/z.txt': 'z\n' }, tag: 'v1.1.0' });
    const filesBefore = world.worktree.snapshotAll();
    const lockBefore = structuredClone(world.lock.lockfile);
    world.worktree.writes = 0;
    world.worktree.crashAfterWrites = 2; // a is done, b half done

    await expect(pull(makeContext(world), { names: [], strategy: null, dryRun: false })).rejects.toThrow(/simulated crash/);
    world.worktree.crashAfterWrites = undefined;
    const report = await recover(makeContext(world));

    expect(report!.outcome).toBe('rolled-back');
    expect(world.worktree.snapshotAll()).toEqual(filesBefore);
    expect(world.lock.lockfile).toEqual(lockBefore);
  });

  it('a crash after the lock was written: the next run keeps the new state and clears the record', async () => {
    const { world, tools, v1 } = await installedButton();
    const v11 = tools.commit({ files: inFolder(BUTTON, { 'a.txt': 'changed\n' }), tag: 'v1.1.0' });
    await expect(pull(makeContext(world, { faults: killedAt('before-state') }), { names: [], strategy: null, dryRun: false })).rejects.toThrow(/simulated crash/);
    expect(world.state.pendingOp).not.toBeNull();

    const report = await recover(makeContext(world));

    expect(report).toMatchObject({ outcome: 'completed', components: ['button'] });
    expect(world.lock.lockfile.components.button!.commit).toBe(v11);
    expect(world.lock.lockfile.components.button!.commit).not.toBe(v1);
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toBe('changed\n');
    expect(world.state.pendingOp).toBeNull();
    expect(world.lock.lockfile.components.button!.tree).toBe((await world.worktree.scan(BUTTON)).tree);
  });

  it('with no interrupted operation, recover does nothing', async () => {
    const { world, ctx } = await installedButton();
    const lockWrites = world.lock.writeCalls;
    expect(await recover(ctx)).toBeNull();
    expect(world.lock.writeCalls).toBe(lockWrites);
  });

  it('a crash after the lock write of a --stash pull keeps the stash, its undo step and its conflicts', async () => {
    const { world, tools } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'my edit\n');
    await expect(pull(makeContext(world, { faults: killedAt('before-state') }), { names: [], strategy: 'stash', dryRun: false })).rejects.toThrow(/simulated crash/);
    await recover(makeContext(world));
    expect(world.state.stashList).toHaveLength(1);
    expect((await world.state.history('button')).map((h) => h.op)).toContain('stash');
  });
});
