// The ports the engine owns. Adapters in src/git, src/github and src/store
// implement them; tests implement them with in-memory fakes. Nothing here
// imports a library or node:fs.

import type { ComponentKind, ComponentShape, ComponentSpec, ConflictRecord, FileEntry, FileFilter, FileMode, LockEntry, Lockfile, Manifest, Oid, Snapshot, TreeId } from './model.js';

// --- git -------------------------------------------------------------------------

export interface RemoteRef {
  /** Full name: refs/tags/v1.2.3, refs/heads/main, HEAD. */
  name: string;
  /** The commit the ref points to (annotated tags already peeled). */
  commit: Oid;
}

export interface RemoteRefs {
  refs: RemoteRef[];
  /** Full name of the default branch (HEAD's target), e.g. refs/heads/main; null if the server did not say. */
  head: string | null;
}

/** What to make available locally: a commit, reachable from the given ref. */
export interface Want {
  commit: Oid;
  /** Full ref name that leads to the commit; lets shallow fetches ask for it by name. */
  ref?: string;
}

/**
 * Who made a commit and when: `timestamp` in seconds since 1970, `timezoneOffset` in minutes as
 * isomorphic-git and `Date#getTimezoneOffset` count it (positive west of UTC: -120 is +0200).
 */
export interface GitIdentity {
  name: string;
  email: string;
  timestamp: number;
  timezoneOffset: number;
}

export interface CommitInfo {
  oid: Oid;
  parents: Oid[];
  tree: Oid;
  message: string;
  author: GitIdentity;
}

/** What createCommit changes in the parent's tree (paths relative to the repository root, POSIX separators). */
export type TreeChange =
  | { action: 'write'; path: string; mode: FileMode; content: Uint8Array }
  /** Removes the file, or the folder and everything in it; nothing if the path does not exist. */
  | { action: 'delete'; path: string };

export interface CreateCommitInput {
  parent: Oid;
  changes: TreeChange[];
  message: string;
  author: GitIdentity;
  /** Default: the author. */
  committer?: GitIdentity;
}

export interface PushInput {
  /** The repository to push to: the upstream itself or a fork of it (full http(s) URL). */
  remote: string;
  /** A commit in the object cache of the `url` pushed from (made by createCommit, or fetched). */
  commit: Oid;
  /** Branch name without `refs/heads/`. */
  branch: string;
  /** Replace the branch whatever it points at. */
  force?: boolean;
  /**
   * Unless force: the remote branch must be at this commit (null: must not exist yet), and then
   * any commit may replace it. Without `expect` the push must be a fast-forward, as git push's.
   */
  expect?: Oid | null;
}

/** How readSnapshot reads a component: which files of a folder, and the name a single file gets. */
export interface SnapshotOptions {
  /** A folder keeps only the files one of these filters selects; its `tree` is then the id of exactly those. */
  filters?: readonly FileFilter[];
  /** A file is listed under this name (its name here, the last segment of its dest); default: its own name. */
  fileName?: string;
}

/** A component upstream: a folder's (selected) files, or a single file as a one-entry snapshot. */
export interface UpstreamSnapshot extends Snapshot {
  kind: ComponentKind;
}

/** Upstream repositories, through the per-user object cache. `url` is always a full http(s) URL. */
export interface GitPort {
  /** Lists refs without fetching objects (the ls-remote of git). */
  listRemoteRefs(url: string): Promise<RemoteRefs>;
  /** Makes sure every wanted commit (and its trees and blobs) is in the cache; fetches only what is missing. */
  ensureCommits(url: string, wants: Want[], options?: { deep?: boolean }): Promise<{ fetched: boolean }>;
  /** True if the commit and its tree are already in the cache (no network). */
  hasCommit(url: string, commit: Oid): Promise<boolean>;
  /**
   * What `path` is at `commit`: every file under a folder, flattened (those `options.filters`
   * select), or the file at `path` (listed as `options.fileName`, its tree that of a tree holding
   * just it). E_COMPONENT_NOT_FOUND, naming the path and the commit, when it is neither.
   */
  readSnapshot(url: string, commit: Oid, path: string, options?: SnapshotOptions): Promise<UpstreamSnapshot>;
  readBlob(url: string, oid: Oid): Promise<Uint8Array>;
  /** Many blobs at once (faster where the adapter can batch); every oid must be in the cache. */
  readBlobs?(url: string, oids: readonly Oid[]): Promise<Map<Oid, Uint8Array>>;
  /** Every `component.yaml` in the repository at `commit` (path of its folder, raw content). */
  findComponentManifests(url: string, commit: Oid): Promise<{ folder: string; content: Uint8Array }[]>;
  readCommit(url: string, commit: Oid): Promise<CommitInfo>;
  /**
   * A commit on top of `parent` (which must be in the cache) whose tree is the parent's with
   * `changes` applied, built as git builds trees (sorted entries, exec bits, symlinks, folders
   * left empty removed, untouched subtrees reused by id). Written into the cache of `url`.
   */
  createCommit(url: string, input: CreateCommitInput): Promise<{ commit: Oid; tree: Oid }>;
  /**
   * Pushes `commit` (in the cache of `url`) to branch `branch` of `remote`, sending the objects it
   * adds to its parent: the remote must have the parent (an upstream has the locked commit; a
   * GitHub fork shares its upstream's objects). Returns where the branch was before.
   * E_PUSH_REJECTED when the branch moved or the push is not a fast-forward, E_AUTH, E_NETWORK.
   */
  push(url: string, input: PushInput): Promise<{ previous: Oid | null }>;
  /**
   * Writes the files of the folders `paths` at `commit` (in the cache) under the absolute folder
   * `into` (empty; folder `p` lands at `into/p`), byte for byte as in the tree (no end-of-line or
   * filter conversion), with their modes and symlinks: whole folders without holding their
   * contents in memory, several in one go.
   */
  exportFolders?(url: string, commit: Oid, paths: readonly string[], into: string): Promise<void>;
}

// --- the consumer's working tree ------------------------------------------------

export type FileChange =
  | { action: 'write'; path: string; mode: FileMode; content: Uint8Array }
  | { action: 'delete'; path: string };

/**
 * A folder written whole (an install into an empty folder) from upstream folder `path`: the files it
 * will hold, and what writes them. Only a component whose shape is a whole folder has one: a single
 * file and a filtered folder are written by apply(), which never touches files outside the shape.
 */
export interface FolderSource {
  files: Snapshot;
  path: string;
  /** Sources of one group (one commit of one repository) can be written by one call. */
  group: string;
  /** Writes the folder of each of `paths` (sources of this group) at `into/<path>`; `into` is empty. */
  write(into: string, paths: readonly string[]): Promise<void>;
}

/**
 * The folders of the consumer repository. Paths are relative to the repository root, POSIX separators.
 * Every call names the component's `shape` at `dest` (src/core/file-filter.ts `shapeOf`): the files
 * of a folder, those its include/exclude select (no other file there is read, written or removed),
 * or `dest` itself as a single file, known in snapshots and changes by its file name. install() and
 * stage() take a FolderSource, which is always a whole folder.
 */
export interface WorktreePort {
  /** Hashes the component's files as git would (stat cache keeps unchanged files from being re-read). Nothing there is an empty snapshot. */
  scan(dest: string, shape: ComponentShape): Promise<Snapshot>;
  readFile(dest: string, file: string, shape: ComponentShape): Promise<Uint8Array | null>;
  /**
   * Applies changes to the component's files: never writes through a symlink, creates folders,
   * removes folders left empty, refuses to replace a folder that holds files outside the shape.
   */
  apply(dest: string, changes: FileChange[], shape: ComponentShape): Promise<void>;
  /** Removes the component's files (a whole folder: the folder and everything in it) and the folders they leave empty. */
  removeFolder(dest: string, shape: ComponentShape): Promise<void>;
  /**
   * Makes the absent or empty folder `dest` hold exactly `source.files` (a whole folder): written by
   * the source into a staging folder, checked (every path, type and mode), then renamed into place.
   */
  install?(dest: string, source: FolderSource): Promise<void>;
  /** Writes and checks, ahead of install(), the folders it will move into place: the sources of a group in one write. */
  stage?(folders: readonly { dest: string; source: FolderSource }[]): Promise<void>;
  /** Keeps what apply() learned about the files it wrote (their stat data), so the next scan reads none of them. Once, when an operation has written its folders. */
  flush?(): Promise<void>;
  /** Consumer-repository commits (oldest first) that touched the component's files at `dest` after `since` (ISO time), for --rebase. */
  commitsTouching?(dest: string, sinceIso: string, shape: ComponentShape): Promise<{ oid: Oid; message: string; files: Map<string, { mode: FileMode; content: Uint8Array } | null>; parentFiles: Map<string, { mode: FileMode; content: Uint8Array } | null> }[]>;
}

// --- local files and state --------------------------------------------------------

export interface ManifestStore {
  exists(): Promise<boolean>;
  read(): Promise<Manifest>;
  /** Creates an empty forge.yaml (error if it exists). */
  init(): Promise<void>;
  /** Adds or replaces one component, keeping comments and order of everything else. */
  upsert(spec: Omit<ComponentSpec, 'line'>): Promise<void>;
  remove(name: string): Promise<void>;
  /** forge.yaml exactly as it is on disk; null when there is none. */
  text(): Promise<string | null>;
  /** Writes forge.yaml exactly (atomically); refuses text that does not read back valid. */
  writeText(text: string): Promise<void>;
  /** forge.yaml's text with one component added or replaced, as upsert() would write it; writes nothing. */
  upserted(spec: Omit<ComponentSpec, 'line'>): Promise<string>;
  /** forge.yaml's text without one component, as remove() would write it; writes nothing. */
  removed(name: string): Promise<string>;
  /**
   * forge.yaml's text with component `name` put back as the older text `from` had it (its lines,
   * comments included), at the same place among its neighbours; writes nothing.
   */
  restored(name: string, from: string): Promise<string>;
}
export interface LockStore {
  /** An empty lockfile when the file does not exist. */
  read(): Promise<Lockfile>;
  /** Writes deterministically; skips the write when nothing changed. Returns whether it wrote. */
  write(lock: Lockfile): Promise<boolean>;
  /** The exact text write() would put in the file, without writing it. */
  format(lock: Lockfile): string;
  /** Reads lockfile text from elsewhere (a commit of another branch); throws E_LOCKFILE_INVALID as read() does. */
  parse(text: string): Lockfile;
}

/** Remembers the file list of every tree forge installed, so status can name changed files offline. */
export interface TreeIndex {
  get(tree: TreeId): Promise<Snapshot | null>;
  put(snapshot: Snapshot): Promise<void>;
  /** Remembers a file list under the git tree id it hashes to, and returns that id. */
  putFiles(files: readonly FileEntry[]): Promise<TreeId>;
}

/** Content-addressed blobs kept in .forge/ (backups, stashes, conflict sides). */
export interface BlobStore {
  put(content: Uint8Array): Promise<Oid>;
  get(oid: Oid): Promise<Uint8Array>;
}

/**
 * A component folder at one moment. File lists are content-addressed, as git keeps trees: the
 * list itself lives in the TreeIndex under `tree`, the contents in the BlobStore.
 */
export interface FolderState {
  /** null: the component was not installed. */
  lock: LockEntry | null;
  /** Git tree id of the folder's files (EMPTY_TREE for no files). */
  tree: TreeId;
}

export interface HistoryEntry {
  id: string;
  component: string;
  op: 'add' | 'pull' | 'merge' | 'rebase' | 'overwrite' | 'stash' | 'stash-pop' | 'resolve' | 'undo' | 'push' | 'remove';
  at: string;
  summary: string;
  /** Folder and lock entry before the operation (blobs in the BlobStore); undo restores this. */
  before: FolderState;
  after: FolderState;
  /** Conflicts recorded before the operation (resolve): undo puts them back. */
  conflictsBefore?: ConflictSet | null;
  undone?: boolean;
  /** The run that made it: entries of one command share it, so undo can step back over them together. */
  operation?: string;
  /** forge.yaml before and after, when the operation changed it (add, remove). */
  manifest?: { before: string | null; after: string | null };
  /** The stash this operation made (pull --stash): undo drops it. */
  stash?: string;
  /** The stash this operation applied and dropped (stash pop): undo brings it back. */
  stashPopped?: StashEntry;
}

export interface ConflictSet {
  component: string;
  operation: 'merge' | 'rebase' | 'stash-pop' | 'resolve';
  at: string;
  /** Lock entry that becomes current once the conflicts are settled. */
  target: LockEntry | null;
  /** The files at the component's dest the conflicted operation worked on, when not those of `target` (include/exclude changed). */
  shape?: ComponentShape;
  records: ConflictRecord[];
  /** For a stopped --rebase: the step that stopped and the steps still to replay. */
  rebase?: {
    stoppedAt: string;
    /** Steps still to replay after the stopped one: each is a patch from `base` to `local` (blobs in the BlobStore). */
    remaining: RebaseStep[];
    /** The folder before the pull began, for --abort. */
    before: FolderState;
  };
}

export interface RebaseStep {
  label: string;
  /** Tree ids (file lists in the TreeIndex, contents in the BlobStore). */
  base: TreeId;
  local: TreeId;
}

export interface StashEntry {
  id: string;
  component: string;
  at: string;
  /** The lock entry the local changes were made against. */
  base: LockEntry;
  /** The whole folder as it was stashed (file list in the TreeIndex, contents in the BlobStore). */
  tree: TreeId;
}

export interface ForkRecord {
  upstream: string;
  fork: string;
  defaultBranch: string;
  createdAt: string;
}

/** A push of a component's local changes (forge sync push), and its pull request when it has one. */
export interface PullRequestRecord {
  component: string;
  /** The upstream repository, as the lock writes it. */
  repository: string;
  /** null: pushed without a pull request. */
  number: number | null;
  url: string | null;
  branch: string;
  /** Where the branch was pushed: the upstream repository's address, or the fork (`owner/name`). */
  headRepository: string;
  /** The commit pushed. */
  commit: Oid;
  /** The locked commit the change was made on (absent in records of older versions). */
  base?: Oid;
  /** 'open': awaiting upstream (the pull request is open, or the branch has none). */
  state: 'open' | 'closed' | 'merged';
  createdAt: string;
  updatedAt?: string;
}

/** One change to .forge/state.json. Applying one twice is harmless (recovery may repeat it). */
export type StateChange =
  | { kind: 'history'; entry: HistoryEntry }
  | { kind: 'undone'; id: string }
  | { kind: 'conflicts'; component: string; set: ConflictSet | null }
  | { kind: 'stash'; entry: StashEntry }
  | { kind: 'drop-stash'; id: string }
  | { kind: 'fork'; fork: ForkRecord }
  | { kind: 'pull-request'; pullRequest: PullRequestRecord };

/**
 * A write in flight (src/sync/transaction.ts): lets the next run finish or roll back after a
 * crash (kill -9). Written before any folder, forge.yaml or lock is touched.
 */
export interface PendingOperation {
  id: string;
  at: string;
  /** What ran: pull, add, remove, undo, resolve, stash pop... */
  operation: string;
  /**
   * Each folder written, as tree ids (file lists in the TreeIndex, replaced contents backed up in the
   * BlobStore), and the shape it was scanned and written with (absent: a whole folder).
   */
  folders: { name: string; dest: string; before: TreeId; after: TreeId; shape?: ComponentShape }[];
  /** The lock entries that change (null: absent), before and after. Empty when the lock does not change. */
  lock: { before: Record<string, LockEntry | null>; after: Record<string, LockEntry | null> };
  /** forge.yaml before and after, when it changes. */
  manifest: { before: string | null; after: string } | null;
  /** What the operation records once everything is written; recovery applies it if the operation completed. */
  state: StateChange[];
}

export interface StateStore {
  conflicts(): Promise<ConflictSet[]>;
  setConflicts(component: string, set: ConflictSet | null): Promise<void>;
  stashes(): Promise<StashEntry[]>;
  pushStash(entry: StashEntry): Promise<void>;
  dropStash(id: string): Promise<void>;
  history(component?: string): Promise<HistoryEntry[]>;
  record(entry: HistoryEntry): Promise<void>;
  markUndone(id: string): Promise<void>;
  forks(): Promise<ForkRecord[]>;
  saveFork(fork: ForkRecord): Promise<void>;
  pullRequests(): Promise<PullRequestRecord[]>;
  savePullRequest(pr: PullRequestRecord): Promise<void>;
  pending(): Promise<PendingOperation | null>;
  setPending(op: PendingOperation | null): Promise<void>;
  /**
   * Applies every change in one atomic write of the state, and in the same write sets the pending
   * record (or clears it with null; leaves it alone when undefined).
   */
  apply(changes: readonly StateChange[], pending?: PendingOperation | null): Promise<void>;
}

// --- time and progress ---------------------------------------------------------------

export interface Clock {
  now(): Date;
}

export type ProgressEvent =
  | { type: 'list-refs'; repository: string }
  | { type: 'fetch'; repository: string }
  | { type: 'fetched'; repository: string; fetched: boolean }
  | { type: 'component'; name: string; message: string }
  /**
   * A long transfer under way (fetch or push), as git prints it: `phase` is git's own words
   * ("Receiving objects", "Resolving deltas", "Writing objects"); `total` null when unknown.
   * While a pack is still arriving over HTTP only its bytes are known: `loaded` 0, `total` null,
   * `bytes` so far. Commands show it on a TTY only.
   */
  | { type: 'transfer'; repository: string; operation: 'fetch' | 'push'; phase: string; loaded: number; total: number | null; bytes?: number }
  /** Detail shown only with --verbose (requests, retries, timings). */
  | { type: 'debug'; message: string }
  | { type: 'warning'; message: string; component?: string };

export interface Reporter {
  emit(event: ProgressEvent): void;
}

export type { ConflictRecord, FileEntry, FileMode, LockEntry, Lockfile, Manifest, Oid, Snapshot };
