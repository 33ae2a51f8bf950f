/**
 * Makes a subscription's async generator end the bus stream it reads as soon as
 * the client unsubscribes or disconnects (GraphQL calls `return()`).
 *
 * An async generator that waits in `for await` handles `return()` only after its
 * pending read settles, that is at the next event it receives, which for a quiet
 * conversation or workspace may never come; until then it keeps its bus
 * listeners (with Redis, its channel subscriptions). Ending the source settles
 * that read at once, so the generator finishes and runs its `finally` blocks.
 */
export function stopSourceOnReturn<T>(source: AsyncIterator<unknown>, generator: AsyncGenerator<T>): AsyncGenerator<T> {
  const finish = generator.return.bind(generator);
  generator.return = async (value) => {
    await source.return?.();
    return finish(value);
  };
  return generator;
}
