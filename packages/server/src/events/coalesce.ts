/**
 * Turns a stream of events into a stream of "something changed" ticks: events
 * that pass `accept` and arrive while a tick is pending, or within `windowMs`
 * of the first, make one tick. Keeps recomputation (counts) off the hot path
 * when mail arrives in bursts.
 *
 * Reading `source` starts at the call, not at the first `next()`, so a caller
 * can start listening before it computes the state the ticks update (nothing
 * in between is missed). A caller that may stop before reading the ticks must
 * end `source` itself.
 */
export function coalesce<T>(
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
  return (async function* () {
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
  })();
}
