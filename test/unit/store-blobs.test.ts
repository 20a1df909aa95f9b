import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBlobStore } from '../../src/store/blobs.js';
import { blobId } from '../../src/core/blob-id.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'forge-blobs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('blob store', () => {
  it('ids are git blob ids', () => {
    // `git hash-object` of "hello\n" and of an empty file
    expect(blobId(new TextEncoder().encode('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(blobId(new Uint8Array())).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });

  it('agrees with git hash-object when git is available', async () => {
    const bytes = new Uint8Array([0, 1, 2, 255, 10, 13, 10]);
    await writeFile(join(dir, 'f'), bytes);
    let expected: string;
    try {
      expected = execFileSync('git', ['hash-object', join(dir, 'f')], { encoding: 'utf8' }).trim();
    } catch {
      return;
    }
    expect(blobId(bytes)).toBe(expected);
  });

  it('round-trips bytes exactly, binary included', async () => {
    const store = createBlobStore(join(dir, 'blobs'));
    const samples = [new Uint8Array(), new TextEncoder().encode('line\r\nline\n'), Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256)];
    for (const bytes of samples) {
      const oid = await store.put(bytes);
      expect(oid).toBe(blobId(bytes));
      expect(Buffer.from(await store.get(oid)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('stores each content once, under a two-level fan-out', async () => {
    const store = createBlobStore(join(dir, 'blobs'));
    const bytes = new TextEncoder().encode('same');
    const a = await store.put(bytes);
    const b = await store.put(new TextEncoder().encode('same'));
    expect(a).toBe(b);
    expect(await readdir(join(dir, 'blobs'))).toEqual([a.slice(0, 2)]);
    expect(await readdir(join(dir, 'blobs', a.slice(0, 2)))).toEqual([a.slice(2)]);
  });

  it('a missing or damaged blob is an error, never wrong bytes', async () => {
    const store = createBlobStore(join(dir, 'blobs'));
    await expect(store.get('0'.repeat(40))).rejects.toMatchObject({ code: 'E_INTERNAL', message: expect.stringContaining('missing') });
    const oid = await store.put(new TextEncoder().encode('original'));
    await writeFile(join(dir, 'blobs', oid.slice(0, 2), oid.slice(2)), 'tampered');
    await expect(store.get(oid)).rejects.toMatchObject({ message: expect.stringContaining('damaged') });
  });
});
