import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerPool, type WorkerPool } from '../src/background/worker-pool.js';

type Op = { op: 'thread' | 'fail' | 'exit' | 'slow'; ms?: number };
const script = new URL('./fixtures/pool-worker.ts', import.meta.url);
let pool: WorkerPool<Op, number> | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('worker pool', () => {
  it('runs tasks on other threads and spreads them over its workers', async () => {
    pool = createWorkerPool<Op, number>(script, 2);
    const threads = await Promise.all([pool.run({ op: 'slow', ms: 100 }), pool.run({ op: 'slow', ms: 100 })]);
    expect(threads).not.toContain(threadId);
    expect(new Set(threads).size).toBe(2);
  });

  it("gives a task's error to its caller alone, and the worker keeps serving", async () => {
    pool = createWorkerPool<Op, number>(script, 1);
    const first = await pool.run({ op: 'thread' });
    await expect(pool.run({ op: 'fail' })).rejects.toThrow('refused on purpose');
    expect(await pool.run({ op: 'thread' })).toBe(first);
  });

  it('rejects the tasks of a worker that dies, and starts a new one for the next task', async () => {
    pool = createWorkerPool<Op, number>(script, 1);
    const first = await pool.run({ op: 'thread' });
    const slow = pool.run({ op: 'slow', ms: 500 });
    await expect(pool.run({ op: 'exit' })).rejects.toThrow('exit code 3');
    await expect(slow).rejects.toThrow('exit code 3');
    const next = await pool.run({ op: 'thread' });
    expect(next).not.toBe(first);
  });

  it('refuses work once closed', async () => {
    pool = createWorkerPool<Op, number>(script, 1);
    await pool.run({ op: 'thread' });
    await pool.close();
    await expect(pool.run({ op: 'thread' })).rejects.toThrow('closed');
  });
});
