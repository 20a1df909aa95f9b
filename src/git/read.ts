// Reading what the object cache holds: commits, trees flattened into snapshots, blobs and the
// component.yaml files of a commit. No network here.
//
// Submodules (tree entries of mode 160000) are not files forge can copy: readSnapshot skips
// them, and then reports as `tree` the id of the tree without them (the tree the local folder
// will have), so the offline integrity check of the lockfile still works. Without submodules
// `tree` is exactly `git rev-parse COMMIT:PATH`.

import fs from 'node:fs';
import { ForgeError } from '../errors.js';
import type { CommitInfo, SnapshotOptions, UpstreamSnapshot } from '../core/ports.js';
import type { FileEntry, FileMode, Oid } from '../core/model.js';
import { fileNameOf, fileSelector, type FileSelector } from '../core/file-filter.js';
import { compareByPath, comparePaths } from '../core/paths.js';
import type { CacheRepo } from './cache-repo.js';
import { isMissingObject } from './git-errors.js';
import { isoGit } from './iso-git.js';
import { nativeReadBlobs } from './native-git.js';
import { snapshotFromFiles } from './tree-hash.js';

/** The file modes forge keeps (100664, an old git's group-writable file, reads as 100644). */
export function fileMode(mode: string): FileMode | null {
  if (mode === '100644' || mode === '100755' || mode === '120000') return mode;
  if (mode === '100664') return '100644';
  return null;
}

/** Who made a commit, as isomorphic-git reads it (timezoneOffset: minutes west of UTC, so +0200 is -120). */
export interface CommitPerson {
  name: string;
  email: string;
  timestamp: number;
  timezoneOffset: number;
}

/** A commit as isomorphic-git's readCommit gives it: `oid` is the commit's (a tag is peeled). */
export interface ParsedCommit {
  oid: Oid;
  commit: { tree: Oid; parent: Oid[]; message: string; author: CommitPerson; committer: CommitPerson };
}

export interface TreeEntry {
  mode: string;
  path: string;
  oid: Oid;
  type: 'blob' | 'tree' | 'commit';
}

export async function readCommitIn(repo: CacheRepo, commit: Oid): Promise<ParsedCommit> {
  // Native git first, when it is used (cat-file.ts); anything it cannot answer, isomorphic-git does.
  const native = /^[0-9a-f]{40}$/.test(commit) ? await repo.objects?.read(`${commit}^{commit}`) : null;
  const parsed = native?.type === 'commit' ? parseCommit(native.oid, native.content) : null;
  if (parsed) return parsed;
  try {
    return await (await isoGit()).readCommit({ fs, gitdir: repo.gitdir, oid: commit, cache: repo.cache });
  } catch (error) {
    if (isMissingObject(error)) {
      throw new ForgeError('E_COMMIT_NOT_FOUND', `Commit ${commit} of ${repo.repository} is not in the object cache.`, {
        hint: 'Run the command again online so forge can fetch it.',
        data: { repository: repo.repository, commit },
        cause: error,
      });
    }
    throw new ForgeError('E_GIT', `Could not read commit ${commit} of ${repo.repository}.`, { cause: error });
  }
}

/** The entries of tree `oid` (in git's order when native git read them, in isomorphic-git's otherwise: callers sort). */
export async function readTreeIn(repo: CacheRepo, oid: Oid): Promise<TreeEntry[]> {
  const native = /^[0-9a-f]{40}$/.test(oid) ? await repo.objects?.read(oid) : null;
  const parsed = native?.type === 'tree' ? parseTree(native.content) : null;
  if (parsed) return parsed;
  try {
    return (await (await isoGit()).readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).tree;
  } catch (error) {
    if ((error as { code?: string }).code === 'UnsafeFilepathError') {
      const name = (error as { data?: { filepath?: string } }).data?.filepath ?? '?';
      throw new ForgeError('E_COMPONENT_INVALID', `${repo.repository} has an entry named ${JSON.stringify(name)} (tree ${oid.slice(0, 12)}); forge refuses names that could write outside a component or into git's own folder.`, {
        hint: 'Ask upstream to rename it; forge cannot install a folder that holds it.',
        data: { repository: repo.repository, tree: oid, name },
        cause: error,
      });
    }
    throw new ForgeError('E_GIT', `Tree ${oid} of ${repo.repository} is missing from the object cache.`, {
      hint: 'Delete the cache folder of this repository and run again.',
      data: { repository: repo.repository, tree: oid, cache: repo.gitdir },
      cause: error,
    });
  }
}

/**
 * Every file under the tree, flattened; submodules and files the selector leaves out skipped
 * (reported through the return value: the tree id is then computed from what was kept).
 */
async function flatten(repo: CacheRepo, tree: Oid, prefix: string, out: FileEntry[], select: FileSelector | null): Promise<boolean> {
  const entries = await readTreeIn(repo, tree);
  let lossy = false;
  const subtrees: Promise<boolean>[] = [];
  for (const entry of entries) {
    const path = prefix === '' ? entry.path : `${prefix}/${entry.path}`;
    if (entry.type === 'tree') {
      if (select?.skipsFolder(path)) lossy = true;
      else subtrees.push(flatten(repo, entry.oid, path, out, select));
    } else if (entry.type === 'blob' && select && !select.selects(path)) {
      lossy = true;
    } else if (entry.type === 'blob') {
      const mode = fileMode(entry.mode);
      if (mode === null) lossy = true;
      out.push({ path, mode: mode ?? '100644', oid: entry.oid });
      if (entry.mode !== mode) lossy = true;
    } else {
      lossy = true; // submodule (commit entry)
    }
  }
  for (const sub of await Promise.all(subtrees)) lossy ||= sub;
  return lossy;
}

/** The error for a path that is neither a file nor a folder at a commit (shared with the test fakes' wording). */
export function nothingAtPath(repository: string, path: string, commit: Oid, what?: string): ForgeError {
  const at = `${repository} at ${commit.slice(0, 12)}`;
  const message = what ? `${path} in ${at} is ${what}, neither a file nor a folder forge can copy.` : `Nothing is at ${path} in ${at}: it is neither a file nor a folder there.`;
  return new ForgeError('E_COMPONENT_NOT_FOUND', message, {
    hint: 'Check `path` in forge.yaml (or --path): a file or folder upstream, relative to the repository root.',
    data: { repository, path, commit },
  });
}

export async function readSnapshot(repo: CacheRepo, commit: Oid, path: string, options: SnapshotOptions = {}): Promise<UpstreamSnapshot> {
  const { commit: parsed } = await readCommitIn(repo, commit);
  const folder = path.replace(/^\/+|\/+$/g, '');
  let tree = parsed.tree;
  if (folder !== '') {
    let current: Oid = parsed.tree;
    const segments = folder.split('/');
    for (const [i, segment] of segments.entries()) {
      const entry = (await readTreeIn(repo, current)).find((e) => e.path === segment);
      if (entry?.type === 'tree') {
        current = entry.oid;
        continue;
      }
      if (entry?.type === 'blob' && i === segments.length - 1) {
        const mode = fileMode(entry.mode);
        if (mode === null) throw nothingAtPath(repo.repository, folder, commit, `a file of mode ${entry.mode}`);
        const files = [{ path: options.fileName ?? fileNameOf(folder), mode, oid: entry.oid }];
        return { kind: 'file', tree: snapshotFromFiles(files), files };
      }
      throw nothingAtPath(repo.repository, folder, commit, entry?.type === 'commit' ? 'a submodule' : undefined);
    }
    tree = current;
  }
  const files: FileEntry[] = [];
  const select = options.filters && options.filters.length > 0 ? fileSelector(options.filters) : null;
  const lossy = await flatten(repo, tree, '', files, select);
  files.sort(compareByPath);
  return { kind: 'folder', tree: lossy ? snapshotFromFiles(files) : tree, files };
}

export async function readBlob(repo: CacheRepo, oid: Oid): Promise<Uint8Array> {
  const native = await repo.objects?.contents(oid);
  if (native) return native;
  try {
    return (await (await isoGit()).readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).blob;
  } catch (error) {
    throw new ForgeError('E_GIT', `File object ${oid} of ${repo.repository} is missing from the object cache.`, {
      hint: 'Run the command again online so forge can fetch it.',
      data: { repository: repo.repository, oid },
      cause: error,
    });
  }
}

export async function readBlobs(repo: CacheRepo, oids: readonly Oid[], useNative: () => Promise<boolean>): Promise<Map<Oid, Uint8Array>> {
  const unique = [...new Set(oids)];
  let found = new Map<Oid, Uint8Array>();
  // One native process pays off from a handful of blobs on; isomorphic-git reads the rest.
  if (unique.length >= 16 && (await useNative())) found = await nativeReadBlobs(repo.gitdir, unique).catch(() => new Map<Oid, Uint8Array>());
  for (const oid of unique) if (!found.has(oid)) found.set(oid, await readBlob(repo, oid));
  return found;
}

export async function findComponentManifests(repo: CacheRepo, commit: Oid): Promise<{ folder: string; content: Uint8Array }[]> {
  const { commit: parsed } = await readCommitIn(repo, commit);
  const found: { folder: string; oid: Oid }[] = [];
  const walk = async (tree: Oid, prefix: string): Promise<void> => {
    const entries = await readTreeIn(repo, tree);
    const subtrees: Promise<void>[] = [];
    for (const entry of entries) {
      if (entry.type === 'tree' && entry.path !== 'node_modules') {
        subtrees.push(walk(entry.oid, prefix === '' ? entry.path : `${prefix}/${entry.path}`));
      } else if (entry.type === 'blob' && entry.path === 'component.yaml' && entry.mode !== '120000') {
        found.push({ folder: prefix, oid: entry.oid });
      }
    }
    await Promise.all(subtrees);
  };
  await walk(parsed.tree, '');
  found.sort((a, b) => comparePaths(a.folder, b.folder));
  return Promise.all(found.map(async ({ folder, oid }) => ({ folder, content: await readBlob(repo, oid) })));
}

export async function readCommit(repo: CacheRepo, commit: Oid): Promise<CommitInfo> {
  const { oid, commit: parsed } = await readCommitIn(repo, commit);
  return {
    oid,
    parents: parsed.parent,
    tree: parsed.tree,
    message: parsed.message,
    author: {
      name: parsed.author.name,
      email: parsed.author.email,
      timestamp: parsed.author.timestamp,
      timezoneOffset: parsed.author.timezoneOffset || 0, // no -0 for +0000
    },
  };
}

// --- objects native git read, parsed as isomorphic-git parses them ----------------------------

/**
 * A commit object's text as isomorphic-git's GitCommit reads it: `tree` first, the `parent` lines
 * right after it, the first of any other header, the message with CRs and blank lines at both
 * ends dropped and one newline at the end. Null for anything unusual: isomorphic-git reads it then.
 */
export function parseCommit(oid: Oid, content: Buffer): ParsedCommit | null {
  const text = content.toString('utf8');
  const end = text.indexOf('\n\n');
  if (end < 0) return null;
  const headers: string[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    if (line.startsWith(' ') && headers.length > 0) headers[headers.length - 1] += `\n${line.slice(1)}`;
    else headers.push(line);
  }
  const key = (h: string) => h.slice(0, h.indexOf(' '));
  const value = (h: string) => h.slice(h.indexOf(' ') + 1);
  if (headers.length === 0 || key(headers[0]!) !== 'tree') return null;
  const tree = value(headers[0]!);
  const parent: Oid[] = [];
  let i = 1;
  for (; i < headers.length && key(headers[i]!) === 'parent'; i++) parent.push(value(headers[i]!));
  const others = new Map<string, string>();
  for (; i < headers.length; i++) if (!others.has(key(headers[i]!))) others.set(key(headers[i]!), value(headers[i]!));
  const author = parsePerson(others.get('author'));
  const committer = parsePerson(others.get('committer'));
  if (!author || !committer) return null;
  const message = `${text.slice(end + 2).replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
  return { oid, commit: { tree, parent, message, author, committer } };
}

function parsePerson(line: string | undefined): CommitPerson | null {
  const match = line === undefined ? null : /^(.*) <(.*)> (.*) (.*)$/.exec(line);
  const zone = match ? /(\+|-)(\d\d)(\d\d)/.exec(match[4]!) : null;
  if (!match || !zone) return null;
  // As isomorphic-git: -0000 gives -0 (so a rewrite can tell it from +0000).
  const east = (zone[1] === '+' ? 1 : -1) * (Number(zone[2]) * 60 + Number(zone[3]));
  return { name: match[1]!, email: match[2]!, timestamp: Number(match[3]), timezoneOffset: east === 0 ? east : -east };
}

/**
 * A name git's verify_path() refuses (isomorphic-git's tree reader applies the same rule, and its
 * error names the entry): separators, "." and "..", and ".git" however NTFS or HFS+ would spell it.
 */
export function unsafeName(name: string): boolean {
  // Printable ASCII without a backslash, no "git" in it and not only dots: nothing below refuses it.
  if (/^[\x20-\x5b\x5d-\x7e]*$/.test(name) && !/git/i.test(name) && !/^\.*$/.test(name)) return false;
  const hfsClean = name.replace(/[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/g, '');
  const normalized = hfsClean.split(':')[0]!.toLowerCase().replace(/[. ]+$/, '');
  return name.includes('\\') || hfsClean === '.' || hfsClean === '..' || normalized === '.git' || /^\.?git~[1-9]$/.test(normalized);
}

const TREE_TYPES: Record<string, TreeEntry['type']> = { '040000': 'tree', '100644': 'blob', '100755': 'blob', '120000': 'blob', '160000': 'commit' };

/**
 * A tree object's entries, as isomorphic-git's GitTree gives them (mode 40000 written 040000).
 * Null for a mode isomorphic-git does not know or a name git refuses: isomorphic-git reads the
 * tree then, and names the problem.
 */
export function parseTree(content: Buffer): TreeEntry[] | null {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(0x20, at);
    const nul = content.indexOf(0, at);
    if (space < 0 || nul < 0 || space > nul || nul + 21 > content.length) return null;
    let mode = content.toString('latin1', at, space);
    if (mode === '40000') mode = '040000';
    const type = TREE_TYPES[mode];
    const path = content.toString('utf8', space + 1, nul);
    if (!type || path.includes('/') || unsafeName(path)) return null;
    entries.push({ mode, path, oid: content.toString('hex', nul + 1, nul + 21), type });
    at = nul + 21;
  }
  return entries;
}
