/**
 * Deterministic Git fixtures built with the git CLI (asynchronously: safe next to the in-process
 * test server of git-server.ts).
 *
 *   const root = await tempDir();                       // removed by cleanupTempDirs()
 *   const c1 = await makeRepo(root, 'tools', {
 *     files: { 'components/a/component.yaml': 'name: a\n', 'bin/run': { content: '#!/bin/sh\n', mode: '100755' } },
 *     tag: 'v1.0.0',                                     // or ['v1.0.0', 'a@1.0.0']; annotated: true for -a tags
 *   });                                                  // -> commit id; bare repo at root/tools.git
 *   const c2 = await commitToRepo(root, 'tools', { files: { 'components/a/x.txt': 'new', 'old.txt': null }, tag: 'v1.1.0' });
 *   await gitRevParse(repoDir(root, 'tools'), 'v1.1.0^{commit}');
 *
 * Ids are stable from run to run: fixed author/committer ("Forge Test <test@forge.invalid>"), and
 * commit N of a repository is dated 2024-01-01T00:00:00Z + N minutes unless `date` is given.
 * Commits are written straight into the bare repository (plumbing: write-tree, commit-tree,
 * update-ref) from one work folder per repository (root/.work/NAME), so nothing is pushed.
 * `files` in commitToRepo are changes on top of the branch's current tree (null deletes a file);
 * in makeRepo they are the whole first tree. Default branch: `main` (or `branch` in makeRepo).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, chmod, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type FixtureFile = string | { content: string | Buffer; mode?: '100644' | '100755' | '120000' };

export interface CommitOptions {
  files: Record<string, FixtureFile | null>;
  message?: string;
  /** Tags to create (moved if they exist) on the new commit. */
  tag?: string | string[];
  annotated?: boolean;
  /** Branch to commit on; created from the default branch's tip when missing. Default: the repo's default branch. */
  branch?: string;
  /** ISO date for author and committer; default: 2024-01-01T00:00:00Z + (commit count) minutes. */
  date?: string;
}

export interface MakeRepoOptions extends CommitOptions {
  files: Record<string, FixtureFile>;
}

const AUTHOR = { name: 'Forge Test', email: 'test@forge.invalid' };
const BASE_TIME = Date.parse('2024-01-01T00:00:00Z');

/** Runs git asynchronously; resolves with stdout (trimmed end), rejects with stderr in the message. */
export function git(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: options.cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', ...options.env }, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve(stdout.replace(/\s+$/, ''));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Path of the bare repository NAME under root (NAME may already end in .git). */
export function repoDir(root: string, name: string): string {
  return join(root, name.endsWith('.git') ? name : `${name}.git`);
}

function workDir(root: string, name: string): string {
  return join(root, '.work', name.replace(/\.git$/, ''));
}

export async function gitRevParse(repoDirectory: string, rev: string): Promise<string> {
  return git(['rev-parse', '--verify', '--end-of-options', rev], { cwd: repoDirectory });
}

async function writeFixtureFile(work: string, path: string, file: FixtureFile | null): Promise<void> {
  const target = join(work, path);
  await rm(target, { force: true, recursive: true });
  if (file === null) return;
  await mkdir(dirname(target), { recursive: true });
  const spec = typeof file === 'string' ? { content: file } : file;
  if (spec.mode === '120000') {
    await symlink(spec.content.toString(), target);
    return;
  }
  await writeFile(target, spec.content);
  await chmod(target, spec.mode === '100755' ? 0o755 : 0o644);
}

async function clearWorkDir(work: string): Promise<void> {
  for (const name of await readdir(work)) await rm(join(work, name), { recursive: true, force: true });
}

async function revOrNull(bare: string, rev: string): Promise<string | null> {
  try {
    return await git(['rev-parse', '--verify', '-q', `${rev}^{commit}`], { cwd: bare });
  } catch {
    return null;
  }
}

/** Creates root/NAME.git with one commit holding `files`; returns the commit id. */
export async function makeRepo(root: string, name: string, options: MakeRepoOptions): Promise<string> {
  const bare = repoDir(root, name);
  await rm(bare, { recursive: true, force: true });
  await rm(workDir(root, name), { recursive: true, force: true });
  await mkdir(bare, { recursive: true });
  await git(['init', '-q', '--bare', '-b', options.branch ?? 'main'], { cwd: bare });
  return commitToRepo(root, name, options);
}

/** Adds a commit to root/NAME.git (changes on top of the branch tip); returns the commit id. */
export async function commitToRepo(root: string, name: string, options: CommitOptions): Promise<string> {
  const bare = repoDir(root, name);
  const work = workDir(root, name);
  await mkdir(work, { recursive: true });
  const index = join(bare, 'forge-fixture-index');
  const lastFile = join(bare, 'forge-fixture-last');
  const env = { GIT_DIR: bare, GIT_WORK_TREE: work, GIT_INDEX_FILE: index };
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => git(args, { cwd: work, env: { ...env, ...extra } });

  const headRef = await git(['symbolic-ref', 'HEAD'], { cwd: bare });
  const branchRef = options.branch ? `refs/heads/${options.branch}` : headRef;
  const parent = (await revOrNull(bare, branchRef)) ?? (await revOrNull(bare, headRef));

  // The work folder reflects the last commit made; check out the parent when it differs.
  const last = await readFile(lastFile, 'utf8').catch(() => '');
  if ((parent ?? '') !== last.trim()) {
    await clearWorkDir(work);
    await rm(index, { force: true });
    if (parent) {
      await run(['read-tree', parent]);
      await run(['checkout-index', '-a', '-f']);
    }
  }

  for (const [path, file] of Object.entries(options.files)) await writeFixtureFile(work, path, file);
  await run(['add', '-A', '.']);
  const tree = await run(['write-tree']);

  const count = parent ? Number(await git(['rev-list', '--count', parent], { cwd: bare })) : 0;
  const date = options.date ?? new Date(BASE_TIME + count * 60_000).toISOString();
  const identity = {
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    GIT_COMMITTER_DATE: date,
  };
  const message = options.message ?? (parent ? `Commit ${count + 1}` : 'Initial commit');
  const commit = await run(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], identity);
  await run(['update-ref', branchRef, commit]);
  await writeFile(lastFile, commit);

  const tags = options.tag === undefined ? [] : Array.isArray(options.tag) ? options.tag : [options.tag];
  for (const tag of tags) {
    const args = options.annotated ? ['tag', '-f', '-a', '-m', `Release ${tag}`, tag, commit] : ['tag', '-f', tag, commit];
    await run(args, identity);
  }
  return commit;
}

// --- temp folders ------------------------------------------------------------------

const tempDirs: string[] = [];

/** A fresh temp folder (realpath'd), removed by cleanupTempDirs(). */
export async function tempDir(prefix = 'forge-test-'): Promise<string> {
  const { realpath } = await import('node:fs/promises');
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  tempDirs.push(dir);
  return dir;
}

/** Removes every folder made by tempDir(); call it in afterAll/afterEach. */
export async function cleanupTempDirs(): Promise<void> {
  const dirs = tempDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
