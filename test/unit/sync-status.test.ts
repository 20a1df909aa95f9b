// forge sync status: the six states, their precedence, --offline, and local changes named offline.
import { describe, expect, it } from 'vitest';
import { pull } from '../../src/sync/pull.js';
import { status } from '../../src/sync/status.js';
import { BUTTON, TOOLS, inFolder, installedButton, makeContext, makeWorld, spec } from '../helpers/fakes.js';

const online = { names: [], offline: false, detailed: false };

describe('status', () => {
  it('synced: local files equal the locked tree and upstream has nothing newer', async () => {
    const { ctx } = await installedButton();
    const report = await status(ctx, online);
    expect(report.components[0]).toMatchObject({ name: 'button', status: 'synced', behind: false, localChanges: [], version: '1.0.0', latestVersion: '1.0.0' });
    expect(report.summary).toEqual({ conflict: 0, forked: 0, modified: 0, outdated: 0, detached: 0, synced: 1 });
  });

  it('never fetches, and lists refs once per repository', async () => {
    const { world, ctx } = await installedButton();
    await status(ctx, online);
    expect(world.upstream.fetchCount()).toBe(0);
    expect(world.upstream.listRefsCount(TOOLS)).toBe(1);
  });

  it('outdated: a newer commit within the constraint, no local changes', async () => {
    const { tools, ctx } = await installedButton();
    const v11 = tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 3\n' }), tag: 'v2.0.0' }); // outside ^1.0.0
    const [c] = (await status(ctx, online)).components;
    expect(c).toMatchObject({ status: 'outdated', behind: true, upstreamCommit: v11, latestVersion: '1.1.0' });
  });

  it('modified: local files differ from the locked tree, named from the TreeIndex (added, changed, deleted)', async () => {
    const { world, ctx } = await installedButton();
    world.worktree.write(`${BUTTON}/a.txt`, 'edited\n');
    world.worktree.remove(`${BUTTON}/b.txt`);
    world.worktree.write(`${BUTTON}/extra.txt`, 'mine\n');
    const report = await status(ctx, { ...online, detailed: true });
    expect(report.components[0]).toMatchObject({ status: 'modified', localChanges: ['a.txt', 'b.txt', 'extra.txt'] });
    expect(report.components[0]!.changes).toEqual([
      { file: 'a.txt', kind: 'modified' },
      { file: 'b.txt', kind: 'deleted' },
      { file: 'extra.txt', kind: 'added' },
    ]);
  });

  it('an exec bit change alone is a local change', async () => {
    const { world, ctx } = await installedButton();
    world.worktree.write(`${BUTTON}/run.sh`, { content: '#!/bin/sh\necho 1\n', mode: '100644' });
    const [c] = (await status(ctx, { ...online, offline: true })).components;
    expect(c).toMatchObject({ status: 'modified', localChanges: ['run.sh'] });
  });

  it('modified and behind: the state says modified, the JSON carries both facts', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'edited\n');
    const [c] = (await status(ctx, online)).components;
    expect(c).toMatchObject({ status: 'modified', behind: true, localChanges: ['a.txt'] });
  });

  it('conflict wins over everything: unresolved conflicts recorded for the component', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'edited\n');
    await world.state.savePullRequest(pr('open'));
    await world.state.setConflicts('button', {
      component: 'button',
      operation: 'merge',
      at: '2024-06-01T12:00:00.000Z',
      target: null,
      records: [{ type: 'content', file: 'a.txt', message: 'both changed', base: null, local: null, upstream: null }],
    });
    const [c] = (await status(ctx, online)).components;
    expect(c).toMatchObject({ status: 'conflict', conflicts: [{ type: 'content', file: 'a.txt' }], behind: true, localChanges: ['a.txt'] });
  });

  it('forked wins over modified and outdated: an open pull request for the pushed change', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'bee 2\n' }), tag: 'v1.1.0' });
    world.worktree.write(`${BUTTON}/a.txt`, 'edited\n');
    await world.state.savePullRequest(pr('open'));
    const [c] = (await status(ctx, online)).components;
    expect(c).toMatchObject({ status: 'forked', pullRequest: 'https://github.com/acme/tools/pull/7', fork: 'github.com/me/tools', behind: true });
  });

  it('outdated wins over detached: a ref-following component whose branch moved', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    tools.commit({ files: { 'components/x/f.txt': '1\n' } });
    world.manifest.seed([spec('x', TOOLS, { path: 'components/x', ref: 'main' })]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    expect((await status(makeContext(world), online)).components[0]!.status).toBe('synced');
    const next = tools.commit({ files: { 'components/x/f.txt': '2\n' } });
    const [c] = (await status(makeContext(world), online)).components;
    expect(c).toMatchObject({ status: 'outdated', upstreamCommit: next, behind: true });
  });

  it('detached: pinned to a commit, or the locked ref is gone upstream', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    const c1 = tools.commit({ files: { 'components/x/f.txt': '1\n', 'components/y/f.txt': '1\n' }, tag: 'v1.0.0' });
    tools.commit({ files: { 'components/x/f.txt': '2\n' }, branch: 'feature' });
    world.manifest.seed([spec('x', TOOLS, { path: 'components/x', commit: c1 }), spec('y', TOOLS, { path: 'components/y', ref: 'feature' })]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    tools.deleteRef('refs/heads/feature');
    const report = await status(makeContext(world), online);
    expect(report.components.map((c) => [c.name, c.status])).toEqual([
      ['x', 'detached'],
      ['y', 'detached'],
    ]);
    expect(report.summary.detached).toBe(2);
  });

  it('modified wins over detached', async () => {
    const world = makeWorld();
    const tools = world.upstream.repo(TOOLS);
    const c1 = tools.commit({ files: { 'components/x/f.txt': '1\n' } });
    world.manifest.seed([spec('x', TOOLS, { path: 'components/x', commit: c1 })]);
    await pull(makeContext(world), { names: [], strategy: null, dryRun: false });
    world.worktree.write('components/x/f.txt', 'mine\n');
    expect((await status(makeContext(world), online)).components[0]!.status).toBe('modified');
  });

  it('--offline never builds the git port; upstream fields are null; local changes still named', async () => {
    const { world } = await installedButton();
    world.worktree.write(`${BUTTON}/a.txt`, 'edited\n');
    const ctx = makeContext(world, {
      git: () => {
        throw new Error('status --offline built the git port');
      },
    });
    const report = await status(ctx, { names: [], offline: true, detailed: false });
    expect(report.offline).toBe(true);
    expect(report.components[0]).toMatchObject({ status: 'modified', upstreamCommit: null, latestVersion: null, behind: false, localChanges: ['a.txt'] });
    expect(world.upstream.listRefsCount()).toBe(0);
  });

  it('--offline on a synced component says synced without any network', async () => {
    const { world } = await installedButton();
    const ctx = makeContext(world, {
      git: () => {
        throw new Error('status --offline built the git port');
      },
    });
    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]!.status).toBe('synced');
  });

  it('a component in forge.yaml that was never installed is reported as behind', async () => {
    const { world, ctx } = await installedButton();
    world.manifest.components.push(spec('other', TOOLS, { path: BUTTON, dest: 'vendor/other' }));
    const report = await status(ctx, online);
    expect(report.components.find((c) => c.name === 'other')).toMatchObject({ status: 'outdated', note: 'not installed', behind: true });
  });

  it('an unknown name is an error naming the known components', async () => {
    const { ctx } = await installedButton();
    await expect(status(ctx, { ...online, names: ['nope'] })).rejects.toMatchObject({ code: 'E_UNKNOWN_COMPONENT' });
  });
});

function pr(state: 'open' | 'merged') {
  return {
    component: 'button',
    repository: 'github.com/acme/tools',
    number: 7,
    url: 'https://github.com/acme/tools/pull/7',
    branch: 'forge/button-1',
    headRepository: 'github.com/me/tools',
    commit: '0'.repeat(40),
    state,
    createdAt: '2024-06-01T12:00:00Z',
  };
}
