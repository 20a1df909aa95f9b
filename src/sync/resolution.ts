// From forge.yaml (what the user wants) and forge.lock.yaml (what was chosen)
// to one commit per component, through the dependency solver. The provider
// below is the solver's only window on the network: one ref listing per
// repository per run, a fetch only when a commit's component.yaml must be read
// and the lock cannot answer.

import { ForgeError, isForgeError } from '../errors.js';
import semver from 'semver';
import {
  formatAvailable,
  parseComponentManifest,
  solve,
  selectVersion,
  versionsFromTags,
  type Candidate,
  type Requirement,
} from '../resolve/index.js';
import type { EngineContext } from './engine-context.js';
import type { ComponentSpec, LockEntry, Lockfile, Manifest, Selector } from '../core/model.js';
import type { RemoteRefs } from '../core/ports.js';
import { nearestName } from '../core/names.js';
import { baseName, componentKey, repositoryId, repositoryUrl } from '../core/repository.js';
import { filterOf, sameFilter } from '../core/file-filter.js';

/** One component as the solver settled it. */
export interface ResolvedComponent {
  name: string;
  key: string;
  repository: string;
  url: string;
  path: string;
  dest: string;
  /** forge.yaml's include/exclude (a dependency has none). */
  include?: string[];
  exclude?: string[];
  direct: boolean;
  constraint?: string;
  version?: string;
  ref?: string;
  commit: string;
  dependencies: string[];
  requiredBy: string[];
}

export interface Resolution {
  /** Topological: dependencies first. */
  components: ResolvedComponent[];
}

interface KeyInfo {
  key: string;
  name: string;
  repository: string;
  url: string;
  path: string;
  dest: string;
  include?: string[];
  exclude?: string[];
  /** Names tried for component-scoped tags (NAME@1.2.3), in order. */
  tagNames: string[];
}

/** Caches per run: ref listings and located components. Shared by status and pull. */
export class RemoteView {
  private readonly refs = new Map<string, Promise<RemoteRefs>>();
  /** Listings under way, and those waiting for one to end: at most ctx.concurrency at once (--concurrency). */
  private running = 0;
  private readonly queued: (() => void)[] = [];
  constructor(private readonly ctx: EngineContext) {}

  listRefs(repository: string): Promise<RemoteRefs> {
    const url = repositoryUrl(repository);
    const id = repositoryId(repository);
    let found = this.refs.get(id);
    if (!found) {
      const git = this.ctx.git();
      found = this.limited(() => {
        this.ctx.reporter.emit({ type: 'list-refs', repository });
        return git.listRemoteRefs(url);
      });
      this.refs.set(id, found);
    }
    return found;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= Math.max(1, this.ctx.concurrency)) await new Promise<void>((resolve) => this.queued.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.queued.shift()?.();
    }
  }

  /**
   * Starts listing every repository at once: the solver asks for them one by one, and six
   * repositories listed in turn took six round trips where native git's ls-remotes take one.
   * A failure surfaces where a listing is awaited, as before; one never awaited stays silent.
   */
  prefetch(repositories: Iterable<string>): void {
    for (const repository of repositories) {
      try {
        this.listRefs(repository).catch(() => undefined);
      } catch {
        // An invalid repository fails again, with its message, where it is used.
      }
    }
  }

  /** The newest commit a selector allows, without fetching. */
  async newestAllowed(
    repository: string,
    path: string,
    selector: Selector,
    tagNames: string[],
  ): Promise<{ commit: string; version?: string; ref?: string } | null> {
    const remote = await this.listRefs(repository);
    return pickTarget(remote, selector, tagNames, repository, path, false);
  }
}

function findRef(remote: RemoteRefs, ref: string): { name: string; commit: string } | null {
  const names = ref.startsWith('refs/') ? [ref] : ref === 'HEAD' ? [remote.head ?? 'HEAD'] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of names) {
    const hit = remote.refs.find((r) => r.name === name);
    if (hit) return hit;
  }
  return null;
}

/** Component-scoped tags under the first name that has any, else repository-wide tags. */
function tagVersions(remote: RemoteRefs, tagNames: string[]) {
  const tags = remote.refs.filter((r) => r.name.startsWith('refs/tags/'));
  for (const name of tagNames) {
    const versions = versionsFromTags(tags, name);
    if (versions.some((v) => v.scoped)) return versions;
  }
  return versionsFromTags(tags, undefined);
}

function pickTarget(
  remote: RemoteRefs,
  selector: Selector,
  tagNames: string[],
  repository: string,
  path: string,
  strict: boolean,
): { commit: string; version?: string; ref?: string } | null {
  switch (selector.kind) {
    case 'commit':
      return { commit: selector.commit };
    case 'ref': {
      const hit = findRef(remote, selector.ref);
      if (!hit) {
        if (!strict) return null;
        throw new ForgeError('E_REF_NOT_FOUND', `Branch or ref '${selector.ref}' does not exist in ${repository}.`, {
          hint: 'Check the ref in forge.yaml, or pin a commit instead.',
        });
      }
      return { commit: hit.commit, ref: hit.name };
    }
    case 'version': {
      const versions = tagVersions(remote, tagNames);
      const best = selectVersion(versions, selector.range);
      if (!best) {
        if (!strict) return null;
        throw noMatchingVersion(tagNames[0] ?? baseName(path), repository, selector.range, versions.map((v) => v.version));
      }
      return { commit: best.commit, version: best.version, ref: best.tag };
    }
  }
}

function noMatchingVersion(name: string, repository: string, range: string, available: string[]): ForgeError {
  const shown = available.slice(0, 15).join(', ');
  const more = available.length > 15 ? ` and ${available.length - 15} more` : '';
  return new ForgeError(
    'E_NO_MATCHING_VERSION',
    available.length === 0
      ? `No version of ${name} in ${repository} matches ${range}: the repository has no version tags.`
      : `No version of ${name} in ${repository} matches ${range} (available: ${shown}${more}).`,
    { hint: available.length === 0 ? "Use 'ref: main' or 'commit: <sha>' instead of a version range." : 'Change the range in forge.yaml, or pull with --to VERSION.' },
  );
}

export function selectorOfLock(entry: LockEntry): Selector {
  if (entry.constraint !== undefined) return { kind: 'version', range: entry.constraint };
  if (entry.ref !== undefined) return { kind: 'ref', ref: entry.ref.replace(/^refs\/heads\//, '') };
  return { kind: 'commit', commit: entry.commit };
}

export function constraintText(selector: Selector): string {
  return selector.kind === 'version' ? selector.range : selector.kind === 'ref' ? `ref ${selector.ref}` : `commit ${selector.commit.slice(0, 12)}`;
}

function selectorsEqual(spec: Selector, locked: Selector): boolean {
  const a = spec;
  const b = locked;
  if (a.kind !== b.kind) return false;
  // A component that is also a dependency locks the intersection of every range on it, forge.yaml's first.
  if (a.kind === 'version' && b.kind === 'version') return a.range === b.range || combineRanges([a.range]) === b.range || leads(a.range, b.range);
  if (a.kind === 'ref' && b.kind === 'ref') return a.ref.replace(/^refs\/heads\//, '') === b.ref.replace(/^refs\/heads\//, '');
  if (a.kind === 'commit' && b.kind === 'commit') return a.commit === b.commit;
  return false;
}

/** True if the lock's combined range starts with exactly the comparators of forge.yaml's range. */
function leads(range: string, combined: string): boolean {
  if (range.includes('||') || combined.includes('||')) return false;
  const mine = alternatives(range)[0]!;
  const all = alternatives(combined)[0]!;
  return mine.length < all.length && mine.every((c, i) => all[i] === c) && combineRanges([range, combined]) === combined;
}

/** True if forge.yaml still asks for what the lock entry records (same repository, folder and selector). */
export function lockMatchesSpec(spec: ComponentSpec, entry: LockEntry | undefined): entry is LockEntry {
  if (!entry) return false;
  if (repositoryId(spec.repository) !== repositoryId(entry.repository)) return false;
  if (spec.path !== undefined && spec.path !== entry.path) return false;
  if ((spec.dest ?? spec.path ?? entry.path) !== entry.dest) return false;
  if (!sameFilter(filterOf(spec), filterOf(entry))) return false;
  return selectorsEqual(spec.selector, selectorOfLock(entry));
}

export interface ResolveOptions {
  /** Local names free to move to their newest allowed commit; 'all' for every component. */
  unlock: Set<string> | 'all';
  /** Explicit target for one component (`pull NAME --to VERSION|REF`), checked by `checkTarget`. */
  to?: { name: string; target: PullTarget };
  /** Local names kept at their locked commit whatever else asks (components whose local changes block a move). */
  hold?: Set<string>;
}

/** Where `--to` goes: a version of the component's range, or the commit it is pinned to. */
export type PullTarget = { kind: 'version'; version: string } | { kind: 'commit'; commit: string };

/**
 * Resolves the whole graph. Throws ForgeError E_VERSION_CONFLICT / E_DEPENDENCY_* with an
 * explanation when no solution exists.
 */
export async function resolveGraph(
  ctx: EngineContext,
  view: RemoteView,
  manifest: Manifest,
  lock: Lockfile,
  options: ResolveOptions,
): Promise<Resolution> {
  view.prefetch([...manifest.components.map((spec) => spec.repository), ...Object.values(lock.components).map((entry) => entry.repository)]);
  const infos = new Map<string, KeyInfo>();
  const hold = options.hold ?? new Set<string>();
  const isUnlocked = (name: string) => !hold.has(name) && (options.unlock === 'all' || options.unlock.has(name));
  if (!options.to) prefetchNewest(ctx, view, manifest, lock, (spec) => !hold.has(spec.name) && (isUnlocked(spec.name) || !lockMatchesSpec(spec, lock.components[spec.name])));

  // Direct components: locate the folder (lock, forge.yaml, or by component.yaml name). Two
  // copies of one upstream folder under different names are two components: the first keeps
  // the folder's key (dependencies on that folder resolve to it), the others get their own.
  const keyOfName = new Map<string, string>();
  const roots: Requirement[] = [];
  for (const spec of manifest.components) {
    const locked = lock.components[spec.name];
    let path = spec.path;
    if (path === undefined && locked && repositoryId(locked.repository) === repositoryId(spec.repository)) path = locked.path;
    if (path === undefined) path = await locateByName(ctx, view, spec.repository, spec.name, spec.selector, null);
    const folderKey = componentKey(spec.repository, path);
    const key = infos.has(folderKey) ? `${folderKey}@${spec.name}` : folderKey;
    keyOfName.set(spec.name, key);
    infos.set(key, {
      key,
      name: spec.name,
      repository: spec.repository,
      url: repositoryUrl(spec.repository),
      path,
      dest: spec.dest ?? path,
      ...(spec.include !== undefined ? { include: spec.include } : {}),
      ...(spec.exclude !== undefined ? { exclude: spec.exclude } : {}),
      tagNames: uniq([spec.name, baseName(path)]),
    });
    roots.push({ key, label: spec.name, constraint: spec.selector, requiredBy: null });
  }
  const keyOf = (entry: LockEntry) => keyOfName.get(entry.name) ?? componentKey(entry.repository, entry.path);
  const lockByKey = new Map<string, LockEntry>();
  for (const entry of Object.values(lock.components)) if (!lockByKey.has(keyOf(entry))) lockByKey.set(keyOf(entry), entry);

  // A changed range (or ref, or repository) in forge.yaml frees the component, as cargo does.
  const changed = new Set(manifest.components.filter((spec) => !lockMatchesSpec(spec, lock.components[spec.name])).map((s) => s.name));
  const locked = new Map<string, string>();
  const unlock = new Set<string>();
  for (const [key, entry] of lockByKey) {
    locked.set(key, entry.commit);
    if (isUnlocked(entry.name) || (changed.has(entry.name) && !hold.has(entry.name))) unlock.add(key);
  }
  if (options.to) {
    const key = keyOfName.get(options.to.name) ?? (lock.components[options.to.name] ? keyOf(lock.components[options.to.name]!) : undefined);
    if (key) unlock.add(key);
  }

  // First try with the lock alone for every component that is not free to move: a pull of one
  // component (or an add) then reaches only the repositories it needs, and one that is down does
  // not block work on the others. If that leaves no solution, ask every repository.
  let lockOnly = true;
  const provider = {
    candidates: async (req: Requirement): Promise<Candidate[]> => {
      const info = infos.get(req.key);
      if (!info) throw new ForgeError('E_INTERNAL', `Unknown component key ${req.key}.`);
      const c = req.constraint;
      const entry = lockByKey.get(req.key);
      if (lockOnly && entry && !unlock.has(req.key)) {
        const kept = { key: req.key, version: entry.version ?? null, commit: entry.commit, ref: entry.ref ?? null };
        if (c.kind === 'version' && entry.version !== undefined && semver.satisfies(entry.version, c.range)) return [kept];
        if (c.kind === 'ref' && entry.ref === (c.ref.startsWith('refs/') ? c.ref : `refs/heads/${c.ref}`)) return [kept];
      }
      let list: Candidate[];
      if (c.kind === 'commit') list = [{ key: req.key, version: null, commit: c.commit, ref: null }];
      else if (c.kind === 'ref') {
        const remote = await view.listRefs(info.repository);
        const hit = findRef(remote, c.ref);
        if (!hit) {
          throw new ForgeError('E_REF_NOT_FOUND', `Branch or ref '${c.ref}' does not exist in ${info.repository} (wanted by ${req.requiredBy ? req.requiredBy.label : 'forge.yaml'}).`);
        }
        list = [{ key: req.key, version: null, commit: hit.commit, ref: hit.name }];
      } else {
        const remote = await view.listRefs(info.repository);
        list = tagVersions(remote, info.tagNames).map((v) => ({ key: req.key, version: v.version, commit: v.commit, ref: v.tag }));
        // A locked version whose tag is gone upstream stays a candidate: the component is then
        // detached, never moved down to whatever the listing still has.
        if (entry?.version && !list.some((x) => x.version === entry.version)) {
          list.push({ key: req.key, version: entry.version, commit: entry.commit, ref: entry.ref ?? null });
        }
      }
      const to = options.to;
      if (to && info.name === to.name) {
        list = list.filter((x) => (to.target.kind === 'version' ? x.version === to.target.version : x.commit === to.target.commit));
      }
      return list;
    },
    dependencies: async (candidate: Candidate): Promise<Requirement[]> => {
      const info = infos.get(candidate.key);
      if (!info) throw new ForgeError('E_INTERNAL', `Unknown component key ${candidate.key}.`);
      const entry = lockByKey.get(candidate.key);
      // The lock already knows what a locked commit needs: no fetch. Unless forge.yaml changed the
      // range of one of those dependencies: the lock's range for it mixes in the old one.
      if (entry && entry.commit === candidate.commit && !entry.dependencies.some((d) => changed.has(d))) {
        const fromLock = requirementsFromLock(entry, lock, infos, keyOf);
        if (fromLock) return fromLock;
      }
      return readRequirements(ctx, view, info, candidate, infos);
    },
  };

  let result = await solve(roots, provider, { locked, unlock });
  if (!result.ok) {
    lockOnly = false;
    result = await solve(roots, provider, { locked, unlock });
  }
  if (!result.ok) {
    throw new ForgeError(result.code, result.message, {
      hint: result.code === 'E_COMPONENT_NOT_FOUND'
        ? result.fromManifest
          ? "Check 'path' in forge.yaml (or --path): it names a file or folder upstream, relative to the repository root."
          : "Fix the dependency's path upstream, or pin a version where it exists."
        : result.fromManifest
        ? 'Check the repository, path and range in forge.yaml; for a private repository, set GH_TOKEN to a token that can read it.'
        : result.kind === 'version'
          ? 'Loosen a range in forge.yaml, or pin one of these components to an older version.'
          : 'Fix the dependency upstream, or pin a version that does not have it.',
      data: { conflictType: result.kind === 'version' ? 'version' : 'dependency', chain: result.chain },
      exitCode: result.fromManifest ? 2 : 1,
    });
  }

  const nameOf = (key: string) => infos.get(key)?.name ?? key;
  const components: ResolvedComponent[] = [];
  const directNames = new Set(manifest.components.map((c) => c.name));
  for (const key of result.order) {
    const solved = result.solution.get(key);
    const info = infos.get(key);
    if (!solved || !info) continue;
    const ranges = solved.requirements.filter((r) => r.constraint.kind === 'version').map((r) => (r.constraint as { range: string }).range);
    const component: ResolvedComponent = {
      name: info.name,
      key,
      repository: info.repository,
      url: info.url,
      path: info.path,
      dest: info.dest,
      ...(info.include !== undefined ? { include: info.include } : {}),
      ...(info.exclude !== undefined ? { exclude: info.exclude } : {}),
      direct: directNames.has(info.name),
      commit: solved.candidate.commit,
      dependencies: solved.dependencies.map(nameOf).sort(),
      requiredBy: uniq(solved.requirements.filter((r) => r.requiredBy).map((r) => nameOf(r.requiredBy!.key))).sort(),
    };
    if (ranges.length > 0) component.constraint = combineRanges(ranges);
    if (solved.candidate.version) component.version = solved.candidate.version;
    if (solved.candidate.ref) component.ref = solved.candidate.ref;
    components.push(component);
  }
  checkClashes(components);
  return { components };
}

/**
 * What `pull NAME --to TARGET` may go to: a version upstream has, inside the range forge.yaml (or,
 * for a dependency, its dependents) allows. Anything else is refused, naming the range, so a pull
 * never leaves the lock where the next plain pull would move it back.
 */
export async function checkTarget(view: RemoteView, manifest: Manifest, lock: Lockfile, name: string, target: string): Promise<PullTarget> {
  const spec = manifest.components.find((c) => c.name === name);
  const entry = lock.components[name];
  const repository = spec?.repository ?? entry?.repository;
  const path = entry?.path ?? spec?.path;
  const selector = spec ? spec.selector : entry ? selectorOfLock(entry) : null;
  if (!repository || !selector) throw new ForgeError('E_UNKNOWN_COMPONENT', `No component named '${name}' in forge.yaml.`);
  const where = spec ? `forge.yaml (line ${spec.line})` : `its dependents (${(entry?.requiredBy ?? []).join(', ') || 'the lock'})`;
  if (selector.kind === 'commit') {
    if (target.toLowerCase() === selector.commit || (/^[0-9a-f]{7,40}$/i.test(target) && selector.commit.startsWith(target.toLowerCase()))) return { kind: 'commit', commit: selector.commit };
    throw new ForgeError('E_USAGE', `'${name}' is pinned to commit ${selector.commit.slice(0, 12)} by ${where}; --to cannot move it elsewhere.`, {
      hint: `Change 'commit:' (or use 'version:') for ${name} in forge.yaml, then pull.`,
    });
  }
  if (selector.kind === 'ref') {
    throw new ForgeError('E_USAGE', `'${name}' follows branch '${selector.ref}' (${where}); --to picks a version inside a range.`, {
      hint: `To stay on one commit, write 'commit: <sha>' for ${name} in forge.yaml, then pull.`,
    });
  }
  const remote = await view.listRefs(repository);
  const versions = tagVersions(remote, uniq([name, baseName(path ?? name)]));
  let version: string | undefined;
  if (/^[0-9a-f]{40}$/i.test(target)) {
    const tagged = versions.filter((v) => v.commit === target.toLowerCase()).map((v) => v.version);
    version = tagged.find((v) => semver.satisfies(v, selector.range));
    if (!version) {
      throw new ForgeError('E_USAGE', `Commit ${target.slice(0, 12)} of ${repository} carries no version inside ${selector.range}${tagged.length ? ` (it is ${tagged.join(', ')})` : ''}.`, {
        hint: `Give a version with --to, or pin the commit in forge.yaml ('commit: ${target}').`,
      });
    }
  } else {
    const parsed = semver.valid(target.replace(/^v/, ''));
    if (!parsed) throw new ForgeError('E_USAGE', `--to '${target}' is not a version (such as 1.2.3).`, { hint: `Versions of ${name}: ${formatAvailable(versions.map((v) => v.version))}.` });
    version = parsed;
    if (!versions.some((v) => v.version === version)) {
      throw new ForgeError('E_NO_MATCHING_VERSION', `${name} has no version ${version} in ${repository} (available: ${formatAvailable(versions.map((v) => v.version))}).`, {
        hint: 'Pick one of the versions listed.',
        exitCode: 2,
      });
    }
    if (!semver.satisfies(version, selector.range)) {
      throw new ForgeError('E_USAGE', `--to ${version} is outside the range ${selector.range} that ${where} gives ${name}.`, {
        hint: spec ? `To go there, change the range for ${name} in forge.yaml (for example 'version: ${version}'), then pull.` : `Change the range its dependents ask for, or add ${name} to forge.yaml with the range you want.`,
      });
    }
  }
  return { kind: 'version', version };
}

/** The comparator sets of a range: `^1.0.0 <1.5.0` is [['^1.0.0', '<1.5.0']], `^1 || ^2` is [['^1'], ['^2']]. */
function alternatives(range: string): string[][] {
  return range.split('||').map((alt) => alt.trim().split(/\s+/).filter(Boolean));
}

/**
 * One range that every given range holds for (their intersection), written so that the same
 * requirements always give the same text: each comparator once, in the order met. A lock
 * constraint read back as one requirement and combined again with the ranges it came from
 * therefore comes out unchanged (a no-op pull leaves the lock byte-identical).
 */
export function combineRanges(ranges: readonly string[]): string {
  let product: string[][] = [[]];
  for (const range of uniq([...ranges])) {
    const next: string[][] = [];
    for (const left of product) for (const right of alternatives(range)) next.push(uniq([...left, ...right]));
    product = uniq(next.map((a) => a.join(' '))).map((a) => a.split(' ').filter(Boolean));
  }
  return product.map((a) => a.join(' ')).join(' || ');
}

function checkClashes(components: ResolvedComponent[]): void {
  const byName = new Map<string, ResolvedComponent>();
  const byDest = new Map<string, ResolvedComponent>();
  for (const c of components) {
    const other = byName.get(c.name);
    if (other) {
      throw new ForgeError('E_NAME_CLASH', `Two different components want the local name '${c.name}': ${other.repository} ${other.path} and ${c.repository} ${c.path}.`, {
        hint: "Give one of them another name ('name:' in the dependency, or a different key in forge.yaml).",
      });
    }
    byName.set(c.name, c);
  }
  for (const c of components) {
    for (const [dest, other] of byDest) {
      if (dest === c.dest || dest.startsWith(c.dest + '/') || c.dest.startsWith(dest + '/')) {
        throw new ForgeError('E_NAME_CLASH', `Components '${other.name}' and '${c.name}' both want the path '${c.dest === dest ? dest : `${dest}' / '${c.dest}`}'.`, {
          hint: "Give one of them another 'dest'.",
        });
      }
    }
    byDest.set(c.dest, c);
  }
}

function uniq<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function requirementsFromLock(entry: LockEntry, lock: Lockfile, infos: Map<string, KeyInfo>, keyOf: (entry: LockEntry) => string): Requirement[] | null {
  const out: Requirement[] = [];
  for (const depName of entry.dependencies) {
    const dep = lock.components[depName];
    if (!dep) return null;
    const key = keyOf(dep);
    if (!infos.has(key)) {
      infos.set(key, {
        key,
        name: dep.name,
        repository: dep.repository,
        url: repositoryUrl(dep.repository),
        path: dep.path,
        dest: dep.dest,
        tagNames: uniq([dep.name, baseName(dep.path)]),
      });
    }
    out.push({
      key,
      label: dep.name,
      constraint: selectorOfLock(dep),
      requiredBy: { key: keyOf(entry), label: entry.name, version: entry.version ?? null },
    });
  }
  return out;
}

async function readRequirements(
  ctx: EngineContext,
  view: RemoteView,
  info: KeyInfo,
  candidate: Candidate,
  infos: Map<string, KeyInfo>,
): Promise<Requirement[]> {
  const git = ctx.git();
  await ensure(ctx, info.repository, [{ commit: candidate.commit, ...(candidate.ref ? { ref: candidate.ref } : {}) }]);
  let snapshot;
  try {
    snapshot = await git.readSnapshot(info.url, candidate.commit, info.path);
  } catch (error) {
    // The component's own path is missing at this candidate: not a missing dependency (the solver words it so).
    if (isForgeError(error) && error.code === 'E_COMPONENT_NOT_FOUND') throw new ForgeError(error.code, error.message, { ...(error.hint ? { hint: error.hint } : {}), data: { ...error.data, itself: true }, cause: error });
    throw error;
  }
  // A single file has no component.yaml, so no dependencies.
  if (snapshot.kind === 'file') return [];
  const manifestFile = snapshot.files.find((f) => f.path === 'component.yaml');
  if (!manifestFile) return [];
  const text = new TextDecoder().decode(await git.readBlob(info.url, manifestFile.oid));
  const label = `${info.repository} ${info.path}/component.yaml at ${candidate.version ?? candidate.commit.slice(0, 12)}`;
  const parsed = parseComponentManifest(text, label);
  const out: Requirement[] = [];
  for (const dep of parsed.dependencies) {
    const selector = dep.selector;
    const asker = `${info.name}${candidate.version ? ` ${candidate.version}` : ''}`;
    const path = dep.path ?? (await locateByName(ctx, view, dep.repository, dep.component ?? '', selector, asker));
    const key = componentKey(dep.repository, path);
    const name = dep.name ?? dep.component ?? baseName(path);
    if (!infos.has(key)) {
      infos.set(key, {
        key,
        name,
        repository: dep.repository,
        url: repositoryUrl(dep.repository),
        path,
        dest: dep.dest ?? path,
        tagNames: uniq([dep.component ?? name, name, baseName(path)]),
      });
    }
    out.push({
      key,
      label: infos.get(key)!.name,
      constraint: selector,
      requiredBy: { key: info.key, label: info.name, version: candidate.version },
    });
  }
  return out;
}

/**
 * Starts fetching, all repositories at once, the commit each direct component will be tried at
 * first: the newest its selector allows, where that is not the locked commit (a component the
 * lock already describes needs no fetch to resolve). The solver reads a candidate's
 * component.yaml one component after the other, so on a cold pull the fetches ran one repository
 * at a time; now its own ensure() finds them done or under way. Failures surface there too.
 */
function prefetchNewest(ctx: EngineContext, view: RemoteView, manifest: Manifest, lock: Lockfile, free: (spec: ComponentSpec) => boolean): void {
  const wants = new Map<string, { repository: string; wants: Promise<{ commit: string; ref?: string } | null>[] }>();
  for (const spec of manifest.components) {
    if (!free(spec)) continue;
    const entry = lock.components[spec.name];
    const path = spec.path ?? (entry && repositoryId(entry.repository) === repositoryId(spec.repository) ? entry.path : undefined);
    if (path === undefined) continue;
    const want = view
      .newestAllowed(spec.repository, path, spec.selector, uniq([spec.name, baseName(path)]))
      .then((newest) => (newest && newest.commit !== entry?.commit ? { commit: newest.commit, ...(newest.ref ? { ref: newest.ref } : {}) } : null))
      .catch(() => null);
    const group = wants.get(repositoryId(spec.repository)) ?? { repository: spec.repository, wants: [] };
    group.wants.push(want);
    wants.set(repositoryId(spec.repository), group);
  }
  for (const group of wants.values()) {
    void Promise.all(group.wants)
      .then((found) => {
        const commits = found.filter((w): w is { commit: string; ref?: string } => w !== null);
        return commits.length > 0 ? ensure(ctx, group.repository, commits) : undefined;
      })
      .catch(() => undefined);
  }
}

/** Fetches what is missing, once per repository and run thanks to the adapter's per-URL queue. */
export async function ensure(ctx: EngineContext, repository: string, wants: { commit: string; ref?: string }[]): Promise<void> {
  const git = ctx.git();
  const url = repositoryUrl(repository);
  const missing: { commit: string; ref?: string }[] = [];
  for (const want of wants) if (!(await git.hasCommit(url, want.commit))) missing.push(want);
  if (missing.length === 0) return;
  ctx.reporter.emit({ type: 'fetch', repository });
  const deep = missing.some((w) => !w.ref);
  let fetched: boolean;
  try {
    ({ fetched } = await git.ensureCommits(url, missing, { deep }));
  } catch (error) {
    // A tag the server still lists, fetched by its name, that brings no commit: it names a tree or a file.
    const ref = isForgeError(error) && error.code === 'E_COMMIT_NOT_FOUND' ? (error.data.ref as string | undefined) : undefined;
    if (ref?.startsWith('refs/tags/')) {
      const listed = (await git.listRemoteRefs(url).catch(() => null))?.refs.find((r) => r.name === ref);
      if (listed && missing.some((w) => w.ref === ref && w.commit === listed.commit)) {
        throw new ForgeError('E_COMPONENT_INVALID', `Tag ${ref.slice('refs/tags/'.length)} of ${repository} points at ${listed.commit.slice(0, 12)}, which is not a commit; a tag of a tree or a file is no release forge can install.`, {
          hint: 'Ask upstream to fix or delete that tag; meanwhile give a range that leaves it out (--version, or version: in forge.yaml).',
          data: { repository, ref, object: listed.commit },
          cause: error,
        });
      }
    }
    throw error;
  }
  ctx.reporter.emit({ type: 'fetched', repository, fetched });
}

/**
 * Finds the folder whose component.yaml has `name: NAME`, looking at the commit the selector
 * would pick (or the default branch). Ambiguity and absence are errors naming the candidates.
 */
export async function locateByName(
  ctx: EngineContext,
  view: RemoteView,
  repository: string,
  name: string,
  selector: Selector,
  askedBy: string | null,
): Promise<string> {
  const remote = await view.listRefs(repository);
  let target = pickTarget(remote, selector, [name], repository, '', false);
  if (!target) {
    const head = remote.head ? remote.refs.find((r) => r.name === remote.head) : remote.refs.find((r) => r.name === 'HEAD');
    if (!head) throw noMatchingVersion(name, repository, constraintText(selector), []);
    target = { commit: head.commit, ref: head.name };
  }
  await ensure(ctx, repository, [{ commit: target.commit, ...(target.ref ? { ref: target.ref } : {}) }]);
  const manifests = await ctx.git().findComponentManifests(repositoryUrl(repository), target.commit);
  const hits: string[] = [];
  const named: string[] = [];
  const unreadable: string[] = [];
  for (const m of manifests) {
    let declared: string | undefined;
    try {
      declared = parseComponentManifest(new TextDecoder().decode(m.content), `${repository} ${m.folder}/component.yaml`).name;
    } catch (error) {
      // A broken component.yaml elsewhere in the repository is not this component's problem, but it is worth a word.
      unreadable.push(`${m.folder}/component.yaml (${isForgeError(error) ? error.message.replace(/^.*component\.yaml[^:]*:\s*/, '').replace(/\.$/, '') : 'unreadable'})`);
      continue;
    }
    if (declared) named.push(declared);
    if (declared === name || (declared === undefined && baseName(m.folder) === name)) hits.push(m.folder);
  }
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) {
    throw new ForgeError('E_COMPONENT_AMBIGUOUS', `${hits.length} components in ${repository} are named '${name}': ${hits.join(', ')}.`, {
      hint: "Say which one with 'path:' (or --path).",
      exitCode: askedBy ? 1 : 2,
    });
  }
  const there = [...new Set(named)].sort();
  const guess = nearestName(name, there);
  const listing = there.length ? ` (components there: ${there.join(', ')})` : ' (no component.yaml there names a component)';
  const broken = unreadable.length ? ` ${unreadable.length} component.yaml file(s) there could not be read: ${unreadable.slice(0, 3).join(', ')}${unreadable.length > 3 ? ', …' : ''}.` : '';
  const who = askedBy ? `${askedBy} needs component '${name}', but ${repository} has none by that name` : `No component named '${name}' in ${repository}`;
  throw new ForgeError(askedBy ? 'E_DEPENDENCY_MISSING' : 'E_COMPONENT_NOT_FOUND', `${who}${listing}.${guess ? ` Did you mean '${guess}'?` : ''}${broken}`, {
    hint: askedBy ? 'Fix the dependency upstream, or give its path.' : guess ? `Use '${guess}', or give the folder with --path (or 'path:' in forge.yaml).` : "Give the folder with --path (or 'path:' in forge.yaml).",
    data: { conflictType: 'dependency' },
  });
}

