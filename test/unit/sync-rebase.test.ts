// pull --rebase: local changes replayed onto upstream, one patch per consumer commit, then uncommitted ones.
import { describe, expect, it } from 'vitest';
import type { FileMode } from '../../src/core/model.js';
import { pull } from '../../src/sync/pull.js';
import { resolveConflicts } from '../../src/sync/resolve-conflicts.js';
import { BUTTON, BUTTON_V1, inFolder, installedButton } from '../helpers/fakes.js';

type Files = Record<string, string | { content: string; mode: FileMode }>;
const toMap = (files: Files) =>
  new Map(
    Object.entries(files).map(([p, f]) => [p, typeof f === 'string' ? { mode: '100644' as FileMode, content: Buffer.from(f) } : { mode: f.mode, content: Buffer.from(f.content) }]),
  );

/** A consumer-repository commit as the worktree reports it: whole folder before and after (null: absent on one side). */
function consumerCommit(oid: string, message: string, parent: Files, after: Files) {
  const files = new Map<string, { mode: FileMode; content: Uint8Array } | null>(toMap(after));
  const parentFiles = new Map<string, { mode: FileMode; content: Uint8Array } | null>(toMap(parent));
  for (const p of files.keys()) if (!parentFiles.has(p)) parentFiles.set(p, null);
  for (const p of parentFiles.keys()) if (!files.has(p)) files.set(p, null);
  return { oid: oid.repeat(40).slice(0, 40), message, files, parentFiles };
}

const V1 = BUTTON_V1 as Files;
const A = (lines: string[]) => lines.join('\n') + '\n';

describe('pull --rebase', () => {
  it('replays two consumer commits, then the uncommitted changes, onto the new upstream version', async () => {
    const { world, tools, ctx } = await installedButton();
    const v11 = tools.commit({ files: inFolder(BUTTON, { 'a.txt': A(['alpha', 'beta', 'gamma', 'delta', 'EPSILON']), 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    const c1 = { ...V1, 'a.txt': A(['ALPHA', 'beta', 'gamma', 'delta', 'epsilon']) };
    const c2 = { ...c1, 'c.txt': 'sea\n' };
    world.worktree.consumerCommits.set(BUTTON, [consumerCommit('1', 'capitalise alpha', V1, c1), consumerCommit('2', 'add c', c1, c2)]);
    for (const [p, f] of Object.entries(c2)) world.worktree.write(`${BUTTON}/${p}`, f);
    world.worktree.write(`${BUTTON}/a.txt`, A(['ALPHA', 'beta', 'GAMMA', 'delta', 'epsilon'])); // uncommitted

    const result = await pull(ctx, { names: [], strategy: 'rebase', dryRun: false });

    const plan = result.plan.components[0]!;
    expect(plan.action).toBe('rebase');
    expect(plan.note).toBe('replayed 3 step(s)');
    expect(world.worktree.files(BUTTON)).toEqual({
      'a.txt': A(['ALPHA', 'beta', 'GAMMA', 'delta', 'EPSILON']),
      'b.txt': 'bee 2\n',
      'c.txt': 'sea\n',
      'run.sh': '#!/bin/sh\necho 1\n',
    });
    expect(world.worktree.modes(BUTTON)['run.sh']).toBe('100755');
    expect(world.lock.lockfile.components.button!.commit).toBe(v11);
    expect(world.state.conflictSets).toEqual([]);
    expect(world.state.historyList.at(-1)).toMatchObject({ op: 'rebase' });
  });

  it('without consumer commits, replays the uncommitted changes alone', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': A(['alpha', 'beta', 'gamma', 'delta', 'EPSILON']) }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, A(['ALPHA', 'beta', 'gamma', 'delta', 'epsilon']));
    const result = await pull(ctx, { names: [], strategy: 'rebase', dryRun: false });
    expect(result.plan.components[0]!.action).toBe('rebase');
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toBe(A(['ALPHA', 'beta', 'gamma', 'delta', 'EPSILON']));
  });

  it('a conflicting step stops the rebase; resolve continues it with the remaining steps', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': A(['alpha', 'UPSTREAM BETA', 'gamma', 'delta', 'epsilon']) }), tag: 'v1.1.0' });
    const c1 = { ...V1, 'a.txt': A(['alpha', 'LOCAL BETA', 'gamma', 'delta', 'epsilon']) };
    const c2 = { ...c1, 'c.txt': 'sea\n' };
    world.worktree.consumerCommits.set(BUTTON, [consumerCommit('1', 'my beta', V1, c1), consumerCommit('2', 'add c', c1, c2)]);
    for (const [p, f] of Object.entries(c2)) world.worktree.write(`${BUTTON}/${p}`, f);
    world.worktree.write(`${BUTTON}/b.txt`, 'my bee\n'); // uncommitted

    const result = await pull(ctx, { names: [], strategy: 'rebase', dryRun: false });

    expect(result.conflicted).toEqual(['button']);
    expect(result.plan.components[0]!.note).toMatch(/^rebase stopped at commit 1111111 my beta/);
    const set = world.state.conflictSets[0]!;
    expect(set).toMatchObject({ operation: 'rebase', rebase: { stoppedAt: 'commit 1111111 my beta' } });
    expect(set.rebase!.remaining.map((s) => s.label)).toEqual(['commit 2222222 add c', 'uncommitted changes']);
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toContain('<<<<<<< LOCAL\nLOCAL BETA\n=======\nUPSTREAM BETA\n>>>>>>> UPSTREAM\n');
    expect(world.worktree.read(`${BUTTON}/c.txt`)).toBeNull(); // not replayed yet

    const resolved = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'prefer', side: 'local' } });

    expect(resolved.rebase).toEqual({ continued: true, stoppedAt: null });
    expect(resolved.remaining).toEqual([]);
    expect(world.worktree.files(BUTTON)).toMatchObject({
      'a.txt': A(['alpha', 'LOCAL BETA', 'gamma', 'delta', 'epsilon']),
      'b.txt': 'my bee\n',
      'c.txt': 'sea\n',
    });
    expect(world.state.conflictSets).toEqual([]);
  });

  it('resolve --abort of a stopped rebase puts the folder and lock back', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': A(['alpha', 'UPSTREAM BETA', 'gamma', 'delta', 'epsilon']) }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, A(['alpha', 'LOCAL BETA', 'gamma', 'delta', 'epsilon']));
    const filesBefore = world.worktree.snapshotAll();
    const lockBefore = structuredClone(world.lock.lockfile);
    await pull(ctx, { names: [], strategy: 'rebase', dryRun: false });
    expect(world.state.conflictSets).toHaveLength(1);
    await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'abort' } });
    expect(world.worktree.snapshotAll()).toEqual(filesBefore);
    expect(world.lock.lockfile).toEqual(lockBefore);
  });

  it('a consumer commit that recorded the installed files themselves replays as nothing', async () => {
    // The usual history: `forge add`, then `git commit` of the new folder, then the user's edits.
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': A(['alpha', 'beta', 'gamma', 'delta', 'EPSILON']), 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    const c1 = { ...V1, 'a.txt': A(['ALPHA', 'beta', 'gamma', 'delta', 'epsilon']) };
    world.worktree.consumerCommits.set(BUTTON, [consumerCommit('1', 'vendor button', {}, V1), consumerCommit('2', 'capitalise alpha', V1, c1)]);
    for (const [p, f] of Object.entries(c1)) world.worktree.write(`${BUTTON}/${p}`, f);
    const result = await pull(ctx, { names: [], strategy: 'rebase', dryRun: false });
    expect(result.conflicted).toEqual([]);
    expect(world.worktree.files(BUTTON)).toMatchObject({ 'a.txt': A(['ALPHA', 'beta', 'gamma', 'delta', 'EPSILON']), 'b.txt': 'bee 2\n' });
  });
});

describe('pull --rebase, history with the install committed together with edits', () => {
  it('a commit that created the folder with edits replays only the edits', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': A(['alpha', 'beta', 'gamma', 'delta', 'EPSILON']), 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    const c1 = { ...V1, 'a.txt': A(['ALPHA', 'beta', 'gamma', 'delta', 'epsilon']) };
    world.worktree.consumerCommits.set(BUTTON, [consumerCommit('1', 'vendor button, tweaked', {}, c1)]);
    for (const [p, f] of Object.entries(c1)) world.worktree.write(`${BUTTON}/${p}`, f);
    const result = await pull(ctx, { names: [], strategy: 'rebase', dryRun: false });
    expect(result.conflicted).toEqual([]);
    expect(world.worktree.files(BUTTON)).toMatchObject({ 'a.txt': A(['ALPHA', 'beta', 'gamma', 'delta', 'EPSILON']), 'b.txt': 'bee 2\n' });
  });
});
