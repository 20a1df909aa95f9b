// Issue 7: nothing is ever lost, nothing untrue is reported. One test per promise, on the fakes;
// test/integration/cli-safety.test.ts proves the same through the built CLI on real git.
import { describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import type { FileChange } from '../../src/core/ports.js';
import { popStash, undo } from '../../src/sync/history-ops.js';
import { addComponent, removeComponent } from '../../src/sync/manage.js';
import { pull } from '../../src/sync/pull.js';
import { recover } from '../../src/sync/recovery.js';
import { resolveConflicts } from '../../src/sync/resolve-conflicts.js';
import { status } from '../../src/sync/status.js';
import { caught } from '../helpers/errors.js';
import { BUTTON, TOOLS, inFolder, installedButton, makeContext, makeWorld, spec, type World } from '../helpers/fakes.js';

const UI = 'github.com/acme/ui-kit';
const TOKENS_REPO = 'github.com/acme/design-tokens';

/** ui-kit's `button` needs design-tokens' `tokens` ^1.0.0; tokens has v1.0.0 and v1.1.0. */
function uiKit(world: World = makeWorld()) {
  const ui = world.upstream.repo(UI);
  ui.commit({
    files: {
      'components/button/component.yaml': `name: button\ndependencies:\n  - repository: ${TOKENS_REPO}\n    component: tokens\n    version: ^1.0.0\n`,
      'components/button/button.tsx': 'export const Button = 1;\n',
    },
    tag: 'v1.0.0',
  });
  const tokens = world.upstream.repo(TOKENS_REPO);
  const t1 = tokens.commit({ files: { 'tokens/component.yaml': 'name: tokens\n', 'tokens/colors.json': '{"red":1}\n' }, tag: 'v1.0.0' });
  const t11 = tokens.commit({ files: { 'tokens/colors.json': '{"red":2}\n' }, tag: 'v1.1.0' });
  return { world, ui, tokens, t1, t11 };
}

const pullAll = (world: World, extra: Partial<Parameters<typeof pull>[1]> = {}) => pull(makeContext(world), { names: [], strategy: null, dryRun: false, ...extra });

describe('7.1 two copies of one upstream folder', () => {
  it('adding a second copy under another name keeps the first, its edit and its lock entry', async () => {
    const { world } = uiKit();
    world.manifest.seed([]);
    await addComponent(makeContext(world), { repository: UI, component: 'button', version: '^1.0.0' });
    world.worktree.write('components/button/button.tsx', 'export const Button = "mine";\n');

    await addComponent(makeContext(world), { repository: UI, component: 'button', name: 'button2', dest: 'vendor/button2', version: '^1.0.0' });

    expect(world.worktree.read('components/button/button.tsx')).toBe('export const Button = "mine";\n');
    expect(world.worktree.read('vendor/button2/button.tsx')).toBe('export const Button = 1;\n');
    expect(Object.keys(world.lock.lockfile.components).sort()).toEqual(['button', 'button2', 'tokens']);
    expect(world.manifest.components.map((c) => c.name)).toEqual(['button', 'button2']);
    // And the next pull keeps both.
    const again = await pullAll(world, { strategy: 'merge' });
    expect(again.plan.components.filter((c) => c.action === 'remove')).toEqual([]);
  });
});

describe('7.2 a component that left forge.yaml', () => {
  it('with local changes is not removed by a pull without a flag; --overwrite removes it and undo brings it back', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({ files: { 'components/a/x.txt': 'a\n', 'components/b/y.txt': 'b\n' }, tag: 'v1.0.0' });
    world.manifest.seed([spec('a', TOOLS, { path: 'components/a' }), spec('b', TOOLS, { path: 'components/b' })]);
    await pullAll(world);
    world.worktree.write('components/b/y.txt', 'my edit\n');
    world.manifest.seed([spec('a', TOOLS, { path: 'components/a' })]);

    const blocked = await pull(makeContext(world), { names: ['a'], strategy: null, dryRun: false });
    expect(blocked.plan.components.find((c) => c.name === 'b')).toMatchObject({ action: 'blocked' });
    expect(blocked.blocked).toEqual(['b']);
    expect(world.worktree.read('components/b/y.txt')).toBe('my edit\n');
    expect(world.lock.lockfile.components.b).toBeDefined();

    const removed = await pull(makeContext(world), { names: ['a'], strategy: 'overwrite', dryRun: false });
    expect(removed.plan.components.find((c) => c.name === 'b')).toMatchObject({ action: 'remove' });
    expect(world.worktree.files('components/b')).toEqual({});
    await undo(makeContext(world), 'b');
    expect(world.worktree.read('components/b/y.txt')).toBe('my edit\n');
    expect(world.lock.lockfile.components.b).toBeDefined();
  });

  it('forge remove of an edited component refuses without --force, and changes nothing', async () => {
    const { world, ctx } = await installedButton();
    world.worktree.write(`${BUTTON}/a.txt`, 'my edit\n');
    const files = world.worktree.snapshotAll();
    const error = await caught(removeComponent(ctx, { name: 'button', keepFiles: false }));
    expect(error.code).toBe('E_LOCAL_CHANGES');
    expect(error.message).toContain('a.txt');
    expect(error.hint).toContain('--force');
    expect(world.worktree.snapshotAll()).toEqual(files);
    expect(world.manifest.components.map((c) => c.name)).toEqual(['button']);
    await removeComponent(ctx, { name: 'button', keepFiles: false, force: true });
    expect(world.worktree.files(BUTTON)).toEqual({});
    await undo(ctx, 'button');
    expect(world.worktree.snapshotAll()).toEqual(files);
  });
});

describe('7.3 a path that changes type', () => {
  it('upstream adds a file where the user has a folder: a conflict that keeps both, and undo works', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'y.txt': 'upstream file\n', 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/y.txt/mine.md`, 'my notes\n');
    const before = world.worktree.snapshotAll();

    for (const strategy of ['merge', 'rebase'] as const) {
      const result = await pull(ctx, { names: [], strategy, dryRun: false });
      expect(result.conflicted).toEqual(['button']);
      expect(world.worktree.read(`${BUTTON}/y.txt/mine.md`)).toBe('my notes\n');
      expect(world.worktree.read(`${BUTTON}/b.txt`)).toBe('bee 2\n');
      const set = world.state.conflictSets[0]!;
      expect(set.records.map((r) => r.file)).toEqual(['y.txt']);
      expect(Buffer.from(await world.blobs.get(set.records[0]!.upstream!)).toString()).toBe('upstream file\n');
      await undo(ctx, 'button');
      expect(world.worktree.snapshotAll()).toEqual(before);
    }
  });

  it('upstream replaces a folder with a symlink while a file in it is edited: both kept; --prefer-upstream backs the folder up; abort and undo put it back', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'dir/file.txt': 'one\n', 'dir/other.txt': 'o\n' }), tag: 'v1.1.0' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    tools.commit({ files: inFolder(BUTTON, { 'dir/file.txt': null, 'dir/other.txt': null, dir: { content: 'b.txt', mode: '120000' } }), tag: 'v1.2.0' });
    world.worktree.write(`${BUTTON}/dir/file.txt`, 'one, edited\n');
    const before = world.worktree.snapshotAll();

    const merged = await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    expect(merged.conflicted).toEqual(['button']);
    expect(world.worktree.read(`${BUTTON}/dir/file.txt`)).toBe('one, edited\n');
    expect(world.state.conflictSets[0]!.records.map((r) => r.file).sort()).toEqual(['dir', 'dir/file.txt']);

    await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'abort' } });
    expect(world.worktree.snapshotAll()).toEqual(before);

    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'prefer', side: 'upstream' } });
    expect(world.worktree.modes(BUTTON).dir).toBe('120000');
    expect(world.worktree.read(`${BUTTON}/dir/file.txt`)).toBeNull();
    await undo(ctx, 'button'); // the resolve
    await undo(ctx, 'button'); // the merge
    expect(world.worktree.snapshotAll()).toEqual(before);
  });
});

describe('7.4 undo after remove', () => {
  it('restores the folder, the forge.yaml entry in its place and the lock entries of the component and its dependency', async () => {
    const { world } = uiKit();
    world.manifest.seed([spec('first', TOOLS, { path: 'x' }), spec('button', UI, { path: 'components/button', version: '^1.0.0' }), spec('last', TOOLS, { path: 'y' })]);
    world.upstream.repo(TOOLS).commit({ files: { 'x/a.txt': 'x\n', 'y/b.txt': 'y\n' }, tag: 'v1.0.0' });
    await pullAll(world);
    const files = world.worktree.snapshotAll();
    const lock = structuredClone(world.lock.lockfile);
    const manifestText = await world.manifest.text();

    await removeComponent(makeContext(world), { name: 'button', keepFiles: false });
    expect(world.lock.lockfile.components.tokens).toBeUndefined();
    const result = await undo(makeContext(world), 'button');

    expect(result.together).toEqual(['tokens']);
    expect(world.worktree.snapshotAll()).toEqual(files);
    expect(world.lock.lockfile).toEqual(lock);
    expect(await world.manifest.text()).toBe(manifestText);
  });

  it('when forge.yaml changed since, the entry goes back at its old place', async () => {
    const { world } = uiKit();
    world.manifest.seed([spec('button', UI, { path: 'components/button', version: '^1.0.0' }), spec('last', TOOLS, { path: 'y' })]);
    world.upstream.repo(TOOLS).commit({ files: { 'y/b.txt': 'y\n' }, tag: 'v1.0.0' });
    await pullAll(world);
    await removeComponent(makeContext(world), { name: 'button', keepFiles: false });
    world.manifest.components.push(spec('other', TOOLS, { path: 'z', dest: 'z' }));
    await undo(makeContext(world), 'button');
    expect(world.manifest.components.map((c) => c.name)).toEqual(['button', 'last', 'other']);
  });

  it('undo of an add takes the component, its dependency and its forge.yaml entry away', async () => {
    const { world } = uiKit();
    world.manifest.seed([]);
    await addComponent(makeContext(world), { repository: UI, component: 'button', version: '^1.0.0' });
    await undo(makeContext(world), 'button');
    expect(world.manifest.components).toEqual([]);
    expect(world.lock.lockfile.components).toEqual({});
    expect(world.worktree.store.size).toBe(0);
  });
});

describe('7.5 an error in the middle of a write', () => {
  /** A worktree that fails (as a file name too long for the file system would) when it reaches one path. */
  function failingAt(world: World, path: string) {
    const apply = world.worktree.apply.bind(world.worktree);
    return makeContext(world, {
      worktree: Object.assign(Object.create(world.worktree), {
        apply: async (dest: string, changes: FileChange[]) => {
          if (changes.some((c) => `${dest}/${c.path}` === path)) {
            // Half of the folder first, as a real write would have got that far.
            await apply(dest, changes.filter((c) => `${dest}/${c.path}` < path));
            throw new ForgeError('E_GIT', `Cannot write ${path}: the file name is too long for this file system.`);
          }
          return apply(dest, changes);
        },
      }),
    });
  }

  it('a pull rolls itself back: folder and lock as before, no record left', async () => {
    const { world, tools } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': 'changed\n', 'b.txt': null, 'z.txt': 'new\n' }), tag: 'v1.1.0' });
    const files = world.worktree.snapshotAll();
    const lock = structuredClone(world.lock.lockfile);
    const error = await caught(pull(failingAt(world, `${BUTTON}/z.txt`), { names: [], strategy: null, dryRun: false }));
    expect(error.message).toContain('too long');
    expect(world.worktree.snapshotAll()).toEqual(files);
    expect(world.lock.lockfile).toEqual(lock);
    expect(world.state.pendingOp).toBeNull();
  });

  it('add is one transaction: forge.yaml, lock and folder all stay as they were, and the same add then works', async () => {
    const { world } = uiKit();
    world.manifest.seed([]);
    const error = await caught(addComponent(failingAt(world, 'components/button/component.yaml'), { repository: UI, component: 'button', version: '^1.0.0' }));
    expect(error.code).toBe('E_GIT');
    expect(world.manifest.components).toEqual([]);
    expect(world.lock.lockfile.components).toEqual({});
    expect(world.worktree.store.size).toBe(0);
    await addComponent(makeContext(world), { repository: UI, component: 'button', version: '^1.0.0' });
    expect(world.manifest.components.map((c) => c.name)).toEqual(['button']);
  });

  it('a crash during add (kill -9 before the lock) is rolled back by the next run, forge.yaml included', async () => {
    const { world } = uiKit();
    world.manifest.seed([]);
    const kill = { at: (p: string) => { if (p === 'before-lock') throw new Error('simulated crash'); } };
    await expect(addComponent(makeContext(world, { faults: kill }), { repository: UI, component: 'button', version: '^1.0.0' })).rejects.toThrow(/simulated crash/);
    expect(world.manifest.components.map((c) => c.name)).toEqual(['button']); // the crash really left forge.yaml written
    expect((await recover(makeContext(world)))!.outcome).toBe('rolled-back');
    expect(world.manifest.components).toEqual([]);
    expect(world.lock.lockfile.components).toEqual({});
    expect(world.worktree.store.size).toBe(0);
  });
});

describe('7.8 no downgrade without --to', () => {
  it('a locked tag deleted upstream keeps the lock where it is and status says detached', async () => {
    const { world, tools, ctx } = await installedButton();
    const v11 = tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    tools.deleteRef('refs/tags/v1.1.0');

    const result = await pull(ctx, { names: [], strategy: null, dryRun: false });
    expect(result.plan.components.find((c) => c.name === 'button')!.action).toBe('no-op');
    expect(world.lock.lockfile.components.button).toMatchObject({ version: '1.1.0', commit: v11 });
    const s = await status(ctx, { names: [], offline: false, detailed: false });
    expect(s.components[0]).toMatchObject({ status: 'detached', behind: false });
  });

  it('a ref listing that lost the newer tags (a transport that lied) never moves a component down', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    const lying = Object.create(world.upstream);
    lying.listRemoteRefs = async (url: string) => {
      const refs = await world.upstream.listRemoteRefs(url);
      return { ...refs, refs: refs.refs.filter((r) => r.name !== 'refs/tags/v1.1.0') };
    };
    await pull(makeContext(world, { git: () => lying }), { names: [], strategy: null, dryRun: false });
    expect(world.lock.lockfile.components.button!.version).toBe('1.1.0');
  });
});

describe('7.9 a blocked pull says only what happened', () => {
  it('updates what is not blocked and names the blocked one', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({ files: { 'components/a/x.txt': 'a\n', 'components/b/y.txt': 'b\n' }, tag: 'v1.0.0' });
    world.manifest.seed([spec('a', TOOLS, { path: 'components/a' }), spec('b', TOOLS, { path: 'components/b' })]);
    await pullAll(world);
    const bLock = structuredClone(world.lock.lockfile.components.b);
    tools.commit({ files: { 'components/a/x.txt': 'a2\n', 'components/b/y.txt': 'b2\n' }, tag: 'v1.1.0' });
    world.worktree.write('components/b/y.txt', 'mine\n');

    const result = await pullAll(world);

    expect(result.blocked).toEqual(['b']);
    expect(result.written).toBe(true);
    expect(result.plan.components.map((c) => [c.name, c.action])).toEqual([
      ['a', 'fast-forward'],
      ['b', 'blocked'],
    ]);
    expect(world.worktree.read('components/a/x.txt')).toBe('a2\n');
    expect(world.lock.lockfile.components.a!.version).toBe('1.1.0');
    expect(world.lock.lockfile.components.b).toEqual(bLock);
    expect(world.worktree.read('components/b/y.txt')).toBe('mine\n');
  });

  it('when the blocked one is needed by the others, nothing changes and the plan says so', async () => {
    const { world, ui, tokens } = uiKit();
    world.manifest.seed([spec('button', UI, { path: 'components/button', version: '^1.0.0' })]);
    await pullAll(world);
    // button 1.1.0 needs tokens ^2.0.0; tokens is edited locally.
    tokens.commit({ files: { 'tokens/colors.json': '{"red":3}\n' }, tag: 'v2.0.0' });
    ui.commit({ files: { 'components/button/component.yaml': `name: button\ndependencies:\n  - repository: ${TOKENS_REPO}\n    component: tokens\n    version: ^2.0.0\n` }, tag: 'v1.1.0' });
    world.worktree.write('tokens/colors.json', 'mine\n');
    const files = world.worktree.snapshotAll();
    const lock = structuredClone(world.lock.lockfile);

    const result = await pullAll(world);

    expect(result.written).toBe(false);
    expect(result.plan.components.map((c) => [c.name, c.action])).toEqual([
      ['tokens', 'blocked'],
      ['button', 'blocked'],
    ]);
    expect(world.worktree.snapshotAll()).toEqual(files);
    expect(world.lock.lockfile).toEqual(lock);
  });
});

describe('7.10 a dependency also added directly', () => {
  it('is synced after a pull, and a no-op pull leaves the lock untouched', async () => {
    const { world } = uiKit();
    world.manifest.seed([spec('button', UI, { path: 'components/button', version: '^1.0.0' }), spec('tokens', TOKENS_REPO, { path: 'tokens', version: '~1.1.0' })]);
    await pullAll(world);
    const lock = structuredClone(world.lock.lockfile);
    expect(lock.components.tokens).toMatchObject({ version: '1.1.0', constraint: '~1.1.0 ^1.0.0' });
    for (let i = 0; i < 3; i++) await pullAll(world);
    expect(world.lock.writes).toBe(1);
    expect(world.lock.lockfile).toEqual(lock);
    const s = await status(makeContext(world), { names: [], offline: false, detailed: false });
    expect(s.components.map((c) => [c.name, c.status])).toEqual([
      ['button', 'synced'],
      ['tokens', 'synced'],
    ]);
  });
});

describe('7.11 a widened range', () => {
  it('status reports what the range allows now', async () => {
    const { world, tools, ctx } = await installedButton();
    world.manifest.seed([spec('button', TOOLS, { path: BUTTON, version: '~1.0.0' })]);
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 1.0.1\n' }), tag: 'v1.0.1' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    const v12 = tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 1.2\n' }), tag: 'v1.2.0' });
    world.manifest.seed([spec('button', TOOLS, { path: BUTTON, version: '^1.0.0' })]);

    const s = await status(ctx, { names: [], offline: false, detailed: false });
    expect(s.components[0]).toMatchObject({ status: 'outdated', behind: true, latestVersion: '1.2.0', upstreamCommit: v12 });
  });
});

describe('7.12 --to outside the range', () => {
  it('is refused with the range named, and nothing moves', async () => {
    const { world, tools, ctx } = await installedButton();
    world.manifest.seed([spec('button', TOOLS, { path: BUTTON, version: '^1.1.0' })]);
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    const lock = structuredClone(world.lock.lockfile);
    const error = await caught(pull(ctx, { names: ['button'], strategy: null, dryRun: false, to: '1.0.0' }));
    expect(error.code).toBe('E_USAGE');
    expect(error.message).toContain('^1.1.0');
    expect(world.lock.lockfile).toEqual(lock);
  });

  it('inside the range it moves, keeps the range in the lock, and status does not call forge.yaml changed', async () => {
    const { world, tools, ctx, v1 } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    await pull(ctx, { names: [], strategy: null, dryRun: false });
    await pull(ctx, { names: ['button'], strategy: null, dryRun: false, to: '1.0.0' });
    expect(world.lock.lockfile.components.button).toMatchObject({ version: '1.0.0', commit: v1, constraint: '^1.0.0' });
    const s = await status(ctx, { names: [], offline: true, detailed: false });
    expect(s.components[0]!.note).toBeNull();
  });

  it('a version that does not exist names the versions there are, without blaming forge.yaml or tokens', async () => {
    const { ctx } = await installedButton();
    const error = await caught(pull(ctx, { names: ['button'], strategy: null, dryRun: false, to: '9.9.9' }));
    expect(error.message).toContain('9.9.9');
    expect(error.message).toContain('1.0.0');
    expect(`${error.message} ${error.hint}`).not.toMatch(/GH_TOKEN|token/);
  });
});

describe('stash pop and undo', () => {
  it('undo of a stash pop brings the stash back', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'my edit\n');
    await pull(ctx, { names: [], strategy: 'stash', dryRun: false });
    await popStash(ctx, 'button');
    expect(world.state.stashList).toEqual([]);
    await undo(ctx, 'button');
    expect(world.state.stashList).toHaveLength(1);
    await popStash(ctx, 'button');
    expect(world.worktree.read(`${BUTTON}/a.txt`)).toBe('my edit\n');
  });
});

describe('issue 8.6: one unreachable upstream does not block work on the others', () => {
  /** The fake upstream, with one repository's server down (every call fails as a network error would). */
  function down(world: World, repository: string) {
    const git = Object.create(world.upstream);
    const dead = (url: string) => url.includes(repository.replace(/^github\.com\//, ''));
    for (const method of ['listRemoteRefs', 'ensureCommits', 'readSnapshot', 'readBlob', 'findComponentManifests', 'readCommit'] as const) {
      git[method] = async (url: string, ...rest: unknown[]) => {
        if (dead(url)) throw new ForgeError('E_NETWORK', `${url} could not be reached.`);
        return (world.upstream[method] as (...a: unknown[]) => Promise<unknown>).call(world.upstream, url, ...rest);
      };
    }
    git.hasCommit = (url: string, commit: string) => world.upstream.hasCommit(url, commit);
    return makeContext(world, { git: () => git });
  }

  it('pull NAME and add contact only the repositories they need; the rest stay at their lock', async () => {
    const { world, ui, tokens } = uiKit();
    world.upstream.repo(TOOLS).commit({ files: { 'solo/x.txt': 'x\n' }, tag: 'v1.0.0' });
    world.manifest.seed([spec('button', UI, { path: 'components/button', version: '^1.0.0' }), spec('solo', TOOLS, { path: 'solo' })]);
    await pullAll(world);
    world.upstream.repo(TOOLS).commit({ files: { 'solo/x.txt': 'x2\n' }, tag: 'v1.1.0' });
    ui.commit({ files: { 'components/button/button.tsx': 'export const Button = 2;\n' }, tag: 'v1.1.0' });
    tokens.commit({ files: { 'tokens/colors.json': '{"red":9}\n' }, tag: 'v1.2.0' });
    const before = structuredClone(world.lock.lockfile);

    // The ui-kit and design-tokens servers are down: solo still pulls.
    const ctx = down(world, 'acme/ui-kit');
    const result = await pull(ctx, { names: ['solo'], strategy: null, dryRun: false });
    expect(result.plan.components.find((c) => c.name === 'solo')!.action).toBe('fast-forward');
    expect(world.lock.lockfile.components.button).toEqual(before.components.button);
    expect(world.lock.lockfile.components.tokens).toEqual(before.components.tokens);

    // And an add from a reachable repository works while another one is down.
    world.upstream.repo(TOOLS).commit({ files: { 'other/y.txt': 'y\n' }, tag: 'v1.2.0' });
    await addComponent(ctx, { repository: TOOLS, component: 'other', path: 'other', version: '^1.0.0' });
    expect(world.worktree.read('other/y.txt')).toBe('y\n');
    expect(world.lock.lockfile.components.button).toEqual(before.components.button);
  });
});

describe('7.3 resolving a type change', () => {
  it('keeping the local side (or editing by hand) keeps the folder and everything in it', async () => {
    for (const mode of [{ kind: 'prefer', side: 'local' }, { kind: 'marked' }, { kind: 'strategy', strategy: 'ours' }] as const) {
      const { world, tools, ctx } = await installedButton();
      tools.commit({ files: inFolder(BUTTON, { 'y.txt': 'upstream file\n' }), tag: 'v1.1.0' });
      world.worktree.write(`${BUTTON}/y.txt/mine.md`, 'my notes\n');
      await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
      const result = await resolveConflicts(ctx, { component: 'button', files: [], mode });
      expect(result.remaining).toEqual([]);
      expect(world.worktree.read(`${BUTTON}/y.txt/mine.md`)).toBe('my notes\n');
    }
  });

  it('taking upstream replaces the folder with the file, and undo brings the folder back', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'y.txt': 'upstream file\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/y.txt/mine.md`, 'my notes\n');
    await pull(ctx, { names: [], strategy: 'merge', dryRun: false });
    const result = await resolveConflicts(ctx, { component: 'button', files: [], mode: { kind: 'prefer', side: 'upstream' } });
    expect(world.worktree.read(`${BUTTON}/y.txt`)).toBe('upstream file\n');
    // Nothing local is left in the folder, and resolve says so (it said 'modified' before).
    expect(result.state).toBe('synced');
    await undo(ctx, 'button');
    expect(world.worktree.read(`${BUTTON}/y.txt/mine.md`)).toBe('my notes\n');
  });
});
