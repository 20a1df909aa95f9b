// Content-addressed store for file contents forge must be able to put back (backups, stashes,
// conflict sides). Keyed by git blob id, so an id from a tree scan finds its bytes here.

import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ForgeError } from '../errors.js';
import type { Oid } from '../core/model.js';
import { blobId } from '../core/blob-id.js';
import type { BlobStore } from '../core/ports.js';
import { writeFileAtomic } from './atomic.js';

export function createBlobStore(dir: string): BlobStore {
  // Two-level fan-out (ab/cdef...) as git does, so no folder grows huge.
  const pathOf = (oid: Oid) => join(dir, oid.slice(0, 2), oid.slice(2));

  return {
    async put(content) {
      const oid = blobId(content);
      const file = pathOf(oid);
      try {
        await stat(file);
        return oid; // already stored: same id, same bytes
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      await mkdir(join(dir, oid.slice(0, 2)), { recursive: true });
      await writeFileAtomic(file, content);
      return oid;
    },

    async get(oid) {
      if (!/^[0-9a-f]{40}$/.test(oid)) {
        throw new ForgeError('E_INTERNAL', `'${oid}' is not a blob id.`);
      }
      let content: Buffer;
      try {
        content = await readFile(pathOf(oid));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new ForgeError('E_INTERNAL', `Saved file content ${oid} is missing from ${dir}.`, {
            hint: 'The local state in .forge/ is incomplete; the files it described cannot be restored.',
            data: { oid },
          });
        }
        throw error;
      }
      const bytes = new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
      if (blobId(bytes) !== oid) {
        throw new ForgeError('E_INTERNAL', `Saved file content ${oid} in ${dir} is damaged (its hash does not match).`, {
          hint: 'The local state in .forge/ is damaged; the files it described cannot be restored.',
          data: { oid },
        });
      }
      return bytes;
    },
  };
}
