import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStateStore, HISTORY_LIMIT } from '../../src/store/state.js';
import type { HistoryEntry, LockEntry, PullRequestRecord, StashEntry } from '../../src/core/ports.js';
import { EMPTY_TREE } from '../../src/core/model.js';

let forgeDir: string;
beforeEach(async () => {
  forgeDir = join(await mkdtemp(join(tmpdir(), 'forge-state-')), '.forge');
});
afterEach(async () => {
  await rm(join(forgeDir, '..'), { recursive: true, force: true });
});

const lock: LockEntry = {
  name: 'a',
  repository: 'github.com/o/r',
  path: 'a',
  dest: 'a',
  commit: 'a'.repeat(40),
  tree: 'b'.repeat(40),
  resolvedAt: '2024-01-15T10:30:00Z',
  dependencies: [],
};

function historyEntry(component: string, n: number): HistoryEntry {
  return { id: `${component}-${n}`, component, op: 'pull', at: `2024-01-15T10:30:${String(n % 60).padStart(2, '0')}Z`, summary: `pull ${n}`, before: { lock: null, tree: EMPTY_TREE }, after: { lock, tree: 'c'.repeat(40) } };
}

describe('state in .forge/state.json', () => {
  it('runs under NODE_ENV=test yet persists to disk across instances', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    const first = createStateStore(forgeDir);
    const stash: StashEntry = { id: 's1', component: 'a', at: '2024-01-15T10:30:00Z', base: lock, tree: 'c'.repeat(40) };
    await first.pushStash(stash);
    await first.record(historyEntry('a', 1));
    await first.setPending({ id: 'p', at: '2024-01-15T10:30:00Z', operation: 'pull', folders: [], lock: { before: {}, after: {} }, manifest: null, state: [] });

    const raw = JSON.parse(await readFile(join(forgeDir, 'state.json'), 'utf8'));
    expect(raw.version).toBe(2);

    const second = createStateStore(forgeDir);
    expect(await second.stashes()).toEqual([stash]);
    expect((await second.history('a')).map((h) => h.id)).toEqual(['a-1']);
    expect(await second.pending()).toMatchObject({ id: 'p' });
    // No temp files left behind.
    expect(await readdir(forgeDir)).toEqual(['state.json']);
  });

  it('starts empty with every collection defaulted, without creating files', async () => {
    const store = createStateStore(forgeDir);
    expect(await store.conflicts()).toEqual([]);
    expect(await store.stashes()).toEqual([]);
    expect(await store.history()).toEqual([]);
    expect(await store.forks()).toEqual([]);
    expect(await store.pullRequests()).toEqual([]);
    expect(await store.pending()).toBeNull();
    await expect(readdir(forgeDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps the last 50 history entries per component', async () => {
    const store = createStateStore(forgeDir);
    for (let i = 1; i <= HISTORY_LIMIT + 5; i++) await store.record(historyEntry('a', i));
    await store.record(historyEntry('b', 1));
    const a = await createStateStore(forgeDir).history('a');
    expect(a).toHaveLength(HISTORY_LIMIT);
    expect(a[0]!.id).toBe('a-6');
    expect(a.at(-1)!.id).toBe(`a-${HISTORY_LIMIT + 5}`);
    expect(await store.history('b')).toHaveLength(1);
    await store.markUndone(`a-${HISTORY_LIMIT + 5}`);
    expect((await store.history('a')).at(-1)!.undone).toBe(true);
  });

  it('one conflict set per component; null clears it', async () => {
    const store = createStateStore(forgeDir);
    const set = { component: 'a', operation: 'merge' as const, at: '2024-01-15T10:30:00Z', target: lock, records: [] };
    await store.setConflicts('a', set);
    await store.setConflicts('a', { ...set, operation: 'rebase' });
    await store.setConflicts('b', { ...set, component: 'b' });
    expect((await store.conflicts()).map((c) => [c.component, c.operation])).toEqual([
      ['a', 'rebase'],
      ['b', 'merge'],
    ]);
    await store.setConflicts('a', null);
    expect((await store.conflicts()).map((c) => c.component)).toEqual(['b']);
  });

  it('pull requests upsert by (repository, branch), forks by upstream', async () => {
    const store = createStateStore(forgeDir);
    const pr: PullRequestRecord = { component: 'a', repository: 'github.com/o/r', number: 1, url: 'u', branch: 'forge/a-1', headRepository: 'me/r', commit: 'a'.repeat(40), state: 'open', createdAt: 't' };
    await store.savePullRequest(pr);
    await store.savePullRequest({ ...pr, commit: 'b'.repeat(40) });
    await store.savePullRequest({ ...pr, branch: 'forge/a-2', number: 2 });
    expect((await store.pullRequests()).map((p) => [p.number, p.commit[0]])).toEqual([
      [1, 'b'],
      [2, 'a'],
    ]);
    await store.saveFork({ upstream: 'github.com/o/r', fork: 'github.com/me/r', defaultBranch: 'main', createdAt: 't' });
    await store.saveFork({ upstream: 'github.com/o/r', fork: 'github.com/me/r', defaultBranch: 'trunk', createdAt: 't' });
    expect((await store.forks()).map((f) => f.defaultBranch)).toEqual(['trunk']);
  });

  it('concurrent calls in one process do not lose updates', async () => {
    const store = createStateStore(forgeDir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.record(historyEntry(`c${i}`, 1))));
    expect(await createStateStore(forgeDir).history()).toHaveLength(20);
  });

  it('returned data is a copy: changing it does not change the state', async () => {
    const store = createStateStore(forgeDir);
    await store.record(historyEntry('a', 1));
    const [entry] = await store.history();
    entry!.summary = 'changed';
    expect((await store.history())[0]!.summary).toBe('pull 1');
    await store.dropStash('nope');
  });
});
