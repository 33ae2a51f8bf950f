import { describe, expect, it } from 'vitest';
import { createBatchQueue } from '../src/background/batch-queue.js';

describe('createBatchQueue (group commit)', () => {
  it('starts a lone item at once and groups what arrives meanwhile, within the count and weight limits', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const firstBatchHeld = new Promise<void>((resolve) => (release = resolve));
    const queue = createBatchQueue<number, string>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await firstBatchHeld;
        return items.map((item) => `done ${item}`);
      },
      { maxBatch: 3, maxWeight: 10, weight: (item) => item },
    );
    const first = queue.submit(1);
    expect(batches).toEqual([[1]]);
    // While the first batch runs: 2+3+4 would fit the count but 2+3+4+5 not the weight; 6 alone exceeds it and still goes.
    const rest = [2, 3, 4, 5, 6, 1].map((item) => queue.submit(item));
    release();
    expect(await first).toBe('done 1');
    expect(await Promise.all(rest)).toEqual(['done 2', 'done 3', 'done 4', 'done 5', 'done 6', 'done 1']);
    expect(batches).toEqual([[1], [2, 3, 4], [5], [6, 1]]);
  });

  it('rejects only the item whose outcome is an Error, and every item of a batch that throws', async () => {
    let fail = false;
    const queue = createBatchQueue<string, string>(
      async (items) => {
        if (fail) throw new Error('batch broke');
        return items.map((item) => (item === 'bad' ? new Error(`refused ${item}`) : item.toUpperCase()));
      },
      { maxBatch: 10 },
    );
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((item) => queue.submit(item)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['A', 'refused bad', 'C']);
    fail = true;
    await expect(queue.submit('d')).rejects.toThrow('batch broke');
    fail = false;
    expect(await queue.submit('e')).toBe('E');
  });

  it('under steady load waits briefly for as many items as recent batches had, instead of starting with the first', async () => {
    const batches: number[][] = [];
    const queue = createBatchQueue<number, number>(async (items) => (batches.push(items), items), { maxBatch: 10, lingerMs: 200 });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // Rounds of four callers at once (the first goes alone, the other three wait for it) teach the queue
    // that batches of several items are usual.
    for (let round = 0; round < 6; round++) await Promise.all([1, 2, 3, 4].map((item) => queue.submit(item)));
    expect(batches.slice(0, 2)).toEqual([[1], [2, 3, 4]]);
    // Now four callers a few milliseconds apart: without lingering each would find the queue idle and go alone.
    batches.length = 0;
    const spaced = [];
    for (const item of [5, 6, 7, 8]) {
      spaced.push(queue.submit(item));
      await sleep(5);
    }
    expect(await Promise.all(spaced)).toEqual([5, 6, 7, 8]);
    expect(batches.flat()).toEqual([5, 6, 7, 8]);
    expect(batches.length).toBeLessThanOrEqual(2);
  });
});
