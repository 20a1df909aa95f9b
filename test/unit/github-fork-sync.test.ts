// forge fork list / fork sync, the engine, with the in-memory GitHub: which forks count, and
// what each outcome looks like. Real merges and GitHub's answers: test/integration/github-fork-sync.test.ts.

import { describe, expect, it } from 'vitest';
import { listForks, syncForks } from '../../src/sync/fork-sync.js';
import { caught } from '../helpers/errors.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { TOOLS, installedButton, makeContext, spec } from '../helpers/fakes.js';

async function setup(login: string | null = 'octocat') {
  const installed = await installedButton();
  const hub = new FakeGitHub(installed.world.upstream, { login });
  hub.addRepository(TOOLS, { canPush: false });
  return { ...installed, hub, ctx: () => makeContext(installed.world, { github: () => hub }) };
}

describe('forge fork list', () => {
  it("the user's forks found on GitHub and the ones forge recorded, each once; other users' forks never", async () => {
    const { hub, world, ctx } = await setup();
    await hub.createFork({ host: 'github.com', owner: 'acme', name: 'tools' });
    hub.login = 'someone';
    await hub.createFork({ host: 'github.com', owner: 'acme', name: 'tools' });
    hub.login = 'octocat';
    await world.state.saveFork({ upstream: TOOLS, fork: 'octocat/tools', defaultBranch: 'main', createdAt: 't' });
    const list = await listForks(ctx());
    expect(list.forks).toEqual([
      { fork: 'octocat/tools', host: 'github.com', url: 'https://github.com/octocat/tools', upstream: 'acme/tools', repository: TOOLS, defaultBranch: 'main', madeByForge: true },
    ]);
    expect(list.gone).toEqual([]);
  });

  it('a fork forge made that GitHub no longer has is reported as gone, not listed', async () => {
    const { world, ctx } = await setup();
    await world.state.saveFork({ upstream: TOOLS, fork: 'octocat/tools', defaultBranch: 'main', createdAt: 't' });
    const list = await listForks(ctx());
    expect(list.forks).toEqual([]);
    expect(list.gone).toEqual(['octocat/tools (fork of acme/tools)']);
  });

  it('an installation token (no login): only the forks forge recorded; repositories on no GitHub host are named', async () => {
    const { hub, world, ctx } = await setup(null);
    hub.login = 'octocat';
    await hub.createFork({ host: 'github.com', owner: 'acme', name: 'tools' });
    hub.login = null;
    expect((await listForks(ctx())).forks).toEqual([]);
    await world.state.saveFork({ upstream: TOOLS, fork: 'octocat/tools', defaultBranch: 'main', createdAt: 't' });
    world.manifest.seed([...world.manifest.components, spec('other', 'git.example.org/team/widgets', { path: 'w' })]);
    const list = await listForks(ctx());
    expect(list.forks.map((f) => f.fork)).toEqual(['octocat/tools']);
    expect(list.notOnGitHub).toEqual(['git.example.org/team/widgets']);
    expect(hub.calls).not.toContain('forksOwnedBy acme/tools');
  });
});

describe('forge fork sync', () => {
  it('fast-forwarded, up to date and a conflict, one result per fork; failures counted', async () => {
    const { hub, world, tools, ctx } = await setup();
    const fork = await hub.createFork({ host: 'github.com', owner: 'acme', name: 'tools' });
    tools.commit({ files: { 'README.md': 'two\n' } });
    tools.commit({ files: { 'README.md': 'three\n' } });
    const first = await syncForks(ctx(), { all: true });
    expect(first.forks).toEqual([
      { fork: 'octocat/tools', url: fork.htmlUrl, upstream: 'acme/tools', branch: 'main', outcome: 'fast-forwarded', behind: 2, message: '2 commits behind, fast-forwarded', error: null },
    ]);
    expect(first.failed).toBe(0);
    expect((await syncForks(ctx(), { fork: 'octocat/tools', all: false })).forks[0]).toMatchObject({ outcome: 'up-to-date', message: 'up to date' });

    world.upstream.repo('github.com/octocat/tools').commit({ files: { 'mine.txt': 'x\n' } });
    tools.commit({ files: { 'README.md': 'four\n' } });
    const conflict = await syncForks(ctx(), { all: true });
    expect(conflict.forks[0]).toMatchObject({ outcome: 'conflict', behind: 1, message: 'merge conflict, manual resolution required' });
    expect(conflict.failed).toBe(1);
  });

  it('a fork or --all, not neither nor both; an unknown fork names the known ones', async () => {
    const { hub, ctx } = await setup();
    await hub.createFork({ host: 'github.com', owner: 'acme', name: 'tools' });
    expect(await caught(syncForks(ctx(), { all: false }))).toMatchObject({ code: 'E_USAGE', exitCode: 2 });
    expect(await caught(syncForks(ctx(), { all: true, fork: 'octocat/tools' }))).toMatchObject({ code: 'E_USAGE' });
    const unknown = await caught(syncForks(ctx(), { fork: 'octocat/nope', all: false }));
    expect(unknown.hint).toContain('octocat/tools');
    expect((await syncForks(ctx(), { fork: 'https://github.com/octocat/tools', all: false })).forks).toHaveLength(1);
  });
});
