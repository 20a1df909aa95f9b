// The one pool: limited concurrency, and after a failure nothing new starts and nothing is left
// running when the caller hears of it (a rollback must not race with a write in flight).

import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../src/core/pool.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe('eachLimited', () => {
  it('runs every item, at most limit at once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++;
      most = Math.max(most, running);
      await tick();
      seen.push(item);
      running--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('after a failure starts no further item and rejects only when the items in flight have finished', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const result = eachLimited(Array.from({ length: 20 }, (_, i) => i), 4, async (item) => {
      started.push(item);
      if (item === 1) throw new Error('ENAMETOOLONG');
      for (let i = 0; i < 5; i++) await tick();
      finished.push(item);
    });
    await expect(result).rejects.toThrow('ENAMETOOLONG');
    // Items 0, 2 and 3 were in flight with 1 and 4 started when 1 failed: all done by now.
    expect(finished.sort((a, b) => a - b)).toEqual(started.filter((i) => i !== 1).sort((a, b) => a - b));
    expect(started.length).toBeLessThan(20);
  });

  it('rejects with the first error, and does nothing for no items', async () => {
    await expect(
      eachLimited([1, 2], 2, async (item) => {
        await tick();
        throw new Error(`fail ${item}`);
      }),
    ).rejects.toThrow('fail 1');
    await eachLimited([], 4, async () => {
      throw new Error('never');
    });
  });
});
