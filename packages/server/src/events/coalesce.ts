/**
 * Turns a stream of events into a stream of "something changed" ticks: events
 * that pass `accept` and arrive while a tick is pending, or within `windowMs`
 * of the first, make one tick. Keeps recomputation (counts) off the hot path
 * when mail arrives in bursts.
 */
export async function* coalesce<T>(
  source: AsyncIterableIterator<T>,
  accept: (event: T) => boolean,
  windowMs: number,
): AsyncGenerator<number> {
  let pending = 0;
  let wake = null as (() => void) | null;
  let done = false;
  const pump = (async () => {
    try {
      for await (const event of source) {
        if (!accept(event)) continue;
        pending++;
        wake?.();
      }
    } finally {
      done = true;
      wake?.();
    }
  })();
  try {
    while (!done) {
      if (pending === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (pending === 0) continue;
      await new Promise((resolve) => setTimeout(resolve, windowMs));
      const count = pending;
      pending = 0;
      yield count;
    }
  } finally {
    await source.return?.();
    await pump;
  }
}
