// WorktreePort over node:fs: the consumer repository's component folders.
//
// - scan() hashes a folder exactly as `git add -A && git write-tree` would: symlinks are never
//   followed (a link is a file of mode 120000 whose content is its target), the owner's x bit
//   makes a file 100755 (as git: group/other x bits alone do not), empty folders do not exist.
//   The stat cache (stat-cache.ts) keeps unchanged files from being read and unchanged folders
//   from being hashed again, with git's racy-file rule. scan() is synchronous inside: one
//   component's few thousand readdir and lstat calls cost a sixth of the promise API's.
// - apply() never writes through a symlink: a symlinked `dest` or parent folder is refused
//   (E_SYMLINK), a symlink at the target path is replaced, never followed. Each file is
//   written to a temp file in its folder and renamed into place, and its stat data goes into
//   the stat cache (written by flush()), as git's checkout fills its index.
// - Every path is relative to `root`; anything that would land outside it is refused
//   (E_PATH_ESCAPES).

import { randomBytes } from 'node:crypto';
import fs, { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, readlink, rename, rm, rmdir, symlink, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ForgeError } from '../errors.js';
import type { FolderSource, WorktreePort } from '../core/ports.js';
import { EMPTY_TREE, type ComponentShape, type FileEntry, type FileMode, type Oid, type Snapshot } from '../core/model.js';
import { fileNameOf, fileSelector, SINGLE_FILE, WHOLE_FOLDER, type FileSelector } from '../core/file-filter.js';
import { blobOid, snapshotFromFiles } from './tree-hash.js';
import { createStatCache, entryOf, gitModeOf, oidOf, unchanged } from './stat-cache.js';
import { compareByPath } from '../core/paths.js';
import { eachLimited } from '../core/pool.js';

export interface WorktreeOptions {
  /** The consumer repository's root folder. */
  root: string;
  /** The stat cache's folder (e.g. .forge/stat-cache); without one, the cache lasts as long as the worktree object. */
  statCacheDir?: string;
  /** Where install() writes a folder before moving it into place (e.g. .forge/staging); default: beside the folder. */
  stagingDir?: string;
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
  install(dest: string, source: FolderSource): Promise<void>;
  stage(folders: readonly { dest: string; source: FolderSource }[]): Promise<void>;
  flush(): Promise<void>;
  /** Counters since creation, for tests and benchmarks. */
  stats(): WorktreeStats;
};

const HASH_CONCURRENCY = 32;

// isomorphic-git is only needed to read the consumer repository's history (pull --rebase):
// load it then, not on every start (it is a third of a `status --offline`).
let isoGit: Promise<typeof import('isomorphic-git')> | undefined;
const loadGit = () => (isoGit ??= import('isomorphic-git'));

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

export function createWorktree(options: WorktreeOptions): Worktree {
  const root = resolve(options.root);
  const counters: WorktreeStats = { hashed: 0, cached: 0 };
  const gitCache = {};
  const statCache = createStatCache(options.statCacheDir);

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
    if (!info.isDirectory()) throw folderClash(folderAbs, dest);
    checked.add(folderAbs);
    return true;
  }

  /** A file stands where the component needs a folder. */
  function folderClash(folderAbs: string, dest: string): ForgeError {
    const shown = relative(root, folderAbs).split(sep).join('/');
    return new ForgeError('E_NAME_CLASH', `${shown} is a file where component ${dest} needs a folder.`, {
      hint: `Move ${shown} out of the way and run the command again.`,
      data: { path: shown, dest },
    });
  }

  /** realFolders() for scan: the same checks, synchronous, never creating anything. */
  function realFoldersSync(folderAbs: string, dest: string): boolean {
    if (folderAbs === root) return true;
    if (!realFoldersSync(dirname(folderAbs), dest)) return false;
    const info = lstatSync(folderAbs, { throwIfNoEntry: false });
    if (info === undefined) return false;
    if (info.isSymbolicLink()) throw symlinkError(folderAbs, dest);
    if (!info.isDirectory()) throw folderClash(folderAbs, dest);
    return true;
  }

  /** The stat cache's key of a folder: its path from the root, '/'-separated. */
  const folderKey = (destAbs: string) => relative(root, destAbs).split(sep).join('/');

  /**
   * The stat cache's key of a component's files at `destAbs`: a whole folder is keyed by its path;
   * a single file, and a filtered folder (per list of patterns), each have their own entry set
   * after a NUL (never in a path), so that the tree id recorded with one shape's files is never
   * taken for another's (a filtered folder's tree is that of the selected files only).
   */
  function cacheKey(destAbs: string, shape: ComponentShape): string {
    const key = folderKey(destAbs);
    if (shape.kind === 'file') return `${key}\0file`;
    return shape.filters && shape.filters.length > 0 ? `${key}\0filter ${JSON.stringify(shape.filters)}` : key;
  }

  /**
   * What apply() wrote goes into the stat cache, as git's checkout fills its index: the stat data
   * of each file once in place, and the id of the content written. Saved by flush().
   */
  function recordApplied(destAbs: string, changes: Parameters<WorktreePort['apply']>[1], shape: ComponentShape): void {
    const key = cacheKey(destAbs, shape);
    const cache = statCache.folder(key);
    for (const change of changes) {
      if (change.action === 'delete') {
        cache.entries.delete(change.path);
        const under = `${change.path}/`;
        for (const path of cache.entries.keys()) if (path.startsWith(under)) cache.entries.delete(path);
        continue;
      }
      const info = lstatSync(shape.kind === 'file' ? destAbs : `${destAbs}/${change.path}`, { throwIfNoEntry: false });
      if (info === undefined || !(info.isFile() || info.isSymbolicLink())) cache.entries.delete(change.path);
      else cache.entries.set(change.path, entryOf(change.path, info, blobOid(change.content)));
    }
    cache.tree = null;
    statCache.touch(key);
  }

  // --- scan ------------------------------------------------------------------------

  async function scan(dest: string, shape: ComponentShape = WHOLE_FOLDER): Promise<Snapshot> {
    if (shape.kind === 'file') return scanFile(dest);
    const select = shape.filters ? fileSelector(shape.filters) : null;
    const destAbs = inside(dest);
    const top = lstatSync(destAbs, { throwIfNoEntry: false });
    if (top === undefined) return { tree: EMPTY_TREE, files: [] };
    if (top.isSymbolicLink()) throw symlinkError(destAbs, dest);
    if (!top.isDirectory()) {
      throw new ForgeError('E_NAME_CLASH', `${dest} is a file, but the component there is a folder.`, {
        hint: `Move the file ${dest} out of the way, or give the component another dest in forge.yaml.`,
        data: { path: dest, dest },
      });
    }
    // A symlinked parent would make us hash someone else's folder.
    realFoldersSync(dirname(destAbs), dest);

    const key = cacheKey(destAbs, shape);
    const cache = statCache.folder(key);
    const recorded = cache.entries.size;
    let changed = false;
    let seen = 0;
    const files: FileEntry[] = [];
    // One pass: each folder's entries in git's tree order (a folder's name as if it ended in '/'),
    // which visits paths in compareByPath order, so the list needs no sort; each file lstat'ed as
    // it is met. Regular files and symlinks, as git tracks them: sockets, fifos and devices are
    // skipped.
    const walk = (folder: string, prefix: string): void => {
      const entries = readdirSync(folder, { withFileTypes: true });
      const keyed = entries.map((entry) => ({ entry, order: entry.isDirectory() ? `${entry.name}/` : entry.name }));
      keyed.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
      for (const { entry } of keyed) {
        const abs = `${folder}/${entry.name}`;
        const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        // Files the component's include/exclude leave out are not the component's: never read.
        if (entry.isDirectory()) {
          if (!select?.skipsFolder(path)) walk(abs, path);
          continue;
        }
        if (!entry.isFile() && !entry.isSymbolicLink()) continue;
        if (select && !select.selects(path)) continue;
        const info = lstatSync(abs, { throwIfNoEntry: false });
        if (info === undefined || !(info.isFile() || info.isSymbolicLink())) continue; // gone or replaced meanwhile
        const known = cache.entries.get(path);
        if (unchanged(known, info, cache.writtenAtMs)) {
          counters.cached++;
          seen++;
          files.push({ path, mode: gitModeOf(info.mode), oid: oidOf(known) });
          continue;
        }
        counters.hashed++;
        if (known) seen++;
        const oid = blobOid(info.isSymbolicLink() ? readlinkSync(abs, { encoding: 'buffer' }) : readFileSync(abs));
        files.push({ path, mode: gitModeOf(info.mode), oid });
        cache.entries.set(path, entryOf(path, info, oid));
        changed = true;
      }
    };
    walk(destAbs, '');

    if (seen < recorded) {
      // Files that are gone from the folder.
      const present = new Set(files.map((f) => f.path));
      for (const path of cache.entries.keys()) if (!present.has(path)) cache.entries.delete(path);
      changed = true;
    }
    // Every file as recorded and no other: the folder's tree is the one recorded with them.
    if (changed || cache.tree === null) {
      cache.tree = snapshotFromFiles(files);
      statCache.save(key);
    }
    return { tree: cache.tree, files };
  }

  /**
   * A single-file component: `dest` itself, listed under its file name (a symlink is a file of
   * mode 120000); its stat data kept under its own key, with the same racy-file rule as a folder's.
   */
  async function scanFile(dest: string): Promise<Snapshot> {
    const abs = inside(dest);
    if (!realFoldersSync(dirname(abs), dest)) return { tree: EMPTY_TREE, files: [] };
    const info = lstatSync(abs, { throwIfNoEntry: false });
    if (info === undefined) return { tree: EMPTY_TREE, files: [] };
    if (info.isDirectory()) throw folderAtFile(dest);
    if (!info.isSymbolicLink() && !info.isFile()) return { tree: EMPTY_TREE, files: [] };
    const name = fileNameOf(dest);
    const key = cacheKey(abs, SINGLE_FILE);
    const cache = statCache.folder(key);
    const known = cache.entries.get(name);
    let oid: Oid;
    if (unchanged(known, info, cache.writtenAtMs)) {
      counters.cached++;
      oid = oidOf(known);
    } else {
      counters.hashed++;
      oid = blobOid(info.isSymbolicLink() ? readlinkSync(abs, { encoding: 'buffer' }) : readFileSync(abs));
      cache.entries = new Map([[name, entryOf(name, info, oid)]]);
      cache.tree = null;
    }
    const files: FileEntry[] = [{ path: name, mode: gitModeOf(info.mode), oid }];
    if (cache.tree === null || cache.entries.size !== 1) {
      cache.tree = snapshotFromFiles(files);
      statCache.save(key);
    }
    return { tree: cache.tree, files };
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
    await eachLimited(writes, HASH_CONCURRENCY, async ({ change, target }) => {
      if (change.action === 'write') await writeOne(target, change.mode, change.content);
    });
    recordApplied(destAbs, changes, shape);
  }

  // --- install ---------------------------------------------------------------------

  /** Regular files and symlinks under `folder` (absolute), as scan() sees them. */
  function filesUnder(folder: string): { abs: string; path: string }[] {
    const found: { abs: string; path: string }[] = [];
    const walk = (at: string, prefix: string): void => {
      for (const entry of readdirSync(at, { withFileTypes: true })) {
        const abs = `${at}/${entry.name}`;
        const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        if (entry.isDirectory()) walk(abs, path);
        else found.push({ abs, path });
      }
    };
    walk(folder, '');
    return found;
  }

  let stagingCleared = false;

  /** A new, empty staging folder on the same file system as `destAbs` when `beside`. */
  function stagingFolder(destAbs: string, beside: boolean): string {
    const name = `.forge-staging-${randomBytes(6).toString('hex')}`;
    if (beside || !options.stagingDir) return join(dirname(destAbs), name);
    if (!stagingCleared) {
      // What an interrupted install left (the workspace lock keeps two writers apart).
      rmSync(options.stagingDir, { recursive: true, force: true });
      stagingCleared = true;
    }
    mkdirSync(options.stagingDir, { recursive: true });
    return join(options.stagingDir, name);
  }

  function mismatch(dest: string, what: string): ForgeError {
    return new ForgeError('E_INTERNAL', `The files written for ${dest} are not the upstream tree: ${what}.`, {
      hint: 'Nothing was moved into place; run the command again with FORGE_NATIVE_GIT=0 and report this.',
    });
  }

  interface Batch {
    /** The staging folder the batch was written into. */
    root: string;
    /** Folders of the batch not moved into place yet. */
    left: number;
  }
  interface Staged {
    batch: Batch;
    /** The folder to move into place (inside batch.root). */
    folder: string;
    entries: Map<string, ReturnType<typeof entryOf>>;
  }
  /** Folders written ahead by stage(), by absolute dest. */
  const staged = new Map<string, Promise<Staged>>();

  /** Checks a written folder: exactly the listed files, each with its type and mode. */
  function check(dest: string, folder: string, source: FolderSource): Map<string, ReturnType<typeof entryOf>> {
    const expected = new Map(source.files.files.map((f) => [f.path, f]));
    const found = lstatSync(folder, { throwIfNoEntry: false })?.isDirectory() ? filesUnder(folder) : [];
    if (found.length !== expected.size) throw mismatch(dest, `${found.length} files where the tree has ${expected.size}`);
    const entries = new Map<string, ReturnType<typeof entryOf>>();
    for (const { abs, path } of found) {
      const want = expected.get(path);
      if (!want) throw mismatch(dest, `${path} is not in the tree`);
      let info = lstatSync(abs);
      if (want.mode === '120000' ? !info.isSymbolicLink() : !info.isFile()) throw mismatch(dest, `${path} is not a ${want.mode === '120000' ? 'symbolic link' : 'file'}`);
      if (want.mode !== '120000' && gitModeOf(info.mode) !== want.mode) {
        // The umask dropped an exec bit (or added one): as apply() writes it.
        chmodSync(abs, want.mode === '100755' ? 0o755 : 0o644);
        info = lstatSync(abs);
      }
      entries.set(path, entryOf(path, info, want.oid));
    }
    return entries;
  }

  const segments = (path: string) => path.split('/').filter(Boolean);

  /** Writes the sources (of one group, folders not overlapping) in one go into a new staging folder, and checks each. */
  async function writeBatch(folders: readonly { dest: string; destAbs: string; source: FolderSource }[], beside: boolean): Promise<Map<string, Staged>> {
    const first = folders[0]!;
    // Beside the folder means inside its parent: never through a symlink.
    if (beside || !options.stagingDir) await realFolders(dirname(first.destAbs), first.dest, true, new Set());
    const root = stagingFolder(first.destAbs, beside);
    mkdirSync(root, { recursive: true });
    try {
      await first.source.write(root, folders.map((f) => f.source.path));
      const batch: Batch = { root, left: folders.length };
      const out = new Map<string, Staged>();
      for (const f of folders) {
        const folder = join(root, ...segments(f.source.path));
        out.set(f.destAbs, { batch, folder, entries: check(f.dest, folder, f.source) });
      }
      return out;
    } catch (error) {
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** Splits folders into batches: one commit of one repository each, no two upstream folders nested or equal. */
  function batches<T extends { source: FolderSource }>(folders: readonly T[]): T[][] {
    const out: { group: string; members: T[] }[] = [];
    const overlaps = (a: string, b: string) => {
      const x = `${segments(a).join('/')}/`;
      const y = `${segments(b).join('/')}/`;
      return x === '/' || y === '/' || x.startsWith(y) || y.startsWith(x);
    };
    for (const f of folders) {
      const home = out.find((b) => b.group === f.source.group && !b.members.some((m) => overlaps(m.source.path, f.source.path)));
      if (home) home.members.push(f);
      else out.push({ group: f.source.group, members: [f] });
    }
    return out.map((b) => b.members);
  }

  async function stage(folders: readonly { dest: string; source: FolderSource }[]): Promise<void> {
    const located = folders.map((f) => ({ ...f, destAbs: inside(f.dest) }));
    const pending: Promise<unknown>[] = [];
    for (const batch of batches(located)) {
      const written = writeBatch(batch, false);
      for (const f of batch) {
        const one = written.then((all) => all.get(f.destAbs)!);
        one.catch(() => undefined); // awaited below and by install()
        staged.set(f.destAbs, one);
      }
      pending.push(written);
    }
    await Promise.all(pending);
  }

  async function install(dest: string, source: FolderSource): Promise<void> {
    const destAbs = inside(dest);
    if (destAbs === root) throw new ForgeError('E_PATH_ESCAPES', 'Refusing to install a component over the repository root.', { data: { path: dest } });
    const alone = async (beside: boolean) => (await writeBatch([{ dest, destAbs, source }], beside)).get(destAbs)!;
    let ready = staged.get(destAbs) ?? alone(false);
    staged.delete(destAbs);
    let { batch, folder, entries } = await ready;
    try {
      await realFolders(dirname(destAbs), dest, true, new Set());
      const existing = lstatSync(destAbs, { throwIfNoEntry: false });
      if (existing) {
        if (existing.isSymbolicLink()) throw symlinkError(destAbs, dest);
        if (!existing.isDirectory()) throw new ForgeError('E_NAME_CLASH', `${dest} is a file where component ${dest} needs a folder.`, { data: { path: dest } });
        if (filesUnder(destAbs).length > 0) throw new ForgeError('E_INTERNAL', `${dest} is not empty any more; forge only installs into an empty folder.`, { hint: 'Run the command again.' });
        rmSync(destAbs, { recursive: true });
      }
      try {
        renameSync(folder, destAbs);
      } catch (error) {
        if (errnoCode(error) !== 'EXDEV') throw error;
        // .forge/ is on another file system than the folder: stage beside it instead.
        if (--batch.left === 0) rmSync(batch.root, { recursive: true, force: true });
        ready = alone(true);
        ({ batch, folder, entries } = await ready);
        renameSync(folder, destAbs);
      }
    } finally {
      if (--batch.left === 0) rmSync(batch.root, { recursive: true, force: true });
    }
    // As apply() does: what was written goes into the stat cache, saved by flush().
    const key = folderKey(destAbs);
    const cache = statCache.folder(key);
    cache.entries = entries;
    cache.tree = null;
    statCache.touch(key);
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
      statCache.drop(cacheKey(abs, SINGLE_FILE));
      await removeEmptyFolders(dirname(abs), root);
      return;
    }
    await realFolders(dirname(abs), dest, true, new Set());
    await writeOne(abs, last.mode, last.content);
    recordApplied(abs, [last], SINGLE_FILE);
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
      statCache.drop(cacheKey(destAbs, shape));
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
    statCache.drop(folderKey(destAbs));
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

  async function flush(): Promise<void> {
    statCache.flush();
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
    install: edge('write', install),
    stage: edge('write', stage),
    flush,
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
