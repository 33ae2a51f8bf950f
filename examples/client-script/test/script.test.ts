import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '@deskql/server/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runScript } from '../src/script.js';

let server: TestServer;
let ws: TestWorkspace;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.createWorkspace('Script');
  // Short test mails must reach the inbox whatever the shipped spam filter thinks of them.
  await server.gql(ws.adminToken, `mutation { setSpamThreshold(threshold: 1) { __typename } }`);
  await server.gql(ws.agentToken, `mutation { createSmartFolder(name: "Urgent", rules: { field: SUBJECT, operator: CONTAINS, value: "urgent" }) { __typename } }`);
});
afterAll(() => server?.close());

const mail = (subject: string) =>
  deliver(server, ws.ingestToken, rawEmail({ from: `customer${++seq}@example.com`, to: ws.address, subject, messageId: `script-${seq}@example.com`, text: 'Hello, could you help me with my order?' }), [ws.address]);

it('lists the conversations waiting on an agent, replies to the oldest, and follows a smart folder live', async () => {
  await mail('First question');
  await mail('Second question');
  const lines: string[] = [];
  const stop = new AbortController();
  const running = runScript({ url: server.url, token: ws.agentToken, reply: 'We are on it.', follow: 'urgent', signal: stop.signal, print: (l) => lines.push(l) });

  // graphql-ws has no "subscribed" acknowledgement: keep delivering until the script prints a change.
  const followed = async () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      if (lines.some((l) => l.includes('Following'))) {
        await mail(`URGENT: help ${attempt}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (lines.some((l) => l.includes('conversation.created'))) return;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  await followed();
  stop.abort();
  await running;

  expect(lines.slice(0, 5)).toEqual([
    '2 conversation(s) waiting on an agent',
    expect.stringMatching(/^ {2}SUP-2 {2}Second question {2}\(customer2@example\.com\)$/),
    expect.stringMatching(/^ {2}SUP-1 {2}First question {2}\(customer1@example\.com\)$/),
    'Replied to SUP-1: "Re: First question [#SUP-1]" (queued)',
    'Following "Urgent" (0 now); Ctrl-C to stop',
  ]);
  expect(lines.find((l) => l.includes('conversation.created'))).toMatch(/^ {2}conversation\.created: SUP-\d+ URGENT: help \d+ \(in the folder\)$/);

  const { node } = await server.gql(ws.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { status } } }`, {
    id: (await server.gql(ws.agentToken, `{ conversations(filter: { search: "First question" }) { edges { node { id } } } }`)).conversations.edges[0].node.id,
  });
  expect(node.status).toBe('WAITING_ON_CUSTOMER');
});
