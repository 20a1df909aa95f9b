// The GitPort commands get: the full adapter (git-adapter.ts: isomorphic-git, the object cache,
// native git) is loaded on the first call, so a command that never reaches an upstream (undo,
// resolve, remove, conflicts, an offline status) never loads it.

import type { GitPort } from '../core/ports.js';
import type { GitAdapterOptions } from './git-adapter.js';

export function createLazyGitAdapter(options: GitAdapterOptions): GitPort {
  let full: Promise<GitPort> | undefined;
  const adapter = () => (full ??= import('./git-adapter.js').then((m) => m.createGitAdapter(options)));
  return {
    listRemoteRefs: async (...args) => (await adapter()).listRemoteRefs(...args),
    ensureCommits: async (...args) => (await adapter()).ensureCommits(...args),
    hasCommit: async (...args) => (await adapter()).hasCommit(...args),
    readSnapshot: async (...args) => (await adapter()).readSnapshot(...args),
    readBlob: async (...args) => (await adapter()).readBlob(...args),
    readBlobs: async (url, oids) => {
      const port = await adapter();
      if (port.readBlobs) return port.readBlobs(url, oids);
      return new Map(await Promise.all(oids.map(async (oid) => [oid, await port.readBlob(url, oid)] as const)));
    },
    findComponentManifests: async (...args) => (await adapter()).findComponentManifests(...args),
    readCommit: async (...args) => (await adapter()).readCommit(...args),
    createCommit: async (...args) => (await adapter()).createCommit(...args),
    push: async (...args) => (await adapter()).push(...args),
    exportFolders: async (url, commit, paths, into) => {
      const port = await adapter();
      if (!port.exportFolders) throw new Error('the git adapter cannot export folders');
      return port.exportFolders(url, commit, paths, into);
    },
  };
}
