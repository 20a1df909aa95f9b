// forge sync push: a component's local changes go upstream as one commit on a new branch.
//
// The commit's parent is the locked commit and its tree is the locked tree with the component's
// `path` holding the local folder (exec bits and symlinks as git records them; the rest of the
// repository untouched). With write access it goes to the upstream repository; without, to the
// user's fork (--create-fork: reused, or created and waited for). --create-pr opens a pull
// request against the upstream default branch, or updates the one open for that branch.
// A second push of the component while its pull request is open regenerates the commit on the
// same branch, refusing when someone else moved the branch since (unless --force).
// Afterwards the component is `forked` until its pull request is merged or closed (or, pushed
// without one, until a pull moves its lock).

import { ForgeError, isForgeError } from '../errors.js';
import { fullName, type GitHubPort, type GitHubRepository, type PullRequestInfo, type RepoName } from '../core/github.js';
import { EMPTY_TREE, type LockEntry, type Oid } from '../core/model.js';
import type { ForkRecord, GitIdentity, PullRequestRecord, TreeChange } from '../core/ports.js';
import { shapeOf } from '../core/file-filter.js';
import { isValidBranchName } from '../core/names.js';
import { baseName, repositoryUrl } from '../core/repository.js';
import { structuredChanges } from '../merge/index.js';
import type { EngineContext } from './engine-context.js';
import { lockedSnapshot, readLocalFile } from './pull-plan.js';
import { ensure } from './resolution.js';
import { diffSnapshots, type ChangeKind } from './snapshot.js';
import { upstreamChanges } from './upstream-changes.js';
import { newId, recordState } from './transaction.js';

export interface PushOptions {
  component: string;
  message?: string;
  branch?: string;
  createFork: boolean;
  createPr: boolean;
  title?: string;
  /** --body, or the content of --body-file. */
  body?: string;
  draft: boolean;
  /** Replace the branch even if someone else moved it. */
  force: boolean;
  dryRun: boolean;
}

export interface PushTarget {
  kind: 'upstream' | 'fork';
  /** `owner/name` on GitHub, else the repository address. */
  name: string;
  /** Git URL pushed to. */
  url: string;
  /** Web page (GitHub), else the Git URL. */
  webUrl: string;
}

export interface PushPullRequest {
  number: number | null;
  url: string | null;
  action: 'created' | 'updated' | 'would-create' | 'would-update';
  draft: boolean;
}

export interface PushResult {
  component: string;
  pushed: boolean;
  dryRun: boolean;
  /** Set when nothing was pushed and why. */
  reason: 'no-local-changes' | null;
  /** The upstream repository, as the lock writes it. */
  repository: string;
  /** The locked version and commit the change was made against. */
  base: { version: string | null; commit: Oid };
  files: { file: string; kind: ChangeKind }[];
  target: PushTarget | null;
  /** A fork forge created in this run (false: reused, or no fork). */
  forkCreated: boolean;
  branch: string | null;
  /** The commit pushed (null in a dry run or with nothing to push). */
  commit: Oid | null;
  pullRequest: PushPullRequest | null;
}

/** Hidden in every body forge writes, so a later push knows it may rewrite the body. */
const BODY_MARKER = '<!-- forge:push';

export async function push(ctx: EngineContext, options: PushOptions): Promise<PushResult> {
  const lock = await ctx.lock.read();
  const entry = lock.components[options.component];
  if (!entry) {
    const known = Object.keys(lock.components).sort();
    throw new ForgeError('E_UNKNOWN_COMPONENT', `No locked component named '${options.component}'.`, {
      hint: known.length ? `Locked components: ${known.join(', ')}.` : "Add one with 'forge add'.",
    });
  }
  if ((await ctx.state.conflicts()).some((c) => c.component === entry.name)) {
    throw new ForgeError('E_CONFLICTS', `'${entry.name}' has unresolved conflicts; forge will not push them.`, { hint: `Run 'forge sync resolve ${entry.name}' first.` });
  }
  if (options.branch !== undefined) checkBranchName(options.branch);
  if (options.title !== undefined && options.title.trim() === '') throw new ForgeError('E_USAGE', '--title is empty.');

  // Only the component's own files: a single file, or the files its include/exclude select.
  const local = await ctx.worktree.scan(entry.dest, shapeOf(entry));
  const result: PushResult = {
    component: entry.name,
    pushed: false,
    dryRun: options.dryRun,
    reason: null,
    repository: entry.repository,
    base: { version: entry.version ?? null, commit: entry.commit },
    files: [],
    target: null,
    forkCreated: false,
    branch: null,
    commit: null,
    pullRequest: null,
  };
  if (local.tree === entry.tree) return { ...result, reason: 'no-local-changes' };

  const url = repositoryUrl(entry.repository);
  await ensure(ctx, entry.repository, [{ commit: entry.commit, ...(entry.ref ? { ref: entry.ref } : {}) }]);
  const base = await lockedSnapshot(ctx, entry);
  const diff = diffSnapshots(base, local);
  result.files = diff.map((d) => ({ file: d.path, kind: d.kind }));

  const gh = ctx.github?.() ?? null;
  const located = gh?.locate(entry.repository) ?? null;
  if (!located && (options.createFork || options.createPr)) {
    throw new ForgeError('E_NOT_GITHUB', `${entry.repository} is not on a GitHub host, so forge cannot ${options.createFork ? 'fork it' : 'open a pull request there'}.`, {
      hint: 'Push without --create-fork and --create-pr (with your git credentials), or set GH_HOST if it is a GitHub Enterprise server.',
      data: { component: entry.name, repository: entry.repository },
    });
  }

  // The open push of this component, if any: a new push goes to its branch and updates its
  // pull request. Its pull request is asked first: once merged or closed, a push starts afresh.
  let previous = latestOpenPush(await ctx.state.pullRequests(), entry, options.branch);
  if (previous) [previous] = await refreshPullRequests(ctx, [previous], [entry.name]);
  if (previous?.state !== 'open') previous = undefined;
  const now = ctx.clock.now();
  const branch = options.branch ?? previous?.branch ?? `forge/${entry.name}-${Math.floor(now.getTime() / 1000)}`;
  result.branch = branch;

  const plan = located && gh ? await planGitHubTarget(ctx, gh, located, entry, previous, options) : { target: directTarget(entry), upstream: null, tentative: false, fork: null };
  result.target = plan.target;
  const wantsPull = plan.upstream !== null && (options.createPr || (previous !== undefined && previous.number !== null));

  if (options.dryRun) {
    if (wantsPull && gh) {
      const open = await findOpenPull(gh, plan.upstream!, plan.target, branch, previous);
      result.pullRequest = { number: open?.number ?? null, url: open?.url ?? null, action: open ? 'would-update' : 'would-create', draft: open?.draft ?? options.draft };
    }
    return result;
  }

  const [identity, changes] = await Promise.all([identityFor(ctx, now), upstreamChanges(ctx, entry, diff)]);
  const git = ctx.git();
  const made = await git.createCommit(url, {
    parent: entry.commit,
    changes,
    message: options.message ?? commitMessage(entry, result.files),
    author: identity.author,
    committer: identity.committer,
  });
  result.commit = made.commit;

  const pushTo = async (to: PushTarget) => {
    const again = previous !== undefined && previous.branch === branch && sameHead(previous, to) ? previous : null;
    ctx.reporter.emit({ type: 'component', name: entry.name, message: `pushing ${branch} to ${to.name}` });
    try {
      // Unless --force: a new branch must not exist yet, and a branch forge pushed before must
      // still be where forge left it (then the regenerated commit replaces forge's own).
      await git.push(url, { remote: to.url, commit: made.commit, branch, ...(options.force ? { force: true } : { expect: again ? again.commit : null }) });
    } catch (error) {
      throw explainPushError(error, { entry, branch, target: to, previous: again, canFork: located !== null && to.kind === 'upstream' });
    }
  };
  let { target, fork } = plan;
  try {
    await pushTo(target);
  } catch (error) {
    // Write access was unknown (an Actions installation token) and the refusal says there is none.
    if (!(plan.tentative && options.createFork && gh && located && isForgeError(error) && error.code === 'E_AUTH')) throw error;
    fork = await forkFor(ctx, gh, located, entry);
    target = forkTarget(fork.fork);
    await pushTo(target);
  }
  result.target = target;
  result.forkCreated = fork?.created ?? false;
  if (local.files.length > 0) await ctx.trees.put(local);
  const localTree = local.files.length > 0 ? local.tree : EMPTY_TREE;
  result.pushed = true;

  const record: PullRequestRecord = {
    component: entry.name,
    repository: entry.repository,
    number: null,
    url: null,
    branch,
    headRepository: target.kind === 'fork' ? target.name : entry.repository,
    commit: made.commit,
    base: entry.commit,
    state: 'open',
    createdAt: previous?.branch === branch ? previous.createdAt : now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const forkRecord: ForkRecord | null = fork ? { upstream: entry.repository, fork: fullName(fork.fork), defaultBranch: fork.fork.defaultBranch, createdAt: now.toISOString() } : null;
  // The branch is pushed: remember it at once, so a run cut short from here on (GitHub
  // unreachable, Ctrl-C) is picked up by the next push: same branch, pull request found by its head.
  await recordState(ctx, [...(forkRecord ? [{ kind: 'fork' as const, fork: forkRecord }] : []), { kind: 'pull-request', pullRequest: { ...record, number: previous?.number ?? null, url: previous?.url ?? null } }]);
  let pr: PullRequestInfo | null = null;
  if (wantsPull && gh) {
    const opened = await openOrUpdatePull(ctx, gh, plan.upstream!, target, branch, entry, result, options, previous);
    pr = opened.pr;
    result.pullRequest = { number: pr.number, url: pr.url, action: opened.action, draft: pr.draft };
  }

  // What the push leaves in .forge/ (the push and its pull request, the fork, the sync log entry), in one write.
  await recordState(ctx, [
    ...(forkRecord ? [{ kind: 'fork' as const, fork: forkRecord }] : []),
    { kind: 'pull-request', pullRequest: { ...record, number: pr?.number ?? null, url: pr?.url ?? null } },
    {
      kind: 'history',
      entry: {
        id: newId(ctx, entry.name),
        component: entry.name,
        op: 'push',
        at: now.toISOString(),
        summary: `pushed ${result.files.length} file(s) to ${target.name} ${branch} (${made.commit.slice(0, 7)})${pr ? `, pull request #${pr.number}` : ''}`,
        // A push changes no folder: before and after are the folder as it was pushed.
        before: { lock: entry, tree: localTree },
        after: { lock: entry, tree: localTree },
      },
    },
  ]);
  return result;
}

interface TargetPlan {
  target: PushTarget;
  /** The upstream on GitHub; null when it is not on a GitHub host. */
  upstream: GitHubRepository | null;
  /** Pushing upstream without knowing whether the token may (the push will tell). */
  tentative: boolean;
  fork: { fork: GitHubRepository; created: boolean } | null;
}

function directTarget(entry: LockEntry): PushTarget {
  const url = repositoryUrl(entry.repository);
  return { kind: 'upstream', name: entry.repository, url, webUrl: url };
}

function forkTarget(fork: GitHubRepository): PushTarget {
  return { kind: 'fork', name: fullName(fork), url: fork.cloneUrl, webUrl: fork.htmlUrl };
}

async function planGitHubTarget(ctx: EngineContext, gh: GitHubPort, located: RepoName, entry: LockEntry, previous: PullRequestRecord | undefined, options: PushOptions): Promise<TargetPlan> {
  const upstream = await gh.repository(located);
  if (upstream.archived) {
    throw new ForgeError('E_GITHUB', `${fullName(upstream)} is archived: GitHub takes no pushes or pull requests there.`, { data: { component: entry.name, repository: entry.repository } });
  }
  const upstreamTarget: PushTarget = { kind: 'upstream', name: fullName(upstream), url: repositoryUrl(entry.repository), webUrl: upstream.htmlUrl };
  // A push whose pull request is still open goes where it went before.
  if (previous && previous.headRepository !== entry.repository) {
    const owned = await recordedFork(ctx, gh, located, entry);
    if (owned) return { target: forkTarget(owned), upstream, tentative: false, fork: { fork: owned, created: false } };
  }
  if (upstream.canPush === true) return { target: upstreamTarget, upstream, tentative: false, fork: null };
  if (upstream.canPush === null) return { target: upstreamTarget, upstream, tentative: true, fork: null };
  if (!options.createFork) {
    throw new ForgeError('E_AUTH', `You cannot push to ${fullName(upstream)}: the token has no write access there.`, {
      hint: `Run the push again with --create-fork: forge pushes to your fork of ${fullName(upstream)} (making it if needed)${options.createPr ? '' : ', and --create-pr opens the pull request'}.`,
      data: { component: entry.name, repository: entry.repository },
    });
  }
  if (options.dryRun) {
    const existing = await recordedFork(ctx, gh, located, entry);
    if (existing) return { target: forkTarget(existing), upstream, tentative: false, fork: null };
    const viewer = await gh.viewer(located.host);
    const owned = viewer ? (await gh.forksOwnedBy(located, viewer))[0] : undefined;
    if (owned) return { target: forkTarget(owned), upstream, tentative: false, fork: null };
    const name = `${viewer ?? 'your account'}/${located.name}`;
    return { target: { kind: 'fork', name: `${name} (a new fork)`, url: '', webUrl: '' }, upstream, tentative: false, fork: null };
  }
  const fork = await forkFor(ctx, gh, located, entry);
  return { target: forkTarget(fork.fork), upstream, tentative: false, fork };
}

/** The fork recorded for this upstream, if GitHub still has it. */
async function recordedFork(ctx: EngineContext, gh: GitHubPort, upstream: RepoName, entry: LockEntry): Promise<GitHubRepository | null> {
  const record = (await ctx.state.forks()).find((f) => f.upstream === entry.repository);
  if (!record) return null;
  const [owner, name] = record.fork.split('/');
  try {
    const fork = await gh.repository({ host: upstream.host, owner: owner!, name: name! });
    return fork.parent?.toLowerCase() === fullName(upstream).toLowerCase() ? fork : null;
  } catch (error) {
    if (isForgeError(error) && error.code === 'E_REPO_NOT_FOUND') return null;
    throw error;
  }
}

/** The user's fork: the recorded one, else GitHub's (create-fork returns an existing fork), waited for. */
async function forkFor(ctx: EngineContext, gh: GitHubPort, upstream: RepoName, entry: LockEntry): Promise<{ fork: GitHubRepository; created: boolean }> {
  const recorded = await recordedFork(ctx, gh, upstream, entry);
  if (recorded) return { fork: recorded, created: false };
  ctx.reporter.emit({ type: 'component', name: entry.name, message: `forking ${fullName(upstream)}` });
  const fork = await gh.createFork(upstream);
  await gh.waitForFork(fork, ({ seconds }) =>
    ctx.reporter.emit({ type: 'component', name: entry.name, message: `waiting ${seconds} s for GitHub to finish the fork ${fullName(fork)}` }),
  );
  return { fork, created: true };
}

function sameHead(previous: PullRequestRecord, target: PushTarget): boolean {
  return target.kind === 'upstream' ? previous.headRepository === previous.repository : previous.headRepository.toLowerCase() === target.name.toLowerCase();
}

/** The newest push of this component still awaiting upstream, unless --branch asks for another branch. */
function latestOpenPush(records: PullRequestRecord[], entry: LockEntry, branch: string | undefined): PullRequestRecord | undefined {
  const open = records
    .filter((r) => r.component === entry.name && r.repository === entry.repository && r.state === 'open' && (branch === undefined || r.branch === branch))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return open[0];
}

async function identityFor(ctx: EngineContext, now: Date): Promise<{ author: GitIdentity; committer: GitIdentity }> {
  if (!ctx.identity) throw new ForgeError('E_INTERNAL', 'forge sync push was started without the git identity of the repository.', { hint: 'Report this.' });
  const id = await ctx.identity();
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    author: { ...id.author, timestamp, timezoneOffset: id.timezoneOffset },
    committer: { ...id.committer, timestamp, timezoneOffset: id.timezoneOffset },
  };
}

function explainPushError(
  error: unknown,
  context: { entry: LockEntry; branch: string; target: PushTarget; previous: PullRequestRecord | null; canFork: boolean },
): unknown {
  if (!isForgeError(error)) return error;
  const { entry, branch, target, previous } = context;
  if (error.code === 'E_PUSH_REJECTED') {
    if (previous) {
      return new ForgeError('E_BRANCH_MOVED', `Someone else pushed to ${branch} of ${target.name} after forge's last push there (${previous.commit.slice(0, 7)}).`, {
        hint: `Look at their commits first; then push again with --force to replace them, or with --branch to use a new branch.`,
        data: { component: entry.name, branch, repository: target.name },
        cause: error,
      });
    }
    return new ForgeError('E_BRANCH_MOVED', `Branch ${branch} already exists in ${target.name}; forge pushes to a new branch.`, {
      hint: 'Choose another --branch, or replace that branch with --force.',
      data: { component: entry.name, branch, repository: target.name },
      cause: error,
    });
  }
  if (error.code === 'E_AUTH' && context.canFork) {
    return new ForgeError('E_AUTH', `${target.name} refused the push: no write access there.`, {
      hint: 'Push to your fork instead: run the push again with --create-fork (and --create-pr to open the pull request).',
      data: { component: entry.name, repository: entry.repository },
      cause: error,
    });
  }
  return error;
}

function commitMessage(entry: LockEntry, files: { file: string; kind: ChangeKind }[]): string {
  const against = entry.version ? `${entry.version} (${entry.commit.slice(0, 7)})` : entry.commit.slice(0, 7);
  const list = files.slice(0, 20).map((f) => `- ${f.file} (${f.kind === 'mode' ? 'mode changed' : f.kind})`);
  if (files.length > 20) list.push(`- … and ${files.length - 20} more`);
  return `Update ${baseName(entry.path)}\n\nLocal changes to ${entry.path}, made against ${against}:\n\n${list.join('\n')}\n`;
}

async function findOpenPull(gh: GitHubPort, upstream: GitHubRepository, target: PushTarget, branch: string, previous: PullRequestRecord | undefined): Promise<PullRequestInfo | null> {
  if (previous?.number && previous.branch === branch) {
    const pr = await gh.pullRequest(upstream, previous.number);
    if (pr.state === 'open') return pr;
  }
  if (!target.url) return null;
  const owner = target.kind === 'fork' ? target.name.split('/')[0]! : upstream.owner;
  return gh.findOpenPullRequest(upstream, { owner, branch });
}

async function openOrUpdatePull(
  ctx: EngineContext,
  gh: GitHubPort,
  upstream: GitHubRepository,
  target: PushTarget,
  branch: string,
  entry: LockEntry,
  result: PushResult,
  options: PushOptions,
  previous: PullRequestRecord | undefined,
): Promise<{ pr: PullRequestInfo; action: 'created' | 'updated' }> {
  const body = options.body ?? (await generatedBody(ctx, entry, result));
  const owner = target.kind === 'fork' ? target.name.split('/')[0]! : upstream.owner;
  const update = async (pr: PullRequestInfo) => {
    // Rewrite only what forge wrote (or what the user gives now): a body edited on GitHub stays.
    const change: { title?: string; body?: string } = {};
    if (options.title !== undefined && options.title !== pr.title) change.title = options.title;
    if ((options.body !== undefined || pr.body.includes(BODY_MARKER)) && body !== pr.body) change.body = body;
    return { pr: Object.keys(change).length ? await gh.updatePullRequest(upstream, pr.number, change) : pr, action: 'updated' as const };
  };
  const open = await findOpenPull(gh, upstream, target, branch, previous);
  if (open) return update(open);
  const [owningRepo, repoName] = target.kind === 'fork' ? target.name.split('/') : [upstream.owner, upstream.name];
  try {
    const pr = await gh.openPullRequest(upstream, {
      head: { owner, branch, repository: { host: upstream.host, owner: owningRepo!, name: repoName! } },
      base: upstream.defaultBranch,
      title: options.title ?? defaultTitle(entry, result.files.length),
      body,
      draft: options.draft,
    });
    return { pr, action: 'created' };
  } catch (error) {
    // Opened meanwhile (by another run, or by hand on GitHub): update that one, never a second.
    if (!isForgeError(error) || error.code !== 'E_PR_EXISTS') throw error;
    const found = await gh.findOpenPullRequest(upstream, { owner, branch });
    if (!found) throw error;
    return update(found);
  }
}

function defaultTitle(entry: LockEntry, files: number): string {
  return `Update ${baseName(entry.path)} (${files} file${files === 1 ? '' : 's'})`;
}

const show = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

/** Lists the files changed, the field changes (as forge dev diff shows them) and the version the change was made against. */
async function generatedBody(ctx: EngineContext, entry: LockEntry, result: PushResult): Promise<string> {
  const url = repositoryUrl(entry.repository);
  const git = ctx.git();
  const base = await lockedSnapshot(ctx, entry);
  const local = await ctx.worktree.scan(entry.dest, shapeOf(entry));
  const against = entry.version ? `version ${entry.version} (commit ${entry.commit.slice(0, 7)})` : `commit ${entry.commit.slice(0, 7)}${entry.ref ? ` of ${entry.ref.replace(/^refs\/(heads|tags)\//, '')}` : ''}`;
  const lines = [`Local changes to \`${entry.path}\`, made against ${against}, sent with \`forge sync push\`.`, '', '**Files changed**', ''];
  for (const f of result.files) lines.push(`- \`${f.file}\` (${f.kind === 'mode' ? 'mode changed' : f.kind})`);
  const fields: string[] = [];
  for (const change of diffSnapshots(base, local)) {
    if (!/\.(ya?ml|json)$/i.test(change.path) || !change.before || !change.after) continue;
    const before = new TextDecoder().decode(await git.readBlob(url, change.before.oid));
    const after = new TextDecoder().decode(await readLocalFile(ctx, entry.dest, change.path, shapeOf(entry)));
    let found;
    try {
      found = structuredChanges(change.path, before, after);
    } catch {
      continue; // a file that no longer parses has no field view; the file list names it
    }
    for (const c of found) {
      const text = c.kind === 'changed' ? `Modified: ${c.field} (${show(c.before)} → ${show(c.after)})` : c.kind === 'added' ? `Added: ${c.field} = ${show(c.after)}` : `Removed: ${c.field} (was ${show(c.before)})`;
      fields.push(`- \`${change.path}\`: ${text}`);
    }
  }
  if (fields.length) lines.push('', '**Field changes**', '', ...fields);
  lines.push('', `${BODY_MARKER} component=${entry.name} base=${entry.commit} -->`);
  return lines.join('\n');
}

/**
 * Asks GitHub for the state of each recorded pull request still open, saves what changed and
 * returns every record as it now stands. A pull request that cannot be read keeps its recorded
 * state, with a warning.
 */
export async function refreshPullRequests(ctx: EngineContext, records: PullRequestRecord[], components: readonly string[]): Promise<PullRequestRecord[]> {
  const gh = ctx.github?.();
  if (!gh) return records;
  return Promise.all(
    records.map(async (record) => {
      if (record.state !== 'open' || record.number === null || !components.includes(record.component)) return record;
      const upstream = gh.locate(record.repository);
      if (!upstream) return record;
      try {
        const pr = await gh.pullRequest(upstream, record.number);
        if (pr.state === record.state) return record;
        const updated: PullRequestRecord = { ...record, state: pr.state, updatedAt: ctx.clock.now().toISOString() };
        await recordState(ctx, [{ kind: 'pull-request', pullRequest: updated }]);
        return updated;
      } catch (error) {
        if (!isForgeError(error)) throw error;
        ctx.reporter.emit({ type: 'warning', component: record.component, message: `Could not read the state of pull request ${record.url}: ${error.message}` });
        return record;
      }
    }),
  );
}

/** git check-ref-format's rules for a branch name. */
function checkBranchName(branch: string): void {
  if (!isValidBranchName(branch)) throw new ForgeError('E_USAGE', `--branch '${branch}' is not a valid git branch name.`, { hint: 'Use letters, digits, - _ . and / (e.g. forge/my-fix).' });
}
