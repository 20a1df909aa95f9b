// WorktreePort over node:fs: the consumer repository's component folders.
//
// - scan() hashes a folder exactly as `git add -A && git write-tree` would: symlinks are never
//   followed (a link is a file of mode 120000 whose content is its target), the owner's x bit
//   makes a file 100755 (as git: group/other x bits alone do not), empty folders do not exist. A stat cache (JSON, keyed by path relative to
//   the root) keeps unchanged files from being read again; an entry whose mtime is not older
//   than the cache file itself is "racily clean" and re-hashed, as git does with its index.
// - apply() never writes through a symlink: a symlinked `dest` or parent folder is refused
//   (E_SYMLINK), a symlink at the target path is replaced, never followed. Each file is
//   written to a temp file in its folder and renamed into place.
// - Every path is relative to `root`; anything that would land outside it is refused
//   (E_PATH_ESCAPES).

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, readlink, rename, rm, rmdir, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ForgeError } from '../errors.js';
import type { WorktreePort } from '../core/ports.js';
import { EMPTY_TREE, type ComponentShape, type FileEntry, type FileMode, type Oid, type Snapshot } from '../core/model.js';
import { fileNameOf, fileSelector, WHOLE_FOLDER, type FileSelector } from '../core/file-filter.js';
import { blobOid, snapshotFromFiles } from './tree-hash.js';
import { compareByPath } from '../core/paths.js';

export interface WorktreeOptions {
  /** The consumer repository's root folder. */
  root: string;
  /** Where to keep the stat cache (e.g. .forge/stat-cache.json); no cache when absent. */
  statCachePath?: string;
}

export interface WorktreeStats {
  /** Files read and hashed. */
  hashed: number;
  /** Files whose id came from the stat cache. */
  cached: number;
}

type FileState = { mode: FileMode; content: Uint8Array } | null;

export interface TouchingCommit {
  oid: Oid;
  message: string;
  /** Files under dest at the commit (path relative to dest); null for a file only its parent has. */
  files: Map<string, FileState>;
  /** Files under dest at the first parent; null for a file only the commit has. */
  parentFiles: Map<string, FileState>;
}

/** The port, with the shape optional (a whole folder) for callers that only ever see folders (tests, benchmarks). */
export type Worktree = {
  scan(dest: string, shape?: ComponentShape): Promise<Snapshot>;
  readFile(dest: string, file: string, shape?: ComponentShape): Promise<Uint8Array | null>;
  apply(dest: string, changes: Parameters<WorktreePort['apply']>[1], shape?: ComponentShape): Promise<void>;
  removeFolder(dest: string, shape?: ComponentShape): Promise<void>;
  commitsTouching(dest: string, sinceIso: string, shape?: ComponentShape): Promise<TouchingCommit[]>;
  /** Counters since creation, for tests and benchmarks. */
  stats(): WorktreeStats;
};

interface StatEntry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  mode: number;
  oid: Oid;
}

interface StatCacheFile {
  version: 1;
  entries: Record<string, StatEntry>;
}

const HASH_CONCURRENCY = 32;

// isomorphic-git is only needed to read the consumer repository's history (pull --rebase):
// load it then, not on every start (it is a third of a `status --offline`).
let isoGit: Promise<typeof import('isomorphic-git')> | undefined;
const loadGit = () => (isoGit ??= import('isomorphic-git'));

/** As git's ce_permissions(): only the owner's x bit counts (0o654 is 100644 to git). */
function gitMode(mode: number): FileMode {
  return (mode & 0o100) !== 0 ? '100755' : '100644';
}

async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

export function createWorktree(options: WorktreeOptions): Worktree {
  const root = resolve(options.root);
  const counters: WorktreeStats = { hashed: 0, cached: 0 };
  const gitCache = {};

  // --- paths ---------------------------------------------------------------------

  /** Absolute path of `path` (relative to root); refuses anything outside root. */
  function inside(path: string, what = path): string {
    if (path.includes('\0') || isAbsolute(path) || path.includes('\\')) {
      throw new ForgeError('E_PATH_ESCAPES', `Path ${JSON.stringify(what)} is not a relative path inside the repository.`, {
        data: { path: what },
      });
    }
    const absolute = resolve(root, path);
    if (absolute !== root && !absolute.startsWith(root + sep)) {
      throw new ForgeError('E_PATH_ESCAPES', `Path ${JSON.stringify(what)} resolves outside the repository.`, { data: { path: what } });
    }
    return absolute;
  }

  /** A file path inside a component: plain segments only (no '.', '..' or empty ones). */
  function fileInside(destAbs: string, dest: string, file: string): string {
    const segments = file.split('/');
    if (file === '' || segments.some((s) => s === '' || s === '.' || s === '..') || isAbsolute(file)) {
      throw new ForgeError('E_PATH_ESCAPES', `File path ${JSON.stringify(file)} in ${dest} is not a plain relative path.`, {
        data: { path: `${dest}/${file}` },
      });
    }
    const absolute = inside(join(relative(root, destAbs), file), `${dest}/${file}`);
    if (!absolute.startsWith(destAbs + sep)) {
      throw new ForgeError('E_PATH_ESCAPES', `File path ${JSON.stringify(file)} leaves ${dest}.`, { data: { path: `${dest}/${file}` } });
    }
    return absolute;
  }

  function symlinkError(at: string, dest: string): ForgeError {
    const shown = relative(root, at).split(sep).join('/') || '.';
    return new ForgeError('E_SYMLINK', `${shown} is a symbolic link; forge does not write through symbolic links (component folder ${dest}).`, {
      hint: `Replace ${shown} with a real folder, or change the component's dest in forge.yaml.`,
      data: { path: shown, dest },
    });
  }

  /**
   * Makes sure every folder from root down to `folderAbs` is a real folder (creating missing
   * ones when `create`); refuses symlinks. Returns false when a folder is missing and not created.
   */
  async function realFolders(folderAbs: string, dest: string, create: boolean, checked: Set<string>): Promise<boolean> {
    if (folderAbs === root || checked.has(folderAbs)) return true;
    const parentOk = await realFolders(dirname(folderAbs), dest, create, checked);
    if (!parentOk) return false;
    let info: fs.Stats | null = null;
    try {
      info = await lstat(folderAbs);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
    if (info === null) {
      if (!create) return false;
      await mkdir(folderAbs).catch((error: unknown) => {
        if (errnoCode(error) !== 'EEXIST') throw error;
      });
      info = await lstat(folderAbs);
    }
    if (info.isSymbolicLink()) throw symlinkError(folderAbs, dest);
    if (!info.isDirectory()) {
      const shown = relative(root, folderAbs).split(sep).join('/');
      throw new ForgeError('E_NAME_CLASH', `${shown} is a file where component ${dest} needs a folder.`, {
        hint: `Move ${shown} out of the way and run the command again.`,
        data: { path: shown, dest },
      });
    }
    checked.add(folderAbs);
    return true;
  }

  // --- stat cache ------------------------------------------------------------------

  let statCache: Promise<{ entries: Map<string, StatEntry>; writtenAtMs: number }> | undefined;
  let cacheWrite: Promise<void> = Promise.resolve();

  function loadStatCache() {
    statCache ??= (async () => {
      const entries = new Map<string, StatEntry>();
      if (!options.statCachePath) return { entries, writtenAtMs: 0 };
      try {
        const [text, info] = await Promise.all([readFile(options.statCachePath, 'utf8'), stat(options.statCachePath)]);
        const parsed = JSON.parse(text) as StatCacheFile;
        if (parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') {
          for (const [path, entry] of Object.entries(parsed.entries)) entries.set(path, entry);
        }
        return { entries, writtenAtMs: info.mtimeMs };
      } catch {
        // Missing or unreadable: a cache only saves time, so start empty.
        return { entries, writtenAtMs: 0 };
      }
    })();
    return statCache;
  }

  function saveStatCache(cache: { entries: Map<string, StatEntry>; writtenAtMs: number }): Promise<void> {
    const path = options.statCachePath;
    if (!path) return Promise.resolve();
    const write = async () => {
      const body: StatCacheFile = { version: 1, entries: Object.fromEntries([...cache.entries].sort(([a], [b]) => (a < b ? -1 : 1))) };
      await mkdir(dirname(path), { recursive: true });
      const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, JSON.stringify(body));
      await rename(temp, path);
      cache.writtenAtMs = (await stat(path)).mtimeMs;
    };
    cacheWrite = cacheWrite.then(write, write);
    return cacheWrite;
  }

  // --- scan ------------------------------------------------------------------------

  async function scan(dest: string, shape: ComponentShape = WHOLE_FOLDER): Promise<Snapshot> {
    if (shape.kind === 'file') return scanFile(dest);
    const select = shape.filters ? fileSelector(shape.filters) : null;
    const destAbs = inside(dest);
    let top: fs.Stats;
    try {
      top = await lstat(destAbs);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { tree: EMPTY_TREE, files: [] };
      throw error;
    }
    if (top.isSymbolicLink()) throw symlinkError(destAbs, dest);
    if (!top.isDirectory()) {
      throw new ForgeError('E_NAME_CLASH', `${dest} is a file, but the component there is a folder.`, {
        hint: `Move the file ${dest} out of the way, or give the component another dest in forge.yaml.`,
        data: { path: dest, dest },
      });
    }
    // A symlinked parent would make us hash someone else's folder.
    await realFolders(dirname(destAbs), dest, false, new Set());

    const found: { abs: string; path: string; link: boolean }[] = [];
    const walk = async (folder: string, prefix: string): Promise<void> => {
      const entries = await readdir(folder, { withFileTypes: true });
      const subfolders: Promise<void>[] = [];
      for (const entry of entries) {
        const abs = join(folder, entry.name);
        const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        // Files the component's include/exclude leave out are not the component's: never read.
        if (entry.isDirectory()) {
          if (!select?.skipsFolder(path)) subfolders.push(walk(abs, path));
        } else if (select && !select.selects(path)) continue;
        else if (entry.isSymbolicLink()) found.push({ abs, path, link: true });
        else if (entry.isFile()) found.push({ abs, path, link: false });
        // sockets, fifos, devices: git does not track them either
      }
      await Promise.all(subfolders);
    };
    await walk(destAbs, '');

    const cache = await loadStatCache();
    const destKey = relative(root, destAbs).split(sep).join('/');
    let changed = false;
    const files: FileEntry[] = [];
    await inPool(found, HASH_CONCURRENCY, async ({ abs, path, link }) => {
      if (link) {
        const target = await readlink(abs, { encoding: 'buffer' });
        files.push({ path, mode: '120000', oid: blobOid(target) });
        return;
      }
      const info = await stat(abs, { bigint: false });
      const key = `${destKey}/${path}`;
      const known = cache.entries.get(key);
      if (
        known &&
        known.size === info.size &&
        known.mtimeMs === info.mtimeMs &&
        known.ctimeMs === info.ctimeMs &&
        known.ino === info.ino &&
        known.mode === info.mode &&
        known.mtimeMs < cache.writtenAtMs
      ) {
        counters.cached++;
        files.push({ path, mode: gitMode(info.mode), oid: known.oid });
        return;
      }
      counters.hashed++;
      const oid = blobOid(await readFile(abs));
      files.push({ path, mode: gitMode(info.mode), oid });
      if (!known || known.oid !== oid || known.size !== info.size || known.mtimeMs !== info.mtimeMs || known.ctimeMs !== info.ctimeMs || known.ino !== info.ino || known.mode !== info.mode || known.mtimeMs >= cache.writtenAtMs) {
        cache.entries.set(key, { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, mode: info.mode, oid });
        changed = true;
      }
    });
    // Forget files that are gone from this folder.
    const seen = new Set(found.map((f) => `${destKey}/${f.path}`));
    for (const key of cache.entries.keys()) {
      if (key.startsWith(`${destKey}/`) && !seen.has(key)) {
        cache.entries.delete(key);
        changed = true;
      }
    }
    if (changed) await saveStatCache(cache);

    files.sort(compareByPath);
    return { tree: snapshotFromFiles(files), files };
  }

  /** A single-file component: `dest` itself, listed under its file name (a symlink is a file of mode 120000). */
  async function scanFile(dest: string): Promise<Snapshot> {
    const abs = inside(dest);
    if (!(await realFolders(dirname(abs), dest, false, new Set()))) return { tree: EMPTY_TREE, files: [] };
    let info: fs.Stats;
    try {
      info = await lstat(abs);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { tree: EMPTY_TREE, files: [] };
      throw error;
    }
    if (info.isDirectory()) throw folderAtFile(dest);
    if (!info.isSymbolicLink() && !info.isFile()) return { tree: EMPTY_TREE, files: [] };
    counters.hashed++;
    const files: FileEntry[] = info.isSymbolicLink()
      ? [{ path: fileNameOf(dest), mode: '120000', oid: blobOid(await readlink(abs, { encoding: 'buffer' })) }]
      : [{ path: fileNameOf(dest), mode: gitMode(info.mode), oid: blobOid(await readFile(abs)) }];
    return { tree: snapshotFromFiles(files), files };
  }

  function folderAtFile(dest: string): ForgeError {
    return new ForgeError('E_NAME_CLASH', `${dest} is a folder, but the component there is a single file.`, {
      hint: `Move the folder ${dest} out of the way, or give the component another dest (the file's path here) in forge.yaml.`,
      data: { path: dest, dest },
    });
  }

  /**
   * A filtered component may only replace or remove a folder that holds nothing but its own files:
   * the others are not backed up (they are not the component's), so they must not go.
   */
  async function onlySelected(folderAbs: string, destAbs: string, dest: string, select: FileSelector | null): Promise<void> {
    if (select === null) return;
    const walk = async (abs: string): Promise<void> => {
      for (const entry of await readdir(abs, { withFileTypes: true })) {
        const child = join(abs, entry.name);
        if (entry.isDirectory()) await walk(child);
        else if (!select.selects(relative(destAbs, child).split(sep).join('/'))) {
          const shown = relative(root, folderAbs).split(sep).join('/');
          throw new ForgeError('E_NAME_CLASH', `${shown} is a folder that holds files outside the include/exclude of component ${dest}, where the component needs a file.`, {
            hint: `Move ${shown} out of the way and run the command again.`,
            data: { path: shown, dest },
          });
        }
      }
    };
    await walk(folderAbs);
  }

  // --- apply -----------------------------------------------------------------------

  async function writeOne(target: string, mode: FileMode, content: Uint8Array): Promise<void> {
    const temp = join(dirname(target), `.forge-${randomBytes(6).toString('hex')}.tmp`);
    try {
      if (mode === '120000') {
        await symlink(Buffer.from(content).toString('utf8'), temp);
      } else {
        const fileMode = mode === '100755' ? 0o755 : 0o644;
        const handle = await open(temp, 'wx', fileMode);
        try {
          await handle.writeFile(content);
          await handle.chmod(fileMode); // the umask may have dropped bits
        } finally {
          await handle.close();
        }
      }
      // rename replaces whatever is at target (a file or a symlink) without following it.
      const existing = await lstat(target).catch(() => null);
      if (existing?.isDirectory()) await rm(target, { recursive: true, force: true });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw error;
    }
  }

  async function removeEmptyFolders(from: string, stopAt: string): Promise<void> {
    let folder = from;
    while (folder !== stopAt && folder.startsWith(stopAt + sep)) {
      try {
        await rmdir(folder);
      } catch {
        return; // not empty (or already gone): stop
      }
      folder = dirname(folder);
    }
  }

  async function apply(dest: string, changes: Parameters<WorktreePort['apply']>[1], shape: ComponentShape = WHOLE_FOLDER): Promise<void> {
    if (shape.kind === 'file') return applyFile(dest, changes);
    const select = shape.filters ? fileSelector(shape.filters) : null;
    const destAbs = inside(dest);
    const checked = new Set<string>();
    const targets = changes.map((change) => ({ change, target: fileInside(destAbs, dest, change.path) }));
    const hasWrites = changes.some((c) => c.action === 'write');
    const destExists = await realFolders(destAbs, dest, hasWrites, checked);

    if (destExists) {
      for (const { change, target } of targets) {
        if (change.action !== 'delete') continue;
        if (!(await realFolders(dirname(target), dest, false, checked))) continue;
        const info = await lstat(target).catch(() => null);
        if (info === null) continue;
        if (info.isDirectory()) {
          await onlySelected(target, destAbs, dest, select);
          await rm(target, { recursive: true, force: true });
        } else await unlink(target);
        await removeEmptyFolders(dirname(target), destAbs);
      }
    }
    // Folders first, one by one (they share parents); then the files, several at a time: one
    // after the other, the 2,400 files of 24 components took 5.7 s of a 20 s cold pull.
    const writes = targets.filter(({ change }) => change.action === 'write');
    for (const folder of new Set(writes.map(({ target }) => dirname(target)))) await realFolders(folder, dest, true, checked);
    if (select) {
      for (const { target } of writes) if ((await lstat(target).catch(() => null))?.isDirectory()) await onlySelected(target, destAbs, dest, select);
    }
    await inPool(writes, HASH_CONCURRENCY, async ({ change, target }) => {
      if (change.action === 'write') await writeOne(target, change.mode, change.content);
    });
  }

  /** Writes or deletes a single-file component: `dest` itself. A folder there is refused, never replaced. */
  async function applyFile(dest: string, changes: Parameters<WorktreePort['apply']>[1]): Promise<void> {
    const abs = inside(dest);
    const name = fileNameOf(dest);
    for (const change of changes) {
      if (change.path !== name) {
        throw new ForgeError('E_PATH_ESCAPES', `File path ${JSON.stringify(change.path)} is not ${dest}, the single file of this component.`, { data: { path: change.path, dest } });
      }
    }
    const last = changes[changes.length - 1];
    if (!last) return;
    const info = await lstat(abs).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return null;
      throw error;
    });
    if (info?.isDirectory()) throw folderAtFile(dest);
    if (last.action === 'delete') {
      if (info === null || !(await realFolders(dirname(abs), dest, false, new Set()))) return;
      await unlink(abs);
      await removeEmptyFolders(dirname(abs), root);
      return;
    }
    await realFolders(dirname(abs), dest, true, new Set());
    await writeOne(abs, last.mode, last.content);
  }

  async function removeFolder(dest: string, shape: ComponentShape = WHOLE_FOLDER): Promise<void> {
    if (shape.kind === 'file') return applyFile(dest, [{ action: 'delete', path: fileNameOf(dest) }]);
    if (shape.filters) {
      // Only the component's files go; the folder stays if anything else is in it.
      const mine = await scan(dest, shape);
      const destAbs = inside(dest);
      for (const file of mine.files) {
        const target = fileInside(destAbs, dest, file.path);
        await unlink(target).catch((error: unknown) => {
          if (errnoCode(error) !== 'ENOENT') throw error;
        });
        await removeEmptyFolders(dirname(target), root);
      }
      return;
    }
    const destAbs = inside(dest);
    if (destAbs === root) {
      throw new ForgeError('E_PATH_ESCAPES', 'Refusing to remove the repository root.', { data: { path: dest } });
    }
    if (!(await realFolders(dirname(destAbs), dest, false, new Set()))) return;
    const info = await lstat(destAbs).catch(() => null);
    if (info === null) return;
    // A symlinked dest: remove the link, never what it points to.
    if (info.isSymbolicLink() || !info.isDirectory()) await unlink(destAbs);
    else await rm(destAbs, { recursive: true, force: true });
    await removeEmptyFolders(dirname(destAbs), root);
  }

  async function readFileAt(dest: string, file: string, shape: ComponentShape = WHOLE_FOLDER): Promise<Uint8Array | null> {
    const destAbs = inside(dest);
    if (shape.kind === 'file' && file !== fileNameOf(dest)) {
      throw new ForgeError('E_PATH_ESCAPES', `File path ${JSON.stringify(file)} is not ${dest}, the single file of this component.`, { data: { path: file, dest } });
    }
    const target = shape.kind === 'file' ? destAbs : fileInside(destAbs, dest, file);
    const info = await lstat(target).catch(() => null);
    if (info === null) return null;
    if (info.isSymbolicLink()) return new Uint8Array(await readlink(target, { encoding: 'buffer' }));
    if (!info.isFile()) return null;
    return new Uint8Array(await readFile(target));
  }

  // --- consumer repository history ---------------------------------------------------

  async function filesAt(treeOid: Oid | null, dest: string, shape: ComponentShape): Promise<Map<string, { mode: FileMode; content: Uint8Array }>> {
    const git = await loadGit();
    const out = new Map<string, { mode: FileMode; content: Uint8Array }>();
    if (treeOid === null) return out;
    const modeOf = (mode: string): FileMode => (mode === '100755' || mode === '120000' ? mode : '100644');
    if (shape.kind === 'file') {
      // A single file: the entry at dest in its parent folder, listed under its name.
      const parent = await subtree(treeOid, dirname(dest) === '.' ? '' : dirname(dest));
      if (parent === null) return out;
      const { tree } = await git.readTree({ fs, dir: root, oid: parent, cache: gitCache });
      const entry = tree.find((e) => e.path === fileNameOf(dest));
      if (entry?.type === 'blob') {
        const { blob } = await git.readBlob({ fs, dir: root, oid: entry.oid, cache: gitCache });
        out.set(entry.path, { mode: modeOf(entry.mode), content: blob });
      }
      return out;
    }
    const select = shape.filters ? fileSelector(shape.filters) : null;
    const sub = await subtree(treeOid, dest);
    if (sub === null) return out;
    const walk = async (oid: Oid, prefix: string): Promise<void> => {
      const { tree } = await git.readTree({ fs, dir: root, oid, cache: gitCache });
      for (const entry of tree) {
        const path = prefix === '' ? entry.path : `${prefix}/${entry.path}`;
        if (entry.type === 'tree') await walk(entry.oid, path);
        else if (entry.type === 'blob' && (select === null || select.selects(path))) {
          const { blob } = await git.readBlob({ fs, dir: root, oid: entry.oid, cache: gitCache });
          out.set(path, { mode: modeOf(entry.mode), content: blob });
        }
      }
    };
    await walk(sub, '');
    return out;
  }

  async function subtree(treeOid: Oid, dest: string): Promise<Oid | null> {
    const git = await loadGit();
    let current = treeOid;
    for (const segment of dest.split('/').filter(Boolean)) {
      const { tree } = await git.readTree({ fs, dir: root, oid: current, cache: gitCache });
      const entry = tree.find((e) => e.path === segment);
      if (!entry || entry.type !== 'tree') return null;
      current = entry.oid;
    }
    return current;
  }

  async function commitsTouching(dest: string, sinceIso: string, shape: ComponentShape = WHOLE_FOLDER): Promise<TouchingCommit[]> {
    const git = await loadGit();
    inside(dest);
    const since = Date.parse(sinceIso);
    if (Number.isNaN(since)) throw new ForgeError('E_INTERNAL', `Invalid time ${JSON.stringify(sinceIso)}.`);
    if (!fs.existsSync(join(root, '.git'))) return [];
    let head: Oid;
    try {
      head = await git.resolveRef({ fs, dir: root, ref: 'HEAD' });
    } catch {
      return []; // a repository without commits yet
    }
    const folder = dest.replace(/\/+$/, '');
    // First-parent history back to `since`: merged side branches arrive as their merge commit.
    const chain: { oid: Oid; message: string; tree: Oid; parent: Oid | null }[] = [];
    let oid: Oid | null = head;
    while (oid) {
      const { commit } = await git.readCommit({ fs, dir: root, oid, cache: gitCache });
      if (commit.committer.timestamp * 1000 <= since) break;
      chain.push({ oid, message: commit.message, tree: commit.tree, parent: commit.parent[0] ?? null });
      oid = commit.parent[0] ?? null;
    }
    const result: TouchingCommit[] = [];
    for (const step of chain.reverse()) {
      const parentTree = step.parent ? (await git.readCommit({ fs, dir: root, oid: step.parent, cache: gitCache })).commit.tree : null;
      const after = await subtree(step.tree, folder);
      const before = parentTree ? await subtree(parentTree, folder) : null;
      if (after === before && shape.kind === 'folder') continue;
      const files: Map<string, FileState> = await filesAt(step.tree, folder, shape);
      const parentFiles: Map<string, FileState> = await filesAt(parentTree, folder, shape);
      // Only commits that changed the component's own files are steps.
      if (shape.kind === 'file' || shape.filters) {
        const same = files.size === parentFiles.size && [...files].every(([p, f]) => {
          const g = parentFiles.get(p);
          return f === null ? g === null : g !== undefined && g !== null && g.mode === f.mode && Buffer.from(g.content).equals(Buffer.from(f.content));
        });
        if (same) continue;
      }
      for (const path of files.keys()) if (!parentFiles.has(path)) parentFiles.set(path, null);
      for (const path of parentFiles.keys()) if (!files.has(path)) files.set(path, null);
      result.push({ oid: step.oid, message: step.message, files, parentFiles });
    }
    return result;
  }

  // File system failures become sentences naming the file, at this edge (by errno code).
  const edge =
    <A extends unknown[], R>(doing: 'read' | 'write', work: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await work(...args);
      } catch (error) {
        throw fileSystemError(error, doing, root);
      }
    };
  return {
    scan: edge('read', scan),
    readFile: edge('read', readFileAt),
    apply: edge('write', apply),
    removeFolder: edge('write', removeFolder),
    commitsTouching,
    stats: () => ({ ...counters }),
  };
}

const FS_PROBLEMS: Record<string, { what: string; hint: string }> = {
  ENAMETOOLONG: { what: 'the file name is too long for this file system', hint: 'Nothing was changed. Ask upstream to shorten the name, or install the component on a file system that allows it.' },
  EACCES: { what: 'permission denied', hint: 'Check the permissions of that file and its folder, then run the command again.' },
  EPERM: { what: 'the operation is not permitted', hint: 'Check the permissions (and any immutable flag) of that file and its folder, then run the command again.' },
  ENOSPC: { what: 'no space is left on the device', hint: 'Free some space, then run the command again.' },
  EDQUOT: { what: 'the disk quota is exceeded', hint: 'Free some space, then run the command again.' },
  EROFS: { what: 'the file system is read-only', hint: 'Run forge where the repository can be written.' },
  EISDIR: { what: 'a folder is where a file was expected', hint: 'Move that folder out of the way, then run the command again.' },
  ENOTDIR: { what: 'a file is where a folder was expected', hint: 'Move that file out of the way, then run the command again.' },
  EMFILE: { what: 'too many files are open', hint: "Raise the limit ('ulimit -n'), or run with a lower --concurrency." },
  EIO: { what: 'the disk reported an input/output error', hint: 'Check the disk, then run the command again.' },
};

/** A node:fs error as a ForgeError naming the file (relative to the repository); other errors pass through. */
function fileSystemError(error: unknown, doing: 'read' | 'write', root: string): unknown {
  if (error instanceof ForgeError) return error;
  const code = errnoCode(error);
  const problem = code ? FS_PROBLEMS[code] : undefined;
  if (!problem) return error;
  // A rename names its target in `dest` (forge writes a temp file, then renames it into place).
  const at = (error as NodeJS.ErrnoException & { dest?: string }).dest ?? (error as NodeJS.ErrnoException).path;
  const shown = at ? relative(root, at).split(sep).join('/') || '.' : 'a file in the repository';
  return new ForgeError('E_FILESYSTEM', `Cannot ${doing} ${shown}: ${problem.what}.`, { hint: problem.hint, data: { path: shown, errno: code }, cause: error });
}
