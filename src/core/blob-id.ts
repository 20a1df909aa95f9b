// Git's blob id of some bytes: sha1("blob <size>\0" + bytes). Kept here (not in
// src/git) because the engine needs it for plans; node:crypto is not I/O.

import { createHash } from 'node:crypto';

export function blobId(content: Uint8Array): string {
  const hash = createHash('sha1');
  hash.update(`blob ${content.byteLength}\0`);
  hash.update(content);
  return hash.digest('hex');
}
