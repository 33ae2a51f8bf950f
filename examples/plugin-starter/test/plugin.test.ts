import { deliver, enablePlugin, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '@deskql/server/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import plugin from '../src/index.js';

// A real DeskQL server on a fresh SQLite database (or PostgreSQL with DESKQL_TEST_DATABASE_URL), with the plugin loaded.
let server: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await startTestServer({ plugins: [plugin] });
  ws = await server.createWorkspace('Starter');
  // Short test mails must reach the inbox whatever the shipped spam filter thinks of them.
  await server.gql(ws.adminToken, `mutation { setSpamThreshold(threshold: 1) { __typename } }`);
  // As a workspace admin would, over GraphQL: enable the plugin with its settings.
  await enablePlugin(server, ws, 'vip-mail', { domains: ['bigcustomer.example'] });
});
afterAll(() => server?.close());

async function receive(from: string) {
  const report = await deliver(server, ws.ingestToken, rawEmail({ from, to: ws.address, subject: 'Our contract', text: 'Hello, a question about our contract.' }), [ws.address]);
  await server.app.plugins.idle(); // wait until the plugin's handlers have run
  const { node } = await server.gql(ws.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { priority tags { name } } } }`, {
    id: report.deliveries[0].conversationId,
  });
  return node;
}

it('tags and prioritises mail from a VIP domain', async () => {
  expect(await receive('ceo@BigCustomer.example')).toEqual({ priority: 'HIGH', tags: [{ name: 'VIP' }] });
});

it('leaves other mail alone', async () => {
  expect(await receive('someone@elsewhere.example')).toEqual({ priority: 'NORMAL', tags: [] });
});
