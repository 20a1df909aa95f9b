// forge add / forge remove, and dependencies declared in upstream component.yaml files.
import { describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import { addComponent, removeComponent } from '../../src/sync/manage.js';
import { pull } from '../../src/sync/pull.js';
import { makeContext, makeWorld, spec, type World } from '../helpers/fakes.js';

const TOOLS = 'github.com/acme/tools';
const COMM = 'github.com/acme/comm';

/** tools: `app` needs comm's `email-composer` ~1.3.0 (found by name); comm: email 1.3.0, 1.3.2, 1.4.0. */
function twoRepos(world: World = makeWorld()) {
  const tools = world.upstream.repo(TOOLS);
  tools.commit({
    files: {
      'components/app/component.yaml': `name: app\ndependencies:\n  - repository: ${COMM}\n    component: email-composer\n    version: ~1.3.0\n`,
      'components/app/index.ts': 'export const app = 1;\n',
      'components/solo/solo.txt': 'solo\n',
    },
    tag: 'v1.0.0',
  });
  const comm = world.upstream.repo(COMM);
  comm.commit({ files: { 'components/email/component.yaml': 'name: email-composer\n', 'components/email/send.ts': 'v130\n' }, tag: 'v1.3.0' });
  const v132 = comm.commit({ files: { 'components/email/send.ts': 'v132\n' }, tag: 'v1.3.2' });
  comm.commit({ files: { 'components/email/send.ts': 'v140\n' }, tag: 'v1.4.0' });
  return { world, tools, comm, v132 };
}

describe('transitive dependencies', () => {
  it('are installed with their dependents, dependencies first, and the lock records both directions', async () => {
    const { world, v132 } = twoRepos();
    world.manifest.seed([spec('app', TOOLS, { path: 'components/app', version: '^1.0.0' })]);

    const result = await pull(makeContext(world), { names: [], strategy: null, dryRun: false });

    expect(result.plan.components.map((c) => [c.name, c.action])).toEqual([
      ['email-composer', 'install'],
      ['app', 'install'],
    ]);
    expect(world.state.historyList.map((h) => h.component)).toEqual(['email-composer', 'app']);
    const lock = world.lock.lockfile.components;
    expect(lock.app).toMatchObject({ dependencies: ['email-composer'] });
    expect(lock.app!.requiredBy).toBeUndefined();
    expect(lock['email-composer']).toMatchObject({
      repository: COMM,
      path: 'components/email',
      dest: 'components/email',
      constraint: '~1.3.0',
      version: '1.3.2',
      commit: v132,
      requiredBy: ['app'],
      dependencies: [],
    });
    expect(world.worktree.files('components/email')).toEqual({ 'component.yaml': 'name: email-composer\n', 'send.ts': 'v132\n' });
    expect(world.lock.writes).toBe(1);
  });

  it('a version conflict throws E_VERSION_CONFLICT with the chain, and nothing is written', async () => {
    const { world } = twoRepos();
    world.manifest.seed([
      spec('app', TOOLS, { path: 'components/app', version: '^1.0.0' }),
      spec('email-composer', COMM, { path: 'components/email', version: '^1.4.0' }),
    ]);
    const error = await pull(makeContext(world), { names: [], strategy: null, dryRun: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForgeError);
    expect(error).toMatchObject({ code: 'E_VERSION_CONFLICT', data: { conflictType: 'version' } });
    const chain = JSON.stringify((error as ForgeError).data.chain);
    expect(chain).toContain('app');
    expect(chain).toContain('email-composer');
    expect((error as ForgeError).message).toMatch(/~1\.3\.0/);
    expect((error as ForgeError).message).toMatch(/\^1\.4\.0/);
    expect(world.worktree.store.size).toBe(0);
    expect(world.lock.writeCalls).toBe(0);
    expect(world.state.historyList).toEqual([]);
  });

  it('a dependency that cannot be found names its dependent', async () => {
    const world = makeWorld();
    world.upstream.repo(TOOLS).commit({
      files: { 'components/app/component.yaml': `name: app\ndependencies:\n  - repository: ${COMM}\n    component: nowhere\n` },
      tag: 'v1.0.0',
    });
    world.upstream.repo(COMM).commit({ files: { 'components/email/component.yaml': 'name: email-composer\n' }, tag: 'v1.0.0' });
    world.manifest.seed([spec('app', TOOLS, { path: 'components/app' })]);
    const error = await pull(makeContext(world), { names: [], strategy: null, dryRun: false }).catch((e: unknown) => e);
    expect((error as ForgeError).code).toMatch(/^E_DEPENDENCY_/);
    expect((error as ForgeError).message).toContain('nowhere');
    expect(world.lock.writeCalls).toBe(0);
  });
});

describe('forge add', () => {
  it('plans before writing forge.yaml: a failing resolution writes nothing at all', async () => {
    const { world } = twoRepos();
    const ctx = makeContext(world);
    await expect(addComponent(ctx, { repository: TOOLS, component: 'app', path: 'components/app', version: '^9.0.0' })).rejects.toMatchObject({
      code: 'E_NO_MATCHING_VERSION',
    });
    expect(world.manifest.writes).toBe(0);
    expect(world.manifest.components).toEqual([]);
    expect(world.lock.writeCalls).toBe(0);
    expect(world.worktree.writes).toBe(0);
  });

  it('finds the folder by component.yaml name, writes ^newest, installs it with its dependencies', async () => {
    const { world } = twoRepos();
    const result = await addComponent(makeContext(world), { repository: TOOLS, component: 'app' });
    expect(result.spec).toMatchObject({ name: 'app', path: 'components/app', selector: { kind: 'version', range: '^1.0.0' } });
    expect(world.manifest.components.map((c) => c.name)).toEqual(['app']);
    expect(Object.keys(world.lock.lockfile.components).sort()).toEqual(['app', 'email-composer']);
    expect(world.worktree.files('components/app')['index.ts']).toBe('export const app = 1;\n');
    expect(world.state.historyList.map((h) => h.op)).toEqual(['add', 'add']);
  });

  it('refuses a folder that already has files forge did not install, writing nothing', async () => {
    const { world } = twoRepos();
    world.worktree.write('components/solo/mine.txt', 'mine\n');
    await expect(addComponent(makeContext(world), { repository: TOOLS, component: 'solo', path: 'components/solo' })).rejects.toMatchObject({
      code: 'E_LOCAL_CHANGES',
    });
    expect(world.manifest.writes).toBe(0);
    expect(world.lock.writeCalls).toBe(0);
  });

  it('--dry-run writes nothing', async () => {
    const { world } = twoRepos();
    const result = await addComponent(makeContext(world), { repository: TOOLS, component: 'solo', path: 'components/solo', dryRun: true });
    expect(result.written).toBe(false);
    expect(world.manifest.writes).toBe(0);
    expect(world.worktree.writes).toBe(0);
  });
});

describe('forge remove', () => {
  async function installed() {
    const setup = twoRepos();
    const { world } = setup;
    // app and relay both need email-composer; only relay needs solo (as a dependency by path).
    world.upstream.repo(TOOLS).commit({
      files: {
        'components/relay/component.yaml': `name: relay\ndependencies:\n  - repository: ${COMM}\n    component: email-composer\n    version: ~1.3.0\n  - repository: ${TOOLS}\n    path: components/solo\n`,
      },
      tag: 'v1.1.0',
    });
    world.manifest.seed([spec('app', TOOLS, { path: 'components/app', version: '^1.0.0' }), spec('relay', TOOLS, { path: 'components/relay', version: '^1.1.0' })]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    expect(Object.keys(world.lock.lockfile.components).sort()).toEqual(['app', 'email-composer', 'relay', 'solo']);
    expect(world.lock.lockfile.components['email-composer']!.requiredBy).toEqual(['app', 'relay']);
    return setup;
  }

  it('drops the dependencies nobody else needs, keeps shared ones, and their files go too', async () => {
    const { world } = await installed();
    const result = await removeComponent(makeContext(world), { name: 'relay', keepFiles: false });
    expect(result.removed.map((r) => r.name).sort()).toEqual(['relay', 'solo']);
    expect(Object.keys(world.lock.lockfile.components).sort()).toEqual(['app', 'email-composer']);
    expect(world.lock.lockfile.components['email-composer']!.requiredBy).toEqual(['app']);
    expect(world.manifest.components.map((c) => c.name)).toEqual(['app']);
    expect(world.worktree.files('components/relay')).toEqual({});
    expect(world.worktree.files('components/solo')).toEqual({});
    expect(world.worktree.files('components/email')).not.toEqual({});
  });

  it('--keep-files leaves the folders but updates both files', async () => {
    const { world } = await installed();
    await removeComponent(makeContext(world), { name: 'relay', keepFiles: true });
    expect(Object.keys(world.lock.lockfile.components).sort()).toEqual(['app', 'email-composer']);
    expect(world.worktree.files('components/relay')).not.toEqual({});
  });

  it('a dependency cannot be removed on its own: the error names who needs it', async () => {
    const { world } = await installed();
    await expect(removeComponent(makeContext(world), { name: 'email-composer', keepFiles: false })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('app, relay'),
    });
  });

  it('a later pull --all keeps the graph stable after a remove', async () => {
    const { world } = await installed();
    await removeComponent(makeContext(world), { name: 'relay', keepFiles: false });
    world.lock.writes = 0;
    const result = await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    expect(result.plan.components.map((c) => c.action)).toEqual(['no-op', 'no-op']);
    expect(world.lock.writes).toBe(0);
  });
});
