// The consumer repository's own git (the repository that holds forge.yaml), for the update pull
// request: `forge sync pull --pr` builds one commit on the repository's HEAD and pushes it to a
// branch of its remote. src/git/consumer-repo.ts implements it; paths are relative to the folder
// of forge.yaml (which may sit below the repository's top folder), POSIX separators.

import type { FileEntry, FileMode, Oid } from './model.js';
import type { GitIdentity } from './ports.js';

export interface ConsumerHead {
  commit: Oid;
  /** The branch checked out (`main`); null on a detached HEAD. */
  branch: string | null;
}

/** What one path holds in the new commit. */
export type CommitPath =
  /** A folder holding exactly these files, read from the working tree (each must still hash to its id). */
  | { kind: 'folder'; path: string; files: readonly FileEntry[] }
  /** One file with this content. */
  | { kind: 'file'; path: string; mode: FileMode; content: Uint8Array }
  /** Nothing: the file or folder is removed. */
  | { kind: 'absent'; path: string };

export interface ConsumerCommitInput {
  parent: Oid;
  /** The parent's tree with each of these paths replaced (everything else untouched). */
  paths: readonly CommitPath[];
  message: string;
  author: GitIdentity;
  committer: GitIdentity;
}

export interface ConsumerPushInput {
  /** The remote's URL (never with credentials in it). */
  remote: string;
  commit: Oid;
  /** Without `refs/heads/`. */
  branch: string;
  /** The branch must be at this commit now (null: must not exist): a compare-and-swap, so a push made meanwhile is never lost. */
  expect: Oid | null;
}

export interface ConsumerRepoPort {
  /** HEAD's commit and branch; null when the folder is in no git repository, or one without commits. */
  head(): Promise<ConsumerHead | null>;
  /** The URL of a remote (`origin`) as git would use it, credentials removed; null when there is no such remote. */
  remoteUrl(name: string): Promise<string | null>;
  /** `path` (relative to the folder of forge.yaml) as the repository names it, from its top folder. */
  repositoryPath(path: string): Promise<string>;
  /** The id of the tree or blob at `path` in `commit`; null when nothing is there. */
  objectAt(commit: Oid, path: string): Promise<Oid | null>;
  /** Writes the objects and the commit into the repository (no ref, no index, no working tree file is touched). */
  createCommit(input: ConsumerCommitInput): Promise<{ commit: Oid; tree: Oid }>;
  /** Every branch of the remote and the commit it points at (`main` → id), as ls-remote lists them. */
  remoteBranches(url: string): Promise<Map<string, Oid>>;
  /** True when `ancestor` is `commit` or one of its ancestors, as far as the local repository knows. */
  isAncestor(ancestor: Oid, commit: Oid): Promise<boolean>;
  /** Pushes `commit` to the branch; sends only what the commit adds to its parent (the remote must have the parent). */
  push(input: ConsumerPushInput): Promise<void>;
}
