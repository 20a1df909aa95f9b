// .forge/ holds forge's local state. A repository can commit a symlink named .forge (or one
// inside it), which would make forge write outside the repository: refuse, as forge refuses to
// write through any other symlink.

import { lstat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ForgeError } from '../errors.js';

/** What forge writes directly inside .forge/. */
const ENTRIES = ['state.json', 'blobs', 'trees', 'stat-cache', 'parsed', 'staging', 'lock'];

export async function checkForgeDir(forgeDir: string): Promise<void> {
  const top = await lstat(forgeDir).catch(() => null);
  if (top === null) return;
  const shown = basename(forgeDir);
  if (top.isSymbolicLink()) {
    throw new ForgeError('E_SYMLINK', `${shown} in ${dirname(forgeDir)} is a symbolic link; forge keeps its local state there and does not write through symbolic links.`, {
      hint: `Remove the link (it is local state, never committed: add '.forge/' to .gitignore) and run the command again.`,
      data: { path: shown },
    });
  }
  if (!top.isDirectory()) {
    throw new ForgeError('E_NAME_CLASH', `${shown} in ${dirname(forgeDir)} is a file; forge needs that name for a folder of local state.`, {
      hint: 'Move the file away and run the command again.',
      data: { path: shown },
    });
  }
  for (const name of ENTRIES) {
    const info = await lstat(join(forgeDir, name)).catch(() => null);
    if (info?.isSymbolicLink()) {
      throw new ForgeError('E_SYMLINK', `${shown}/${name} is a symbolic link; forge does not write its state through symbolic links.`, {
        hint: `Remove ${shown}/${name} and run the command again.`,
        data: { path: `${shown}/${name}` },
      });
    }
  }
}
