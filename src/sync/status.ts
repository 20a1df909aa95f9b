// `forge sync status`: the state of each component, from the lock's tree id
// (offline) and one ref listing per repository (online). Fetches only when
// something moved upstream, to read component.yaml at the new candidates as pull would.

import PQueue from 'p-queue';
import semver from 'semver';
import { ForgeError, isForgeError } from '../errors.js';
import type { EngineContext } from './engine-context.js';
import type { ComponentSpec, LockEntry, Lockfile, Manifest, Selector, Snapshot, Status } from '../core/model.js';
import type { PullRequestRecord } from '../core/ports.js';
import { RemoteView, lockMatchesSpec, resolveGraph, selectorOfLock, type PullTarget } from './resolution.js';
import { baseName, repositoryId, repositoryUrl } from '../core/repository.js';
import { diffSnapshots, type PathChange } from './snapshot.js';
import { filterOf, sameFilter, shapeOf, snapshotOptionsOf } from '../core/file-filter.js';
import { refreshPullRequests } from './push.js';

export interface ComponentStatus {
  name: string;
  status: Status;
  repository: string;
  path: string;
  dest: string;
  constraint: string | null;
  version: string | null;
  commit: string | null;
  upstreamCommit: string | null;
  latestVersion: string | null;
  localChanges: string[];
  behind: boolean;
  conflicts: { type: string; file: string }[];
  fork: string | null;
  pullRequest: string | null;
  lastSyncAt: string | null;
  /** Not in the contract's example but useful: direct or pulled in by a dependency. */
  requiredBy: string[];
  /** Set when something is wrong that the state alone does not say (not installed, forge.yaml changed, ref gone). */
  note: string | null;
  /** Why pull cannot follow upstream: an upgrade blocked by dependency ranges, or a resolution that fails. */
  problems: string[];
  /** With --detailed: each changed file and how. */
  changes?: { file: string; kind: PathChange['kind'] }[];
}

export interface StatusReport {
  components: ComponentStatus[];
  summary: Record<Status, number>;
  offline: boolean;
  /** Line of each component's entry in forge.yaml (annotations point there). */
  lines: Record<string, number>;
}

export interface StatusOptions {
  names: string[];
  offline: boolean;
  detailed: boolean;
}

export async function status(ctx: EngineContext, options: StatusOptions): Promise<StatusReport> {
  const manifest = await ctx.manifest.read();
  const lock = await ctx.lock.read();
  const specs = new Map(manifest.components.map((c) => [c.name, c]));
  const names = [...new Set([...manifest.components.map((c) => c.name), ...Object.keys(lock.components).sort()])];
  for (const name of options.names) {
    if (!names.includes(name)) {
      throw new ForgeError('E_UNKNOWN_COMPONENT', `No component named '${name}' in forge.yaml or forge.lock.yaml.`, {
        hint: names.length ? `Known components: ${names.join(', ')}.` : "Add one with 'forge add'.",
      });
    }
  }
  const selected = options.names.length ? names.filter((n) => options.names.includes(n)) : names;
  const conflicts = new Map((await ctx.state.conflicts()).map((c) => [c.component, c]));
  const recorded = await ctx.state.pullRequests();
  // Online, a pushed change's pull request is asked for its state: merged or closed ends `forked`.
  const pullRequests = options.offline ? recorded : await refreshPullRequests(ctx, recorded, selected);
  const forks = await ctx.state.forks();
  const view = options.offline ? null : new RemoteView(ctx);
  const queue = new PQueue({ concurrency: Math.max(1, ctx.concurrency) });

  const components = await Promise.all(
    selected.map((name) =>
      queue.add(async () => {
        const spec = specs.get(name);
        const entry = lock.components[name];
        const result = await componentStatus(ctx, view, spec, entry, name, options.detailed);
        const conflict = conflicts.get(name);
        if (conflict) result.conflicts = conflict.records.map((r) => ({ type: r.type, file: r.file }));
        const pr = openPullRequest(pullRequests, name, entry);
        if (pr) {
          result.pullRequest = pr.url;
          result.fork = pr.headRepository !== pr.repository ? pr.headRepository : null;
        } else {
          const fork = entry ? forks.find((f) => f.upstream === entry.repository) : undefined;
          result.fork = fork ? fork.fork : null;
        }
        result.status = pickStatus(result, spec, entry, pr !== undefined);
        return result;
      }),
    ),
  );
  if (view) await dependencyProblems(ctx, view, manifest, lock, components);
  // Key order as the contract shows it; STATUS_ORDER is precedence, not display order.
  const summary: Record<Status, number> = { synced: 0, modified: 0, outdated: 0, conflict: 0, forked: 0, detached: 0 };
  for (const c of components) summary[c.status] += 1;
  return { components, summary, offline: options.offline, lines: Object.fromEntries(manifest.components.map((c) => [c.name, c.line])) };
}

function openPullRequest(prs: PullRequestRecord[], name: string, entry: LockEntry | undefined): PullRequestRecord | undefined {
  // A pushed change stays "forked" until upstream carries it: while its pull request is open, or,
  // pushed without one, until a pull moves the lock past the commit it was made on.
  const awaiting = prs.filter((pr) => pr.component === name && pr.state === 'open' && (pr.number !== null || pr.base === undefined || entry?.commit === pr.base));
  return awaiting.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))[0];
}

function pickStatus(s: ComponentStatus, spec: ComponentSpec | undefined, entry: LockEntry | undefined, pushed: boolean): Status {
  if (s.conflicts.length > 0) return 'conflict';
  if (pushed) return 'forked';
  if (s.localChanges.length > 0) return 'modified';
  if (s.behind) return 'outdated';
  const pinned = spec ? spec.selector.kind === 'commit' : entry ? selectorOfLock(entry).kind === 'commit' : false;
  if (pinned || s.note === 'ref-gone') return 'detached';
  return 'synced';
}

async function componentStatus(
  ctx: EngineContext,
  view: RemoteView | null,
  spec: ComponentSpec | undefined,
  entry: LockEntry | undefined,
  name: string,
  detailed: boolean,
): Promise<ComponentStatus> {
  const path = entry?.path ?? spec?.path ?? '';
  const dest = entry?.dest ?? spec?.dest ?? spec?.path ?? '';
  const result: ComponentStatus = {
    name,
    status: 'synced',
    repository: entry?.repository ?? spec?.repository ?? '',
    path,
    dest,
    constraint: entry?.constraint ?? (spec?.selector.kind === 'version' ? spec.selector.range : null),
    version: entry?.version ?? null,
    commit: entry?.commit ?? null,
    upstreamCommit: null,
    latestVersion: null,
    localChanges: [],
    behind: false,
    conflicts: [],
    fork: null,
    pullRequest: null,
    lastSyncAt: entry?.resolvedAt ?? null,
    requiredBy: entry?.requiredBy ?? [],
    note: null,
    problems: [],
  };
  if (!entry) {
    // In forge.yaml but never installed: everything upstream is "newer".
    result.note = 'not installed';
    result.behind = true;
    return result;
  }
  const specChanged = spec !== undefined && !lockMatchesSpec(spec, { ...entry });
  // New include/exclude: the next pull moves the folder to the new set of files, whatever upstream does.
  const patternsChanged = spec !== undefined && !sameFilter(filterOf(spec), filterOf(entry));
  if (spec && specChanged) {
    result.note = 'forge.yaml changed since the last pull';
    // Offline, the change itself says whether a pull must move the component: another
    // repository, folder or kind of selector, or a range the locked version is outside of.
    const still = spec.selector.kind === 'version' && selectorOfLock(entry).kind === 'version' && entry.version !== undefined && semver.satisfies(entry.version, spec.selector.range);
    const sameSource = repositoryId(spec.repository) === repositoryId(entry.repository) && (spec.path === undefined || spec.path === entry.path);
    result.behind = !(still && sameSource) || patternsChanged;
  }

  const local = await ctx.worktree.scan(entry.dest, shapeOf(entry));
  if (local.tree !== entry.tree) {
    const base = await ctx.trees.get(entry.tree);
    if (base) {
      const changes = diffSnapshots(base, local);
      result.localChanges = changes.map((c) => c.path);
      if (detailed) result.changes = changes.map((c) => ({ file: c.path, kind: c.kind }));
    } else {
      // The file list of the locked tree is not known locally (fresh clone): the folder differs, say so.
      result.localChanges = local.files.map((f) => f.path);
      result.note = result.note ?? 'locked file list unknown offline; listing every file';
    }
  }

  if (view) {
    // What forge.yaml allows now (a widened range shows the newer versions it lets in).
    const selector = spec && sameKind(spec.selector, entry) ? spec.selector : selectorOfLock(entry);
    const tagNames = [...new Set([name, baseName(entry.path)])];
    if (selector.kind === 'ref') {
      const newest = await view.newestAllowed(entry.repository, entry.path, selector, tagNames);
      if (!newest) result.note = 'ref-gone';
      else {
        result.upstreamCommit = newest.commit;
        result.behind = newest.commit !== entry.commit || (specChanged && result.behind) || patternsChanged;
      }
    } else if (selector.kind === 'version') {
      const newest = await view.newestAllowed(entry.repository, entry.path, selector, tagNames);
      const remote = await view.listRefs(entry.repository);
      if (entry.ref && !remote.refs.some((r) => r.name === entry.ref)) result.note = 'ref-gone';
      // A locked version newer than anything upstream lists (its tag deleted) is not "behind":
      // pull never moves a component down on its own.
      const lower = newest?.version !== undefined && entry.version !== undefined && semver.lt(newest.version, entry.version) && semver.satisfies(entry.version, selector.range);
      if (newest && !lower) {
        result.upstreamCommit = newest.commit;
        result.latestVersion = newest.version ?? null;
        result.behind = newest.commit !== entry.commit;
      } else {
        result.upstreamCommit = newest ? entry.commit : null;
        result.latestVersion = newest ? (entry.version ?? null) : null;
        result.behind = specChanged && result.behind && !newest;
      }
    } else {
      result.upstreamCommit = entry.commit;
      result.behind = selector.commit !== entry.commit;
    }
    if (patternsChanged) result.behind = true;
    await checkLockedTree(ctx, entry, local, result, detailed);
  }
  return result;
}

function sameKind(selector: Selector, entry: LockEntry): boolean {
  return selector.kind === selectorOfLock(entry).kind || selector.kind === 'commit';
}

/**
 * The lock's `tree` must be the upstream tree at the locked commit. A lock edited together with
 * the files it protects looks pristine offline; online, the upstream tree says otherwise, and the
 * local changes are what differs from upstream. Status checks what the object cache already
 * holds (it fetches nothing when nothing moved); `forge verify` fetches whatever it needs.
 */
async function checkLockedTree(ctx: EngineContext, entry: LockEntry, local: Snapshot, result: ComponentStatus, detailed: boolean): Promise<void> {
  if (!(await ctx.git().hasCommit(repositoryUrl(entry.repository), entry.commit))) return;
  const upstream = await ctx.git().readSnapshot(repositoryUrl(entry.repository), entry.commit, entry.path, snapshotOptionsOf(entry));
  if (upstream.tree === entry.tree) return;
  const said = entry.blob !== undefined ? `blob ${entry.blob.slice(0, 12)}` : `tree ${entry.tree.slice(0, 12)}`;
  const found = upstream.kind === 'file' && entry.blob !== undefined ? `blob ${upstream.files[0]!.oid.slice(0, 12)}` : upstream.kind === 'file' ? 'a single file' : entry.blob !== undefined ? 'a folder' : `tree ${upstream.tree.slice(0, 12)}`;
  result.problems.push(`forge.lock.yaml says ${said} for ${entry.name}, but upstream has ${found} at ${entry.path} in ${entry.commit.slice(0, 12)} (was the lock edited?)`);
  const changes = diffSnapshots(upstream, local);
  result.localChanges = changes.map((c) => c.path);
  if (detailed) result.changes = changes.map((c) => ({ file: c.path, kind: c.kind }));
}

/** Failures of resolution itself (ranges, cycles, missing components); anything else (network, auth) is thrown. */
const RESOLUTION_CODES = new Set([
  'E_VERSION_CONFLICT',
  'E_NO_MATCHING_VERSION',
  'E_DEPENDENCY_CYCLE',
  'E_DEPENDENCY_MISSING',
  'E_REF_NOT_FOUND',
  'E_COMMIT_NOT_FOUND',
  'E_COMPONENT_NOT_FOUND',
  'E_COMPONENT_AMBIGUOUS',
  'E_COMPONENT_INVALID',
  'E_NAME_CLASH',
]);

/**
 * Dependencies that became unsatisfiable upstream. Only when something moved (a newer allowed
 * commit, or a locked ref gone): resolve as `forge sync pull` would; if that fails, every moved
 * component says so; if it succeeds but leaves a direct component short of its newest allowed
 * version, resolve once more with that version pinned to learn why.
 */
async function dependencyProblems(ctx: EngineContext, view: RemoteView, manifest: Manifest, lock: Lockfile, components: ComponentStatus[]): Promise<void> {
  const moved = components.filter(
    (c) => lock.components[c.name] !== undefined && ((c.upstreamCommit !== null && c.upstreamCommit !== c.commit) || c.note === 'ref-gone'),
  );
  if (moved.length === 0) return;
  const attempt = async (to?: { name: string; target: PullTarget }): Promise<{ chosen: Map<string, string> } | { error: string }> => {
    try {
      const resolution = await resolveGraph(ctx, view, manifest, lock, { unlock: 'all', ...(to ? { to } : {}) });
      return { chosen: new Map(resolution.components.map((r) => [r.name, r.commit])) };
    } catch (error) {
      if (!isForgeError(error) || !RESOLUTION_CODES.has(error.code)) throw error;
      return { error: error.message };
    }
  };
  const pull = await attempt();
  if ('error' in pull) {
    for (const c of moved) c.problems.push(`pull would fail: ${pull.error}`);
    return;
  }
  for (const c of moved) {
    if (c.upstreamCommit === null || pull.chosen.get(c.name) === c.upstreamCommit) continue;
    const spec = manifest.components.find((s) => s.name === c.name);
    // Dependencies follow what needs them; only a direct range can be "held back".
    if (!spec || spec.selector.kind !== 'version' || !c.latestVersion || !lockMatchesSpec(spec, lock.components[c.name])) continue;
    const pinned = await attempt({ name: c.name, target: { kind: 'version', version: c.latestVersion } });
    if ('error' in pinned) c.problems.push(`upgrade blocked: ${pinned.error}`);
  }
}
