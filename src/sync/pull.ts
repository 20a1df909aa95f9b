// forge sync pull: plan, then (unless --dry-run) apply. Components blocked by local changes stay as
// they are; everything else moves (planPull decided what can).

import { applyPlan, type ApplyResult } from './apply.js';
import type { EngineContext } from './engine-context.js';
import { planPull, type PullOptions } from './pull-plan.js';
import { rebaseComponents } from './rebase.js';

export interface PullRequestOptions extends PullOptions {
  dryRun: boolean;
}

export async function pull(ctx: EngineContext, options: PullRequestOptions): Promise<ApplyResult> {
  const plan = await planPull(ctx, options);
  const blocked = plan.components.filter((c) => c.action === 'blocked').map((c) => c.name);
  if (options.dryRun) return { plan, written: false, conflicted: [], blocked };
  if (options.strategy === 'rebase') return rebaseComponents(ctx, plan);
  return applyPlan(ctx, plan);
}
