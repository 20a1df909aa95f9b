// The resolved dependency graph: topological order (dependencies first, so
// they are installed before what needs them) and the three renderings of
// `forge graph`. Everything is sorted so the same graph prints the same text.

export type TopologicalResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

/**
 * Orders `nodes` so that every node comes after its dependencies. Among nodes
 * that are ready at the same time the smaller `label` (then id) goes first, so
 * the order is stable. Edges to nodes outside `nodes` are ignored. On a cycle,
 * returns it as `[a, b, a]`.
 */
export function topologicalOrder(
  nodes: readonly string[],
  dependenciesOf: (node: string) => readonly string[],
  label: (node: string) => string = (node) => node,
): TopologicalResult {
  const members = new Set(nodes);
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of members) {
    const deps = new Set(dependenciesOf(node).filter((d) => members.has(d)));
    pending.set(node, deps.size);
    for (const dep of deps) {
      const list = dependents.get(dep) ?? [];
      list.push(node);
      dependents.set(dep, list);
    }
  }
  const compare = (a: string, b: string): number => compareText(label(a), label(b)) || compareText(a, b);
  const ready = [...members].filter((n) => pending.get(n) === 0).sort(compare);
  const order: string[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
    order.push(node);
    for (const dependent of dependents.get(node) ?? []) {
      const left = pending.get(dependent)! - 1;
      pending.set(dependent, left);
      if (left === 0) insertSorted(ready, dependent, compare);
    }
  }
  if (order.length === members.size) return { ok: true, order };
  const rest = [...members].filter((n) => pending.get(n)! > 0).sort(compare);
  return { ok: false, cycle: findCycle(rest, dependenciesOf) ?? rest };
}

/** A cycle among `nodes` as `[a, b, ..., a]`, starting from the first node on one; null if none. */
export function findCycle(nodes: readonly string[], dependenciesOf: (node: string) => readonly string[]): string[] | null {
  const members = new Set(nodes);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const dep of dependenciesOf(node)) {
      if (!members.has(dep)) continue;
      const s = state.get(dep);
      if (s === 'open') return [...stack.slice(stack.indexOf(dep)), dep];
      if (s === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of nodes) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

// --- rendering ----------------------------------------------------------------------

export interface GraphNode {
  /** Local name. */
  name: string;
  version: string | null;
  /** Full ref name (refs/heads/main, refs/tags/v1.2.3) or null. */
  ref: string | null;
  commit: string;
  /** The constraint from forge.yaml (direct components), e.g. ^2.1.0; null for ref/commit pins. */
  constraint: string | null;
  /** Components that need this one, with the range each asks for. */
  requiredBy: { name: string; constraint: string | null }[];
  /** Local names of the components this one needs. */
  dependencies: string[];
  /** Listed in forge.yaml. */
  direct: boolean;
}

const MANIFEST = 'forge.yaml';

function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/** `2.1.3`, else the branch (`main`), else the short commit. */
function versionText(node: GraphNode): string {
  if (node.version) return node.version;
  if (node.ref) return shortRef(node.ref);
  return node.commit.slice(0, 7);
}

/** The constraint a parent (or forge.yaml when `parent` is null) puts on `node`. */
function edgeConstraint(node: GraphNode, parent: string | null): string {
  const asked = parent === null ? node.constraint : (node.requiredBy.find((r) => r.name === parent)?.constraint ?? null);
  if (asked) return asked;
  // No range: the component follows a branch or sits on a commit.
  if (node.version === null) return node.ref ? `ref ${shortRef(node.ref)}` : `commit ${node.commit.slice(0, 7)}`;
  return '*';
}

function sortedNodes(nodes: readonly GraphNode[]): Map<string, GraphNode> {
  return new Map([...nodes].sort((a, b) => compareText(a.name, b.name)).map((n) => [n.name, n]));
}

/**
 * A readable tree like `npm ls`: roots are the direct components, children
 * their dependencies; a component already shown is marked `(deduped)`.
 * Line: `name version (constraint, from X)`.
 */
export function renderTree(nodes: readonly GraphNode[]): string {
  const byName = sortedNodes(nodes);
  if (byName.size === 0) return '(no components)';
  const lines: string[] = [];
  const shown = new Set<string>();
  const walk = (node: GraphNode, parent: string | null, prefix: string, connector: string, childPrefix: string): void => {
    const deduped = shown.has(node.name);
    const from = parent ?? MANIFEST;
    lines.push(`${prefix}${connector}${node.name} ${versionText(node)} (${edgeConstraint(node, parent)}, from ${from})${deduped ? ' (deduped)' : ''}`);
    if (deduped) return;
    shown.add(node.name);
    const children = [...new Set(node.dependencies)]
      .map((name) => byName.get(name))
      .filter((n): n is GraphNode => n !== undefined)
      .sort((a, b) => compareText(a.name, b.name));
    children.forEach((child, index) => {
      const last = index === children.length - 1;
      walk(child, node.name, prefix + childPrefix, last ? '└── ' : '├── ', last ? '    ' : '│   ');
    });
  };
  const roots = [...byName.values()].filter((n) => n.direct);
  for (const root of roots) walk(root, null, '', '', '');
  // Anything not reachable from forge.yaml (should not happen) is still shown.
  for (const node of byName.values()) if (!shown.has(node.name)) walk(node, null, '', '', '');
  return lines.join('\n');
}

interface Edge {
  from: string | null;
  to: string;
  label: string;
}

function edgesOf(byName: Map<string, GraphNode>): Edge[] {
  const edges: Edge[] = [];
  for (const node of byName.values()) if (node.direct) edges.push({ from: null, to: node.name, label: edgeConstraint(node, null) });
  for (const node of byName.values()) {
    for (const dep of [...new Set(node.dependencies)].sort(compareText)) {
      const target = byName.get(dep);
      if (target) edges.push({ from: node.name, to: dep, label: edgeConstraint(target, node.name) });
    }
  }
  return edges;
}

function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** A Mermaid flowchart (`graph TD`), edges labelled with the range asked for. */
export function renderMermaid(nodes: readonly GraphNode[]): string {
  const byName = sortedNodes(nodes);
  const ids = new Map<string, string>();
  [...byName.keys()].forEach((name, index) => ids.set(name, `n${index}`));
  const lines = ['graph TD', `  root["${MANIFEST}"]`];
  for (const node of byName.values()) {
    lines.push(`  ${ids.get(node.name)}["${mermaidText(`${node.name} ${versionText(node)}`)}"]`);
  }
  for (const edge of edgesOf(byName)) {
    const from = edge.from === null ? 'root' : ids.get(edge.from)!;
    lines.push(`  ${from} -->|"${mermaidText(edge.label)}"| ${ids.get(edge.to)}`);
  }
  return lines.join('\n');
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A Graphviz digraph; node ids are the local names, labels carry the version. */
export function renderDot(nodes: readonly GraphNode[]): string {
  const byName = sortedNodes(nodes);
  const lines = ['digraph forge {', '  rankdir=LR;', '  node [shape=box];', `  ${dotString(MANIFEST)} [shape=plaintext];`];
  for (const node of byName.values()) {
    lines.push(`  ${dotString(node.name)} [label=${dotString(`${node.name} ${versionText(node)}`)}];`);
  }
  for (const edge of edgesOf(byName)) {
    lines.push(`  ${dotString(edge.from ?? MANIFEST)} -> ${dotString(edge.to)} [label=${dotString(edge.label)}];`);
  }
  lines.push('}');
  return lines.join('\n');
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function insertSorted(list: string[], item: string, compare: (a: string, b: string) => number): void {
  let index = 0;
  while (index < list.length && compare(list[index]!, item) <= 0) index++;
  list.splice(index, 0, item);
}
