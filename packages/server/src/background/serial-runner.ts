/**
 * Runs a background pass (the outbox's, the webhook dispatcher's) one at a
 * time. A request while a pass runs schedules exactly one more pass after it,
 * however many requests come in between, so wake-ups from events and timers
 * never overlap and never get lost.
 */
export function createSerialRunner(pass: () => Promise<void>, onError: (error: unknown) => void) {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  function run(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = pass()
      .catch(onError)
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void run();
        }
      });
    return running;
  }

  return {
    /** Starts a pass, or asks for one more after the current one. */
    run,
    /** Resolves once no pass is running or asked for. */
    async idle() {
      while (running) await running;
    },
    /** Lets the current pass finish and starts no other. */
    async stop() {
      stopped = true;
      await running;
    },
  };
}
