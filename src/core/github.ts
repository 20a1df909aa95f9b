// The GitHub port: what the engine asks of a GitHub host, in forge's words. src/github
// implements it over Octokit; tests implement it in memory or against the loopback
// GitHub-compatible server of src/demo/github-server.ts. Plain types only.

/** A repository on a GitHub host: `owner/name` on `host`. */
export interface RepoName {
  /** github.com, or the GitHub Enterprise host (with its port, if any). */
  host: string;
  owner: string;
  name: string;
}

export function fullName(repo: RepoName): string {
  return `${repo.owner}/${repo.name}`;
}

export interface GitHubRepository extends RepoName {
  /** The branch pull requests go to by default (`main`). */
  defaultBranch: string;
  /**
   * May the token push here? null when GitHub does not say (an Actions installation token):
   * then only the push itself can tell.
   */
  canPush: boolean | null;
  /** The repository this one was forked from (`owner/name`), when it is a fork. */
  parent: string | null;
  /** Git over HTTP(S) address, as GitHub gives it. */
  cloneUrl: string;
  /** The page people open. */
  htmlUrl: string;
  archived: boolean;
  /** False when the owner forbids forks. */
  allowForking: boolean;
}

export type PullRequestState = 'open' | 'closed' | 'merged';

export interface PullRequestInfo {
  number: number;
  url: string;
  state: PullRequestState;
  draft: boolean;
  title: string;
  body: string;
  head: {
    /** Owner of the head repository (`octocat` in `octocat:branch`). */
    owner: string;
    branch: string;
    /** Commit at the tip of the head branch. */
    sha: string;
    /** `owner/name` of the head repository; null when it was deleted. */
    repository: string | null;
  };
  /** Branch it merges into. */
  base: string;
}

export interface NewPullRequest {
  head: { owner: string; branch: string; repository: RepoName };
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

/** What merge-upstream did to a fork branch. */
export type MergeUpstreamOutcome =
  | { kind: 'up-to-date' | 'fast-forward' | 'merge'; message: string }
  /** 409: the branch has commits that conflict with upstream; a person must merge. */
  | { kind: 'conflict'; message: string };

/** A commit as git stores it, read through the API. */
export interface GitCommitInfo {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
}

/** Upstream commits between two commits of a repository. */
export interface CommitRange {
  /** GitHub's page comparing the two commits. */
  compareUrl: string;
  /** How many commits the range holds in all (the path's are among them). */
  total: number;
  /** The commits of the range that touched the path, newest first (at most the first 250 of the range are looked at). */
  commits: { sha: string; subject: string; url: string }[];
}

/** A label forge puts on its pull requests. */
export interface LabelSpec {
  name: string;
  /** Six hex digits, no '#'. */
  color: string;
  description: string;
}

export interface WaitProgress {
  /** 1 for the first wait. */
  attempt: number;
  /** How long this wait is, in seconds. */
  seconds: number;
}

export interface GitHubPort {
  /** The GitHub repository an address (as forge.yaml writes it) names, or null when its host is no GitHub host. */
  locate(repository: string): RepoName | null;
  repository(repo: RepoName): Promise<GitHubRepository>;
  /** The login the token belongs to on `host`; null when the token cannot say (an Actions installation token). */
  viewer(host: string): Promise<string | null>;
  /** Forks `upstream` for the token's user, or returns the fork the user already has (GitHub picks the name: it can be `name-1`). */
  createFork(upstream: RepoName): Promise<GitHubRepository>;
  /** Waits, with a bounded backoff, until a fork just created can take a push; throws E_FORK_NOT_READY when it never does. */
  waitForFork(fork: GitHubRepository, onWait?: (progress: WaitProgress) => void): Promise<void>;
  /** Every fork of `upstream` that `owner` owns. */
  forksOwnedBy(upstream: RepoName, owner: string): Promise<GitHubRepository[]>;
  /** The open pull request on `upstream` whose head is `owner:branch`, if any. */
  findOpenPullRequest(upstream: RepoName, head: { owner: string; branch: string }): Promise<PullRequestInfo | null>;
  pullRequest(upstream: RepoName, number: number): Promise<PullRequestInfo>;
  /** Opens a pull request; E_PR_EXISTS when one is already open for that head. */
  openPullRequest(upstream: RepoName, request: NewPullRequest): Promise<PullRequestInfo>;
  updatePullRequest(upstream: RepoName, number: number, change: { title?: string; body?: string }): Promise<PullRequestInfo>;
  /** How many commits `head` (a branch, or `owner:branch` of another repository of the network) has that `base` lacks, and the reverse. */
  compare(repo: RepoName, base: string, head: string): Promise<{ ahead: number; behind: number }>;
  /** Brings `branch` of a fork up to date with the same branch upstream (GitHub's merge-upstream). */
  mergeUpstream(fork: RepoName, branch: string): Promise<MergeUpstreamOutcome>;
  /** Every open pull request of `repo` (the first 1,000). */
  openPullRequests(repo: RepoName): Promise<PullRequestInfo[]>;
  /** Comments on a pull request, then closes it. */
  closePullRequest(repo: RepoName, number: number, comment: string): Promise<PullRequestInfo>;
  /**
   * Puts labels on a pull request, creating those the repository lacks. A label the token may not
   * create (or a pull request it may not label) is skipped, not an error: `skipped` names them.
   */
  addLabels(repo: RepoName, number: number, labels: readonly LabelSpec[]): Promise<{ applied: string[]; skipped: string[] }>;
  /** A commit of `repo`: message, tree and parents. */
  gitCommit(repo: RepoName, sha: string): Promise<GitCommitInfo>;
  /** A file's bytes at `ref` (`path` from the repository's top); null when there is none (or it is too large for the API). */
  fileContent(repo: RepoName, path: string, ref: string): Promise<Uint8Array | null>;
  /** The commits from `from` (excluded) to `to` that touched `path` (a folder or a file). */
  commitsTouching(repo: RepoName, range: { from: string; to: string; path: string }): Promise<CommitRange>;
}

/** Who makes a commit forge creates: the consumer repository's git identity. */
export interface CommitIdentity {
  author: { name: string; email: string };
  committer: { name: string; email: string };
  /** Minutes, as git and isomorphic-git count them: UTC+2 is -120. */
  timezoneOffset: number;
}
