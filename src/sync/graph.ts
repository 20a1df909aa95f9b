// forge graph: the resolved dependency graph, straight from the lock.

import type { GraphNode } from '../resolve/index.js';
import type { EngineContext } from './engine-context.js';

export async function lockedGraph(ctx: EngineContext): Promise<GraphNode[]> {
  const manifest = await ctx.manifest.read();
  const lock = await ctx.lock.read();
  const direct = new Map(manifest.components.map((c) => [c.name, c]));
  return Object.values(lock.components).map((entry) => {
    const spec = direct.get(entry.name);
    return {
      name: entry.name,
      version: entry.version ?? null,
      ref: entry.ref ?? null,
      commit: entry.commit,
      constraint: spec ? (spec.selector.kind === 'version' ? spec.selector.range : null) : null,
      requiredBy: (entry.requiredBy ?? []).map((name) => ({ name, constraint: entry.constraint ?? null })),
      dependencies: entry.dependencies,
      direct: spec !== undefined,
    };
  });
}
