// The terminal side of `forge sync resolve --interactive`: shows each conflict
// hunk and asks what to keep. Built on @inquirer/prompts (keyboard navigation,
// works in any real terminal); "edit" opens $VISUAL/$EDITOR on a temp file.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ExitCode, ForgeError } from '../errors.js';
import type { Chooser, HunkAnswer, HunkQuestion } from '../sync/resolve-conflicts.js';

export function terminalChooser(write: (line: string) => void): Chooser {
  return {
    async choose(q: HunkQuestion): Promise<HunkAnswer> {
      write('');
      write(`Conflict ${q.index}/${q.total}: ${q.file} (${q.type})`);
      if (q.hunk) {
        write('');
        write('<<<<<<< LOCAL');
        q.hunk.local.forEach((l) => write(l.replace(/\n$/, '')));
        write('=======');
        q.hunk.upstream.forEach((l) => write(l.replace(/\n$/, '')));
        write('>>>>>>> UPSTREAM');
        write('');
      } else write(q.message);
      const choices = [
        { name: 'Use local version', value: 'local' },
        { name: 'Use upstream version', value: 'upstream' },
        ...(q.hunk ? [{ name: 'Keep both (local first)', value: 'both' }, { name: 'Edit manually', value: 'edit' }] : []),
        { name: 'Skip this conflict', value: 'skip' },
      ];
      // Loaded here, not at the top: only --interactive on a terminal needs the prompts.
      const { select } = await import('@inquirer/prompts');
      let answer: string;
      try {
        answer = await select({ message: 'Choose resolution:', choices });
      } catch (error) {
        // Ctrl-C in the prompt: the resolve stops before writing anything.
        if ((error as Error)?.name === 'ExitPromptError') throw interrupted();
        throw error;
      }
      if (answer !== 'edit') return answer as HunkAnswer;
      return { custom: editInEditor(q) };
    },
  };
}

function editInEditor(q: HunkQuestion): string {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const dir = mkdtempSync(join(tmpdir(), 'forge-edit-'));
  const file = join(dir, basename(q.file));
  const hunk = q.hunk!;
  writeFileSync(file, ['<<<<<<< LOCAL\n', ...hunk.local, '=======\n', ...hunk.upstream, '>>>>>>> UPSTREAM\n'].map(ensureNewline).join(''));
  try {
    const result = spawnSync(editor, [file], { stdio: 'inherit', shell: true });
    if (result.signal === 'SIGINT' || result.status === 130) throw interrupted();
    if (result.status !== 0) throw new ForgeError('E_USAGE', `The editor '${editor}' exited with status ${result.status ?? 'unknown'}; the conflict is left as it was.`);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ensureNewline(line: string): string {
  return line.endsWith('\n') ? line : `${line}\n`;
}

function interrupted(): ForgeError {
  return new ForgeError('E_INTERRUPTED', 'Interrupted; nothing was changed.', { exitCode: ExitCode.interrupted });
}
