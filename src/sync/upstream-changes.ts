// Where a component's local changes go upstream (forge sync push): the commit's tree changes.
// A single-file component's one file is `path` itself, so the commit replaces exactly that file;
// a folder's files sit under `path`. Only the changed files the component's shape selects are
// written (the diff is between its own scans), so files outside include/exclude stay as
// upstream has them.

import type { LockEntry } from '../core/model.js';
import type { TreeChange } from '../core/ports.js';
import { shapeOf } from '../core/file-filter.js';
import type { EngineContext } from './engine-context.js';
import { readLocalFile } from './local-files.js';
import type { PathChange } from './snapshot.js';
import { eachLimited } from '../core/pool.js';

/** The path upstream (from the repository root) of a component file (as snapshots name it). */
export function upstreamPath(entry: LockEntry, file: string): string {
  return entry.blob !== undefined ? entry.path : `${entry.path}/${file}`;
}

/**
 * The changes to the locked commit's tree that carry `diff` (locked files → local files) upstream,
 * reading the local files several at a time.
 */
export async function upstreamChanges(ctx: EngineContext, entry: LockEntry, diff: readonly PathChange[]): Promise<TreeChange[]> {
  const shape = shapeOf(entry);
  const changes: TreeChange[] = new Array(diff.length);
  await eachLimited(diff, 16, async (d, i) => {
    const path = upstreamPath(entry, d.path);
    changes[i] = d.after === null ? { action: 'delete', path } : { action: 'write', path, mode: d.after.mode, content: await readLocalFile(ctx, entry.dest, d.path, shape) };
  });
  return changes;
}
