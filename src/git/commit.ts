// Writing a commit into the object cache: the parent's tree with some paths written or deleted,
// built as git builds trees (entries in git's order, exec bits and symlinks as modes, folders left
// empty removed, every untouched subtree reused by id). Native `git fast-import` does it in one
// process when git is installed (measured: several times faster than writing objects one by
// one); isomorphic-git is the complete fallback. Both give the same ids.

import fs from 'node:fs';
import { ForgeError } from '../errors.js';
import type { CreateCommitInput, GitIdentity, TreeChange } from '../core/ports.js';
import { EMPTY_TREE, type FileMode, type Oid } from '../core/model.js';
import type { CacheRepo } from './cache-repo.js';
import { nativeFastImport } from './native-git.js';
import { readCommitIn, readTreeIn } from './read.js';
import { isoGit } from './iso-git.js';

/** Where createCommit's native path leaves its last commit (so it stays referenced). */
const CREATED_REF = 'refs/forge/created';

type Leaf = { kind: 'write'; mode: FileMode; content: Uint8Array } | { kind: 'delete' };
/** A folder to change; `fresh`: its old content is gone (deleted earlier in the list). */
type Folder = { kind: 'folder'; fresh: boolean; entries: Map<string, Leaf | Folder> };

export async function createCommit(repo: CacheRepo, input: CreateCommitInput, useNative: () => Promise<boolean>): Promise<{ commit: Oid; tree: Oid }> {
  const root = changeTree(input.changes, repo.repository);
  const author = checkIdentity(input.author, 'author');
  const committer = checkIdentity(input.committer ?? input.author, 'committer');
  const message = input.message.endsWith('\n') ? input.message : `${input.message}\n`;
  const { commit: parent } = await readCommitIn(repo, input.parent);

  if (await useNative()) {
    const native = await nativeCommit(repo, { parent: input.parent, root, author, committer, message }).catch(() => null);
    if (native) return native;
  }
  const tree = (await writeFolder(repo, parent.tree, root)) ?? (await writeEmptyTree(repo));
  const commit = await (await isoGit()).writeCommit({
    fs,
    gitdir: repo.gitdir,
    commit: { message, tree, parent: [input.parent], author: { ...author }, committer: { ...committer } },
  });
  return { commit, tree };
}

/** The changes as a tree of folders; later changes of one path win. */
function changeTree(changes: readonly TreeChange[], repository: string): Folder {
  const root: Folder = { kind: 'folder', fresh: false, entries: new Map() };
  for (const change of changes) {
    const segments = checkPath(change.path, repository);
    const name = segments.pop()!;
    let folder = root;
    for (const segment of segments) {
      const existing = folder.entries.get(segment);
      if (existing?.kind === 'folder') {
        folder = existing;
        continue;
      }
      if (existing?.kind === 'write') throw bothFileAndFolder(change.path, repository);
      // Nothing yet, or deleted earlier in the list: a folder with only what comes next.
      const next: Folder = { kind: 'folder', fresh: existing?.kind === 'delete', entries: new Map() };
      folder.entries.set(segment, next);
      folder = next;
    }
    if (change.action === 'delete') {
      folder.entries.set(name, { kind: 'delete' });
    } else {
      if (folder.entries.get(name)?.kind === 'folder') throw bothFileAndFolder(change.path, repository);
      if (!['100644', '100755', '120000'].includes(change.mode)) {
        throw new ForgeError('E_USAGE', `Cannot write ${change.path} to ${repository} with file mode ${change.mode}.`, { data: { path: change.path, mode: change.mode } });
      }
      folder.entries.set(name, { kind: 'write', mode: change.mode, content: change.content });
    }
  }
  return root;
}

/** A path git would accept inside a repository (as git's verify_path), split into segments. */
function checkPath(path: string, repository: string): string[] {
  const segments = path.split('/');
  const bad =
    path === '' ||
    path.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git');
  if (bad) {
    throw new ForgeError('E_PATH_ESCAPES', `Cannot write '${path}' into a commit of ${repository}: a path must stay inside the repository.`, {
      hint: "Paths are relative, with '/' between folders, and never '.', '..', '.git' or empty segments.",
      data: { path, repository },
    });
  }
  return segments;
}

function bothFileAndFolder(path: string, repository: string): ForgeError {
  return new ForgeError('E_USAGE', `A commit for ${repository} would hold ${path} both as a file and as a folder.`, { data: { path, repository } });
}

function checkIdentity(identity: GitIdentity, role: string): GitIdentity {
  const bad = (text: string) => /[<>\n\0]/.test(text);
  if (bad(identity.name) || bad(identity.email) || !Number.isInteger(identity.timestamp) || !Number.isInteger(identity.timezoneOffset)) {
    throw new ForgeError('E_USAGE', `The commit ${role} "${identity.name} <${identity.email}>" is not one git can record.`, {
      hint: "Set user.name and user.email without '<', '>' or line breaks (git config user.name …).",
      data: { role },
    });
  }
  return { ...identity, timezoneOffset: identity.timezoneOffset || 0 };
}

/** Writes the folder's new tree on top of `base`; null when it ends up empty. Unchanged: `base` itself. */
async function writeFolder(repo: CacheRepo, base: Oid | null, folder: Folder): Promise<Oid | null> {
  const entries = new Map<string, { mode: string; path: string; oid: Oid; type: 'blob' | 'tree' | 'commit' }>();
  if (base !== null && !folder.fresh) for (const entry of await readTreeIn(repo, base)) entries.set(entry.path, entry);
  let changed = folder.fresh || base === null;
  await Promise.all(
    [...folder.entries].map(async ([name, change]) => {
      const existing = entries.get(name);
      if (change.kind === 'delete') {
        if (existing) entries.delete(name);
        changed ||= existing !== undefined;
        return;
      }
      if (change.kind === 'write') {
        const oid = await (await isoGit()).writeBlob({ fs, gitdir: repo.gitdir, blob: change.content });
        if (existing?.oid === oid && existing.mode === change.mode) return;
        entries.set(name, { mode: change.mode, path: name, oid, type: 'blob' });
        changed = true;
        return;
      }
      const sub = await writeFolder(repo, existing?.type === 'tree' ? existing.oid : null, change);
      if (sub === existing?.oid && existing?.type === 'tree') return;
      if (sub === null) entries.delete(name);
      else entries.set(name, { mode: '040000', path: name, oid: sub, type: 'tree' });
      changed ||= sub !== null || existing !== undefined;
    }),
  );
  if (!changed) return base;
  if (entries.size === 0) return null;
  return (await isoGit()).writeTree({ fs, gitdir: repo.gitdir, tree: [...entries.values()] });
}

async function writeEmptyTree(repo: CacheRepo): Promise<Oid> {
  const oid = await (await isoGit()).writeTree({ fs, gitdir: repo.gitdir, tree: [] });
  if (oid !== EMPTY_TREE) throw new ForgeError('E_INTERNAL', `The empty tree came out as ${oid}.`);
  return oid;
}

// --- native: one `git fast-import` ----------------------------------------------------------

/** `+0200` for isomorphic-git's -120. */
function gitTimezone(offset: number): string {
  const minutes = Math.abs(offset);
  const sign = offset <= 0 ? '+' : '-';
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
}

/** A path as fast-import reads it: C-style quoted when it could be misread. */
function importPath(path: string): string {
  if (!path.startsWith('"') && !path.includes('\n')) return path;
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

async function nativeCommit(
  repo: CacheRepo,
  input: { parent: Oid; root: Folder; author: GitIdentity; committer: GitIdentity; message: string },
): Promise<{ commit: Oid; tree: Oid } | null> {
  const chunks: Buffer[] = [];
  const text = (line: string) => chunks.push(Buffer.from(line, 'utf8'));
  const data = (content: Uint8Array) => {
    text(`data ${content.byteLength}\n`);
    chunks.push(Buffer.from(content.buffer, content.byteOffset, content.byteLength));
    text('\n');
  };
  const who = (role: string, id: GitIdentity) => text(`${role} ${id.name} <${id.email}> ${id.timestamp} ${gitTimezone(id.timezoneOffset)}\n`);
  text(`feature done\ncommit ${CREATED_REF}\nmark :1\n`);
  who('author', input.author);
  who('committer', input.committer);
  data(Buffer.from(input.message, 'utf8'));
  text(`from ${input.parent}\n`);
  const emit = (folder: Folder, prefix: string) => {
    for (const [name, change] of folder.entries) {
      const path = prefix === '' ? name : `${prefix}/${name}`;
      if (change.kind === 'delete') text(`D ${importPath(path)}\n`);
      else if (change.kind === 'write') {
        text(`M ${change.mode} inline ${importPath(path)}\n`);
        data(change.content);
      } else {
        if (change.fresh) text(`D ${importPath(path)}\n`);
        emit(change, path);
      }
    }
  };
  emit(input.root, '');
  text('\nget-mark :1\nls :1 ""\ndone\n');
  return nativeFastImport(repo.gitdir, Buffer.concat(chunks));
}
