import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import { createEventBus, type EventBus } from './bus.js';

/**
 * The event bus for deployments with several server instances: events travel
 * over Redis pub/sub, so a subscriber connected to any instance sees changes
 * made through every other one.
 */
export async function createRedisEventBus(url: string): Promise<EventBus> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 3 };
  const publishClient = new Redis(url, options);
  const subscribeClient = new Redis(url, options);
  await Promise.all([publishClient.connect(), subscribeClient.connect()]);
  const target = createRedisEventTarget({ publishClient, subscribeClient });
  return createEventBus({
    target,
    close: async () => {
      await Promise.all([publishClient.quit(), subscribeClient.quit()]);
    },
  });
}
