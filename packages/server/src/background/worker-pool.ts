import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

/** Runs one function on worker threads; `run` resolves with its result for the input, or rejects with its error. */
export interface WorkerPool<Input, Output> {
  run(input: Input): Promise<Output>;
  /** Stops the workers; tasks still running are rejected. */
  close(): Promise<void>;
}

type Reply<Output> = { id: number; ok: true; value: Output } | { id: number; ok: false; message: string };

interface PoolWorker<Output> {
  worker: Worker;
  tasks: Map<number, { resolve: (value: Output) => void; reject: (error: Error) => void }>;
}

/**
 * A fixed number of worker threads running `script`, which calls `serveTasks`. Each task goes to the
 * worker with the fewest running. A worker that dies rejects its running tasks and is replaced on the
 * next task. Idle workers do not keep the process alive.
 */
export function createWorkerPool<Input, Output>(script: URL, size: number): WorkerPool<Input, Output> {
  if (size < 1) throw new Error('A worker pool needs at least one worker.');
  const workers: Array<PoolWorker<Output> | null> = Array.from({ length: size }, () => null);
  let nextId = 0;
  let closed = false;

  function start(slot: number): PoolWorker<Output> {
    const entry: PoolWorker<Output> = { worker: spawn(script), tasks: new Map() };
    entry.worker.unref();
    entry.worker.on('message', (reply: Reply<Output>) => {
      const task = entry.tasks.get(reply.id);
      if (!task) return;
      entry.tasks.delete(reply.id);
      if (entry.tasks.size === 0) entry.worker.unref();
      if (reply.ok) task.resolve(reply.value);
      else task.reject(new Error(reply.message));
    });
    const fail = (error: Error) => {
      if (workers[slot] === entry) workers[slot] = null;
      for (const task of entry.tasks.values()) task.reject(error);
      entry.tasks.clear();
    };
    entry.worker.on('error', (error) => fail(error));
    entry.worker.on('exit', (code) => fail(new Error(`A worker thread stopped (exit code ${code}).`)));
    workers[slot] = entry;
    return entry;
  }

  return {
    run(input) {
      if (closed) return Promise.reject(new Error('The worker pool is closed.'));
      let slot = 0;
      for (let i = 1; i < size; i++) if ((workers[i]?.tasks.size ?? 0) < (workers[slot]?.tasks.size ?? 0)) slot = i;
      const entry = workers[slot] ?? start(slot);
      const id = nextId++;
      return new Promise<Output>((resolve, reject) => {
        entry.tasks.set(id, { resolve, reject });
        entry.worker.ref();
        entry.worker.postMessage({ id, input });
      });
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((entry) => entry?.worker.terminate()));
    },
  };
}

/**
 * Worker side: answers the pool's tasks with `task`. Call it at the top level of the worker script.
 * An error thrown by `task` is sent back as its message; the worker keeps serving.
 */
export function serveTasks<Input, Output>(task: (input: Input) => Output | Promise<Output>): void {
  if (isMainThread || !parentPort) throw new Error('serveTasks runs in a worker thread.');
  const port = parentPort;
  port.on('message', async ({ id, input }: { id: number; input: Input }) => {
    let reply: Reply<Output>;
    try {
      reply = { id, ok: true, value: await task(input) };
    } catch (error) {
      reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}

/** Built code runs its .js worker script as is; sources run under the test runner load theirs through tsx. */
function spawn(script: URL): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script);
  // require.resolve finds tsx's CommonJS build of its API; the worker needs the ES module one beside it.
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(script.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
}
