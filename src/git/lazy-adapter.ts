// The GitPort commands get: ref listing in one GET of forge's own (ls-remote.ts), everything
// else from the full adapter (git-adapter.ts: isomorphic-git, the object cache, native git),
// loaded on first use. A pull or status that finds nothing moved upstream never loads it.

import type { GitPort } from '../core/ports.js';
import type { GitAdapterOptions } from './git-adapter.js';
import { displayRepository } from './git-errors.js';
import { lsRemote, sendsToken } from './ls-remote.js';
import { checkRepositoryUrl } from './repository-url.js';

export function createLazyGitAdapter(options: GitAdapterOptions): GitPort {
  let full: Promise<GitPort> | undefined;
  const adapter = () => (full ??= import('./git-adapter.js').then((m) => m.createGitAdapter(options)));
  const headers: Record<string, string> = options.userAgent ? { 'user-agent': options.userAgent } : {};
  return {
    async listRemoteRefs(url) {
      checkRepositoryUrl(url);
      const token = options.token && sendsToken(url) ? options.token : undefined;
      return lsRemote(url, {
        ...(token ? { token } : {}),
        headers,
        ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
        ...(options.onRequest ? { onRequest: (e) => options.onRequest!({ repository: displayRepository(url), ...e, transport: 'isomorphic-git' }) } : {}),
      });
    },
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
