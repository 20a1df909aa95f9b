// The worktree adapter turns file system failures into sentences naming the file (issue 7.13),
// translated by errno code at its edge, never "Unexpected error: ENAMETOOLONG ...".
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorktree } from '../../src/git/worktree.js';
import { caught } from '../helpers/errors.js';
import { tempDir } from '../helpers/fixtures.js';

describe('worktree file system failures', () => {
  it('a file name too long for the file system is E_FILESYSTEM naming the file', async () => {
    const root = await tempDir('forge-wt-');
    const worktree = createWorktree({ root });
    const long = `${'n'.repeat(300)}.txt`;
    const error = await caught(worktree.apply('c', [{ action: 'write', path: long, mode: '100644', content: Buffer.from('x') }]));
    expect(error.code).toBe('E_FILESYSTEM');
    expect(error.message).toBe(`Cannot write c/${long}: the file name is too long for this file system.`);
    expect(error.exitCode).toBe(1);
  });

  it.skipIf(process.getuid?.() === 0)('a file forge may not read is named', async () => {
    const root = await tempDir('forge-wt-');
    await mkdir(join(root, 'c'));
    await writeFile(join(root, 'c/secret.txt'), 'x');
    await chmod(join(root, 'c/secret.txt'), 0o000);
    try {
      const error = await caught(createWorktree({ root }).scan('c'));
      expect(error.message).toBe('Cannot read c/secret.txt: permission denied.');
    } finally {
      await chmod(join(root, 'c/secret.txt'), 0o644);
    }
  });
});
