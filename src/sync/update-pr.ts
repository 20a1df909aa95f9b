// forge sync pull --pr: the update bot (what Dependabot and Renovate do for packages, for
// components, keeping this repository's own edits).
//
//   1. The pull runs with --merge: local edits are merged three-way. A component whose merge
//      would conflict is held at its lock entry and planned again without it (as are the ones
//      that can only move with it): they need a person, and nothing of theirs is written.
//   2. Everything else is pulled into the working tree (the usual transaction), then committed
//      as one commit on HEAD: the component folders as the pull left them and forge.lock.yaml.
//      --pr-per-component makes one commit per component (with the dependencies it moves).
//   3. The commit goes to `forge/update` (or `forge/update/NAME`) on origin, replacing what forge
//      put there before; a branch whose tip is not forge's own commit holds someone else's work
//      and is left alone (a person decides), as Renovate does.
//   4. The pull request for the branch is opened, or updated (never a second one); one that has
//      nothing left to carry is closed with a comment.
//
// The engine never asks GitHub who the token belongs to (an Actions token cannot say): the branch
// lives in the repository itself.

import PQueue from 'p-queue';
import { ForgeError, isForgeError } from '../errors.js';
import { fullName, type GitHubPort, type GitHubRepository, type LabelSpec, type PullRequestInfo } from '../core/github.js';
import type { ConsumerHead, ConsumerRepoPort, CommitPath } from '../core/consumer-repo.js';
import { blobId } from '../core/blob-id.js';
import { isValidBranchName } from '../core/names.js';
import { SINGLE_FILE, WHOLE_FOLDER, filterOf, shapeOf } from '../core/file-filter.js';
import { EMPTY_TREE, type ComponentShape, type LockEntry, type Lockfile, type Manifest, type Oid } from '../core/model.js';
import type { GitIdentity } from '../core/ports.js';
import { applyPlan } from './apply.js';
import type { EngineContext } from './engine-context.js';
import { planPull, type ComponentPlan, type PullPlan } from './pull-plan.js';
import {
  closingComment,
  commitMessage,
  isUpdateBody,
  isUpdateCommit,
  pullRequestBody,
  pullRequestTitle,
  versionLabel,
  type ComponentUpdate,
  type NeedsPerson,
  type UpstreamChanges,
} from './update-body.js';

export type { ComponentUpdate, NeedsPerson } from './update-body.js';

export const DEFAULT_UPDATE_BRANCH = 'forge/update';
const LOCKFILE = 'forge.lock.yaml';
const MANIFEST = 'forge.yaml';

export const UPDATE_LABELS: readonly LabelSpec[] = [
  { name: 'forge', color: '5319e7', description: 'Components kept current by forge' },
  { name: 'dependencies', color: '0366d6', description: 'Pull requests that update a dependency' },
];

export interface UpdatePrOptions {
  /** Components to update (and what they depend on); empty: all. */
  names: string[];
  /** The branch (`forge/update`), or with perComponent the prefix of `BRANCH/NAME`. */
  branch: string;
  perComponent: boolean;
  /** Who commits when git has no identity here (the Actions bot in a workflow); absent: E_NO_IDENTITY, as for push. */
  fallbackIdentity?: { name: string; email: string };
}

export type PullRequestOperation = 'created' | 'updated' | 'closed' | 'none';

export interface UpdatePullRequest {
  branch: string;
  components: string[];
  operation: PullRequestOperation;
  number: number | null;
  url: string | null;
  /** The branch's commit (null when nothing was committed). */
  commit: Oid | null;
  /** Whether this run moved the branch (false: it already held the same update). */
  pushed: boolean;
  labels: string[];
}

export interface UpdatePrResult {
  /** The consumer repository on GitHub (`owner/name`). */
  repository: string;
  /** The commit the update is built on, and the branch pull requests go to. */
  base: { commit: Oid; branch: string };
  updates: ComponentUpdate[];
  needsPerson: (NeedsPerson & { line: number | null })[];
  pullRequests: UpdatePullRequest[];
  /** The pull's plan, for --json (the same shape plain pull prints). */
  plan: PullPlan;
}

interface Group {
  branch: string;
  components: ComponentPlan[];
}

export async function updatePullRequests(ctx: EngineContext, options: UpdatePrOptions): Promise<UpdatePrResult> {
  checkBranchName(options.branch);
  const consumer = ctx.consumer?.();
  const gh = ctx.github?.();
  if (!consumer || !gh) throw new ForgeError('E_INTERNAL', 'forge sync pull --pr was started without the repository or GitHub adapters.', { hint: 'Report this.' });

  const head = await consumer.head();
  if (!head) {
    throw new ForgeError('E_USAGE', 'forge sync pull --pr needs forge.yaml in a git repository with at least one commit.', {
      hint: "Commit forge.yaml, forge.lock.yaml and the components, push them, then run it again.",
    });
  }
  const origin = await consumer.remoteUrl('origin');
  if (!origin) throw new ForgeError('E_USAGE', 'This repository has no remote named origin, so forge has nowhere to push the update branch.', { hint: 'git remote add origin https://github.com/OWNER/REPO' });
  const located = gh.locate(origin);
  if (!located) {
    throw new ForgeError('E_NOT_GITHUB', `origin (${origin}) is not a GitHub repository, so forge cannot open a pull request there.`, {
      hint: 'Point origin at the repository on GitHub (https://github.com/OWNER/REPO), or set GH_HOST for GitHub Enterprise.',
      data: { origin },
    });
  }
  const repo = await gh.repository(located);
  const branches = await consumer.remoteBranches(origin);
  await requirePublished(consumer, head, branches, repo);

  const manifest = await ctx.manifest.read();
  const lockBefore = await ctx.lock.read();
  await requireCommitted(ctx, consumer, head, manifest, lockBefore);

  // 1. Plan with --merge; hold back what would conflict, until nothing does.
  const conflicting = new Map<string, ComponentPlan>();
  let plan = await planPull(ctx, { names: options.names, strategy: 'merge' });
  for (let round = 0; round < 100; round++) {
    const found = plan.components.filter((c) => c.action === 'conflict');
    if (found.length === 0) break;
    for (const c of found) conflicting.set(c.name, c);
    plan = await planPull(ctx, { names: options.names, strategy: 'merge', hold: new Set(conflicting.keys()) });
  }
  const needsPerson = peopleNeeded(plan, conflicting, manifest);

  // 2. Pull the rest into the working tree.
  const active = plan.components.filter((c) => c.action !== 'no-op' && c.action !== 'blocked');
  const lockChanged = ctx.lock.format(plan.lock) !== ctx.lock.format(lockBefore);
  if (active.length > 0 || lockChanged) await applyPlan(ctx, plan);

  const updates = await describeUpdates(ctx, gh, active);
  const byName = new Map(updates.map((u) => [u.name, u]));
  const groups: Group[] = options.perComponent
    ? perComponentGroups(active, lockBefore, plan.lock).map((g) => ({ branch: `${options.branch}/${g.root}`, components: g.components }))
    : active.length > 0 || lockChanged
      ? [{ branch: options.branch, components: active }]
      : [];

  const identity = await identityFor(ctx, options);
  const result: UpdatePrResult = {
    repository: fullName(repo),
    base: { commit: head.commit, branch: repo.defaultBranch },
    updates,
    needsPerson,
    pullRequests: [],
    plan,
  };

  // 3 and 4, per branch.
  for (const group of groups) {
    const lock = options.perComponent ? groupLock(lockBefore, plan.lock, group.components) : plan.lock;
    const groupUpdates = group.components.map((c) => byName.get(c.name)!);
    const outcome = await publish(ctx, { consumer, gh, repo, origin, head, branches, identity }, { branch: group.branch, components: group.components, updates: groupUpdates, lock, needsPerson: options.perComponent ? [] : needsPerson });
    if (outcome === 'refused') {
      const names = group.components.map((c) => c.name);
      result.needsPerson.push({
        name: names.join(', '),
        reason: 'branch',
        message: `The branch ${group.branch} holds commits that are not forge's; forge leaves it alone.`,
        files: [],
        from: null,
        to: null,
        command: `git push origin --delete ${group.branch}`,
        line: names.length === 1 ? lineOf(manifest, names[0]!) : null,
      });
      continue;
    }
    result.pullRequests.push(outcome);
  }

  // Update pull requests that have nothing left to carry are closed.
  const current = new Set(groups.map((g) => g.branch));
  const stale = await staleUpdatePullRequests(gh, repo, options, current);
  for (const pr of stale) {
    // A component that needs a person keeps its own pull request open (--pr-per-component): it says what was there.
    if (options.perComponent && needsPerson.some((n) => `${options.branch}/${n.name}` === pr.head.branch)) continue;
    ctx.reporter.emit({ type: 'component', name: pr.head.branch, message: `closing pull request #${pr.number}` });
    const closed = await gh.closePullRequest(repo, pr.number, closingComment(options.perComponent ? [] : needsPerson));
    result.pullRequests.push({ branch: pr.head.branch, components: [], operation: 'closed', number: closed.number, url: closed.url, commit: null, pushed: false, labels: [] });
  }
  return result;
}

// --- preconditions -----------------------------------------------------------------------------

/** origin must have HEAD: the update commit carries only what it adds to it. */
async function requirePublished(consumer: ConsumerRepoPort, head: ConsumerHead, branches: Map<string, Oid>, repo: GitHubRepository): Promise<void> {
  const tips = [...branches.values()];
  if (tips.includes(head.commit)) return;
  const candidates = [...new Set([repo.defaultBranch, head.branch].filter((b): b is string => b !== null))].map((b) => branches.get(b)).filter((t): t is Oid => t !== undefined);
  for (const tip of candidates) if (await consumer.isAncestor(head.commit, tip)) return;
  throw new ForgeError('E_NOT_ON_REMOTE', `HEAD (${head.commit.slice(0, 12)}) is not on origin (${fullName(repo)}): forge builds the update on a commit origin already has.`, {
    hint: `Push ${head.branch ?? 'the commit'} first (git push origin ${head.branch ?? 'HEAD'}), then run it again.`,
    data: { commit: head.commit, repository: fullName(repo) },
  });
}

/** forge.yaml, forge.lock.yaml and the component folders must be as HEAD has them: the commit is built on HEAD. */
async function requireCommitted(ctx: EngineContext, consumer: ConsumerRepoPort, head: ConsumerHead, manifest: Manifest, lock: Lockfile): Promise<void> {
  const changed: string[] = [];
  for (const file of [MANIFEST, LOCKFILE]) {
    const local = await ctx.worktree.readFile('.', file, WHOLE_FOLDER);
    const committed = await consumer.objectAt(head.commit, file);
    if ((local === null ? null : blobId(local)) !== committed) changed.push(file);
  }
  // A whole folder, or (include/exclude) the whole folder holding the selected files: stricter
  // than the selection, never looser. A single file: its blob.
  const shapes = new Map<string, ComponentShape>(Object.values(lock.components).map((e) => [e.dest, shapeOf(e).kind === 'file' ? SINGLE_FILE : WHOLE_FOLDER]));
  for (const spec of manifest.components) if (!lock.components[spec.name] && (spec.dest ?? spec.path)) shapes.set((spec.dest ?? spec.path)!, WHOLE_FOLDER);
  for (const [dest, shape] of [...shapes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const local = await ctx.worktree.scan(dest, shape);
    const committed = await consumer.objectAt(head.commit, dest);
    if (shape.kind === 'file' ? (local.files[0]?.oid ?? null) !== committed : local.tree !== (committed ?? EMPTY_TREE)) changed.push(dest);
  }
  if (changed.length === 0) return;
  throw new ForgeError('E_LOCAL_CHANGES', `forge sync pull --pr commits on top of HEAD, and these have changes that are not committed: ${changed.join(', ')}.`, {
    hint: 'Commit them (or set them aside with git stash), then run it again.',
    data: { paths: changed },
  });
}

async function identityFor(ctx: EngineContext, options: UpdatePrOptions): Promise<{ author: GitIdentity; committer: GitIdentity }> {
  const now = ctx.clock.now();
  const timestamp = Math.floor(now.getTime() / 1000);
  try {
    if (!ctx.identity) throw new ForgeError('E_NO_IDENTITY', 'No git identity.');
    const id = await ctx.identity();
    return { author: { ...id.author, timestamp, timezoneOffset: id.timezoneOffset }, committer: { ...id.committer, timestamp, timezoneOffset: id.timezoneOffset } };
  } catch (error) {
    if (!(isForgeError(error) && error.code === 'E_NO_IDENTITY' && options.fallbackIdentity)) throw error;
    const bot = { ...options.fallbackIdentity, timestamp, timezoneOffset: 0 };
    return { author: bot, committer: bot };
  }
}

// --- what moved, and who has to look ------------------------------------------------------------

function lineOf(manifest: Manifest, name: string): number | null {
  return manifest.components.find((c) => c.name === name)?.line ?? null;
}

function peopleNeeded(plan: PullPlan, conflicting: Map<string, ComponentPlan>, manifest: Manifest): (NeedsPerson & { line: number | null })[] {
  const out: (NeedsPerson & { line: number | null })[] = [];
  for (const c of conflicting.values()) {
    out.push({
      name: c.name,
      reason: 'conflict',
      message: `Upstream ${versionLabel(c.to && { version: c.to.version ?? null, commit: c.to.commit })} changes what this repository edited in ${c.conflicts.map((x) => x.file).join(', ')}.`,
      files: c.conflicts.map((x) => x.file),
      from: c.from ? versionLabel({ version: c.from.version ?? null, commit: c.from.commit }) : null,
      to: c.to ? versionLabel({ version: c.to.version ?? null, commit: c.to.commit }) : null,
      command: `forge sync pull ${c.name} --merge && forge sync resolve ${c.name}`,
      line: lineOf(manifest, c.name),
    });
  }
  for (const c of plan.components) {
    if (c.action !== 'blocked' || conflicting.has(c.name)) continue;
    const waits = c.note?.startsWith('waits for') ?? false;
    out.push({
      name: c.name,
      reason: waits ? 'waits' : 'blocked',
      message: waits ? `It ${c.note}, which needs a person.` : `Not updated: ${c.note ?? 'its folder has changes forge cannot merge'}.`,
      files: c.localChanges.map((x) => x.path),
      from: c.from ? versionLabel({ version: c.from.version ?? null, commit: c.from.commit }) : null,
      to: null,
      command: waits ? `forge sync pull ${c.name} --merge` : `forge sync pull ${c.name}`,
      line: lineOf(manifest, c.name),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function describeUpdates(ctx: EngineContext, gh: GitHubPort, active: ComponentPlan[]): Promise<ComponentUpdate[]> {
  const queue = new PQueue({ concurrency: 4 });
  return Promise.all(
    active.map((c) =>
      queue.add(async (): Promise<ComponentUpdate> => {
        const from = c.from ? { version: c.from.version ?? null, commit: c.from.commit } : null;
        const to = c.to ? { version: c.to.version ?? null, commit: c.to.commit } : null;
        const action = c.action === 'remove' ? 'remove' : c.action === 'install' ? 'install' : c.action === 'merge' ? 'merge' : 'update';
        const entry = c.to ?? c.from!;
        return {
          name: c.name,
          repository: entry.repository,
          path: entry.path,
          dest: c.dest,
          action,
          from,
          to,
          localEdits: c.localChanges.map((x) => x.path),
          merged: c.merged,
          adopted: adoptedEdits(c),
          ...(filterOf(entry) ? { filtered: { selectionChanged: !c.from || !c.to || c.from.tree !== c.to.tree } } : {}),
          upstream: from && to && from.commit !== to.commit ? await upstreamChanges(ctx, gh, entry, from.commit, to.commit) : { compareUrl: null, total: null, commits: null },
        };
      }),
    ),
  );
}

/**
 * Local edits that leave no difference from upstream's target once the pull is applied: the edit
 * went upstream (byte for byte, or merged into an upstream release that holds it), so the file is
 * upstream's now and not an edit any more.
 */
export function adoptedEdits(c: Pick<ComponentPlan, 'target' | 'local' | 'localChanges' | 'changes'>): string[] {
  if (!c.target) return [];
  const edited = new Set(c.localChanges.map((x) => x.path));
  const upstream = new Map(c.target.files.map((f) => [f.path, f]));
  const after = new Map<string, { oid: string; mode: string }>(c.local.files.map((f) => [f.path, f]));
  // Only the edited files' results matter: the rest of an update is not hashed again.
  for (const change of c.changes) {
    if (!edited.has(change.path)) continue;
    if (change.action === 'delete') after.delete(change.path);
    else after.set(change.path, { oid: blobId(change.content), mode: change.mode });
  }
  return [...edited].filter((path) => {
    const mine = after.get(path);
    const theirs = upstream.get(path);
    return mine === undefined ? theirs === undefined : theirs !== undefined && mine.oid === theirs.oid && mine.mode === theirs.mode;
  });
}

/** The upstream commits between the two locked commits that touched the component's folder; a listing that fails is a warning. */
async function upstreamChanges(ctx: EngineContext, gh: GitHubPort, entry: LockEntry, from: Oid, to: Oid): Promise<UpstreamChanges> {
  const upstream = gh.locate(entry.repository);
  if (!upstream) return { compareUrl: null, total: null, commits: null };
  try {
    const range = await gh.commitsTouching(upstream, { from, to, path: entry.path });
    return { compareUrl: range.compareUrl, total: range.total, commits: range.commits };
  } catch (error) {
    if (!isForgeError(error)) throw error;
    ctx.reporter.emit({ type: 'warning', component: entry.name, message: `Could not list the upstream commits of ${entry.name}: ${error.message}` });
    return { compareUrl: null, total: null, commits: null };
  }
}

/**
 * One group per component that nothing else in the update depends on, holding it and every
 * moved component it depends on (they only make sense together); a removed component goes with
 * the groups whose old lock entries needed it, or alone.
 */
export function perComponentGroups(active: readonly ComponentPlan[], before: Lockfile, after: Lockfile): { root: string; components: ComponentPlan[] }[] {
  const byName = new Map(active.map((c) => [c.name, c]));
  const depsOf = (name: string, lock: Lockfile) => lock.components[name]?.dependencies ?? [];
  const closure = (name: string, lock: Lockfile): Set<string> => {
    const seen = new Set<string>();
    const visit = (n: string) => {
      if (seen.has(n)) return;
      seen.add(n);
      for (const d of depsOf(n, lock)) visit(d);
    };
    visit(name);
    return seen;
  };
  const moved = active.filter((c) => c.action !== 'remove');
  const dependedOn = new Set(moved.flatMap((c) => [...closure(c.name, after)].filter((n) => n !== c.name)));
  const roots = moved.filter((c) => !dependedOn.has(c.name));
  const groups = roots.map((root) => {
    const members = new Set([...closure(root.name, after), ...closure(root.name, before)]);
    return { root: root.name, components: [...members].map((n) => byName.get(n)).filter((c): c is ComponentPlan => c !== undefined) };
  });
  for (const removed of active.filter((c) => c.action === 'remove')) {
    if (!groups.some((g) => g.components.includes(removed))) groups.push({ root: removed.name, components: [removed] });
  }
  return groups.sort((a, b) => a.root.localeCompare(b.root));
}

/** The lock before the pull with only the group's entries taken from after it. */
function groupLock(before: Lockfile, after: Lockfile, components: readonly ComponentPlan[]): Lockfile {
  const next: Lockfile = { lockfileVersion: 1, components: { ...before.components } };
  for (const c of components) {
    const entry = after.components[c.name];
    if (entry) next.components[c.name] = entry;
    else delete next.components[c.name];
  }
  return next;
}

// --- commit, push, pull request ------------------------------------------------------------------

/**
 * The group's lock, where each entry that resolves exactly as in forge's previous commit on the
 * branch keeps that commit's resolvedAt: regenerating the same update gives the same bytes, so an
 * unchanged update is not pushed again and the pull request's diff does not churn.
 */
async function keepResolvedAt(ctx: EngineContext, remote: Remote, lock: Lockfile, previous: Oid): Promise<Lockfile> {
  const bytes = await remote.gh.fileContent(remote.repo, await remote.consumer.repositoryPath(LOCKFILE), previous);
  if (!bytes) return lock;
  let before: Lockfile;
  try {
    before = ctx.lock.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    if (isForgeError(error)) return lock; // a lockfile forge cannot read: nothing to keep
    throw error;
  }
  const next: Lockfile = { lockfileVersion: lock.lockfileVersion, components: {} };
  for (const [name, entry] of Object.entries(lock.components)) {
    const old = before.components[name];
    next.components[name] = old && sameResolution(old, entry) ? { ...entry, resolvedAt: old.resolvedAt } : entry;
  }
  return next;
}

function sameResolution(a: LockEntry, b: LockEntry): boolean {
  const { resolvedAt: _a, ...restA } = a;
  const { resolvedAt: _b, ...restB } = b;
  return canonical(restA) === canonical(restB);
}

function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(value));
}

interface Remote {
  consumer: ConsumerRepoPort;
  gh: GitHubPort;
  repo: GitHubRepository;
  origin: string;
  head: ConsumerHead;
  branches: Map<string, Oid>;
  identity: { author: GitIdentity; committer: GitIdentity };
}

/**
 * What the commit holds at a component's dest, from the working tree after the pull: a whole
 * folder replaces the parent's folder; a single file or the selected files of a folder
 * (include/exclude) are written and removed one by one, so the repository's own files beside
 * them stay as the parent has them.
 */
async function componentPaths(ctx: EngineContext, c: ComponentPlan): Promise<CommitPath[]> {
  const wholeFolder = c.shape.kind === 'folder' && c.shape.filters === undefined;
  if (wholeFolder) {
    if (c.action === 'remove') return [{ kind: 'absent', path: c.dest }];
    return [{ kind: 'folder', path: c.dest, files: (await ctx.worktree.scan(c.dest, c.shape)).files }];
  }
  const target = (file: string) => (c.shape.kind === 'file' ? c.dest : `${c.dest}/${file}`);
  const after = c.action === 'remove' ? [] : (await ctx.worktree.scan(c.dest, c.shape)).files;
  const before = new Map(c.local.files.map((f) => [f.path, f]));
  const paths: CommitPath[] = [];
  const kept = new Set(after.map((f) => f.path));
  for (const f of c.local.files) if (!kept.has(f.path)) paths.push({ kind: 'absent', path: target(f.path) });
  for (const f of after) {
    const old = before.get(f.path);
    if (old && old.oid === f.oid && old.mode === f.mode) continue;
    const content = await ctx.worktree.readFile(c.dest, f.path, c.shape);
    if (content === null || blobId(content) !== f.oid) {
      throw new ForgeError('E_LOCAL_CHANGES', `${target(f.path)} changed while forge was building the update.`, { hint: 'Run it again when nothing else writes to the component.' });
    }
    paths.push({ kind: 'file', path: target(f.path), mode: f.mode, content });
  }
  return paths;
}

async function publish(
  ctx: EngineContext,
  remote: Remote,
  group: { branch: string; components: ComponentPlan[]; updates: ComponentUpdate[]; lock: Lockfile; needsPerson: NeedsPerson[] },
): Promise<UpdatePullRequest | 'refused'> {
  const { consumer, gh, repo, head } = remote;
  const { branch } = group;

  // Someone else's commits on the branch are theirs to keep; forge's own it replaces.
  const current = remote.branches.get(branch) ?? null;
  const previous = current === null ? null : await gh.gitCommit(repo, current);
  if (previous && !isUpdateCommit(previous.message)) {
    ctx.reporter.emit({ type: 'warning', message: `${branch} of ${fullName(repo)} holds a commit that is not forge's (${current!.slice(0, 7)}); forge leaves the branch and its pull request alone.` });
    return 'refused';
  }
  const lock = previous ? await keepResolvedAt(ctx, remote, group.lock, previous.sha) : group.lock;

  const paths: CommitPath[] = [];
  for (const c of group.components) paths.push(...(await componentPaths(ctx, c)));
  paths.push({ kind: 'file', path: LOCKFILE, mode: '100644', content: new TextEncoder().encode(ctx.lock.format(lock)) });
  const made = await consumer.createCommit({ parent: head.commit, paths, message: commitMessage(branch, group.updates), ...remote.identity });

  // The same update on the same base is already there: nothing to push (the commits differ only in their dates).
  let commit = made.commit;
  let pushed = false;
  if (previous && previous.tree === made.tree && previous.parents[0] === head.commit) commit = previous.sha;
  else {
    ctx.reporter.emit({ type: 'component', name: branch, message: `pushing ${branch} to ${fullName(repo)}` });
    await consumer.push({ remote: remote.origin, commit: made.commit, branch, expect: current });
    pushed = true;
  }

  const title = pullRequestTitle(group.updates);
  const body = pullRequestBody({ branch, updates: group.updates, needsPerson: group.needsPerson });
  const names = group.components.map((c) => c.name).sort();
  const open = await gh.findOpenPullRequest(repo, { owner: repo.owner, branch });
  if (open) return updateOpen(gh, repo, open, { title, body, branch, names, commit, pushed });
  ctx.reporter.emit({ type: 'component', name: branch, message: `opening a pull request for ${branch}` });
  let pr: PullRequestInfo;
  try {
    pr = await gh.openPullRequest(repo, { head: { owner: repo.owner, branch, repository: repo }, base: repo.defaultBranch, title, body, draft: false });
  } catch (error) {
    // Opened meanwhile (another run): update that one, never a second.
    if (!isForgeError(error) || error.code !== 'E_PR_EXISTS') throw error;
    const found = await gh.findOpenPullRequest(repo, { owner: repo.owner, branch });
    if (!found) throw error;
    return updateOpen(gh, repo, found, { title, body, branch, names, commit, pushed });
  }
  const labels = await gh.addLabels(repo, pr.number, UPDATE_LABELS);
  if (labels.skipped.length > 0) {
    ctx.reporter.emit({
      type: 'warning',
      message: `Could not label pull request #${pr.number} with ${labels.skipped.join(', ')}: the token may not create or apply labels in ${fullName(repo)} (a workflow token needs issues: write or pull-requests: write).`,
    });
  }
  return { branch, components: names, operation: 'created', number: pr.number, url: pr.url, commit, pushed, labels: labels.applied };
}

async function updateOpen(
  gh: GitHubPort,
  repo: GitHubRepository,
  open: PullRequestInfo,
  next: { title: string; body: string; branch: string; names: string[]; commit: Oid; pushed: boolean },
): Promise<UpdatePullRequest> {
  // Title and body are forge's to rewrite while the body carries its marker; one a person rewrote stays.
  const change: { title?: string; body?: string } = {};
  if (isUpdateBody(open.body)) {
    if (open.title !== next.title) change.title = next.title;
    if (open.body !== next.body) change.body = next.body;
  }
  const pr = Object.keys(change).length > 0 ? await gh.updatePullRequest(repo, open.number, change) : open;
  const operation: PullRequestOperation = next.pushed || Object.keys(change).length > 0 ? 'updated' : 'none';
  return { branch: next.branch, components: next.names, operation, number: pr.number, url: pr.url, commit: next.commit, pushed: next.pushed, labels: [] };
}

/** forge's open update pull requests whose branch this run did not update. */
async function staleUpdatePullRequests(gh: GitHubPort, repo: GitHubRepository, options: UpdatePrOptions, current: Set<string>): Promise<PullRequestInfo[]> {
  if (!options.perComponent) {
    if (current.has(options.branch)) return [];
    const open = await gh.findOpenPullRequest(repo, { owner: repo.owner, branch: options.branch });
    return open && isUpdateBody(open.body) ? [open] : [];
  }
  const prefix = `${options.branch}/`;
  const open = await gh.openPullRequests(repo);
  return open.filter((pr) => pr.head.branch.startsWith(prefix) && pr.head.owner.toLowerCase() === repo.owner.toLowerCase() && !current.has(pr.head.branch) && isUpdateBody(pr.body));
}

/** A branch git itself would accept (core/names.ts, one rule for push and the update). */
function checkBranchName(branch: string): void {
  if (!isValidBranchName(branch)) throw new ForgeError('E_USAGE', `--pr-branch '${branch}' is not a valid git branch name.`, { hint: 'Use letters, digits, - _ . and / (e.g. forge/update).' });
}
