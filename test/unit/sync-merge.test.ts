// pull --merge / --overwrite / --stash, then resolve, undo and stash pop: what users get back.
import { describe, expect, it } from 'vitest';
import { popStash, undo } from '../../src/sync/history-ops.js';
import { pull } from '../../src/sync/pull.js';
import { resolveConflicts } from '../../src/sync/resolve-conflicts.js';
import { status } from '../../src/sync/status.js';
import { BUTTON, inFolder, installedButton } from '../helpers/fakes.js';

const A_V1 = 'alpha\nbeta\ngamma\ndelta\nepsilon\n';
const A_LOCAL = 'ALPHA\nbeta\ngamma\ndelta\nepsilon\n';
const A_UPSTREAM = 'alpha\nbeta\ngamma\ndelta\nEPSILON\n';

/** button installed at v1.0.0; upstream v1.1.0 changes `a.txt` to `upstreamA` and b.txt; the user edits a.txt to `localA`. */
async function diverged(localA: string, upstreamA: string) {
  const setup = await installedButton();
  const v11 = setup.tools.commit({ files: inFolder(BUTTON, { 'a.txt': upstreamA, 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
  setup.world.worktree.write(`${BUTTON}/a.txt`, localA);
  return { ...setup, v11 };
}

describe('pull --merge', () => {
  it('merges separate edits of one file cleanly, takes upstream-only changes, moves the lock', async () => {
    const { world, ctx, v11 } = await diverged(A_LOCAL, A_UPSTREAM);
    const result = await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    expect(result.plan.components[0]).toMatchObject({ action: 'merge', merged: ['a.txt'] });
    expect(result.conflicted).toEqual([]);
    expect(world.worktree.files(BUTTON)).toMatchObject({ 'a.txt': 'ALPHA\nbeta\ngamma\ndelta\nEPSILON\n', 'b.txt': 'bee 2\n' });
    expect(world.lock.lockfile.components.button!.commit).toBe(v11);
    const [c] = (await status(ctx, { names: [], offline: true, detailed: false })).components;
    expect(c).toMatchObject({ status: 'modified', localChanges: ['a.txt'] });
    expect(world.state.historyList.at(-1)).toMatchObject({ op: 'merge', component: 'button' });
  });

  it("conflicting edits: action 'conflict', markers in the file, records in state, status 'conflict'", async () => {
    const { world, ctx, v11 } = await diverged('alpha\nLOCAL BETA\ngamma\ndelta\nepsilon\n', 'alpha\nUPSTREAM BETA\ngamma\ndelta\nepsilon\n');
    const result = await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    expect(result.plan.components[0]!.action).toBe('conflict');
    expect(result.conflicted).toEqual(['button']);
    const a = world.worktree.read(`${BUTTON}/a.txt`)!;
    expect(a).toContain('<<<<<<< LOCAL\nLOCAL BETA\n=======\nUPSTREAM BETA\n>>>>>>> UPSTREAM\n');
    expect(world.worktree.read(`${BUTTON}/b.txt`)).toBe('bee 2\n'); // the clean part is applied
    expect(world.state.conflictSets).toHaveLength(1);
    expect(world.state.conflictSets[0]).toMatchObject({ component: 'button', operation: 'merge', target: { commit: v11 } });
    expect(world.state.conflictSets[0]!.records.map((r) => [r.type, r.file])).toEqual([['content', 'a.txt']]);
    const [c] = (await status(ctx, { names: [], offline: true, detailed: false })).components;
    expect(c).toMatchObject({ status: 'conflict', conflicts: [{ type: 'content', file: 'a.txt' }] });
  });

  it('a further pull refuses while conflicts are unresolved', async () => {
    const { ctx } = await diverged('alpha\nLOCAL BETA\ngamma\ndelta\nepsilon\n', 'alpha\nUPSTREAM BETA\ngamma\ndelta\nepsilon\n');
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    await expect(pull(ctx, { names: [], strategy: 'merge', dryRun: false })).rejects.toMatchObject({ code: 'E_CONFLICTS' });
  });

  it('binary files changed on both sides are a conflict that keeps the local bytes', async () => {
    const setup = await installedButton();
    const bin = (n: number) => new Uint8Array([0, 1, 2, n]);
    setup.tools.commit({ files: inFolder(BUTTON, { 'img.bin': bin(1) }), tag: 'v1.0.1' });
    await pull(setup.ctx, { names: [], strategy: null, dryRun: false });
    setup.tools.commit({ files: inFolder(BUTTON, { 'img.bin': bin(2) }), tag: 'v1.1.0' });
    setup.world.worktree.write(`${BUTTON}/img.bin`, bin(3));
    const result = await pull(setup.ctx, { names: [], strategy: 'merge', dryRun: false });
    expect(result.plan.components[0]!.conflicts).toMatchObject([{ file: 'img.bin', binary: true }]);
    expect([...(await setup.world.worktree.readFile(BUTTON, 'img.bin'))!]).toEqual([0, 1, 2, 3]);
  });
});

describe('forge sync resolve', () => {
  const LOCAL = 'alpha\nLOCAL BETA\ngamma\ndelta\nepsilon\n';
  const UPSTREAM = 'alpha\nUPSTREAM BETA\ngamma\ndelta\nepsilon\n';

  it('--prefer-local keeps the local side of conflicting hunks and clears the conflict', async () => {
    const { world, ctx } = await diverged(LOCAL, UPSTREAM);
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    const result = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'prefer', side: 'local' } });
    expect(result).toMatchObject({ resolved: ['a.txt'], remaining: [], aborted: false });
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toBe(LOCAL);
    expect(world.state.conflictSets).toEqual([]);
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]!.status).toBe('modified');
  });

  it('--strategy theirs takes the upstream file: the component is synced again', async () => {
    const { world, ctx } = await diverged(LOCAL, UPSTREAM);
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'strategy', strategy: 'theirs' } });
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toBe(UPSTREAM);
    expect((await status(ctx, { names: [], offline: false, detailed: false })).components[0]!.status).toBe('synced');
  });

  it('without a flag, a file edited by hand (no markers left) counts as resolved; one with markers does not', async () => {
    const { world, ctx } = await diverged(LOCAL, UPSTREAM);
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    let result = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'marked' } });
    expect(result.remaining.map((r) => r.file)).toEqual(['a.txt']);
    world.worktree.write(`${BUTTON}/a.txt`, 'alpha\nBOTH BETA\ngamma\ndelta\nepsilon\n');
    result = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'marked' } });
    expect(result.remaining).toEqual([]);
    expect(world.state.conflictSets).toEqual([]);
  });

  it('--abort puts the folder and the lock back as before the pull', async () => {
    const { world, ctx } = await diverged(LOCAL, UPSTREAM);
    const filesBefore = world.worktree.snapshotAll();
    const lockBefore = structuredClone(world.lock.lockfile);
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    const result = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'abort' } });
    expect(result.aborted).toBe(true);
    expect(world.worktree.snapshotAll()).toEqual(filesBefore);
    expect(world.lock.lockfile).toEqual(lockBefore);
    expect(world.state.conflictSets).toEqual([]);
  });

  it('an unknown file or a component without conflicts is an error', async () => {
    const { ctx } = await diverged(LOCAL, UPSTREAM);
    await expect(resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'marked' } })).rejects.toMatchObject({ code: 'E_NO_CONFLICTS' });
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    await expect(resolveConflicts(ctx, { component: 'button', files: ['zzz'], mode: { kind: 'marked' } })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('pull --overwrite and undo', () => {
  it('upstream wins; undo restores byte-identical files and the lock entry', async () => {
    const { world, ctx, v11 } = await diverged(A_LOCAL, A_UPSTREAM);
    world.worktree.write(`${BUTTON}/mine.txt`, 'only here\n');
    world.worktree.write(`${BUTTON}/run.sh`, { content: '#!/bin/sh\necho mine\n', mode: '100755' });
    const filesBefore = world.worktree.snapshotAll();
    const lockBefore = structuredClone(world.lock.lockfile);

    const result = await pull(ctx, { names: [], strategy: 'overwrite', dryRun: false });
    expect(result.plan.components[0]!.action).toBe('overwrite');
    expect(world.worktree.files(BUTTON)).toEqual(world.upstream.repo('github.com/acme/tools').filesAt(v11, BUTTON));
    expect(world.lock.lockfile.components.button!.commit).toBe(v11);

    const undone = await undo(ctx, 'button');
    expect(undone.undone.op).toBe('overwrite');
    expect(world.worktree.snapshotAll()).toEqual(filesBefore);
    expect(world.lock.lockfile).toEqual(lockBefore);
    expect(world.state.historyList.at(-1)).toMatchObject({ op: 'undo' });
  });

  it('undo is step by step: a second undo goes back before the install', async () => {
    const { world, ctx, tools } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    await undo(ctx, 'button');
    expect(world.lock.lockfile.components.button!.version).toBe('1.0.0');
    expect(world.worktree.read(`${BUTTON}/b.txt`)).toBe('bee\n');
    await undo(ctx, 'button');
    expect(world.lock.lockfile.components.button).toBeUndefined();
    expect(world.worktree.files(BUTTON)).toEqual({});
    await expect(undo(ctx, 'button')).rejects.toMatchObject({ code: 'E_NOTHING_TO_UNDO' });
  });

  it('undo refuses when the folder changed after the operation', async () => {
    const { world, ctx, tools } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    world.worktree.write(`${BUTTON}/a.txt`, 'later edit\n');
    await expect(undo(ctx, 'button')).rejects.toMatchObject({ code: 'E_LOCAL_CHANGES' });
  });
});

describe('pull --stash and stash pop', () => {
  it('sets local changes aside, fast-forwards, and pop restores the edit on the new version', async () => {
    const { world, ctx, v11 } = await diverged(A_LOCAL, A_UPSTREAM);
    const result = await pull(ctx, { names: [], strategy: 'stash', dryRun: false });
    expect(result.plan.components[0]!.action).toBe('stash');
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toBe(A_UPSTREAM);
    expect(world.state.stashList).toHaveLength(1);
    expect(world.lock.lockfile.components.button!.commit).toBe(v11);
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]!.status).toBe('synced');

    const popped = await popStash(ctx, 'button');
    expect(popped).toMatchObject({ dropped: true, conflicts: [] });
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toBe('ALPHA\nbeta\ngamma\ndelta\nEPSILON\n');
    expect(world.worktree.read(`${BUTTON}/b.txt`)).toBe('bee 2\n');
    expect(world.state.stashList).toEqual([]);
    expect(world.lock.lockfile.components.button!.commit).toBe(v11);
  });

  it('undo of a stash pop puts the folder back as after the pull', async () => {
    const { world, ctx } = await diverged(A_LOCAL, A_UPSTREAM);
    await pull(ctx, { names: [], strategy: 'stash', dryRun: false });
    const afterPull = world.worktree.snapshotAll();
    await popStash(ctx, 'button');
    await undo(ctx, 'button');
    expect(world.worktree.snapshotAll()).toEqual(afterPull);
  });

  it('popping with nothing stashed is E_NO_STASH', async () => {
    const { ctx } = await installedButton();
    await expect(popStash(ctx, 'button')).rejects.toMatchObject({ code: 'E_NO_STASH' });
  });
});
