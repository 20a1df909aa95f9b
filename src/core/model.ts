// The domain: what forge.yaml asks for, what forge.lock.yaml records, and the
// state forge keeps in .forge/. Plain data only; no behaviour, no I/O.

/** A 40-hex Git object id. */
export type Oid = string;
/** A Git tree id (40-hex). The empty tree is EMPTY_TREE. */
export type TreeId = string;
export const EMPTY_TREE: TreeId = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** How a component chooses its upstream commit. */
export type Selector =
  | { kind: 'version'; range: string }
  | { kind: 'ref'; ref: string }
  | { kind: 'commit'; commit: Oid };

/** One entry of forge.yaml, validated. */
export interface ComponentSpec {
  /** Local name: the key under `components:`. */
  name: string;
  /** As written by the user (e.g. `github.com/org/repo` or `http://127.0.0.1:8080/repo.git`). */
  repository: string;
  /** Folder upstream; undefined means "find by component.yaml name". */
  path: string | undefined;
  /** Folder in the consumer repository; undefined means "same as path". */
  dest: string | undefined;
  selector: Selector;
  /** gitignore-style patterns relative to `path`: only the files they select are the component's (folders only). */
  include?: string[];
  exclude?: string[];
  /** 1-based line of the component's key in forge.yaml, for messages. */
  line: number;
}

export interface Manifest {
  components: ComponentSpec[];
}

/** Git file modes forge keeps: regular, executable, symlink. */
export type FileMode = '100644' | '100755' | '120000';

/** One file of a component, relative to the component root, POSIX separators. */
export interface FileEntry {
  path: string;
  mode: FileMode;
  /** Git blob id of the content. */
  oid: Oid;
}

/** A flattened tree: every file under a folder, sorted by path. */
export interface Snapshot {
  tree: TreeId;
  files: FileEntry[];
}

/**
 * Which files of a folder are a component's: a file is selected when it matches one of `include`
 * (every file when `include` is absent) and none of `exclude`. gitignore-style patterns, relative
 * to the component's folder; order matters (a later `!pattern` takes a file back), as in .gitignore.
 */
export interface FileFilter {
  include?: string[];
  exclude?: string[];
}

/** What a component is: a folder, or a single file (told apart from the upstream tree at its commit). */
export type ComponentKind = 'folder' | 'file';

/**
 * Which files at a component's `dest` belong to it, for every scan, write and removal there.
 * A folder: every file under it, or, with `filters`, the files that one of the filters selects
 * (files outside are never read, written or removed). A file: `dest` itself, which snapshots list
 * under its own name (the last segment of `dest`).
 */
export type ComponentShape = { kind: 'folder'; filters?: FileFilter[] } | { kind: 'file' };

/** One entry of forge.lock.yaml. Key order here is the order written. */
export interface LockEntry {
  name: string;
  repository: string;
  path: string;
  dest: string;
  /** The range from forge.yaml or from the dependent's component.yaml; absent for ref/commit. */
  constraint?: string;
  /** Semver version of the tag, when resolved through a version range. */
  version?: string;
  /** Full ref name (refs/tags/v1.2.3, refs/heads/main); absent for commit pins. */
  ref?: string;
  commit: Oid;
  /**
   * Git tree id of the component's files at `commit`: of `path`'s folder, or, with include/exclude,
   * of exactly the selected files. For a single-file component (`blob` set) it is the id of a
   * tree holding only that file under the name of `dest`: the lockfile does not write it (it
   * writes `blob` and `mode`), the reader computes it, so the engine compares trees for both kinds.
   */
  tree: TreeId;
  /** A single-file component: the git blob id of the file at `commit`, and its mode. */
  blob?: Oid;
  mode?: FileMode;
  /** The patterns from forge.yaml the tree was selected with; a change moves the component like a new range. */
  include?: string[];
  exclude?: string[];
  /** ISO-8601 UTC, second precision; kept unchanged while the commit is unchanged. */
  resolvedAt: string;
  /** Local names of locked components this one needs. */
  dependencies: string[];
  /** Local names of the components whose dependency brought this one in; absent for direct ones. */
  requiredBy?: string[];
}

export interface Lockfile {
  lockfileVersion: 1;
  components: Record<string, LockEntry>;
}

export type ConflictType = 'content' | 'schema' | 'version' | 'dependency';

/**
 * One unresolved conflict, as kept in .forge/state.json. Each side is the git blob id of its
 * content, kept in the BlobStore (.forge/blobs); null: no file on that side.
 */
export interface ConflictRecord {
  type: ConflictType;
  /** Path relative to the component root ('' for whole-component conflicts such as version/dependency). */
  file: string;
  message: string;
  base: Oid | null;
  local: Oid | null;
  upstream: Oid | null;
  /** Modes on each side, for files. */
  modes?: { base: FileMode | null; local: FileMode | null; upstream: FileMode | null };
  binary?: boolean;
}

export type Status = 'synced' | 'modified' | 'outdated' | 'conflict' | 'forked' | 'detached';
export const STATUS_ORDER: Status[] = ['conflict', 'forked', 'modified', 'outdated', 'detached', 'synced'];
