// Work on items a few at a time. One pool for every such loop: writes, backups and reads.

/**
 * Runs `work` on every item, at most `limit` at once, in order of the items. After the first
 * failure no further item starts, and the returned promise settles only once every started item
 * has finished, then rejects with that first error: a caller that undoes what was done (a
 * rollback) never races with a write still in flight.
 */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let first: unknown;
  const runner = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        if (!failed) {
          failed = true;
          first = error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(limit, items.length)) }, runner));
  if (failed) throw first;
}
