// The one write protocol (src/sync/transaction.ts): what it backs up, what it records, and the
// state-only path that push's records take.
import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../../src/core/model.js';
import { commitTransaction, filesAfter, prepareFolder, recordState, replacedFiles } from '../../src/sync/transaction.js';
import { BUTTON, installedButton } from '../helpers/fakes.js';
import { WHOLE_FOLDER } from '../../src/core/file-filter.js';

const file = (path: string): FileEntry => ({ path, mode: '100644', oid: 'a'.repeat(40) });

describe('the write protocol', () => {
  it('backs up everything under a folder that a file replaces, and a file where a folder goes', () => {
    const local = [file('dir/a.txt'), file('dir/sub/b.txt'), file('keep.txt'), file('x')];
    const replaced = replacedFiles(local, [
      { action: 'write', path: 'dir', mode: '120000', content: Buffer.from('keep.txt') },
      { action: 'write', path: 'x/inside.txt', mode: '100644', content: Buffer.from('y') },
    ]);
    expect(replaced.map((f) => f.path)).toEqual(['dir/a.txt', 'dir/sub/b.txt', 'x']);
    expect(replacedFiles(local, 'remove')).toEqual(local);
  });

  it('computes the folder after the changes as the worktree writes it (deletes first; a write replaces a folder)', () => {
    const after = filesAfter([file('dir/a.txt'), file('y.txt')], [
      { action: 'write', path: 'dir', mode: '100644', content: Buffer.from('now a file') },
      { action: 'delete', path: 'dir/a.txt' },
      { action: 'write', path: 'y.txt/inside.md', mode: '100644', content: Buffer.from('z') },
    ]);
    expect(after.map((f) => f.path)).toEqual(['dir', 'y.txt/inside.md']);
  });

  it('a transaction with nothing to write and nothing to record touches nothing', async () => {
    const { world, ctx } = await installedButton();
    const applies = world.state.applies;
    await commitTransaction(ctx, { operation: 'pull', folders: [], lock: world.lock.lockfile, state: [] });
    expect(world.state.applies).toBe(applies);
    expect(world.lock.writeCalls).toBe(0);
  });

  it('records the pending operation before the first write and clears it with the state changes in one write', async () => {
    const { world, ctx } = await installedButton();
    const seen: (string | null)[] = [];
    const apply = world.worktree.apply.bind(world.worktree);
    world.worktree.apply = async (dest, changes) => {
      seen.push(world.state.pendingOp?.operation ?? null);
      return apply(dest, changes);
    };
    const folder = await prepareFolder(ctx, { name: 'button', dest: BUTTON, current: await world.worktree.scan(BUTTON), shape: WHOLE_FOLDER, changes: [{ action: 'delete', path: 'b.txt' }] });
    expect(await world.blobs.get(folder.current.files.find((f) => f.path === 'b.txt')!.oid)).toBeTruthy(); // backed up
    const applies = world.state.applies;
    await commitTransaction(ctx, { operation: 'resolve', folders: [folder], state: [{ kind: 'undone', id: 'nope' }] });
    expect(seen).toEqual(['resolve']);
    expect(world.state.pendingOp).toBeNull();
    expect(world.state.applies - applies).toBe(2); // the record, then the changes with the record cleared
  });

  it('recordState writes state-only records (a push: its history entry, pull request and fork) in one write', async () => {
    const { world, ctx } = await installedButton();
    const lock = world.lock.lockfile.components.button!;
    const tree = (await world.worktree.scan(BUTTON)).tree;
    const applies = world.state.applies;
    await recordState(ctx, [
      { kind: 'history', entry: { id: 'p1', component: 'button', op: 'push', at: 't', summary: 'pushed', before: { lock, tree }, after: { lock, tree } } },
      { kind: 'pull-request', pullRequest: { component: 'button', repository: lock.repository, number: 7, url: 'u', branch: 'forge/button-1', headRepository: 'me/tools', commit: 'c'.repeat(40), state: 'open', createdAt: 't' } },
      { kind: 'fork', fork: { upstream: lock.repository, fork: 'github.com/me/tools', defaultBranch: 'main', createdAt: 't' } },
    ]);
    expect(world.state.applies - applies).toBe(1);
    expect(world.state.historyList.at(-1)).toMatchObject({ id: 'p1', op: 'push' });
    expect(world.state.prList).toHaveLength(1);
    expect(world.state.forkList).toHaveLength(1);
    expect(world.state.pendingOp).toBeNull();
  });
});
