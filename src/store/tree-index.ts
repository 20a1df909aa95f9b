// The file list of every tree forge installed or recorded, keyed by git tree id, so that
// `status --offline` can name the files a user changed without the git cache, and so that
// .forge/state.json refers to folders by id instead of holding their file lists.
// Trees are immutable, so each file is written once and never rewritten.

import { compareByPath } from '../core/paths.js';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TreeIndex } from '../core/ports.js';
import { EMPTY_TREE, type Snapshot, type TreeId } from '../core/model.js';
import { snapshotFromFiles } from '../git/tree-hash.js';
import { writeFileAtomic } from './atomic.js';

export function createTreeIndex(dir: string): TreeIndex {
  const memo = new Map<TreeId, Snapshot>();
  const file = (tree: TreeId) => join(dir, tree.slice(0, 2), `${tree.slice(2)}.json`);
  const put = async (snapshot: Snapshot): Promise<void> => {
    if (memo.has(snapshot.tree)) return;
    memo.set(snapshot.tree, snapshot);
    const path = file(snapshot.tree);
    const stored = await stat(path).then(
      () => true,
      () => false,
    );
    if (stored) return;
    await mkdir(join(dir, snapshot.tree.slice(0, 2)), { recursive: true });
    await writeFileAtomic(path, JSON.stringify({ tree: snapshot.tree, files: snapshot.files }));
  };
  return {
    async get(tree) {
      if (tree === EMPTY_TREE) return { tree, files: [] };
      const hit = memo.get(tree);
      if (hit) return hit;
      try {
        const snapshot = JSON.parse(await readFile(file(tree), 'utf8')) as Snapshot;
        if (snapshot.tree !== tree || !Array.isArray(snapshot.files)) return null;
        memo.set(tree, snapshot);
        return snapshot;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        if (error instanceof SyntaxError) return null; // a damaged index entry is rebuilt from the git cache
        throw error;
      }
    },
    put,
    async putFiles(files) {
      const sorted = [...files].sort(compareByPath);
      const tree = snapshotFromFiles(sorted);
      if (tree !== EMPTY_TREE) await put({ tree, files: sorted });
      return tree;
    },
  };
}
