// forge sync push, the engine: where a push goes, what it records, and what it refuses, with
// the in-memory upstreams and GitHub. The real thing (git over HTTP, the loopback GitHub, native
// git checks of every commit) is in test/integration/cli-push.test.ts.

import { describe, expect, it } from 'vitest';
import { push, type PushOptions } from '../../src/sync/push.js';
import { status } from '../../src/sync/status.js';
import { log } from '../../src/sync/history-ops.js';
import { pull } from '../../src/sync/pull.js';
import { ForgeError } from '../../src/errors.js';
import { caught } from '../helpers/errors.js';
import { BUTTON, TOOLS, inFolder, installedButton, makeContext, spec, type World } from '../helpers/fakes.js';
import { FakeGitHub, IDENTITY } from '../helpers/fake-github.js';

const base: PushOptions = { component: 'button', createFork: false, createPr: false, draft: false, force: false, dryRun: false };

async function setup(options: { canPush: boolean | null; login?: string | null } = { canPush: true }) {
  const installed = await installedButton();
  const hub = new FakeGitHub(installed.world.upstream, { login: options.login === undefined ? 'octocat' : options.login });
  hub.addRepository(TOOLS, { canPush: options.canPush });
  const ctx = () => makeContext(installed.world, { github: () => hub, identity: async () => IDENTITY });
  installed.world.worktree.write(`${BUTTON}/a.txt`, 'alpha\nBETA\ngamma\ndelta\nepsilon\n');
  return { ...installed, hub, ctx };
}

function filesOf(world: World, repository: string, commit: string) {
  return world.upstream.repo(repository).filesAt(commit, BUTTON);
}

describe('forge sync push', () => {
  it('with write access: one commit on the locked commit, the folder replaced by the local files, on forge/NAME-<seconds> upstream', async () => {
    const { world, v1, ctx } = await setup({ canPush: true });
    world.worktree.write(`${BUTTON}/new.txt`, 'new\n');
    world.worktree.remove(`${BUTTON}/b.txt`);
    world.worktree.write(`${BUTTON}/run.sh`, { content: '#!/bin/sh\necho 1\n', mode: '100644' });
    const result = await push(ctx(), base);

    const branch = `forge/button-${Math.floor(world.clock.now().getTime() / 1000)}`;
    expect(result).toMatchObject({ pushed: true, branch, target: { kind: 'upstream', name: 'acme/tools' }, forkCreated: false, pullRequest: null });
    expect(result.files).toEqual([
      { file: 'a.txt', kind: 'modified' },
      { file: 'b.txt', kind: 'deleted' },
      { file: 'new.txt', kind: 'added' },
      { file: 'run.sh', kind: 'mode' },
    ]);
    const tools = world.upstream.repo(TOOLS);
    const pushed = tools.refs.get(`refs/heads/${branch}`)!;
    expect(pushed).toBe(result.commit);
    const commit = tools.commits.get(pushed)!;
    expect(commit.info.parents).toEqual([v1]);
    expect(commit.info.author).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', timezoneOffset: -120, timestamp: world.clock.now().getTime() / 1000 });
    expect(filesOf(world, TOOLS, pushed)).toEqual(world.worktree.files(BUTTON));
    expect(commit.files.get(`${BUTTON}/run.sh`)!.mode).toBe('100644');
    // The rest of the repository is untouched.
    expect(commit.files.get('README.md')).toEqual(tools.commits.get(v1)!.files.get('README.md'));
    expect(world.upstream.pushes.map((p) => [p.remote, p.branch, p.expect])).toEqual([['https://github.com/acme/tools', branch, null]]);
  });

  it('no local changes: says so and pushes nothing', async () => {
    const { world, hub, ctx } = await installedButtonWithHub();
    const history = world.state.historyList.length;
    const result = await push(ctx(), base);
    expect(result).toMatchObject({ pushed: false, reason: 'no-local-changes', commit: null });
    expect(world.upstream.pushes).toEqual([]);
    expect(hub.calls).toEqual([]);
    expect(world.state.historyList).toHaveLength(history);
  });

  it('without write access: exit 4 naming --create-fork, and nothing is pushed or recorded', async () => {
    const { world, ctx } = await setup({ canPush: false });
    const error = await caught(push(ctx(), base));
    expect(error).toMatchObject({ code: 'E_AUTH', exitCode: 4 });
    expect(error.message).toContain('acme/tools');
    expect(error.hint).toContain('--create-fork');
    expect(world.upstream.pushes).toEqual([]);
    expect(world.state.prList).toEqual([]);
  });

  it('--create-fork: forks (waiting for GitHub), pushes there, remembers the fork; the component is forked', async () => {
    const { world, hub, ctx } = await setup({ canPush: false });
    const result = await push(ctx(), { ...base, createFork: true });
    expect(result).toMatchObject({ pushed: true, forkCreated: true, target: { kind: 'fork', name: 'octocat/tools', webUrl: 'https://github.com/octocat/tools' } });
    expect(hub.calls).toContain('createFork acme/tools');
    expect(hub.calls).toContain('waitForFork octocat/tools');
    expect(world.reporter.ofType('component').map((e) => e.message)).toContain('waiting 1 s for GitHub to finish the fork octocat/tools');
    expect(world.upstream.repo('github.com/octocat/tools').refs.get(`refs/heads/${result.branch}`)).toBe(result.commit);
    expect(world.upstream.repo(TOOLS).refs.has(`refs/heads/${result.branch}`)).toBe(false);
    expect(world.state.forkList).toEqual([{ upstream: TOOLS, fork: 'octocat/tools', defaultBranch: 'main', createdAt: world.clock.now().toISOString() }]);

    const [c] = (await status(ctx(), { names: [], offline: true, detailed: false })).components;
    expect(c).toMatchObject({ status: 'forked', fork: 'octocat/tools', pullRequest: null });

    // The next push reuses the fork: no second create.
    world.clock.advance(60);
    world.worktree.write(`${BUTTON}/a.txt`, 'again\n');
    const again = await push(ctx(), { ...base, createFork: true });
    expect(again).toMatchObject({ forkCreated: false, branch: result.branch, target: { name: 'octocat/tools' } });
    expect(hub.calls.filter((c) => c.startsWith('createFork'))).toHaveLength(1);
  });

  it('the fork name GitHub picks is used (tools-1 when the user owns a tools)', async () => {
    const { world, hub, ctx } = await setup({ canPush: false });
    world.upstream.repo('github.com/octocat/tools').commit({ files: { 'mine.txt': 'x\n' } });
    hub.addRepository('github.com/octocat/tools', { canPush: true });
    const result = await push(ctx(), { ...base, createFork: true });
    expect(result.target).toMatchObject({ name: 'octocat/tools-1', url: 'https://github.com/octocat/tools-1.git' });
    expect(world.upstream.repo('github.com/octocat/tools-1').refs.get(`refs/heads/${result.branch}`)).toBe(result.commit);
  });

  it('--create-pr: a pull request against the default branch, its body listing files, field changes and the base version', async () => {
    const { world, hub, ctx } = await setup({ canPush: false });
    const tools = world.upstream.repo(TOOLS);
    const v11 = tools.commit({ files: inFolder(BUTTON, { 'component.yaml': 'name: button\nconfig:\n  timeout: 30\n' }), tag: 'v1.1.0' });
    await pull(ctx(), { names: [], strategy: 'merge', dryRun: false });
    expect(world.lock.lockfile.components.button!.commit).toBe(v11);
    world.worktree.write(`${BUTTON}/component.yaml`, 'name: button\nconfig:\n  timeout: 60\n');

    const result = await push(ctx(), { ...base, createFork: true, createPr: true, draft: true });
    expect(result.pullRequest).toEqual({ number: 1, url: 'https://github.com/acme/tools/pull/1', action: 'created', draft: true });
    const pr = hub.pulls[0]!;
    expect(pr).toMatchObject({ base: 'main', draft: true, title: 'Update button (2 files)', head: { owner: 'octocat', branch: result.branch } });
    expect(pr.body).toContain('made against version 1.1.0 (commit ' + v11.slice(0, 7) + ')');
    expect(pr.body).toContain('- `a.txt` (modified)');
    expect(pr.body).toContain('- `component.yaml`: Modified: config.timeout (30 → 60)');
    expect(pr.body).toContain('<!-- forge:push');
    expect(world.state.prList).toEqual([
      expect.objectContaining({ component: 'button', number: 1, url: pr.url, branch: result.branch, commit: result.commit, base: v11, state: 'open', headRepository: 'octocat/tools' }),
    ]);
    const [c] = (await status(ctx(), { names: [], offline: true, detailed: false })).components;
    expect(c).toMatchObject({ status: 'forked', pullRequest: pr.url, fork: 'octocat/tools' });
  });

  it('--title, --body and a message of your own', async () => {
    const { world, hub, ctx } = await setup({ canPush: true });
    const result = await push(ctx(), { ...base, createPr: true, title: 'Shout beta', body: 'Because.', message: 'Shout beta\n\nIt matters.' });
    expect(hub.pulls[0]).toMatchObject({ title: 'Shout beta', body: 'Because.', head: { owner: 'acme' } });
    expect(world.upstream.repo(TOOLS).commits.get(result.commit!)!.info.message).toBe('Shout beta\n\nIt matters.\n');
  });

  it('a second push while the pull request is open: same branch, forge’s commit replaced, the pull request updated and never duplicated', async () => {
    const { world, hub, ctx } = await setup({ canPush: false });
    const first = await push(ctx(), { ...base, createFork: true, createPr: true });
    world.clock.advance(3600);
    world.worktree.write(`${BUTTON}/a.txt`, 'changed twice\n');
    world.worktree.write(`${BUTTON}/c.txt`, 'one more file\n');
    const second = await push(ctx(), base);
    expect(second).toMatchObject({ branch: first.branch, pullRequest: { number: 1, action: 'updated' }, target: { kind: 'fork' } });
    const last = world.upstream.pushes.at(-1)!;
    expect(last).toMatchObject({ branch: first.branch, expect: first.commit });
    expect(world.upstream.repo('github.com/octocat/tools').refs.get(`refs/heads/${first.branch}`)).toBe(second.commit);
    expect(hub.pulls).toHaveLength(1);
    expect(hub.calls).toContain('updatePullRequest #1 body');
    expect(world.state.prList).toHaveLength(1);
    expect(world.state.prList[0]).toMatchObject({ commit: second.commit, number: 1 });
  });

  it('someone else moved the branch: refused with E_BRANCH_MOVED; --force replaces it', async () => {
    const { world, ctx } = await setup({ canPush: true });
    const first = await push(ctx(), { ...base, createPr: true });
    const tools = world.upstream.repo(TOOLS);
    const theirs = tools.commit({ branch: first.branch!, files: { 'theirs.txt': 'x\n' } });
    world.worktree.write(`${BUTTON}/a.txt`, 'mine again\n');
    const error = await caught(push(ctx(), base));
    expect(error).toMatchObject({ code: 'E_BRANCH_MOVED', exitCode: 1 });
    expect(error.message).toContain(first.branch);
    expect(error.hint).toContain('--force');
    expect(tools.refs.get(`refs/heads/${first.branch}`)).toBe(theirs);

    const forced = await push(ctx(), { ...base, force: true });
    expect(tools.refs.get(`refs/heads/${first.branch}`)).toBe(forced.commit);
  });

  it('--branch that already exists upstream is refused rather than overwritten', async () => {
    const { world, ctx } = await setup({ canPush: true });
    world.upstream.repo(TOOLS).commit({ branch: 'taken', files: { 'x.txt': 'x\n' } });
    expect(await caught(push(ctx(), { ...base, branch: 'taken' }))).toMatchObject({ code: 'E_BRANCH_MOVED', message: expect.stringContaining('already exists') });
    expect(await caught(push(ctx(), { ...base, branch: 'bad..name' }))).toMatchObject({ code: 'E_USAGE', exitCode: 2 });
  });

  it('E_PR_EXISTS while opening (another run opened one): that pull request is updated, no duplicate', async () => {
    const { hub, ctx } = await setup({ canPush: true });
    hub.raceOnOpen = true;
    const result = await push(ctx(), { ...base, createPr: true });
    expect(result.pullRequest).toMatchObject({ number: 1, action: 'updated' });
    expect(hub.pulls).toHaveLength(1);
  });

  it('GitHub unreachable after the push: the branch is remembered, and the next push reuses it and opens the pull request', async () => {
    const { world, hub, ctx } = await setup({ canPush: false });
    hub.failNextOpen = new ForgeError('E_NETWORK', 'The GitHub API at https://api.github.com could not be reached.');
    expect(await caught(push(ctx(), { ...base, createFork: true, createPr: true }))).toMatchObject({ code: 'E_NETWORK', exitCode: 3 });
    const [record] = world.state.prList;
    expect(record).toMatchObject({ number: null, state: 'open' });
    const fork = world.upstream.repo('github.com/octocat/tools');
    expect(fork.refs.get(`refs/heads/${record!.branch}`)).toBe(record!.commit);

    world.clock.advance(120);
    const again = await push(ctx(), { ...base, createFork: true, createPr: true });
    expect(again).toMatchObject({ branch: record!.branch, pullRequest: { number: 1, action: 'created' } });
    expect(world.upstream.pushes.at(-1)).toMatchObject({ expect: record!.commit });
    expect(hub.pulls).toHaveLength(1);
    expect(world.state.prList).toEqual([expect.objectContaining({ number: 1, branch: record!.branch })]);
  });

  it('once the pull request is merged or closed, an online status leaves forked and the next push starts a new branch', async () => {
    const { world, hub, ctx } = await setup({ canPush: true });
    const first = await push(ctx(), { ...base, createPr: true });
    expect((await status(ctx(), { names: [], offline: false, detailed: false })).components[0]!.status).toBe('forked');
    hub.settle(1, 'merged');
    const [c] = (await status(ctx(), { names: [], offline: false, detailed: false })).components;
    expect(c).toMatchObject({ status: 'modified', pullRequest: null });
    expect(world.state.prList[0]!.state).toBe('merged');
    expect((await status(ctx(), { names: [], offline: true, detailed: false })).components[0]!.status).toBe('modified');

    world.clock.advance(10);
    const next = await push(ctx(), { ...base, createPr: true });
    expect(next.branch).not.toBe(first.branch);
    expect(next.pullRequest).toMatchObject({ number: 2, action: 'created' });
  });

  it('pushed without a pull request: forked until a pull moves the lock', async () => {
    const { world, tools, ctx } = await setup({ canPush: true });
    await push(ctx(), base);
    expect((await status(ctx(), { names: [], offline: true, detailed: false })).components[0]!.status).toBe('forked');
    tools.commit({ files: inFolder(BUTTON, { 'a.txt': 'alpha\nBETA\ngamma\ndelta\nepsilon\n' }), tag: 'v1.0.1' });
    await pull(ctx(), { names: [], strategy: 'merge', dryRun: false });
    expect((await status(ctx(), { names: [], offline: true, detailed: false })).components[0]!.status).toBe('synced');
  });

  it('an installation token (write access unknown): the push tells; refused with --create-fork, the fork takes it', async () => {
    const { world, hub, ctx } = await setup({ canPush: null });
    world.upstream.beforePush = (_url, input) => {
      if (input.remote === 'https://github.com/acme/tools') throw new ForgeError('E_AUTH', 'Authentication refused by https://github.com/acme/tools.git (HTTP 403).');
    };
    const refused = await caught(push(ctx(), base));
    expect(refused).toMatchObject({ code: 'E_AUTH' });
    expect(refused.hint).toContain('--create-fork');
    const result = await push(ctx(), { ...base, createFork: true });
    expect(result).toMatchObject({ pushed: true, forkCreated: true, target: { kind: 'fork', name: 'octocat/tools' } });
    expect(hub.calls.filter((c) => c.startsWith('createFork'))).toHaveLength(1);
  });

  it('an installation token with write access pushes upstream', async () => {
    const { world, ctx } = await setup({ canPush: null, login: null });
    const result = await push(ctx(), { ...base, createFork: true });
    expect(result.target).toMatchObject({ kind: 'upstream' });
    expect(world.upstream.repo(TOOLS).refs.get(`refs/heads/${result.branch}`)).toBe(result.commit);
  });

  it('a repository on no GitHub host: pushed directly; --create-fork and --create-pr are a clear error (exit 2)', async () => {
    const installed = await installedButton();
    const { world } = installed;
    const other = 'git.example.org/team/widgets';
    world.upstream.repo(other).commit({ files: { 'w/a.txt': 'a\n' }, tag: 'v1.0.0' });
    world.manifest.seed([...world.manifest.components, spec('widget', other, { path: 'w', version: '^1.0.0' })]);
    const hub = new FakeGitHub(world.upstream, { login: 'octocat' });
    const ctx = makeContext(world, { github: () => hub, identity: async () => IDENTITY });
    await pull(ctx, { names: ['widget'], strategy: null, dryRun: false });
    world.worktree.write('w/a.txt', 'changed\n');
    for (const flags of [{ createFork: true }, { createPr: true }]) {
      const error = await caught(push(ctx, { ...base, component: 'widget', ...flags }));
      expect(error).toMatchObject({ code: 'E_NOT_GITHUB', exitCode: 2 });
      expect(error.message).toContain(other);
    }
    const result = await push(ctx, { ...base, component: 'widget' });
    expect(result.target).toEqual({ kind: 'upstream', name: other, url: 'https://git.example.org/team/widgets', webUrl: 'https://git.example.org/team/widgets' });
    expect(world.upstream.repo(other).refs.get(`refs/heads/${result.branch}`)).toBe(result.commit);
  });

  it('--dry-run: says where and what, pushes and records nothing', async () => {
    const { world, hub, ctx } = await setup({ canPush: false });
    const history = world.state.historyList.length;
    const result = await push(ctx(), { ...base, createFork: true, createPr: true, dryRun: true });
    expect(result).toMatchObject({ pushed: false, dryRun: true, commit: null, target: { kind: 'fork', name: 'octocat/tools (a new fork)' }, pullRequest: { action: 'would-create' } });
    expect(result.files).toEqual([{ file: 'a.txt', kind: 'modified' }]);
    expect(world.upstream.pushes).toEqual([]);
    expect(hub.calls.filter((c) => /createFork|openPullRequest/.test(c))).toEqual([]);
    expect(world.state.prList).toEqual([]);
    expect(world.state.historyList).toHaveLength(history);
  });

  it('every push is in the sync log', async () => {
    const { world, ctx } = await setup({ canPush: true });
    world.clock.advance(60);
    const result = await push(ctx(), { ...base, createPr: true });
    const [entry] = await log(ctx());
    expect(entry).toMatchObject({ component: 'button', op: 'push' });
    expect(entry!.summary).toBe(`pushed 1 file(s) to acme/tools ${result.branch} (${result.commit!.slice(0, 7)}), pull request #1`);
  });

  it('unresolved conflicts are not pushed', async () => {
    const { world, ctx } = await setup({ canPush: true });
    await world.state.setConflicts('button', { component: 'button', operation: 'merge', at: 't', target: null, records: [] });
    expect(await caught(push(ctx(), base))).toMatchObject({ code: 'E_CONFLICTS' });
  });

  it('an unknown component is a usage error naming the known ones', async () => {
    const { ctx } = await setup({ canPush: true });
    const error = await caught(push(ctx(), { ...base, component: 'nope' }));
    expect(error).toMatchObject({ code: 'E_UNKNOWN_COMPONENT', exitCode: 2 });
    expect(error.hint).toContain('button');
  });
});

async function installedButtonWithHub() {
  const installed = await installedButton();
  const hub = new FakeGitHub(installed.world.upstream, { login: 'octocat' });
  hub.addRepository(TOOLS, { canPush: true });
  return { ...installed, hub, ctx: () => makeContext(installed.world, { github: () => hub, identity: async () => IDENTITY }) };
}
