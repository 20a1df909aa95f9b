// Files forge writes for GitHub Actions: the update workflow, at the top of the git repository
// that holds forge.yaml (GitHub reads workflows only from there).

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ForgeError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/** The repository's top folder: the nearest folder up from `root` with a `.git`; `root` itself when there is none yet. */
export function repositoryTop(root: string): string {
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return root;
  }
}

/** `root` relative to the repository's top ('.' when it is the top), POSIX separators. */
export function folderInRepository(root: string): string {
  return relative(repositoryTop(root), root).split(sep).join('/') || '.';
}

/** Writes a new file under the repository's top; refuses to replace one (it may hold the user's edits). Returns its path there. */
export async function writeRepositoryFile(root: string, path: string, text: string): Promise<string> {
  const top = repositoryTop(root);
  const file = join(top, ...path.split('/'));
  if (existsSync(file)) {
    throw new ForgeError('E_USAGE', `${path} already exists in ${top}; forge does not replace it.`, {
      hint: 'Edit it, or remove it and run the command again for a fresh one.',
      data: { file: path },
    });
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, text);
  return relative(root, file).split(sep).join('/');
}
