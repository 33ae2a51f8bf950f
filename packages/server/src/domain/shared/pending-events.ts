import type { DeskqlEvents, EventName } from '@deskql/sdk/events';
import type { EventBus } from '../../events/bus.js';
import type { Deps, Tx } from './deps.js';

/**
 * Events gathered while a transaction runs and published only once it has
 * committed, so no subscriber ever sees a change that was rolled back.
 */
export class PendingEvents {
  private readonly queue: Array<{ name: EventName; payload: DeskqlEvents[EventName] }> = [];

  add<K extends EventName>(name: K, payload: DeskqlEvents[K]): void {
    this.queue.push({ name, payload });
  }

  publish(bus: EventBus): void {
    for (const { name, payload } of this.queue.splice(0)) bus.publish(name, payload as never);
  }
}

/** Runs `work` in a transaction and publishes its events after the commit. */
export async function transact<T>(
  deps: Deps,
  work: (tx: Tx, events: PendingEvents) => Promise<T>,
): Promise<T> {
  const events = new PendingEvents();
  const result = await deps.db.$transaction((tx) => work(tx, events), { timeout: 20_000, maxWait: 20_000 });
  events.publish(deps.events);
  return result;
}
