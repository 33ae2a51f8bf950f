/**
 * Group commit: work submitted while a batch is being processed waits and goes
 * into the next batch, together with everything else that arrived meanwhile.
 * On a quiet queue a submission starts at once (no added latency); under load
 * batches grow by themselves, so fixed costs (a transaction, a commit's fsync,
 * shared reads) are paid once per batch instead of once per item.
 *
 * `processBatch` returns one outcome per item, in order: a value or an Error
 * that is given to that item's submitter alone.
 */
export function createBatchQueue<Item, Result>(
  processBatch: (items: Item[]) => Promise<Array<Result | Error>>,
  options: {
    maxBatch: number;
    /** With `weight`: a batch stops growing once its items weigh this much (it always takes at least one). */
    maxWeight?: number;
    weight?: (item: Item) => number;
    /**
     * Under load, a batch waits up to this long for as many items as recent batches had (a moving
     * average; PostgreSQL's commit_delay waits for siblings the same way), so that batches do not
     * alternate between one early item and the rest. When recent batches held one item it starts at
     * once, so a lone caller does not wait.
     */
    lingerMs?: number;
  },
) {
  const waiting: Array<{ item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }> = [];
  let running = false;
  /** Moving average of recent batch sizes. */
  let recentSize = 0;
  let enough: (() => void) | null = null;

  /** How many items a batch is expected to hold, from the recent ones. */
  const expected = () => Math.min(Math.round(recentSize), options.maxBatch);

  function shouldLinger(): boolean {
    return Boolean(options.lingerMs) && expected() > 1 && waiting.length < expected();
  }

  async function linger() {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.lingerMs);
      enough = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    enough = null;
  }

  async function drain() {
    running = true;
    while (waiting.length > 0) {
      if (shouldLinger()) await linger();
      const batch = waiting.splice(0, batchLength());
      recentSize = 0.7 * recentSize + 0.3 * batch.length;
      try {
        const outcomes = await processBatch(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => {
          const outcome = outcomes[i];
          if (outcome instanceof Error) entry.reject(outcome);
          else entry.resolve(outcome as Result);
        });
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    running = false;
  }

  function batchLength(): number {
    const { weight, maxWeight = Infinity } = options;
    if (!weight) return options.maxBatch;
    let total = 0;
    let length = 0;
    while (length < Math.min(options.maxBatch, waiting.length)) {
      total += weight(waiting[length]!.item);
      if (length > 0 && total > maxWeight) break;
      length++;
    }
    return length;
  }

  return {
    submit(item: Item): Promise<Result> {
      return new Promise<Result>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!running) void drain();
        else if (enough && waiting.length >= expected()) enough();
      });
    },
  };
}
