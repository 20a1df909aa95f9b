// The dependency solver: one candidate (a commit, usually a tagged version) per
// package, such that every requirement from forge.yaml and from the chosen
// candidates' component.yaml holds and the graph has no cycle.
//
// Backtracking search with the most constrained package chosen next, forward
// checking, conflict-directed backjumping and learned nogoods. Every dead end
// carries its conflict: a set of facts that together leave no way out, each
// fact either "package P is at candidate C" or "something requires P with
// constraint X" (the second one is what makes learning pay: it holds for every
// version of the dependent that asks the same thing). A level none of whose
// facts are in a conflict cannot fix it by trying another candidate, so the
// search jumps straight back; a level that tried everything records the union
// as a nogood no later branch repeats. Dead ends also carry a sentence for
// people; the first one met (on the path of the preferred, newest candidates)
// explains a failure.

import semver from 'semver';
import { ForgeError, isForgeError } from '../errors.js';
import type { Selector } from '../core/model.js';
import { topologicalOrder } from './graph.js';
import { formatAvailable } from './versions.js';

export type Constraint = Selector;

export interface Requirement {
  /** Package identity; the engine uses `repository#path`. */
  key: string;
  /** Human name, e.g. email-composer. */
  label: string;
  constraint: Constraint;
  /** null: forge.yaml asked for it. */
  requiredBy: { key: string; label: string; version: string | null } | null;
}

export interface Candidate {
  key: string;
  version: string | null;
  commit: string;
  /** Full ref name (refs/tags/v1.2.3, refs/heads/main) or null for a bare commit. */
  ref: string | null;
}

export interface Provider {
  /**
   * Version constraints: every candidate of the package (all tagged versions;
   * the solver filters). Ref and commit constraints: the one commit they name.
   * Throw ForgeError E_DEPENDENCY_MISSING / E_COMPONENT_NOT_FOUND (or
   * E_REF_NOT_FOUND, E_COMMIT_NOT_FOUND, E_REPO_NOT_FOUND) or return [] when the
   * package cannot be found. Called at most once per key and constraint.
   */
  candidates(requirement: Requirement): Promise<Candidate[]>;
  /** What the candidate needs (its component.yaml). Called at most once per key and commit, only for candidates tried. */
  dependencies(candidate: Candidate): Promise<Requirement[]>;
}

export interface SolveOptions {
  /** Commits in forge.lock.yaml: kept while they still satisfy everything. */
  locked?: ReadonlyMap<string, string>;
  /** Keys free to move to their newest allowed candidate despite the lock. */
  unlock?: ReadonlySet<string>;
}

export interface SolvedPackage {
  candidate: Candidate;
  /** Every requirement that applied to it: forge.yaml's and its dependents'. */
  requirements: Requirement[];
  /** Keys of the packages it needs, in declaration order. */
  dependencies: string[];
}

export interface SolveSuccess {
  ok: true;
  solution: Map<string, SolvedPackage>;
  /** Topological: dependencies first; ties by label. */
  order: string[];
}

export type SolveFailureCode = 'E_VERSION_CONFLICT' | 'E_NO_MATCHING_VERSION' | 'E_DEPENDENCY_CYCLE' | 'E_DEPENDENCY_MISSING' | 'E_COMPONENT_NOT_FOUND';

export interface SolveFailure {
  ok: false;
  /** Conflict type as recorded by pull: version (ranges) or dependency (cycle, missing). */
  kind: 'version' | 'dependency';
  /** The ForgeError code to raise. */
  code: SolveFailureCode;
  /** The explanation: `chain` joined with '; ' (a cycle: `Dependency cycle: a -> b -> a`). */
  message: string;
  /** Steps of the explanation; for a cycle, the labels along it (`[a, b, a]`). */
  chain: string[];
  /** True when only forge.yaml's own requirements are involved (bad input rather than upstream trouble). */
  fromManifest: boolean;
}

export type SolveResult = SolveSuccess | SolveFailure;

const MISSING_CODES = new Set(['E_DEPENDENCY_MISSING', 'E_COMPONENT_NOT_FOUND', 'E_REF_NOT_FOUND', 'E_COMMIT_NOT_FOUND', 'E_REPO_NOT_FOUND']);

type Fetched = { ok: true; list: Candidate[] } | { ok: false; error: ForgeError | null };
/** Fact id -> search depth at which the fact became true (facts true at the root are left out). */
type Conflict = Map<string, number>;
type Fact = { type: 'assigned'; key: string; id: string } | { type: 'required'; key: string; constraint: string };
type Explanation = Omit<SolveFailure, 'ok'>;

/** Resolves `roots` (forge.yaml's requirements) into one candidate per package. */
export async function solve(roots: readonly Requirement[], provider: Provider, options: SolveOptions = {}): Promise<SolveResult> {
  const locked = options.locked ?? new Map<string, string>();
  const unlock = options.unlock ?? new Set<string>();

  // --- memoized provider calls -------------------------------------------------------
  const fetched = new Map<string, Fetched>();
  const dependencyCache = new Map<string, Promise<Requirement[]>>();
  const labels = new Map<string, string>();

  const fetchKey = (req: Requirement): string => {
    const c = req.constraint;
    return c.kind === 'version' ? `${req.key}\0version` : c.kind === 'ref' ? `${req.key}\0ref\0${c.ref}` : `${req.key}\0commit\0${c.commit}`;
  };
  const ensureFetched = async (req: Requirement): Promise<Fetched> => {
    const id = fetchKey(req);
    const known = fetched.get(id);
    if (known) return known;
    let result: Fetched;
    try {
      const list = await provider.candidates(req);
      const usable = list.filter((c) => c.key === req.key && (req.constraint.kind !== 'version' || (c.version !== null && semver.valid(c.version) !== null)));
      if (req.constraint.kind === 'version') usable.sort((a, b) => semver.rcompare(a.version!, b.version!));
      result = usable.length > 0 ? { ok: true, list: usable } : { ok: false, error: null };
    } catch (error) {
      if (!isForgeError(error) || !MISSING_CODES.has(error.code)) throw error;
      result = { ok: false, error };
    }
    fetched.set(id, result);
    return result;
  };
  const listOf = (req: Requirement): Candidate[] => {
    const f = fetched.get(fetchKey(req));
    return f && f.ok ? f.list : [];
  };
  const taggedVersions = (key: string): Candidate[] => {
    const f = fetched.get(`${key}\0version`);
    return f && f.ok ? f.list : [];
  };
  const dependenciesOf = (candidate: Candidate): Promise<Requirement[]> => {
    const id = `${candidate.key}\0${candidate.commit}`;
    let promise = dependencyCache.get(id);
    if (!promise) {
      promise = provider.dependencies(candidate);
      dependencyCache.set(id, promise);
    }
    return promise;
  };
  const labelOf = (key: string): string => labels.get(key) ?? key;

  // --- search state (every change goes through the undo log) ------------------------
  const assigned = new Map<string, Candidate>();
  const reqsOn = new Map<string, Requirement[]>();
  const depsOf = new Map<string, Requirement[]>();
  const activation = new Map<string, number>();
  let activations = 0;
  const undoLog: (() => void)[] = [];
  const rollback = (mark: number): void => {
    while (undoLog.length > mark) undoLog.pop()!();
  };
  const addRequirement = (req: Requirement): void => {
    if (!labels.has(req.key)) labels.set(req.key, req.label);
    const list = reqsOn.get(req.key) ?? [];
    if (list.length === 0) {
      reqsOn.set(req.key, list);
      activation.set(req.key, activations++);
    }
    list.push(req);
    undoLog.push(() => {
      list.pop();
      if (list.length === 0) {
        reqsOn.delete(req.key);
        activation.delete(req.key);
      }
    });
  };

  // --- satisfaction -------------------------------------------------------------------
  // semver.satisfies parses the range on every call; the search asks the same questions many
  // times (a third of a no-op pull's CPU for 24 components before this memo).
  const satisfiedBy = new Map<string, boolean>();
  const inRange = (version: string, range: string): boolean => {
    const key = `${version}\0${range}`;
    let answer = satisfiedBy.get(key);
    if (answer === undefined) {
      answer = semver.satisfies(version, range);
      satisfiedBy.set(key, answer);
    }
    return answer;
  };
  const versionsAt = (key: string, candidate: Candidate): string[] =>
    candidate.version !== null ? [candidate.version] : taggedVersions(key).filter((c) => c.commit === candidate.commit).map((c) => c.version!);
  const satisfies = (candidate: Candidate, req: Requirement): boolean => {
    const c = req.constraint;
    if (c.kind === 'version') return versionsAt(req.key, candidate).some((v) => inRange(v, c.range));
    return listOf(req).some((x) => x.commit === candidate.commit);
  };
  const identity = (c: Candidate): string => `${c.commit}\0${c.version ?? ''}`;

  /** Every candidate any requirement on `key` brought, explicit pins first, then newest first. */
  const domainOf = (key: string): Candidate[] => {
    const seen = new Map<string, Candidate>();
    for (const req of reqsOn.get(key) ?? []) for (const c of listOf(req)) if (!seen.has(identity(c))) seen.set(identity(c), c);
    const all = [...seen.values()];
    const pinned = all.filter((c) => c.version === null);
    const versioned = all.filter((c) => c.version !== null).sort((a, b) => semver.rcompare(a.version!, b.version!));
    return [...pinned, ...versioned];
  };
  /** Candidates satisfying every requirement on `key`, in the order to try them. */
  const choicesFor = (key: string): Candidate[] => {
    const reqs = reqsOn.get(key) ?? [];
    const ok = domainOf(key).filter((c) => reqs.every((r) => satisfies(c, r)));
    const lockedCommit = unlock.has(key) ? undefined : locked.get(key);
    if (lockedCommit === undefined) return ok;
    return [...ok.filter((c) => c.commit === lockedCommit), ...ok.filter((c) => c.commit !== lockedCommit)];
  };

  // --- explanations -------------------------------------------------------------------
  let firstFailure: Explanation | null = null;
  const failWith = (conflict: Conflict, explanation: Explanation): Conflict => {
    firstFailure ??= explanation;
    return conflict;
  };
  const candidateText = (c: Candidate): string => c.version ?? (c.ref ? c.ref.replace(/^refs\/(heads|tags)\//, '') : c.commit.slice(0, 7));
  const who = (req: Requirement): string => {
    if (!req.requiredBy) return 'forge.yaml';
    const by = assigned.get(req.requiredBy.key);
    return `${req.requiredBy.label} ${by ? candidateText(by) : (req.requiredBy.version ?? '?')}`;
  };
  const constraintText = (req: Requirement): string => {
    const c = req.constraint;
    return c.kind === 'version' ? c.range : c.kind === 'ref' ? `at ref ${c.ref}` : `at commit ${c.commit.slice(0, 7)}`;
  };
  const needs = (req: Requirement): string => `${who(req)} needs ${req.label} ${constraintText(req)}`;
  const explanation = (kind: Explanation['kind'], code: SolveFailureCode, chain: string[], reqs: readonly Requirement[]): Explanation => ({
    kind,
    code,
    message: chain.join('; '),
    chain,
    fromManifest: reqs.every((r) => r.requiredBy === null),
  });
  const available = (key: string): string => `available: ${formatAvailable(taggedVersions(key).map((c) => c.version!))}`;
  const pinDetails = (reqs: readonly Requirement[]): string =>
    reqs
      .filter((r) => r.constraint.kind !== 'version')
      .map((r) => {
        const target = listOf(r)[0];
        const where = r.constraint.kind === 'ref' ? `ref ${r.constraint.ref} is ${target?.commit.slice(0, 7) ?? '?'}` : `commit ${target?.commit.slice(0, 7) ?? '?'}`;
        const tags = target ? versionsAt(r.key, target) : [];
        return `${where}, ${tags.length > 0 ? `tagged ${tags.join(', ')}` : 'untagged'}`;
      })
      .join('; ');

  /** Requirements on `key` that no candidate satisfies together: a small subset, the newest requirement in it when possible. */
  const clashingSubset = (key: string): Requirement[] => {
    const reqs = reqsOn.get(key) ?? [];
    const domain = domainOf(key);
    const none = (subset: Requirement[]): boolean => !domain.some((c) => subset.every((r) => satisfies(c, r)));
    for (let k = reqs.length - 1; k >= 0; k--) if (none([reqs[k]!])) return [reqs[k]!];
    for (let k = reqs.length - 1; k >= 1; k--) {
      for (let i = 0; i < k; i++) if (none([reqs[i]!, reqs[k]!])) return [reqs[i]!, reqs[k]!];
    }
    return [...reqs];
  };
  const explainClash = (key: string, subset: Requirement[]): Explanation => {
    const label = labelOf(key);
    if (subset.length === 1) {
      const req = subset[0]!;
      const range = req.constraint.kind === 'version' ? req.constraint.range : constraintText(req);
      return explanation('version', 'E_NO_MATCHING_VERSION', [needs(req), `no version of ${label} matches ${range} (${available(key)})`], subset);
    }
    const which = subset.length === 2 ? 'both' : 'all of them';
    const pins = subset.some((r) => r.constraint.kind !== 'version');
    const last = pins ? `no commit of ${label} satisfies ${which} (${pinDetails(subset)})` : `no version of ${label} satisfies ${which} (${available(key)})`;
    return explanation('version', 'E_VERSION_CONFLICT', [...subset.map(needs), last], subset);
  };
  /** The requirements on an unassigned `key` exclude every candidate. */
  const emptyDomain = (key: string): Conflict => {
    const subset = clashingSubset(key);
    return failWith(requiredFacts(subset), explainClash(key, subset));
  };
  /** A new requirement on `key`, already assigned, that its candidate does not meet. */
  const assignedClash = (key: string, req: Requirement): Conflict => {
    const reqs = reqsOn.get(key) ?? [];
    const anyFits = domainOf(key).some((c) => reqs.every((r) => satisfies(c, r)));
    if (!anyFits) return emptyDomain(key);
    const chosen = assigned.get(key)!;
    const chain = [needs(req), `${labelOf(key)} ${candidateText(chosen)} was chosen because every other choice fails`];
    return failWith(union(assignedFacts([key]), requiredFacts([req])), explanation('version', 'E_VERSION_CONFLICT', chain, [req]));
  };
  const missing = (req: Requirement, error: ForgeError | null): Explanation => {
    const what =
      error !== null
        ? `${req.label} cannot be found: ${error.message.replace(/\.$/, '')}`
        : req.constraint.kind === 'version'
          ? `${req.label} cannot be found (no tagged versions upstream)`
          : `${req.label} cannot be found (${constraintText(req)} does not exist)`;
    return explanation('dependency', 'E_DEPENDENCY_MISSING', [needs(req), what], [req]);
  };

  // --- cycles -------------------------------------------------------------------------
  /** A cycle through `start` among assigned packages: `[start, ..., start]`, or null. */
  const cycleThrough = (start: string): string[] | null => {
    const visited = new Set<string>();
    const path: string[] = [start];
    const visit = (node: string): boolean => {
      for (const dep of depsOf.get(node) ?? []) {
        if (dep.key === start) {
          path.push(start);
          return true;
        }
        if (!assigned.has(dep.key) || visited.has(dep.key)) continue;
        visited.add(dep.key);
        path.push(dep.key);
        if (visit(dep.key)) return true;
        path.pop();
      }
      return false;
    };
    return visit(start) ? path : null;
  };
  const explainCycle = (found: string[]): Explanation => {
    // Start where the user will recognise it: the package that came into the graph first.
    const ring = found.slice(0, -1);
    const first = ring.reduce((best, k, i) => ((activation.get(k) ?? 0) < (activation.get(ring[best]!) ?? 0) ? i : best), 0);
    const cycle = [...ring.slice(first), ...ring.slice(0, first), ring[first]!];
    const names = cycle.map(labelOf);
    const steps = cycle.slice(0, -1).map((key, i) => {
      const req = (depsOf.get(key) ?? []).find((d) => d.key === cycle[i + 1]);
      return req ? needs(req) : `${labelOf(key)} needs ${labelOf(cycle[i + 1]!)}`;
    });
    return {
      kind: 'dependency',
      code: 'E_DEPENDENCY_CYCLE',
      message: `Dependency cycle: ${names.join(' -> ')} (${steps.join('; ')})`,
      chain: names,
      fromManifest: false,
    };
  };

  // --- facts and learned nogoods -----------------------------------------------------
  const depth = new Map<string, number>();
  const facts = new Map<string, Fact>();
  const constraintId = (req: Requirement): string => {
    const c = req.constraint;
    return c.kind === 'version' ? `version ${c.range}` : c.kind === 'ref' ? `ref ${c.ref}` : `commit ${c.commit}`;
  };
  const register = (fact: Fact): string => {
    const id = fact.type === 'assigned' ? `a\0${fact.key}\0${fact.id}` : `r\0${fact.key}\0${fact.constraint}`;
    if (!facts.has(id)) facts.set(id, fact);
    return id;
  };
  /** Depth at which a fact became true in the current state; -1: true at the root; null: false. */
  const levelOf = (fact: Fact): number | null => {
    if (fact.type === 'assigned') {
      const c = assigned.get(fact.key);
      return c && identity(c) === fact.id ? depth.get(fact.key)! : null;
    }
    let level: number | null = null;
    for (const r of reqsOn.get(fact.key) ?? []) {
      if (constraintId(r) !== fact.constraint) continue;
      const at = r.requiredBy ? depth.get(r.requiredBy.key)! : -1;
      if (level === null || at < level) level = at;
    }
    return level;
  };
  const add = (conflict: Conflict, fact: Fact): Conflict => {
    const level = levelOf(fact);
    if (level !== null && level >= 0) conflict.set(register(fact), level);
    return conflict;
  };
  const requiredFacts = (reqs: readonly Requirement[]): Conflict => {
    const conflict: Conflict = new Map();
    for (const r of reqs) add(conflict, { type: 'required', key: r.key, constraint: constraintId(r) });
    return conflict;
  };
  const assignedFacts = (keys: readonly string[]): Conflict => {
    const conflict: Conflict = new Map();
    for (const key of keys) add(conflict, { type: 'assigned', key, id: identity(assigned.get(key)!) });
    return conflict;
  };
  const union = (a: Conflict, b: Conflict): Conflict => {
    for (const [id, level] of b) a.set(id, level);
    return a;
  };

  const nogoods = new Map<string, string[][]>();
  const learn = (conflict: Conflict): void => {
    const members = [...conflict.keys()];
    for (const id of members) {
      const list = nogoods.get(id) ?? [];
      list.push(members);
      nogoods.set(id, list);
    }
  };
  /** A learned nogood that the facts made true by the latest step complete. */
  const knownNogood = (fresh: readonly Fact[]): Conflict | null => {
    for (const fact of fresh) {
      for (const members of nogoods.get(register(fact)) ?? []) {
        const conflict: Conflict = new Map();
        let holds = true;
        for (const id of members) {
          const level = levelOf(facts.get(id)!);
          if (level === null) {
            holds = false;
            break;
          }
          if (level >= 0) conflict.set(id, level);
        }
        if (holds) return conflict;
      }
    }
    return null;
  };

  // --- search -------------------------------------------------------------------------
  /** null: solved (state holds the solution). Else the conflict set of the dead end. */
  const search = async (): Promise<Conflict | null> => {
    let best: { key: string; choices: Candidate[] } | null = null;
    for (const key of reqsOn.keys()) {
      if (assigned.has(key)) continue;
      const choices = choicesFor(key);
      if (choices.length === 0) return emptyDomain(key);
      if (
        best === null ||
        choices.length < best.choices.length ||
        (choices.length === best.choices.length && activation.get(key)! < activation.get(best.key)!)
      ) {
        best = { key, choices };
      }
    }
    if (best === null) return null;
    const { key, choices } = best;
    const level = assigned.size;
    const conflict = requiredFacts(reqsOn.get(key) ?? []);
    for (const candidate of choices) {
      const result = await tryCandidate(key, candidate, level);
      if (result === null) return null;
      // Facts at this depth follow from this choice; without any, another choice cannot help: jump back.
      if (![...result.values()].some((l) => l >= level)) return result;
      for (const [id, l] of result) if (l < level) conflict.set(id, l);
    }
    learn(conflict);
    return conflict;
  };

  const tryCandidate = async (key: string, candidate: Candidate, level: number): Promise<Conflict | null> => {
    const mark = undoLog.length;
    const fail = (conflict: Conflict): Conflict => {
      rollback(mark);
      return conflict;
    };
    assigned.set(key, candidate);
    depth.set(key, level);
    undoLog.push(() => {
      assigned.delete(key);
      depth.delete(key);
    });

    let declared: Requirement[];
    try {
      declared = await dependenciesOf(candidate);
    } catch (error) {
      if (!isForgeError(error) || !MISSING_CODES.has(error.code)) throw error;
      if (error.data.itself === true) {
        // The component's own path is not there at this candidate (the provider says so with `itself`).
        const chain = [`${labelOf(key)} ${candidateText(candidate)}: ${error.message.replace(/\.$/, '')}`];
        return fail(failWith(assignedFacts([key]), explanation('dependency', 'E_COMPONENT_NOT_FOUND', chain, reqsOn.get(key) ?? [])));
      }
      const chain = [`${labelOf(key)} ${candidateText(candidate)} needs a component that cannot be found: ${error.message.replace(/\.$/, '')}`];
      return fail(failWith(assignedFacts([key]), explanation('dependency', 'E_DEPENDENCY_MISSING', chain, [{ key, label: labelOf(key), constraint: { kind: 'commit', commit: candidate.commit }, requiredBy: { key, label: labelOf(key), version: candidate.version } }])));
    }
    const deps = declared.map<Requirement>((d) => ({
      key: d.key,
      label: d.label,
      constraint: d.constraint,
      requiredBy: { key, label: d.requiredBy?.label ?? labelOf(key), version: candidate.version },
    }));
    depsOf.set(key, deps);
    undoLog.push(() => depsOf.delete(key));

    for (const dep of deps) {
      if (dep.key === key) return fail(failWith(assignedFacts([key]), explainCycle([key, key])));
    }
    for (const dep of deps) {
      const f = await ensureFetched(dep);
      if (!f.ok) {
        addRequirement(dep);
        return fail(failWith(requiredFacts([dep]), missing(dep, f.error)));
      }
    }
    for (const dep of deps) addRequirement(dep);
    const fresh: Fact[] = [{ type: 'assigned', key, id: identity(candidate) }, ...deps.map<Fact>((d) => ({ type: 'required', key: d.key, constraint: constraintId(d) }))];
    const known = knownNogood(fresh);
    if (known) return fail(known);
    for (const dep of deps) {
      const chosen = assigned.get(dep.key);
      if (chosen && !satisfies(chosen, dep)) return fail(assignedClash(dep.key, dep));
    }
    const cycle = cycleThrough(key);
    if (cycle) return fail(failWith(assignedFacts(cycle), explainCycle(cycle)));
    for (const dep of deps) {
      if (!assigned.has(dep.key) && choicesFor(dep.key).length === 0) return fail(emptyDomain(dep.key));
    }
    const result = await search();
    return result === null ? null : fail(result);
  };

  // --- run ----------------------------------------------------------------------------
  for (const root of roots) {
    const f = await ensureFetched(root);
    if (!f.ok) return { ok: false, ...missing(root, f.error) };
    addRequirement(root);
  }
  const outcome = await search();
  if (outcome !== null) {
    const failure = firstFailure ?? explanation('version', 'E_VERSION_CONFLICT', ['no combination of versions satisfies every requirement'], []);
    return { ok: false, ...failure };
  }

  const solution = new Map<string, SolvedPackage>();
  for (const [key, chosen] of assigned) {
    const requirements = [...(reqsOn.get(key) ?? [])];
    let candidate = chosen;
    if (candidate.version === null) {
      // A pinned commit that carries a tag the ranges accept is recorded with that version.
      const ranges = requirements.flatMap((r) => (r.constraint.kind === 'version' ? [r.constraint.range] : []));
      const tag = ranges.length === 0 ? undefined : versionsAt(key, candidate).find((v) => ranges.every((r) => inRange(v, r)));
      if (tag !== undefined) candidate = { ...candidate, version: tag };
    }
    const dependencies = [...new Set((depsOf.get(key) ?? []).map((d) => d.key))];
    solution.set(key, { candidate, requirements, dependencies });
  }
  const sorted = topologicalOrder([...solution.keys()], (k) => solution.get(k)!.dependencies, labelOf);
  if (!sorted.ok) throw new ForgeError('E_INTERNAL', `The solver accepted a dependency cycle: ${sorted.cycle.map(labelOf).join(' -> ')}.`);
  return { ok: true, solution, order: sorted.order };
}
