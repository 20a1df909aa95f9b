// The file list of every tree forge installed, keyed by tree id, so that
// `status --offline` can name the files a user changed without the git cache.
// Trees are immutable, so each file is written once and never rewritten.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TreeIndex } from '../core/ports.js';
import type { Snapshot, TreeId } from '../core/model.js';
import { writeFileAtomic } from './atomic.js';

export function createTreeIndex(dir: string): TreeIndex {
  const memo = new Map<TreeId, Snapshot>();
  const file = (tree: TreeId) => join(dir, tree.slice(0, 2), `${tree.slice(2)}.json`);
  return {
    async get(tree) {
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
    async put(snapshot) {
      if (memo.has(snapshot.tree)) return;
      memo.set(snapshot.tree, snapshot);
      await mkdir(join(dir, snapshot.tree.slice(0, 2)), { recursive: true });
      await writeFileAtomic(file(snapshot.tree), JSON.stringify({ tree: snapshot.tree, files: snapshot.files }));
    },
  };
}
