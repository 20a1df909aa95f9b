// Comparing flattened trees: what changed between the locked files, the local
// folder and an upstream target.

import type { FileEntry, Snapshot } from '../core/model.js';
import type { FileChange } from '../core/ports.js';

export type ChangeKind = 'added' | 'modified' | 'deleted' | 'mode';

export interface PathChange {
  path: string;
  kind: ChangeKind;
  before: FileEntry | null;
  after: FileEntry | null;
}

export function byPath(files: readonly FileEntry[]): Map<string, FileEntry> {
  return new Map(files.map((f) => [f.path, f]));
}

/** Paths that differ between two snapshots, sorted. */
export function diffSnapshots(before: Snapshot | readonly FileEntry[], after: Snapshot | readonly FileEntry[]): PathChange[] {
  const a = byPath('files' in before ? before.files : before);
  const b = byPath('files' in after ? after.files : after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: PathChange[] = [];
  for (const path of paths) {
    const x = a.get(path) ?? null;
    const y = b.get(path) ?? null;
    if (x && y) {
      if (x.oid !== y.oid) changes.push({ path, kind: 'modified', before: x, after: y });
      else if (x.mode !== y.mode) changes.push({ path, kind: 'mode', before: x, after: y });
    } else if (x) changes.push({ path, kind: 'deleted', before: x, after: null });
    else if (y) changes.push({ path, kind: 'added', before: null, after: y });
  }
  return changes;
}

/** Changes that turn the `current` folder into `target`, reading new contents with `read`. */
export async function changesToReach(
  current: readonly FileEntry[],
  target: readonly FileEntry[],
  read: (entry: FileEntry) => Promise<Uint8Array>,
): Promise<FileChange[]> {
  const out: FileChange[] = [];
  for (const change of diffSnapshots(current, target)) {
    if (change.after === null) out.push({ action: 'delete', path: change.path });
    else out.push({ action: 'write', path: change.path, mode: change.after.mode, content: await read(change.after) });
  }
  return out;
}

export function describeChanges(changes: readonly PathChange[]): string[] {
  const word: Record<ChangeKind, string> = { added: 'added', modified: 'modified', deleted: 'deleted', mode: 'mode changed' };
  return changes.map((c) => `${c.path} (${word[c.kind]})`);
}
