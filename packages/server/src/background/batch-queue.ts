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
  options: { maxBatch: number; onIdle?: () => void },
) {
  const waiting: Array<{ item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }> = [];
  let running = false;

  async function drain() {
    running = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatch);
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

  return {
    submit(item: Item): Promise<Result> {
      return new Promise<Result>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!running) void drain();
      });
    },
  };
}
