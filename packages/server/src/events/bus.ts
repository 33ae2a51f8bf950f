import { createPubSub, map, Repeater } from '@graphql-yoga/subscription';
import type { DeskqlEvents, EventName } from '@deskql/sdk/events';

type EventTopics = { [K in EventName]: [payload: DeskqlEvents[K]] };
type BusEvent = CustomEvent<DeskqlEvents[EventName]>;

/**
 * The one typed event bus. GraphQL subscriptions, the plugin host, webhooks
 * and the outbox all read it. Events are published after the change is
 * committed, fire-and-forget.
 *
 * Two audiences, two reaches: `subscribe` (GraphQL subscriptions) sees the
 * events of every server instance once a shared transport (Redis) is given,
 * because a client may be connected to any instance; `on` (side effects such
 * as plugin hooks) sees only the events of this instance, so a hook runs once
 * per event however many instances there are.
 */
export interface EventBus {
  publish<K extends EventName>(name: K, payload: DeskqlEvents[K]): void;
  /** Async iterator over events of the given names, from every instance. Ends when the consumer returns. */
  subscribe<K extends EventName>(names: readonly K[]): AsyncIterableIterator<DeskqlEvents[K] & { event: K }>;
  /** Calls the handler for each event of that name published by this instance; returns the function that stops it. */
  on<K extends EventName>(name: K, handler: (payload: DeskqlEvents[K]) => void): () => void;
  close(): Promise<void>;
}

/** A transport that carries events between server instances. */
export interface SharedTransport {
  target: EventTarget;
  close(): Promise<void>;
}

/**
 * @param transport carries events between instances (see redis-bus.ts); a
 * plain EventTarget stands for one that needs no closing. By default the bus
 * is in-process only.
 */
export function createEventBus(transport?: SharedTransport | EventTarget): EventBus {
  const shared = transport instanceof EventTarget ? { target: transport, close: async () => {} } : transport;
  const local = new EventTarget();
  const pubSub = createPubSub<EventTopics>({ eventTarget: (shared?.target ?? local) as never });
  return {
    publish(name, payload) {
      if (shared) local.dispatchEvent(new CustomEvent(name, { detail: payload }));
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
      local.addEventListener(name, listener);
      return () => local.removeEventListener(name, listener);
    },
    close: async () => shared?.close(),
  };
}
