// Finishing or rolling back an operation that was interrupted (kill -9, power
// loss). apply.ts records the pending operation before touching any folder and
// writes the lock only after every folder is written, so:
//   - lock already equals the "after" state → the folders were all written: keep them;
//   - otherwise → put every folder back as it was before, from the blob store.

import type { EngineContext } from './engine-context.js';
import { restoreFolder, writeRecords } from './apply.js';

export interface RecoveryReport {
  operation: string;
  outcome: 'completed' | 'rolled-back';
  components: string[];
}

function sameEntry(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export async function recover(ctx: EngineContext): Promise<RecoveryReport | null> {
  const pending = await ctx.state.pending();
  if (!pending) return null;
  const lock = await ctx.lock.read();
  const completed = pending.components.every((c) => sameEntry(lock.components[c.name] ?? null, c.after.lock));
  if (completed) {
    for (const c of pending.components) if (c.records) await writeRecords(ctx, c.records);
  } else {
    for (const c of pending.components) await restoreFolder(ctx, c.dest, c.before);
    const components = { ...lock.components };
    for (const c of pending.components) {
      if (c.before.lock) components[c.name] = c.before.lock;
      else delete components[c.name];
    }
    await ctx.lock.write({ lockfileVersion: 1, components });
  }
  await ctx.state.setPending(null);
  const report: RecoveryReport = {
    operation: pending.id,
    outcome: completed ? 'completed' : 'rolled-back',
    components: pending.components.map((c) => c.name),
  };
  ctx.reporter.emit({
    type: 'warning',
    message: completed
      ? `An interrupted forge operation had finished writing ${report.components.join(', ')}; its record was cleaned up.`
      : `An interrupted forge operation was rolled back: ${report.components.join(', ')} are as they were before it.`,
  });
  return report;
}
