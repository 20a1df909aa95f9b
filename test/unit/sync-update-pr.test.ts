// --pr-per-component: which components travel together in one pull request.

import { describe, expect, it } from 'vitest';
import type { LockEntry, Lockfile } from '../../src/core/model.js';
import type { ComponentPlan } from '../../src/sync/pull-plan.js';
import { adoptedEdits, perComponentGroups } from '../../src/sync/update-pr.js';
import { blobId } from '../../src/core/blob-id.js';

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

describe('local edits upstream now has', () => {
  const te = (text: string) => new TextEncoder().encode(text);
  const file = (path: string, text: string) => ({ path, mode: '100644' as const, oid: blobId(te(text)) });

  it('counts an edit whose merge result is upstream\'s file (the edit went into an upstream release), not only one equal before the merge', () => {
    const local = { files: [file('a.yaml', 'timeout: 60\n'), file('b.txt', 'mine\n'), file('c.txt', 'same\n')] };
    const target = { files: [file('a.yaml', 'timeout: 60\nfields: [x]\n'), file('b.txt', 'theirs\n'), file('c.txt', 'same\n')] };
    const adopted = adoptedEdits({
      target: target as never,
      local: local as never,
      localChanges: [{ path: 'a.yaml', kind: 'modified' }, { path: 'b.txt', kind: 'modified' }, { path: 'c.txt', kind: 'modified' }] as never,
      // The merge writes upstream's text for a.yaml, and a real merge of both sides for b.txt.
      changes: [
        { action: 'write', path: 'a.yaml', mode: '100644', content: te('timeout: 60\nfields: [x]\n') },
        { action: 'write', path: 'b.txt', mode: '100644', content: te('mine and theirs\n') },
      ],
    });
    expect(adopted).toEqual(['a.yaml', 'c.txt']);
  });
});
