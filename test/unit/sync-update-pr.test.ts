// --pr-per-component: which components travel together in one pull request.

import { describe, expect, it } from 'vitest';
import type { LockEntry, Lockfile } from '../../src/core/model.js';
import type { ComponentPlan } from '../../src/sync/pull-plan.js';
import { perComponentGroups } from '../../src/sync/update-pr.js';

const entry = (name: string, dependencies: string[] = []): LockEntry => ({
  name,
  repository: 'github.com/acme/tools',
  path: `c/${name}`,
  dest: `c/${name}`,
  commit: 'a'.repeat(40),
  tree: 'b'.repeat(40),
  resolvedAt: '2024-01-01T00:00:00Z',
  dependencies,
});
const lock = (...entries: LockEntry[]): Lockfile => ({ lockfileVersion: 1, components: Object.fromEntries(entries.map((e) => [e.name, e])) });
const plan = (name: string, action: ComponentPlan['action']) => ({ name, action }) as ComponentPlan;
const names = (groups: ReturnType<typeof perComponentGroups>) => groups.map((g) => [g.root, g.components.map((c) => c.name).sort()]);

describe('per-component groups', () => {
  it('independent components: one group each', () => {
    const before = lock(entry('a'), entry('b'));
    expect(names(perComponentGroups([plan('a', 'fast-forward'), plan('b', 'merge')], before, before))).toEqual([
      ['a', ['a']],
      ['b', ['b']],
    ]);
  });

  it('a component goes with the moved dependencies it needs, which get no group of their own', () => {
    const after = lock(entry('lookup', ['email']), entry('email'));
    expect(names(perComponentGroups([plan('lookup', 'fast-forward'), plan('email', 'fast-forward')], after, after))).toEqual([['lookup', ['email', 'lookup']]]);
  });

  it('a dependency that moved on its own (its dependent did not) gets its own group', () => {
    const after = lock(entry('lookup', ['email']), entry('email'));
    expect(names(perComponentGroups([plan('email', 'fast-forward')], after, after))).toEqual([['email', ['email']]]);
  });

  it('a removed dependency goes with the component that dropped it; one nobody dropped goes alone', () => {
    const before = lock(entry('lookup', ['old']), entry('old'), entry('stray'));
    const after = lock(entry('lookup'));
    expect(names(perComponentGroups([plan('lookup', 'fast-forward'), plan('old', 'remove'), plan('stray', 'remove')], before, after))).toEqual([
      ['lookup', ['lookup', 'old']],
      ['stray', ['stray']],
    ]);
  });
});
