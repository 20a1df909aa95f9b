/**
 * An in-memory GitHubPort over the fake upstreams of fakes.ts, for unit tests of push and fork
 * sync. Forks are FakeUpstream.forkOf copies (so a push to a fork lands in a FakeRepository),
 * pull requests live in a list, and every call is counted.
 *
 *   const hub = new FakeGitHub(world.upstream, { login: 'octocat' });
 *   hub.addRepository(TOOLS, { canPush: false });
 *   const ctx = makeContext(world, { github: () => hub, identity: async () => IDENTITY });
 */
import type { CommitRange, GitCommitInfo, GitHubPort, GitHubRepository, LabelSpec, MergeUpstreamOutcome, NewPullRequest, PullRequestInfo, RepoName } from '../../src/core/github.js';
import { ForgeError } from '../../src/errors.js';
import { repositoryId } from '../../src/core/repository.js';
import type { FakeUpstream } from './fakes.js';

export const IDENTITY = { author: { name: 'Ada Lovelace', email: 'ada@example.com' }, committer: { name: 'Ada Lovelace', email: 'ada@example.com' }, timezoneOffset: -120 };

interface Entry {
  repo: GitHubRepository;
  address: string;
}

export class FakeGitHub implements GitHubPort {
  readonly repos = new Map<string, Entry>();
  readonly pulls: (PullRequestInfo & { repository: string })[] = [];
  readonly calls: string[] = [];
  /** Polls waitForFork would make before a new fork is ready. */
  forkWaits = 2;
  /** Makes the next openPullRequest fail as if another run opened one meanwhile. */
  raceOnOpen = false;
  /** Comments forge wrote, per pull request number. */
  readonly comments = new Map<number, string[]>();
  /** Labels per pull request number. */
  readonly labels = new Map<number, string[]>();
  /** The token may not create or apply labels (GITHUB_TOKEN without the permission). */
  labelsForbidden = false;
  /** Makes the next openPullRequest throw this (GitHub unreachable, say). */
  failNextOpen: Error | null = null;
  login: string | null;

  constructor(
    private readonly upstream: FakeUpstream,
    options: { login: string | null },
  ) {
    this.login = options.login;
  }

  private key(repo: RepoName): string {
    return `${repo.owner}/${repo.name}`.toLowerCase();
  }

  /** Registers an upstream (an address as forge.yaml writes it, github.com/OWNER/NAME). */
  addRepository(address: string, options: { canPush: boolean | null; defaultBranch?: string; archived?: boolean }): GitHubRepository {
    const [, owner, name] = repositoryId(address).split('/');
    const repo: GitHubRepository = {
      host: 'github.com',
      owner: owner!,
      name: name!,
      defaultBranch: options.defaultBranch ?? 'main',
      canPush: options.canPush,
      parent: null,
      cloneUrl: `https://github.com/${owner}/${name}.git`,
      htmlUrl: `https://github.com/${owner}/${name}`,
      archived: options.archived ?? false,
      allowForking: true,
    };
    this.repos.set(this.key(repo), { repo, address });
    return repo;
  }

  locate(repository: string): RepoName | null {
    const id = repositoryId(repository);
    const [host, owner, name, ...rest] = id.split('/');
    return host === 'github.com' && owner && name && rest.length === 0 ? { host: 'github.com', owner, name } : null;
  }

  private find(repo: RepoName): Entry {
    const found = this.repos.get(this.key(repo));
    if (!found) throw new ForgeError('E_REPO_NOT_FOUND', `GitHub found nothing while reading ${repo.owner}/${repo.name} (HTTP 404).`);
    return found;
  }

  async repository(repo: RepoName): Promise<GitHubRepository> {
    this.calls.push(`repository ${repo.owner}/${repo.name}`);
    return { ...this.find(repo).repo };
  }

  async viewer(): Promise<string | null> {
    this.calls.push('viewer');
    return this.login;
  }

  async createFork(upstream: RepoName): Promise<GitHubRepository> {
    this.calls.push(`createFork ${upstream.owner}/${upstream.name}`);
    if (!this.login) throw new ForgeError('E_AUTH', 'GitHub refused forking (HTTP 403: Resource not accessible by integration).');
    const up = this.find(upstream);
    const existing = [...this.repos.values()].find((e) => e.repo.owner === this.login && e.repo.parent === `${up.repo.owner}/${up.repo.name}`);
    if (existing) return { ...existing.repo };
    let name = up.repo.name;
    for (let i = 1; this.repos.has(`${this.login}/${name}`.toLowerCase()); i++) name = `${up.repo.name}-${i}`;
    const address = `github.com/${this.login}/${name}`;
    this.upstream.forkOf(up.address, address);
    const fork: GitHubRepository = {
      ...up.repo,
      owner: this.login,
      name,
      canPush: true,
      parent: `${up.repo.owner}/${up.repo.name}`,
      cloneUrl: `https://github.com/${this.login}/${name}.git`,
      htmlUrl: `https://github.com/${this.login}/${name}`,
    };
    this.repos.set(this.key(fork), { repo: fork, address });
    return { ...fork };
  }

  async waitForFork(fork: GitHubRepository, onWait?: (p: { attempt: number; seconds: number }) => void): Promise<void> {
    this.calls.push(`waitForFork ${fork.owner}/${fork.name}`);
    for (let attempt = 1; attempt <= this.forkWaits; attempt++) onWait?.({ attempt, seconds: 2 ** (attempt - 1) });
  }

  async forksOwnedBy(upstream: RepoName, owner: string): Promise<GitHubRepository[]> {
    this.calls.push(`forksOwnedBy ${upstream.owner}/${upstream.name}`);
    const parent = `${upstream.owner}/${upstream.name}`.toLowerCase();
    return [...this.repos.values()].filter((e) => e.repo.parent?.toLowerCase() === parent && e.repo.owner.toLowerCase() === owner.toLowerCase()).map((e) => ({ ...e.repo }));
  }

  /** The tip of a branch, as the fake upstream holds it. */
  private branchTip(repository: string, branch: string): string {
    return this.upstream.repo(repository).refs.get(`refs/heads/${branch}`) ?? '';
  }

  async findOpenPullRequest(upstream: RepoName, head: { owner: string; branch: string }): Promise<PullRequestInfo | null> {
    this.calls.push(`findOpenPullRequest ${head.owner}:${head.branch}`);
    const found = this.pulls.find((p) => p.repository === this.key(upstream) && p.state === 'open' && p.head.owner.toLowerCase() === head.owner.toLowerCase() && p.head.branch === head.branch);
    return found ? this.view(found) : null;
  }

  private view(pr: PullRequestInfo & { repository: string }): PullRequestInfo {
    const { repository: _r, ...rest } = pr;
    const headEntry = pr.head.repository ? this.repos.get(pr.head.repository.toLowerCase()) : undefined;
    return { ...rest, head: { ...rest.head, sha: headEntry ? this.branchTip(headEntry.address, pr.head.branch) : rest.head.sha } };
  }

  async pullRequest(upstream: RepoName, number: number): Promise<PullRequestInfo> {
    this.calls.push(`pullRequest #${number}`);
    const found = this.pulls.find((p) => p.repository === this.key(upstream) && p.number === number);
    if (!found) throw new ForgeError('E_REPO_NOT_FOUND', `GitHub found nothing while reading pull request #${number} (HTTP 404).`);
    return this.view(found);
  }

  async openPullRequest(upstream: RepoName, request: NewPullRequest): Promise<PullRequestInfo> {
    this.calls.push(`openPullRequest ${request.head.owner}:${request.head.branch}`);
    if (this.failNextOpen) {
      const error = this.failNextOpen;
      this.failNextOpen = null;
      throw error;
    }
    const repository = this.key(upstream);
    const make = (): PullRequestInfo & { repository: string } => {
      const number = this.pulls.filter((p) => p.repository === repository).length + 1;
      return {
        repository,
        number,
        url: `https://github.com/${upstream.owner}/${upstream.name}/pull/${number}`,
        state: 'open',
        draft: request.draft,
        title: request.title,
        body: request.body,
        head: { owner: request.head.owner, branch: request.head.branch, sha: '', repository: `${request.head.repository.owner}/${request.head.repository.name}` },
        base: request.base,
      };
    };
    if (this.raceOnOpen) {
      this.raceOnOpen = false;
      const other = make();
      this.pulls.push(other);
      throw new ForgeError('E_PR_EXISTS', `Pull request #${other.number} is already open.`, { data: { number: other.number } });
    }
    const existing = this.pulls.find((p) => p.repository === repository && p.state === 'open' && p.head.owner === request.head.owner && p.head.branch === request.head.branch);
    if (existing) throw new ForgeError('E_PR_EXISTS', `Pull request #${existing.number} is already open.`, { data: { number: existing.number } });
    const pr = make();
    this.pulls.push(pr);
    return this.view(pr);
  }

  async updatePullRequest(upstream: RepoName, number: number, change: { title?: string; body?: string }): Promise<PullRequestInfo> {
    this.calls.push(`updatePullRequest #${number} ${Object.keys(change).sort().join(',')}`);
    const found = this.pulls.find((p) => p.repository === this.key(upstream) && p.number === number)!;
    Object.assign(found, change);
    return this.view(found);
  }

  /** Merges or closes a pull request, as a maintainer on GitHub would. */
  settle(number: number, state: 'merged' | 'closed'): void {
    const found = this.pulls.find((p) => p.number === number)!;
    found.state = state;
  }

  /** Commits reachable from `tip` in a fake repository (its first-parent and merge history). */
  private ancestry(repository: string, tip: string): Set<string> {
    const repo = this.upstream.repo(repository);
    const seen = new Set<string>();
    const stack = tip ? [tip] : [];
    while (stack.length) {
      const oid = stack.pop()!;
      if (seen.has(oid)) continue;
      seen.add(oid);
      stack.push(...(repo.commits.get(oid)?.info.parents ?? []));
    }
    return seen;
  }

  /** The repository a network of forks started from. */
  private root(entry: Entry): string {
    let current = entry;
    while (current.repo.parent) current = this.repos.get(current.repo.parent.toLowerCase())!;
    return this.key(current.repo);
  }

  /** `owner:branch` (that owner's repository of the same network) or `branch` (this one) → its address and tip. */
  private side(repo: RepoName, spec: string): { address: string; tip: string } {
    const here = this.find(repo);
    const colon = spec.indexOf(':');
    const entry = colon < 0 ? here : [...this.repos.values()].find((e) => e.repo.owner.toLowerCase() === spec.slice(0, colon).toLowerCase() && this.root(e) === this.root(here))!;
    return { address: entry.address, tip: this.branchTip(entry.address, colon < 0 ? spec : spec.slice(colon + 1)) };
  }

  async compare(repo: RepoName, base: string, head: string): Promise<{ ahead: number; behind: number }> {
    this.calls.push(`compare ${repo.owner}/${repo.name} ${base}...${head}`);
    const b = this.side(repo, base);
    const h = this.side(repo, head);
    const fromBase = this.ancestry(b.address, b.tip);
    const fromHead = this.ancestry(h.address, h.tip);
    return { ahead: [...fromHead].filter((c) => !fromBase.has(c)).length, behind: [...fromBase].filter((c) => !fromHead.has(c)).length };
  }

  /** Fast-forwards a fork's branch when it has no commits of its own; anything else is a conflict here (the loopback server merges for real). */
  async mergeUpstream(fork: RepoName, branch: string): Promise<MergeUpstreamOutcome> {
    this.calls.push(`mergeUpstream ${fork.owner}/${fork.name} ${branch}`);
    const entry = this.find(fork);
    const upstream = [...this.repos.values()].find((e) => this.key(e.repo) === entry.repo.parent?.toLowerCase())!;
    const ours = this.branchTip(entry.address, branch);
    const theirs = this.branchTip(upstream.address, branch);
    if (this.ancestry(entry.address, ours).has(theirs)) return { kind: 'up-to-date', message: 'This branch is not behind the upstream.' };
    if (!this.ancestry(upstream.address, theirs).has(ours)) return { kind: 'conflict', message: 'There are merge conflicts' };
    const forkRepo = this.upstream.repo(entry.address);
    for (const [oid, c] of this.upstream.repo(upstream.address).commits) forkRepo.commits.set(oid, c);
    forkRepo.refs.set(`refs/heads/${branch}`, theirs);
    return { kind: 'fast-forward', message: 'Successfully fetched and fast-forwarded from upstream.' };
  }

  async openPullRequests(repo: RepoName): Promise<PullRequestInfo[]> {
    this.calls.push(`openPullRequests ${repo.owner}/${repo.name}`);
    return this.pulls.filter((p) => p.repository === this.key(repo) && p.state === 'open').map((p) => this.view(p));
  }

  async closePullRequest(repo: RepoName, number: number, comment: string): Promise<PullRequestInfo> {
    this.calls.push(`closePullRequest #${number}`);
    const found = this.pulls.find((p) => p.repository === this.key(repo) && p.number === number)!;
    this.comments.set(number, [...(this.comments.get(number) ?? []), comment]);
    found.state = 'closed';
    return this.view(found);
  }

  async addLabels(repo: RepoName, number: number, labels: readonly LabelSpec[]): Promise<{ applied: string[]; skipped: string[] }> {
    this.calls.push(`addLabels #${number} ${labels.map((l) => l.name).join(',')}`);
    if (this.labelsForbidden) return { applied: [], skipped: labels.map((l) => l.name) };
    this.labels.set(number, [...new Set([...(this.labels.get(number) ?? []), ...labels.map((l) => l.name)])]);
    return { applied: labels.map((l) => l.name), skipped: [] };
  }

  async gitCommit(repo: RepoName, sha: string): Promise<GitCommitInfo> {
    this.calls.push(`gitCommit ${sha.slice(0, 7)}`);
    const commit = this.upstream.repo(this.find(repo).address).commits.get(sha);
    if (!commit) throw new ForgeError('E_REPO_NOT_FOUND', `GitHub found nothing while reading commit ${sha} (HTTP 404).`);
    return { sha, message: commit.info.message, tree: commit.info.tree, parents: commit.info.parents };
  }

  /** The range's commits whose folder `path` differs from their first parent's (folders only; the loopback server does files too). */
  async commitsTouching(repo: RepoName, range: { from: string; to: string; path: string }): Promise<CommitRange> {
    this.calls.push(`commitsTouching ${repo.owner}/${repo.name} ${range.path}`);
    const entry = this.find(repo);
    const fake = this.upstream.repo(entry.address);
    const before = this.ancestry(entry.address, range.from);
    const inRange = [...this.ancestry(entry.address, range.to)].filter((c) => !before.has(c));
    const touched = inRange.filter((oid) => {
      const parent = fake.commits.get(oid)!.info.parents[0];
      return !parent || fake.treeAt(oid, range.path) !== fake.treeAt(parent, range.path);
    });
    const order = (oid: string) => fake.commits.get(oid)!.info.author.timestamp;
    return {
      compareUrl: `${entry.repo.htmlUrl}/compare/${range.from}...${range.to}`,
      total: inRange.length,
      commits: touched.sort((a, b) => order(b) - order(a)).map((sha) => ({ sha, subject: fake.commits.get(sha)!.info.message.split('\n')[0]!, url: `${entry.repo.htmlUrl}/commit/${sha}` })),
    };
  }

  async fileContent(repo: RepoName, path: string, ref: string): Promise<Uint8Array | null> {
    this.calls.push(`fileContent ${path}@${ref.slice(0, 7)}`);
    const commit = this.upstream.repo(this.find(repo).address).commits.get(ref);
    return commit?.files.get(path)?.content ?? null;
  }
}
