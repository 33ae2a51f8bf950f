import { createPubSub, map, Repeater } from '@graphql-yoga/subscription';
import type { DeskqlEvents, EventName } from '@deskql/sdk/events';

type EventTopics = { [K in EventName]: [payload: DeskqlEvents[K]] };
type BusEvent = CustomEvent<DeskqlEvents[EventName]>;

/**
 * The one typed event bus. GraphQL subscriptions, the plugin host and webhooks
 * all read it. Publishing is fire-and-forget and happens after the change is
 * committed. The transport is an EventTarget: in-process by default, Redis
 * (see redis-bus.ts) when several server instances must share events.
 */
export interface EventBus {
  publish<K extends EventName>(name: K, payload: DeskqlEvents[K]): void;
  /** Async iterator over events of the given names (for GraphQL subscriptions). Ends when the consumer returns. */
  subscribe<K extends EventName>(names: readonly K[]): AsyncIterableIterator<DeskqlEvents[K] & { event: K }>;
  /** Calls the handler for each event of that name; returns the function that stops it. */
  on<K extends EventName>(name: K, handler: (payload: DeskqlEvents[K]) => void): () => void;
  close(): Promise<void>;
}

export function createEventBus(
  target: EventTarget = new EventTarget(),
  onClose: () => Promise<void> = async () => {},
): EventBus {
  const pubSub = createPubSub<EventTopics>({ eventTarget: target as never });
  return {
    publish(name, payload) {
      pubSub.publish(name, payload as never);
    },
    subscribe<K extends EventName>(names: readonly K[]) {
      const streams = names.map((name) =>
        map((payload: DeskqlEvents[K]) => ({ ...payload, event: name }))(pubSub.subscribe(name) as AsyncIterable<DeskqlEvents[K]>),
      );
      return Repeater.merge(streams) as unknown as AsyncIterableIterator<DeskqlEvents[K] & { event: K }>;
    },
    on(name, handler) {
      const listener = (event: Event) => handler((event as BusEvent).detail as never);
      target.addEventListener(name, listener);
      return () => target.removeEventListener(name, listener);
    },
    close: onClose,
  };
}
