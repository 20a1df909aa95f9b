// forge sync pull, as the contract promises it (fast-forward, blocked, --dry-run, incremental --all).
import { describe, expect, it } from 'vitest';
import { pull } from '../../src/sync/pull.js';
import { planPull } from '../../src/sync/pull-plan.js';
import { BUTTON, TOOLS, inFolder, installedButton, makeContext, makeWorld, spec } from '../helpers/fakes.js';

describe('pull: fast-forward', () => {
  it('makes the folder exactly the upstream tree (adds, changes, deletes, exec bits) and moves the lock', async () => {
    const { world, tools, ctx } = await installedButton();
    const v11 = tools.commit({
      files: inFolder(BUTTON, {
        'a.txt': 'alpha\nBETA\ngamma\ndelta\nepsilon\n', // changed
        'b.txt': null, // deleted
        'new/c.txt': 'sea\n', // added, in a new folder
        'run.sh': { content: '#!/bin/sh\necho 1\n', mode: '100644' }, // lost its exec bit
      }),
      tag: 'v1.1.0',
    });

    const result = await pull(ctx, { names: [], strategy: null, dryRun: false });

    expect(result.plan.components.map((c) => [c.name, c.action])).toEqual([['button', 'fast-forward']]);
    expect(world.worktree.files(BUTTON)).toEqual(tools.filesAt(v11, BUTTON));
    expect(world.worktree.modes(BUTTON)['run.sh']).toBe('100644');
    const entry = world.lock.lockfile.components.button!;
    expect(entry).toMatchObject({ version: '1.1.0', ref: 'refs/tags/v1.1.0', commit: v11, constraint: '^1.0.0' });
    expect(entry.tree).toBe(tools.treeAt(v11, BUTTON));
    expect(entry.tree).toBe((await world.worktree.scan(BUTTON)).tree);
    expect(entry.resolvedAt).toBe('2024-06-01T12:00:00Z');
    expect(world.lock.writes).toBe(1);
  });

  it('installs a component the first time: files, exec bit, lock entry whose tree equals the folder scan', async () => {
    const { world, v1 } = await installedButton();
    expect(world.worktree.modes(BUTTON)).toEqual({ 'a.txt': '100644', 'b.txt': '100644', 'run.sh': '100755' });
    expect(world.worktree.read('README.md')).toBeNull(); // only the component folder is copied
    const entry = world.lock.lockfile.components.button!;
    expect(entry.commit).toBe(v1);
    expect(entry.tree).toBe((await world.worktree.scan(BUTTON)).tree);
    expect(entry.dependencies).toEqual([]);
  });
});

describe('pull: local changes and no strategy', () => {
  it("is 'blocked' and touches nothing: folder and lock unchanged", async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'my edit\n');
    const before = world.worktree.snapshotAll();
    const lockBefore = structuredClone(world.lock.lockfile);
    const history = world.state.historyList.length;

    const result = await pull(ctx, { names: ['button'], strategy: null, dryRun: false });

    expect(result.blocked).toEqual(['button']);
    expect(result.written).toBe(false);
    const plan = result.plan.components.find((c) => c.name === 'button')!;
    expect(plan.action).toBe('blocked');
    expect(plan.localChanges.map((c) => c.path)).toEqual(['a.txt']);
    expect(world.worktree.snapshotAll()).toEqual(before);
    expect(world.worktree.writes).toBe(0);
    expect(world.lock.writeCalls).toBe(0);
    expect(world.lock.lockfile).toEqual(lockBefore);
    expect(world.state.historyList).toHaveLength(history);
  });
});

describe('pull --dry-run', () => {
  it('plans the fast-forward and writes nothing', async () => {
    const { world, tools, ctx } = await installedButton();
    const v11 = tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    const before = world.worktree.snapshotAll();
    const history = world.state.historyList.length;

    const result = await pull(ctx, { names: [], strategy: null, dryRun: true });

    expect(result.written).toBe(false);
    expect(result.plan.components[0]).toMatchObject({ action: 'fast-forward', to: { commit: v11 } });
    expect(result.plan.components[0]!.changes.map((c) => c.path)).toEqual(['b.txt']);
    expect(world.worktree.snapshotAll()).toEqual(before);
    expect(world.lock.writeCalls).toBe(0);
    expect(world.state.historyList.length).toBe(history);
    expect(world.state.pendingOp).toBeNull();
  });
});

describe('pull --all is incremental', () => {
  it('a no-op pull lists refs once per repository and fetches nothing', async () => {
    const { world, ctx } = await installedButton();
    const result = await pull(ctx, { names: [], strategy: null, dryRun: false });
    expect(result.plan.components.map((c) => c.action)).toEqual(['no-op']);
    expect(world.upstream.listRefsCount(TOOLS)).toBe(1);
    expect(world.upstream.fetchCount()).toBe(0);
    expect(result.plan.fetched).toEqual([]);
    expect(world.lock.writes).toBe(0);
  });

  it('two components of one repository: one ref listing and one fetch for that repository', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({ files: { 'components/a/x.txt': 'a\n', 'components/b/y.txt': 'b\n' }, tag: 'v1.0.0' });
    const other = world.upstream.repo('github.com/acme/other');
    other.commit({ files: { 'lib/z.txt': 'z\n' }, tag: 'v2.0.0' });
    world.manifest.seed([
      spec('a', TOOLS, { path: 'components/a', version: '^1.0.0' }),
      spec('b', 'https://github.com/acme/tools.git', { path: 'components/b', version: '^1.0.0' }),
      spec('z', 'github.com/acme/other', { path: 'lib', version: '^2.0.0' }),
    ]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    expect(world.upstream.listRefsCount(TOOLS)).toBe(1);
    expect(world.upstream.fetchCount(TOOLS)).toBe(1);
    expect(world.upstream.listRefsCount('github.com/acme/other')).toBe(1);
    expect(world.upstream.fetchCount('github.com/acme/other')).toBe(1);
    expect(Object.keys(world.lock.lockfile.components).sort()).toEqual(['a', 'b', 'z']);

    // Upstream moves for both components of tools: still one listing and one fetch.
    world.upstream.resetCounters();
    tools.commit({ files: { 'components/a/x.txt': 'a2\n', 'components/b/y.txt': 'b2\n' }, tag: 'v1.1.0' });
    const result = await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    expect(result.plan.components.filter((c) => c.action === 'fast-forward').map((c) => c.name).sort()).toEqual(['a', 'b']);
    expect(world.upstream.listRefsCount(TOOLS)).toBe(1);
    expect(world.upstream.fetchCount(TOOLS)).toBe(1);
    expect(world.upstream.fetchCount('github.com/acme/other')).toBe(0);
  });

  it('skips components whose upstream has not moved: their lock entry and resolvedAt unchanged', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({ files: { 'components/a/x.txt': 'a\n' }, tag: 'v1.0.0' });
    const other = world.upstream.repo('github.com/acme/other');
    other.commit({ files: { 'lib/z.txt': 'z\n' }, tag: 'v2.0.0' });
    world.manifest.seed([spec('a', TOOLS, { path: 'components/a' }), spec('z', 'github.com/acme/other', { path: 'lib' })]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    const zBefore = structuredClone(world.lock.lockfile.components.z);

    world.clock.advance(3600);
    world.upstream.resetCounters();
    tools.commit({ files: { 'components/a/x.txt': 'a2\n' }, tag: 'v1.1.0' });
    const result = await pull(makeContext(world), { names: [], strategy: null, dryRun: false });

    expect(result.plan.components.map((c) => [c.name, c.action]).sort()).toEqual([['a', 'fast-forward'], ['z', 'no-op']]);
    expect(world.lock.lockfile.components.z).toEqual(zBefore);
    expect(world.lock.lockfile.components.a!.resolvedAt).toBe('2024-06-01T13:00:00Z');
    expect(world.upstream.fetchCount('github.com/acme/other')).toBe(0);
    expect(world.state.historyList.filter((h) => h.component === 'z')).toHaveLength(1); // only its install
  });

  it('planPull alone never writes', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'edit\n');
    const plan = await planPull(ctx, { names: [], strategy: 'overwrite' });
    expect(plan.components[0]!.action).toBe('overwrite');
    expect(world.worktree.writes).toBe(0);
    expect(world.lock.writeCalls).toBe(0);
  });
});

describe('pull: talking to upstreams', () => {
  it('lists every repository at once, not one after the other (a no-op pull costs one round trip)', async () => {
    const world = makeWorld();
    const names = ['github.com/acme/one', 'github.com/acme/two', 'github.com/acme/three'];
    for (const [i, name] of names.entries()) world.upstream.repo(name).commit({ files: { [`c${i}/x.txt`]: `${i}\n` }, tag: 'v1.0.0' });
    world.manifest.seed(names.map((name, i) => spec(`c${i}`, name, { path: `c${i}`, version: '^1.0.0' })));
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });

    // Each listing answers only once all of them have been asked for (or after a deadline).
    let inFlight = 0;
    let most = 0;
    let release: () => void = () => {};
    const allAsked = new Promise<void>((resolve) => (release = resolve));
    const list = world.upstream.listRemoteRefs.bind(world.upstream);
    const git = Object.assign(Object.create(world.upstream) as typeof world.upstream, {
      listRemoteRefs: async (url: string) => {
        inFlight++;
        most = Math.max(most, inFlight);
        if (inFlight === names.length) release();
        await Promise.race([allAsked, new Promise((resolve) => setTimeout(resolve, 200))]);
        inFlight--;
        return list(url);
      },
    });
    const result = await pull(makeContext(world, { git: () => git }), { names: [], strategy: null, dryRun: false });
    expect(result.plan.components.map((c) => c.action)).toEqual(['no-op', 'no-op', 'no-op']);
    expect(most).toBe(names.length);

    // --concurrency bounds it.
    most = 0;
    await pull(makeContext(world, { git: () => git, concurrency: 2 }), { names: [], strategy: null, dryRun: false });
    expect(most).toBe(2);
  });

  it('fetches the new components of every repository at once on a cold pull, not one repository after the other', async () => {
    const world = makeWorld();
    const names = ['github.com/acme/one', 'github.com/acme/two', 'github.com/acme/three'];
    for (const [i, name] of names.entries()) world.upstream.repo(name).commit({ files: { [`c${i}/x.txt`]: `${i}\n` }, tag: 'v1.0.0' });
    world.manifest.seed(names.map((name, i) => spec(`c${i}`, name, { path: `c${i}`, version: '^1.0.0' })));
    let inFlight = 0;
    let most = 0;
    let release: () => void = () => {};
    const allAsked = new Promise<void>((resolve) => (release = resolve));
    const ensure = world.upstream.ensureCommits.bind(world.upstream);
    const git = Object.assign(Object.create(world.upstream) as typeof world.upstream, {
      ensureCommits: async (...args: Parameters<typeof ensure>) => {
        inFlight++;
        most = Math.max(most, inFlight);
        if (inFlight === names.length) release();
        await Promise.race([allAsked, new Promise((resolve) => setTimeout(resolve, 200))]);
        inFlight--;
        return ensure(...args);
      },
    });
    const result = await pull(makeContext(world, { git: () => git }), { names: [], strategy: null, dryRun: false });
    expect(result.plan.components.map((c) => c.action)).toEqual(['install', 'install', 'install']);
    expect(most).toBe(names.length);
    for (const name of names) expect(world.upstream.fetchCount(name)).toBe(1);
  });
});

