// readBlobs (one `git cat-file --batch` when native git is there) must return exactly
// what readBlob returns one by one, and fall back to isomorphic-git without native git.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitAdapter } from '../../src/git/git-adapter.js';
import { makeRepo, tempDir } from '../helpers/fixtures.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

let server: GitServer;
let url: string;

beforeAll(async () => {
  server = await startGitServer();
  const files: Record<string, string | { content: Buffer }> = {};
  for (let i = 0; i < 40; i++) files[`c/f${i}.txt`] = `file ${i}\n`.repeat(i + 1);
  files['c/binary.bin'] = { content: Buffer.from([0, 1, 2, 10, 255, 10, 0]) };
  files['c/empty.txt'] = '';
  await makeRepo(server.root, 'many', { files, tag: 'v1.0.0' });
  url = `${server.url}/many.git`;
});

afterAll(async () => {
  await server?.stop();
});

describe('reading many blobs at once', () => {
  for (const nativeGit of [true, false]) {
    it(`equals reading them one by one (native git ${nativeGit ? 'on' : 'off'})`, async () => {
      const git = createGitAdapter({ cacheDir: await tempDir('forge-blobs-cache-'), nativeGit });
      const refs = await git.listRemoteRefs(url);
      const tag = refs.refs.find((r) => r.name === 'refs/tags/v1.0.0')!;
      await git.ensureCommits(url, [{ commit: tag.commit, ref: tag.name }]);
      const snapshot = await git.readSnapshot(url, tag.commit, 'c');
      const batch = await git.readBlobs!(url, snapshot.files.map((f) => f.oid));
      expect(batch.size).toBe(new Set(snapshot.files.map((f) => f.oid)).size);
      for (const f of snapshot.files) expect(Buffer.from(batch.get(f.oid)!)).toEqual(Buffer.from(await git.readBlob(url, f.oid)));
    });
  }
});
