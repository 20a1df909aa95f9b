// What every engine function receives: the ports, built by src/context.ts for
// real runs and by test/helpers/fakes.ts for unit tests.

import type {
  BlobStore,
  Clock,
  GitPort,
  LockStore,
  ManifestStore,
  Reporter,
  StateStore,
  WorktreePort,
} from '../core/ports.js';
import type { TreeIndex } from '../core/ports.js';
import type { CommitIdentity, GitHubPort } from '../core/github.js';
import type { ConsumerRepoPort } from '../core/consumer-repo.js';

export type { TreeIndex };

export interface EngineContext {
  manifest: ManifestStore;
  lock: LockStore;
  state: StateStore;
  blobs: BlobStore;
  trees: TreeIndex;
  worktree: WorktreePort;
  /** Built on first use, so `status --offline` never builds it. */
  git: () => GitPort;
  /** GitHub hosts (push, forks, pull requests); built on first use, Octokit loaded on first request. */
  github?: () => GitHubPort;
  /** The consumer repository's own git (the update pull request commits and pushes there); built on first use. */
  consumer?: () => ConsumerRepoPort;
  /** The consumer repository's git identity, for commits forge makes (push). */
  identity?: () => Promise<CommitIdentity>;
  clock: Clock;
  reporter: Reporter;
  /** Parallel repositories at once. */
  concurrency: number;
  /**
   * Named points in the writers where a test can stop the process dead (kill -9) to prove
   * that recovery works. Real runs pass nothing.
   */
  faults?: { at(point: 'after-first-folder' | 'before-lock' | 'before-state'): void };
}
