import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../src/events/bus.js';
import { createRedisEventBus } from '../src/events/redis-bus.js';
import { createTestDatabase, startTestServer, type TestDatabase, type TestServer, type TestWorkspace } from '../src/testing/index.js';

// Runs only when DESKQL_TEST_REDIS_URL is set (vitest.config.ts); .ci/run sets it.
const redisUrl = process.env.DESKQL_TEST_REDIS_URL!;

let database: TestDatabase;
let a: TestServer;
let b: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  database = await createTestDatabase();
  a = await startTestServer({ database, events: await createRedisEventBus(redisUrl) });
  b = await startTestServer({ database, events: await createRedisEventBus(redisUrl), migrate: false });
  ws = await a.createWorkspace('Two instances');
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

/** Subscribes on one server, runs a change, and resolves with the first event (or null after the timeout). */
async function firstEvent(on: TestServer, change: () => Promise<unknown>, timeoutMs = 3_000) {
  const client = on.wsClient(ws.agentToken);
  const iterator = client.iterate({ query: `subscription { conversationChanged { event conversation { subject } } }` });
  const next = iterator.next();
  // graphql-ws subscribes asynchronously; give the server a moment to attach before changing anything.
  await new Promise((r) => setTimeout(r, 300));
  await change();
  const result = await Promise.race([next, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
  await iterator.return?.();
  return result && 'value' in result ? (result.value as any)?.data?.conversationChanged : null;
}

const createOn = (server: TestServer) => () =>
  server.gql(ws.agentToken, `mutation($i: ID!) { startConversations(inboxId: $i, to: ["x@redis.test"], subject: "Across", text: "Hi") { __typename } }`, { i: ws.inboxId });

describe('events across server instances (Redis)', () => {
  it('a subscriber on instance A sees a change made through instance B', async () => {
    const event = await firstEvent(a, createOn(b));
    expect(event).toMatchObject({ event: 'conversation.created', conversation: { subject: 'Across' } });
  });

  it('side-effect handlers (bus.on) run only on the instance that made the change', async () => {
    const seen = { a: 0, b: 0 };
    const offA = a.app.events.on('conversation.created', () => seen.a++);
    const offB = b.app.events.on('conversation.created', () => seen.b++);
    await createOn(b)();
    await new Promise((r) => setTimeout(r, 300));
    offA();
    offB();
    expect(seen).toEqual({ a: 0, b: 1 });
  });

  it('without Redis the same change is not seen on the other instance (control)', async () => {
    const c = await startTestServer({ database, events: createEventBus(), migrate: false });
    try {
      expect(await firstEvent(a, createOn(c), 1_500)).toBeNull();
    } finally {
      await c.close();
    }
  });
});
