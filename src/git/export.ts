// A component folder written straight from the object cache into a folder on disk (an install),
// and its file list read by native git: a cold pull of 24,000 files held every file's content in
// memory (read by `git cat-file`, written by node one temp file and rename at a time) and loaded
// each repository's whole pack into isomorphic-git to list trees.
//
// - Native git (>= 2.38): `git restore --source=COMMIT --worktree -- PATH...` into a staging
//   folder, one process for all the folders of a commit: git's own C writes, nothing through
//   node. Byte for
//   byte: the cache repository's info/attributes (read by git before any .gitattributes in the
//   tree) unsets text, eol, ident, filter and working-tree-encoding for every path, and
//   core.autocrlf/core.symlinks are set on the command line, so neither the user's git config nor
//   the component's own attributes convert anything. The worktree checks the result (every path,
//   its type and mode) before moving it into place.
// - Otherwise, or when git fails: each blob read by isomorphic-git and written one at a time, so
//   at most one file's content is in memory.
// - nativeReadSnapshot: `git ls-tree -r -t` of the folder, the same snapshot read.ts builds
//   (a single file, a filtered folder, the same error for a path that is neither).

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FileEntry, Oid } from '../core/model.js';
import { fileNameOf, fileSelector } from '../core/file-filter.js';
import { compareByPath } from '../core/paths.js';
import type { SnapshotOptions, UpstreamSnapshot } from '../core/ports.js';
import type { CacheRepo } from './cache-repo.js';
import { fileMode, nothingAtPath, readBlob, readSnapshot } from './read.js';
import { snapshotFromFiles } from './tree-hash.js';

/** Unsets, for every path, each attribute that would make git change a file's bytes on checkout. */
const RAW_ATTRIBUTES = '* -text -eol -crlf -ident -filter -working-tree-encoding\n';

function git(gitdir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [`--git-dir=${gitdir}`, '--literal-pathspecs', '-c', 'core.autocrlf=false', '-c', 'core.symlinks=true', '-c', 'core.fsmonitor=false', ...args], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_ATTR_NOSYSTEM: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr }));
  });
}

/** Makes sure the cache repository's info/attributes keeps checkouts byte for byte. */
function rawAttributes(gitdir: string): void {
  const file = join(gitdir, 'info', 'attributes');
  if (existsSync(file) && readFileSync(file, 'utf8') === RAW_ATTRIBUTES) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, RAW_ATTRIBUTES);
}

const folderOf = (path: string) => path.replace(/^\/+|\/+$/g, '');

/** The folders `paths` at `commit` written under `into` (each at `into/<path>`): native git, else isomorphic-git. */
export async function exportFolders(repo: CacheRepo, commit: Oid, paths: readonly string[], into: string, useNative: () => Promise<boolean>): Promise<void> {
  if (await useNative()) {
    try {
      if (await nativeExport(repo, commit, paths, into)) return;
    } catch {
      // fall through to isomorphic-git, which gives the structured errors
    }
    await rm(into, { recursive: true, force: true });
    await mkdir(into, { recursive: true });
  }
  for (const path of paths) await isoExport(repo, commit, path, join(into, ...folderOf(path).split('/').filter(Boolean)));
}

async function nativeExport(repo: CacheRepo, commit: Oid, paths: readonly string[], into: string): Promise<boolean> {
  rawAttributes(repo.gitdir);
  // One process for every folder: the commit's files under those paths written into the work
  // tree (pathspecs taken literally: --literal-pathspecs), no index involved.
  const pathspecs = paths.map((p) => folderOf(p) || '.');
  const out = await git(repo.gitdir, [`--work-tree=${into}`, 'restore', `--source=${commit}`, '--worktree', '--', ...pathspecs], { GIT_INDEX_FILE: `${into}.index` });
  return out.code === 0;
}

async function isoExport(repo: CacheRepo, commit: Oid, path: string, into: string): Promise<void> {
  const snapshot = await readSnapshot(repo, commit, path);
  for (const file of snapshot.files) {
    const target = join(into, ...file.path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    const content = await readBlob(repo, file.oid);
    if (file.mode === '120000') symlinkSync(Buffer.from(content).toString('utf8'), target);
    else {
      writeFileSync(target, content, { mode: file.mode === '100755' ? 0o755 : 0o644 });
      chmodSync(target, file.mode === '100755' ? 0o755 : 0o644); // the umask may have dropped bits
    }
  }
}

/** One `git ls-tree -r -t` of a whole commit per repository and commit: every folder's snapshot comes from it. */
const listings = new WeakMap<CacheRepo, Map<Oid, Promise<Map<string, { mode: string; type: string; oid: Oid }> | null>>>();

/**
 * A name git's verify_path() refuses (isomorphic-git's tree reader applies the same rule and read.ts
 * names the entry): separators, "." and "..", and ".git" however NTFS or HFS+ would spell it.
 */
function unsafeName(name: string): boolean {
  const hfsClean = name.replace(/[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/g, '');
  const normalized = hfsClean.split(':')[0]!.toLowerCase().replace(/[. ]+$/, '');
  return name.includes('\\') || hfsClean === '.' || hfsClean === '..' || normalized === '.git' || /^\.?git~[1-9]$/.test(normalized);
}

function listingOf(repo: CacheRepo, commit: Oid) {
  let byCommit = listings.get(repo);
  if (!byCommit) listings.set(repo, (byCommit = new Map()));
  let listing = byCommit.get(commit);
  if (!listing) {
    listing = git(repo.gitdir, ['ls-tree', '-r', '-t', '-z', '--full-tree', `${commit}^{commit}`]).then((listed) => {
      // A missing commit, or no commit (a tag of a tree): isomorphic-git names the problem.
      if (listed.code !== 0) return null;
      const entries = new Map<string, { mode: string; type: string; oid: Oid }>();
      for (const record of listed.stdout.toString('utf8').split('\0')) {
        if (record === '') continue;
        const tab = record.indexOf('\t');
        const [mode, type, oid] = record.slice(0, tab).split(' ') as [string, string, string];
        const path = record.slice(tab + 1);
        // An entry git would refuse: read.ts says which, by name.
        if (unsafeName(path.slice(path.lastIndexOf('/') + 1))) return null;
        entries.set(path, { mode, type, oid });
      }
      return entries;
    });
    byCommit.set(commit, listing);
  }
  return listing;
}

/**
 * The snapshot of `path` at `commit` from `git ls-tree` (what read.ts builds with isomorphic-git,
 * without loading the pack into memory; one process per commit however many folders are read),
 * or null when native git cannot say (the caller reads it the other way, which also names a
 * missing commit). The same answer as read.readSnapshot in every case: a file at `path` is a
 * one-file snapshot (listed as `options.fileName`), a folder keeps the files `options.filters`
 * select (never entering a folder they exclude whole), and a path that is neither is
 * E_COMPONENT_NOT_FOUND, worded alike.
 */
export async function nativeReadSnapshot(repo: CacheRepo, commit: Oid, path: string, options: SnapshotOptions = {}): Promise<UpstreamSnapshot | null> {
  const folder = path.replace(/^\/+|\/+$/g, '');
  if (folder === '') return null;
  const listing = await listingOf(repo, commit);
  if (listing === null) return null;
  // Down the path one segment at a time, as read.ts does: each must be a folder, but the last may be a file.
  const segments = folder.split('/');
  let top: { mode: string; type: string; oid: Oid } | undefined;
  for (const [i, segment] of segments.entries()) {
    const at = i === 0 ? segment : `${segments.slice(0, i).join('/')}/${segment}`;
    top = listing.get(at);
    if (top?.type === 'tree') continue;
    if (top?.type === 'blob' && i === segments.length - 1) {
      const mode = fileMode(top.mode);
      if (mode === null) throw nothingAtPath(repo.repository, folder, commit, `a file of mode ${top.mode}`);
      const files = [{ path: options.fileName ?? fileNameOf(folder), mode, oid: top.oid }];
      return { kind: 'file', tree: snapshotFromFiles(files), files };
    }
    throw nothingAtPath(repo.repository, folder, commit, top?.type === 'commit' ? 'a submodule' : undefined);
  }
  const select = options.filters && options.filters.length > 0 ? fileSelector(options.filters) : null;
  // Whether a folder (relative to `folder`) is left out whole: it, or a folder above it, is excluded.
  const skipped = new Map<string, boolean>();
  const skips = (rel: string): boolean => {
    if (select === null || rel === '') return false;
    let known = skipped.get(rel);
    if (known === undefined) {
      const slash = rel.lastIndexOf('/');
      known = skips(slash < 0 ? '' : rel.slice(0, slash)) || select.skipsFolder(rel);
      skipped.set(rel, known);
    }
    return known;
  };
  let lossy = false;
  const files: FileEntry[] = [];
  const prefix = `${folder}/`;
  for (const [name, { mode, type, oid }] of listing) {
    if (!name.startsWith(prefix)) continue;
    const rel = name.slice(prefix.length);
    if (type === 'tree') {
      if (skips(rel)) lossy = true;
      continue;
    }
    const slash = rel.lastIndexOf('/');
    if (skips(slash < 0 ? '' : rel.slice(0, slash))) {
      lossy = true;
      continue;
    }
    if (type !== 'blob') {
      lossy = true; // a submodule
      continue;
    }
    if (select && !select.selects(rel)) {
      lossy = true;
      continue;
    }
    const kept = fileMode(mode);
    if (kept !== mode) lossy = true;
    files.push({ path: rel, mode: kept ?? '100644', oid });
  }
  files.sort(compareByPath);
  return { kind: 'folder', tree: lossy ? snapshotFromFiles(files) : top!.oid, files };
}
