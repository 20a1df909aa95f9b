import { describe, expect, it } from 'vitest';
import { findCycle, renderDot, renderMermaid, renderTree, topologicalOrder, type GraphNode } from '../../src/resolve/index.js';

const sha = (c: string) => c.repeat(40).slice(0, 40);

const nodes: GraphNode[] = [
  {
    name: 'salesforce-lookup',
    version: '2.1.3',
    ref: 'refs/tags/v2.1.3',
    commit: sha('a'),
    constraint: '^2.1.0',
    requiredBy: [],
    dependencies: ['email-composer', 'http-client'],
    direct: true,
  },
  {
    name: 'reports',
    version: null,
    ref: 'refs/heads/main',
    commit: sha('b'),
    constraint: null,
    requiredBy: [],
    dependencies: ['email-composer'],
    direct: true,
  },
  {
    name: 'email-composer',
    version: '1.3.2',
    ref: 'refs/tags/email-composer@1.3.2',
    commit: sha('c'),
    constraint: null,
    requiredBy: [
      { name: 'salesforce-lookup', constraint: '~1.3.0' },
      { name: 'reports', constraint: '>=1.2.0 <2.0.0' },
    ],
    dependencies: ['http-client'],
    direct: false,
  },
  {
    name: 'http-client',
    version: null,
    ref: null,
    commit: sha('d'),
    constraint: null,
    requiredBy: [
      { name: 'email-composer', constraint: null },
      { name: 'salesforce-lookup', constraint: '^1.0.0' },
    ],
    dependencies: [],
    direct: false,
  },
];

describe('topologicalOrder', () => {
  it('puts dependencies first and breaks ties by label', () => {
    const deps: Record<string, string[]> = { app: ['lib', 'util'], lib: ['util'], util: [], zed: [], alpha: [] };
    expect(topologicalOrder(Object.keys(deps), (n) => deps[n]!)).toEqual({ ok: true, order: ['alpha', 'util', 'lib', 'app', 'zed'] });
  });

  it('orders by label rather than id when asked', () => {
    const labels: Record<string, string> = { k1: 'zeta', k2: 'alpha' };
    expect(topologicalOrder(['k1', 'k2'], () => [], (k) => labels[k]!)).toEqual({ ok: true, order: ['k2', 'k1'] });
  });

  it('returns the cycle when there is one', () => {
    const deps: Record<string, string[]> = { ca: ['cb'], cb: ['cc'], cc: ['ca'], leaf: [], top: ['ca'] };
    const result = topologicalOrder(Object.keys(deps), (n) => deps[n]!);
    expect(result).toEqual({ ok: false, cycle: ['ca', 'cb', 'cc', 'ca'] });
    expect(findCycle(['x'], () => ['x'])).toEqual(['x', 'x']);
    expect(findCycle(['x', 'y'], (n) => (n === 'x' ? ['y', 'outside'] : []))).toBeNull();
  });
});

describe('renderTree', () => {
  it('shows direct components as roots, dependencies below, repeats as deduped', () => {
    expect(renderTree(nodes)).toBe(
      [
        'reports main (ref main, from forge.yaml)',
        '└── email-composer 1.3.2 (>=1.2.0 <2.0.0, from reports)',
        '    └── http-client ddddddd (commit ddddddd, from email-composer)',
        'salesforce-lookup 2.1.3 (^2.1.0, from forge.yaml)',
        '├── email-composer 1.3.2 (~1.3.0, from salesforce-lookup) (deduped)',
        '└── http-client ddddddd (^1.0.0, from salesforce-lookup) (deduped)',
      ].join('\n'),
    );
  });

  it('is the same whatever the input order, and says when there is nothing', () => {
    expect(renderTree([...nodes].reverse())).toBe(renderTree(nodes));
    expect(renderTree([])).toBe('(no components)');
  });

  it('survives a cycle', () => {
    const cyclic: GraphNode[] = [
      { name: 'a', version: '1.0.0', ref: null, commit: sha('1'), constraint: '*', requiredBy: [{ name: 'b', constraint: '*' }], dependencies: ['b'], direct: true },
      { name: 'b', version: '1.0.0', ref: null, commit: sha('2'), constraint: null, requiredBy: [{ name: 'a', constraint: '^1' }], dependencies: ['a'], direct: false },
    ];
    expect(renderTree(cyclic).split('\n')).toEqual(['a 1.0.0 (*, from forge.yaml)', '└── b 1.0.0 (^1, from a)', '    └── a 1.0.0 (*, from b) (deduped)']);
  });
});

describe('renderMermaid', () => {
  it('draws a graph TD with edges labelled by range, escaped', () => {
    expect(renderMermaid(nodes)).toBe(
      [
        'graph TD',
        '  root["forge.yaml"]',
        '  n0["email-composer 1.3.2"]',
        '  n1["http-client ddddddd"]',
        '  n2["reports main"]',
        '  n3["salesforce-lookup 2.1.3"]',
        '  root -->|"ref main"| n2',
        '  root -->|"^2.1.0"| n3',
        '  n0 -->|"commit ddddddd"| n1',
        '  n2 -->|"#gt;=1.2.0 #lt;2.0.0"| n0',
        '  n3 -->|"~1.3.0"| n0',
        '  n3 -->|"^1.0.0"| n1',
      ].join('\n'),
    );
  });
});

describe('renderDot', () => {
  it('writes a valid Graphviz digraph with quoted ids', () => {
    const dot = renderDot(nodes);
    expect(dot.startsWith('digraph forge {\n')).toBe(true);
    expect(dot.endsWith('\n}')).toBe(true);
    expect(dot).toContain('  "salesforce-lookup" [label="salesforce-lookup 2.1.3"];');
    expect(dot).toContain('  "forge.yaml" -> "salesforce-lookup" [label="^2.1.0"];');
    expect(dot).toContain('  "reports" -> "email-composer" [label=">=1.2.0 <2.0.0"];');
    const weird: GraphNode[] = [{ name: 'we"ird\\name', version: '1.0.0', ref: null, commit: sha('e'), constraint: '*', requiredBy: [], dependencies: [], direct: true }];
    expect(renderDot(weird)).toContain('"we\\"ird\\\\name" [label="we\\"ird\\\\name 1.0.0"];');
  });
});
