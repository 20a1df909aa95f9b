import { describe, expect, it } from 'vitest';
import { ForgeError } from '../../src/errors.js';
import { solve, type Candidate, type Provider, type Requirement, type SolveResult } from '../../src/resolve/index.js';

// A fake upstream world: package -> version -> dependencies ("name range" or "name@ref:branch").
type Universe = Record<string, { versions: Record<string, string[]>; branches?: Record<string, string> }>;

const commitOf = (key: string, version: string): string => `${key}-${version}`;

function req(key: string, range: string, by: { key: string; version: string | null } | null = null): Requirement {
  const constraint: Requirement['constraint'] = range.startsWith('ref:')
    ? { kind: 'ref', ref: range.slice(4) }
    : range.startsWith('commit:')
      ? { kind: 'commit', commit: range.slice(7) }
      : { kind: 'version', range };
  return { key, label: key, constraint, requiredBy: by ? { key: by.key, label: by.key, version: by.version } : null };
}

function provider(universe: Universe): Provider & { dependencyCalls: string[]; candidateCalls: string[] } {
  const dependencyCalls: string[] = [];
  const candidateCalls: string[] = [];
  return {
    dependencyCalls,
    candidateCalls,
    async candidates(r) {
      candidateCalls.push(`${r.key} ${JSON.stringify(r.constraint)}`);
      const pkg = universe[r.key];
      if (!pkg) throw new ForgeError('E_DEPENDENCY_MISSING', `No component ${r.key} upstream.`);
      const c = r.constraint;
      if (c.kind === 'version') return Object.keys(pkg.versions).map((v) => ({ key: r.key, version: v, commit: commitOf(r.key, v), ref: `refs/tags/v${v}` }));
      if (c.kind === 'ref') {
        const v = pkg.branches?.[c.ref];
        if (!v) throw new ForgeError('E_REF_NOT_FOUND', `No branch ${c.ref}.`);
        return [{ key: r.key, version: null, commit: commitOf(r.key, v), ref: `refs/heads/${c.ref}` }];
      }
      return [{ key: r.key, version: null, commit: c.commit, ref: null }];
    },
    async dependencies(candidate: Candidate) {
      dependencyCalls.push(`${candidate.key}@${candidate.commit}`);
      const version = candidate.commit.slice(candidate.key.length + 1);
      const deps = universe[candidate.key]?.versions[version] ?? [];
      return deps.map((d) => {
        const [key, range] = d.split(' ') as [string, string];
        return req(key, range, { key: candidate.key, version: candidate.version });
      });
    },
  };
}

function picked(result: SolveResult): Record<string, string> {
  if (!result.ok) throw new Error(`expected a solution, got: ${result.message}`);
  return Object.fromEntries([...result.solution].map(([k, v]) => [k, v.candidate.version ?? v.candidate.commit]));
}

describe('solve', () => {
  it('resolves a diamond to one shared version that suits both sides', async () => {
    const universe: Universe = {
      app: { versions: { '1.0.0': ['left ^1.0.0', 'right ^1.0.0'] } },
      left: { versions: { '1.0.0': ['base ^1.1.0'] } },
      right: { versions: { '1.0.0': ['base ~1.1.0'] } },
      base: { versions: { '1.0.0': [], '1.1.0': [], '1.1.5': [], '1.2.0': [] } },
    };
    const result = await solve([req('app', '^1.0.0')], provider(universe));
    expect(picked(result)).toEqual({ app: '1.0.0', left: '1.0.0', right: '1.0.0', base: '1.1.5' });
    if (!result.ok) return;
    expect(result.order).toEqual(['base', 'left', 'right', 'app']);
    expect(result.solution.get('base')!.requirements.map((r) => r.requiredBy?.key)).toEqual(['left', 'right']);
    expect(result.solution.get('app')!.dependencies).toEqual(['left', 'right']);
  });

  it('backtracks to an older version when the newest one needs a clashing range', async () => {
    const universe: Universe = {
      a: { versions: { '1.0.0': ['c ^1.0.0'], '1.1.0': ['c ^1.0.0'], '1.2.0': ['c ^2.0.0'] } },
      b: { versions: { '1.0.0': ['c ^1.0.0'] } },
      c: { versions: { '1.0.0': [], '1.5.0': [], '2.0.0': [] } },
    };
    const result = await solve([req('a', '^1.0.0'), req('b', '^1.0.0')], provider(universe));
    expect(picked(result)).toEqual({ a: '1.1.0', b: '1.0.0', c: '1.5.0' });
  });

  it('explains a version clash as a chain a person can act on', async () => {
    const universe: Universe = {
      'salesforce-lookup': { versions: { '2.1.5': ['email-composer ~1.3.0'] } },
      reports: { versions: { '1.0.0': ['email-composer ^2.0.0'] } },
      'email-composer': { versions: { '2.0.0': [], '1.4.0': [], '1.3.2': [], '1.3.0': [] } },
    };
    const result = await solve([req('salesforce-lookup', '^2.1.0'), req('reports', '^1.0.0')], provider(universe));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.kind).toBe('version');
    expect(result.code).toBe('E_VERSION_CONFLICT');
    expect(result.fromManifest).toBe(false);
    expect(result.message).toBe(
      'salesforce-lookup 2.1.5 needs email-composer ~1.3.0; reports 1.0.0 needs email-composer ^2.0.0; ' +
        'no version of email-composer satisfies both (available: 2.0.0, 1.4.0, 1.3.2, 1.3.0)',
    );
    expect(result.chain).toHaveLength(3);
  });

  it('says forge.yaml when the user asked for a version nobody has', async () => {
    const universe: Universe = { x: { versions: { '2.1.4': [], '2.0.0': [] } } };
    const result = await solve([req('x', '^3.0.0')], provider(universe));
    expect(result).toMatchObject({
      ok: false,
      kind: 'version',
      code: 'E_NO_MATCHING_VERSION',
      fromManifest: true,
      message: 'forge.yaml needs x ^3.0.0; no version of x matches ^3.0.0 (available: 2.1.4, 2.0.0)',
    });
  });

  it('reports a cycle as the cycle', async () => {
    const universe: Universe = {
      ca: { versions: { '1.0.0': ['cb ^1.0.0'] } },
      cb: { versions: { '1.0.0': ['ca ^1.0.0'] } },
    };
    const result = await solve([req('ca', '^1.0.0')], provider(universe));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.kind).toBe('dependency');
    expect(result.code).toBe('E_DEPENDENCY_CYCLE');
    expect(result.chain).toEqual(['ca', 'cb', 'ca']);
    expect(result.message).toBe('Dependency cycle: ca -> cb -> ca (ca 1.0.0 needs cb ^1.0.0; cb 1.0.0 needs ca ^1.0.0)');
  });

  it('avoids a cycle when an older version does not have it', async () => {
    const universe: Universe = {
      ca: { versions: { '1.0.0': ['cb ^1.0.0'] } },
      cb: { versions: { '1.0.0': [], '1.1.0': ['ca ^1.0.0'] } },
    };
    expect(picked(await solve([req('ca', '^1.0.0')], provider(universe)))).toEqual({ ca: '1.0.0', cb: '1.0.0' });
  });

  it('reports a component depending on itself', async () => {
    const universe: Universe = { ca: { versions: { '1.0.0': ['ca ^1.0.0'] } } };
    const result = await solve([req('ca', '^1.0.0')], provider(universe));
    expect(result).toMatchObject({ ok: false, kind: 'dependency', chain: ['ca', 'ca'] });
  });

  it('names the component that asked for a dependency that cannot be found', async () => {
    const universe: Universe = { reports: { versions: { '1.0.0': ['ghost ^1.0.0'] } } };
    const result = await solve([req('reports', '^1.0.0')], provider(universe));
    expect(result).toMatchObject({
      ok: false,
      kind: 'dependency',
      code: 'E_DEPENDENCY_MISSING',
      message: 'reports 1.0.0 needs ghost ^1.0.0; ghost cannot be found: No component ghost upstream',
    });
  });

  it('treats a package without any tagged version as missing', async () => {
    const universe: Universe = { reports: { versions: { '1.0.0': ['empty ^1.0.0'] } }, empty: { versions: {} } };
    const result = await solve([req('reports', '^1.0.0')], provider(universe));
    expect(result).toMatchObject({ ok: false, kind: 'dependency', message: 'reports 1.0.0 needs empty ^1.0.0; empty cannot be found (no tagged versions upstream)' });
  });

  it('falls back to an older version whose dependencies exist', async () => {
    const universe: Universe = { reports: { versions: { '1.0.0': [], '1.1.0': ['ghost ^1.0.0'] } } };
    expect(picked(await solve([req('reports', '^1.0.0')], provider(universe)))).toEqual({ reports: '1.0.0' });
  });

  it('picks pre-releases only when the range asks for them', async () => {
    const universe: Universe = { x: { versions: { '1.0.0': [], '1.1.0-beta.1': [], '2.0.0-rc.1': [] } } };
    expect(picked(await solve([req('x', '^1.0.0')], provider(universe)))).toEqual({ x: '1.0.0' });
    expect(picked(await solve([req('x', '^1.1.0-beta.0')], provider(universe)))).toEqual({ x: '1.1.0-beta.1' });
    expect(picked(await solve([req('x', '>=1.0.0')], provider(universe)))).toEqual({ x: '1.0.0' });
    expect(picked(await solve([req('x', '2.0.0-rc.1')], provider(universe)))).toEqual({ x: '2.0.0-rc.1' });
  });

  it('keeps locked versions that still satisfy everything, and moves unlocked ones to the newest', async () => {
    const universe: Universe = {
      a: { versions: { '1.0.0': ['b ^1.0.0'], '1.1.0': ['b ^1.0.0'] } },
      b: { versions: { '1.0.0': [], '1.2.0': [] } },
    };
    const locked = new Map([
      ['a', commitOf('a', '1.0.0')],
      ['b', commitOf('b', '1.0.0')],
    ]);
    expect(picked(await solve([req('a', '^1.0.0')], provider(universe), { locked }))).toEqual({ a: '1.0.0', b: '1.0.0' });
    expect(picked(await solve([req('a', '^1.0.0')], provider(universe), { locked, unlock: new Set(['b']) }))).toEqual({ a: '1.0.0', b: '1.2.0' });
    expect(picked(await solve([req('a', '^1.0.0')], provider(universe), { locked, unlock: new Set(['a', 'b']) }))).toEqual({ a: '1.1.0', b: '1.2.0' });
  });

  it('leaves a locked version that no longer satisfies the range', async () => {
    const universe: Universe = { a: { versions: { '1.0.0': [], '2.0.0': [], '2.1.0': [] } } };
    const locked = new Map([['a', commitOf('a', '1.0.0')]]);
    expect(picked(await solve([req('a', '^2.0.0')], provider(universe), { locked }))).toEqual({ a: '2.1.0' });
  });

  it('follows a ref and a pinned commit', async () => {
    const universe: Universe = {
      a: { versions: { '1.0.0': ['b ref:main'] }, branches: { main: '1.0.0' } },
      b: { versions: { '1.0.0': [], '1.1.0': [] }, branches: { main: '1.1.0' } },
    };
    const result = await solve([req('a', 'ref:main')], provider(universe));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.solution.get('a')!.candidate).toEqual({ key: 'a', version: null, commit: 'a-1.0.0', ref: 'refs/heads/main' });
    expect(result.solution.get('b')!.candidate.commit).toBe('b-1.1.0');
    const pinned = await solve([req('b', 'commit:b-1.0.0')], provider(universe));
    expect(pinned.ok && pinned.solution.get('b')!.candidate).toEqual({ key: 'b', version: null, commit: 'b-1.0.0', ref: null });
  });

  it('accepts a ref whose commit carries a tag the range allows, and records that version', async () => {
    const universe: Universe = {
      a: { versions: { '1.0.0': ['b ^1.0.0'] } },
      b: { versions: { '1.0.0': [], '1.1.0': [] }, branches: { main: '1.1.0' } },
    };
    const result = await solve([req('b', 'ref:main'), req('a', '^1.0.0')], provider(universe));
    expect(result.ok && result.solution.get('b')!.candidate).toEqual({ key: 'b', version: '1.1.0', commit: 'b-1.1.0', ref: 'refs/heads/main' });
  });

  it('explains a ref whose commit has no tag in the range', async () => {
    const universe: Universe = {
      a: { versions: { '1.0.0': ['b ^2.0.0'] } },
      b: { versions: { '1.0.0': [], '2.0.0': [] }, branches: { main: '1.0.0' } },
    };
    const result = await solve([req('b', 'ref:main'), req('a', '^1.0.0')], provider(universe));
    expect(result).toMatchObject({
      ok: false,
      kind: 'version',
      message: 'forge.yaml needs b at ref main; a 1.0.0 needs b ^2.0.0; no commit of b satisfies both (ref main is b-1.0.0, tagged 1.0.0)',
    });
  });

  it('rejects two refs on one package that point at different commits', async () => {
    const universe: Universe = {
      a: { versions: { '1.0.0': ['b ref:dev'] } },
      b: { versions: { '1.0.0': [], '1.1.0': [] }, branches: { main: '1.0.0', dev: '1.1.0' } },
    };
    const result = await solve([req('b', 'ref:main'), req('a', '^1.0.0')], provider(universe));
    expect(result).toMatchObject({ ok: false, kind: 'version' });
    if (result.ok) return;
    expect(result.message).toContain('forge.yaml needs b at ref main; a 1.0.0 needs b at ref dev; no commit of b satisfies both');
  });

  it('reports a ref that does not exist as a missing dependency', async () => {
    const universe: Universe = { a: { versions: { '1.0.0': ['b ref:gone'] } }, b: { versions: { '1.0.0': [] } } };
    const result = await solve([req('a', '^1.0.0')], provider(universe));
    expect(result).toMatchObject({ ok: false, kind: 'dependency', message: 'a 1.0.0 needs b at ref gone; b cannot be found: No branch gone' });
  });

  it('reads dependencies only of candidates it tries, once per commit', async () => {
    const universe: Universe = {
      a: { versions: { '1.0.0': ['c ^1.0.0'], '1.1.0': ['c ^1.0.0'], '1.2.0': ['c ^2.0.0'], '1.3.0': ['c ^2.0.0'] } },
      b: { versions: { '1.0.0': ['c ^1.0.0'] } },
      c: { versions: { '1.0.0': [], '2.0.0': [] } },
    };
    const p = provider(universe);
    await solve([req('a', '^1.0.0'), req('b', '^1.0.0')], p);
    expect(new Set(p.dependencyCalls).size).toBe(p.dependencyCalls.length);
    expect(p.dependencyCalls).not.toContain('a@a-1.0.0');
    expect(new Set(p.candidateCalls).size).toBe(p.candidateCalls.length);
  });

  it('lets provider errors other than "not found" through', async () => {
    const failing: Provider = {
      candidates: async () => {
        throw new ForgeError('E_NETWORK', 'offline');
      },
      dependencies: async () => [],
    };
    await expect(solve([req('a', '^1.0.0')], failing)).rejects.toMatchObject({ code: 'E_NETWORK' });
  });

  it('orders independent packages by label and dependencies first', async () => {
    const universe: Universe = {
      zeta: { versions: { '1.0.0': ['alpha ^1.0.0'] } },
      beta: { versions: { '1.0.0': [] } },
      alpha: { versions: { '1.0.0': [] } },
    };
    const result = await solve([req('zeta', '*'), req('beta', '*')], provider(universe));
    expect(result.ok && result.order).toEqual(['alpha', 'beta', 'zeta']);
  });

  it('stays fast on tens of packages with tens of versions each and a conflict deep down', async () => {
    const universe: Universe = {};
    const n = 30;
    for (let i = 0; i < n; i++) {
      const versions: Record<string, string[]> = {};
      for (let v = 0; v < 20; v++) {
        // every version of p{i} needs p{i+1}; the newest 19 versions of p0 need a leaf range that p29 excludes.
        const deps = i + 1 < n ? [`p${i + 1} ^1.0.0`] : [];
        if (i === 0 && v > 0) deps.push('leaf ^2.0.0');
        if (i === n - 1) deps.push('leaf ^1.0.0');
        versions[`1.${v}.0`] = deps;
      }
      universe[`p${i}`] = { versions };
    }
    universe.leaf = { versions: { '1.0.0': [], '2.0.0': [] } };
    const started = Date.now();
    const result = await solve([req('p0', '^1.0.0')], provider(universe));
    expect(picked(result).p0).toBe('1.0.0');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
