// Property tests of the solver on small random universes, against brute force.
//
// Cycles are allowed in the universes: the solver treats a cycle among chosen
// candidates as a dead end (and backtracks to versions without it), so the
// brute force counts only acyclic assignments as solutions. Dependencies on a
// package that does not exist ("ghost") are allowed too and make that
// candidate unusable.

import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import { solve, type Provider, type Requirement } from '../../src/resolve/index.js';

const VERSIONS = ['1.0.0', '1.1.0', '1.1.5', '1.2.0', '1.3.0-beta.1', '2.0.0'];
const RANGES = ['^1.0.0', '~1.1.0', '>=1.2.0 <2.0.0', '1.1.0', '^2.0.0', '*', '^1.3.0-beta.0', '1.0.0 || 2.0.0'];

interface Dep {
  key: string;
  range: string;
}
type Universe = Map<string, Map<string, Dep[]>>;
interface Problem {
  universe: Universe;
  roots: Dep[];
  locked: Map<string, string>;
}

const problemArb: fc.Arbitrary<Problem> = fc.integer({ min: 3, max: 5 }).chain((n) => {
  const keys = Array.from({ length: n }, (_, i) => `p${i}`);
  const depArb = fc.record({ key: fc.constantFrom(...keys, ...keys, 'ghost'), range: fc.constantFrom(...RANGES) });
  const packageArb = fc.uniqueArray(fc.constantFrom(...VERSIONS), { minLength: 1, maxLength: 4 }).chain((versions) =>
    fc.tuple(...versions.map((v) => fc.array(depArb, { maxLength: 2 }).map((deps) => [v, deps] as const))),
  );
  return fc.record({
    packages: fc.tuple(...keys.map(() => packageArb)),
    roots: fc.uniqueArray(fc.record({ key: fc.constantFrom(...keys), range: fc.constantFrom(...RANGES) }), {
      minLength: 1,
      maxLength: 2,
      selector: (d) => d.key,
    }),
    lockPicks: fc.array(fc.nat(), { minLength: n, maxLength: n }),
  }).map(({ packages, roots, lockPicks }) => {
    const universe: Universe = new Map();
    const locked = new Map<string, string>();
    keys.forEach((key, i) => {
      const versions = new Map(packages[i]!.map(([v, deps]) => [v, [...deps]]));
      universe.set(key, versions);
      const list = [...versions.keys()];
      if (lockPicks[i]! % 2 === 0) locked.set(key, `${key}@${list[lockPicks[i]! % list.length]}`);
    });
    return { universe, roots, locked };
  });
});

function providerFor(universe: Universe): Provider {
  return {
    async candidates(req) {
      const pkg = universe.get(req.key);
      if (!pkg) throw new ForgeError('E_DEPENDENCY_MISSING', `No ${req.key}.`);
      return [...pkg.keys()].map((v) => ({ key: req.key, version: v, commit: `${req.key}@${v}`, ref: `refs/tags/v${v}` }));
    },
    async dependencies(candidate) {
      const deps = universe.get(candidate.key)!.get(candidate.version!)!;
      return deps.map<Requirement>((d) => ({
        key: d.key,
        label: d.key,
        constraint: { kind: 'version', range: d.range },
        requiredBy: { key: candidate.key, label: candidate.key, version: candidate.version },
      }));
    },
  };
}

function acyclic(chosen: Map<string, string>, universe: Universe): boolean {
  const state = new Map<string, number>();
  const visit = (k: string): boolean => {
    state.set(k, 1);
    for (const d of universe.get(k)!.get(chosen.get(k)!)!) {
      if (!chosen.has(d.key)) continue;
      if (state.get(d.key) === 1) return false;
      if (!state.has(d.key) && !visit(d.key)) return false;
    }
    state.set(k, 2);
    return true;
  };
  return [...chosen.keys()].every((k) => state.has(k) || visit(k));
}

/** Every requirement that applies holds, every needed package is present, no cycle. */
function valid(chosen: Map<string, string>, problem: Problem): boolean {
  const ok = (d: Dep) => chosen.has(d.key) && semver.satisfies(chosen.get(d.key)!, d.range);
  if (!problem.roots.every(ok)) return false;
  for (const [key, version] of chosen) if (!problem.universe.get(key)!.get(version)!.every(ok)) return false;
  return acyclic(chosen, problem.universe);
}

function bruteForceHasSolution(problem: Problem): boolean {
  const keys = [...problem.universe.keys()];
  const chosen = new Map<string, string>();
  const walk = (i: number): boolean => {
    if (i === keys.length) return valid(chosen, problem);
    const key = keys[i]!;
    if (walk(i + 1)) return true;
    for (const v of problem.universe.get(key)!.keys()) {
      chosen.set(key, v);
      if (walk(i + 1)) return true;
      chosen.delete(key);
    }
    return false;
  };
  return walk(0);
}

describe('solve on random universes', () => {
  it('finds a solution exactly when one exists, and every solution satisfies every requirement that applies', async () => {
    let solved = 0;
    await fc.assert(
      fc.asyncProperty(problemArb, async (problem) => {
        const roots: Requirement[] = problem.roots.map((r) => ({ key: r.key, label: r.key, constraint: { kind: 'version', range: r.range }, requiredBy: null }));
        const result = await solve(roots, providerFor(problem.universe), { locked: problem.locked });
        const expected = bruteForceHasSolution(problem);
        if (!result.ok) {
          expect(expected, `solver failed (${result.message}) but a solution exists`).toBe(false);
          expect(result.message.length).toBeGreaterThan(0);
          return;
        }
        solved++;
        const chosen = new Map([...result.solution].map(([k, v]) => [k, v.candidate.version!]));
        expect(valid(chosen, problem)).toBe(true);
        // Nothing chosen that nobody needs.
        const needed = new Set(problem.roots.map((r) => r.key));
        for (const [key, version] of chosen) for (const d of problem.universe.get(key)!.get(version)!) needed.add(d.key);
        expect(new Set(chosen.keys())).toEqual(needed);
        // Dependencies come first in the order; each package's requirements are the ones that apply.
        expect([...result.order].sort()).toEqual([...chosen.keys()].sort());
        const position = new Map(result.order.map((k, i) => [k, i]));
        for (const [key, solvedPackage] of result.solution) {
          for (const dep of solvedPackage.dependencies) expect(position.get(dep)!).toBeLessThan(position.get(key)!);
          for (const r of solvedPackage.requirements) {
            expect(r.constraint.kind === 'version' && semver.satisfies(solvedPackage.candidate.version!, r.constraint.range)).toBe(true);
          }
        }
      }),
      { numRuns: 400, seed: 20240115 },
    );
    // The generator must produce both outcomes, or the comparison says little.
    expect(solved).toBeGreaterThan(40);
    expect(solved).toBeLessThan(380);
  });

  it('prefers the newest allowed version when nothing is locked', async () => {
    await fc.assert(
      fc.asyncProperty(problemArb, async (problem) => {
        const roots: Requirement[] = problem.roots.slice(0, 1).map((r) => ({ key: r.key, label: r.key, constraint: { kind: 'version', range: r.range }, requiredBy: null }));
        // Without dependencies the answer is plain maxSatisfying.
        const flat: Universe = new Map([...problem.universe].map(([k, vs]) => [k, new Map([...vs.keys()].map((v) => [v, []]))]));
        const result = await solve(roots, providerFor(flat));
        const best = semver.maxSatisfying([...flat.get(roots[0]!.key)!.keys()], problem.roots[0]!.range);
        expect(result.ok ? result.solution.get(roots[0]!.key)!.candidate.version : null).toBe(best);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
