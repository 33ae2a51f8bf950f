/**
 * Group commit: work submitted while a batch is being processed waits and goes
 * into the next batch, together with everything else that arrived meanwhile.
 * A lone submission starts at once (no timer, no added latency); under load
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
    onIdle?: () => void;
  },
) {
  const waiting: Array<{ item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }> = [];
  let running = false;

  async function drain() {
    running = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, batchLength());
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
    options.onIdle?.();
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
      });
    },
  };
}
