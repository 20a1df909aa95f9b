// Reading the consumer's files through the worktree port, for backups and merges.

import { ForgeError } from '../errors.js';
import type { ComponentShape } from '../core/model.js';
import type { EngineContext } from './engine-context.js';

export async function readLocalFile(ctx: EngineContext, dest: string, file: string, shape: ComponentShape): Promise<Uint8Array> {
  const content = await ctx.worktree.readFile(dest, file, shape);
  if (content === null) throw new ForgeError('E_LOCAL_CHANGES', `File ${shape.kind === 'file' ? dest : `${dest}/${file}`} disappeared while forge was reading it.`, { hint: 'Run the command again.' });
  return content;
}
