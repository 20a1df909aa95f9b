// forge dev edit in the engine: the new text as the file was written, through the one write
// protocol (old file backed up, an interrupted edit rolled back by the next run).

import { describe, expect, it } from 'vitest';
import { blobId } from '../../src/core/blob-id.js';
import { editField } from '../../src/sync/dev.js';
import { recover } from '../../src/sync/recovery.js';
import { caught } from '../helpers/errors.js';
import { BUTTON, installedButton, makeContext } from '../helpers/fakes.js';

const ONE_LINE = '{"name": "button", "size": {"w": 10, "h": 2}}\n';

async function withJson() {
  const installed = await installedButton();
  await installed.world.worktree.apply(BUTTON, [{ action: 'write', path: 'props.json', mode: '100644', content: new TextEncoder().encode(ONE_LINE) }]);
  return installed;
}

describe('editField', () => {
  it('changes only the value of a one-line JSON file and says what it was', async () => {
    const { world, ctx } = await withJson();
    const result = await editField(ctx, { component: 'button', file: 'props.json', field: 'size.w', value: '12' });
    expect(result).toEqual({ component: 'button', file: 'props.json', field: 'size.w', before: 10, after: 12 });
    expect(world.worktree.files(BUTTON)['props.json']).toBe('{"name": "button", "size": {"w": 12, "h": 2}}\n');
  });

  it("writes an empty string for --value ''", async () => {
    const { world, ctx } = await withJson();
    const result = await editField(ctx, { component: 'button', file: 'props.json', field: 'name', value: '' });
    expect(result.after).toBe('');
    expect(world.worktree.files(BUTTON)['props.json']).toBe('{"name": "", "size": {"w": 10, "h": 2}}\n');
  });

  it('keeps the old file in the blob store before writing', async () => {
    const { world, ctx } = await withJson();
    await editField(ctx, { component: 'button', file: 'props.json', field: 'size.h', value: '3' });
    expect(new TextDecoder().decode(await world.blobs.get(blobId(new TextEncoder().encode(ONE_LINE))))).toBe(ONE_LINE);
  });

  it('an edit interrupted before it finished is rolled back by the next run', async () => {
    const { world } = await withJson();
    const kill = { at: (point: string) => { if (point === 'before-state') throw new Error('simulated crash'); } };
    await expect(editField(makeContext(world, { faults: kill }), { component: 'button', file: 'props.json', field: 'size.h', value: '3' })).rejects.toThrow(/simulated crash/);
    expect(world.worktree.files(BUTTON)['props.json']).toContain('"h": 3');
    expect((await recover(makeContext(world)))!.outcome).toBe('rolled-back');
    expect(world.worktree.files(BUTTON)['props.json']).toBe(ONE_LINE);
  });

  it('refuses a file that is not YAML or JSON, and one outside the component, changing nothing', async () => {
    const { world, ctx } = await withJson();
    const before = world.worktree.files(BUTTON);
    expect((await caught(editField(ctx, { component: 'button', file: 'a.txt', field: 'x', value: '1' }))).code).toBe('E_USAGE');
    expect((await caught(editField(ctx, { component: 'button', file: '../x.json', field: 'x', value: '1' }))).code).toBe('E_PATH_ESCAPES');
    expect(world.worktree.files(BUTTON)).toEqual(before);
  });
});
