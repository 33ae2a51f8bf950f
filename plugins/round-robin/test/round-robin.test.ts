import { deliver, enablePlugin, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '@deskql/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import roundRobin from '../src/index.js';

let server: TestServer;
let ws: TestWorkspace;
let billing: { id: string; address: string };
let seq = 0;

beforeAll(async () => {
  server = await startTestServer({ plugins: [roundRobin] });
  ws = await server.createWorkspace('Round robin');
  // Short test mails must reach the inbox whatever the shipped spam filter thinks of them.
  await server.gql(ws.adminToken, `mutation { setSpamThreshold(threshold: 1) { __typename } }`);
  // Three agents in all: the test workspace's Admin and Agent, and Zoe.
  await server.gql(ws.adminToken, `mutation { createAgent(name: "Zoe", email: "zoe@desk.example") { __typename } }`);
  const address = `billing-${ws.address}`;
  const created = await server.gql(ws.adminToken, `mutation($i: InboxInput!) { createInbox(input: $i) { ... on Inbox { id } } }`, {
    i: { name: 'Billing', addresses: [address], casePrefix: 'BIL' },
  });
  billing = { id: created.createInbox.id, address };
});
afterAll(() => server?.close());

async function newConversation(to = ws.address) {
  const report = await deliver(
    server,
    ws.ingestToken,
    rawEmail({ from: `customer${++seq}@example.com`, to, subject: `Question about my order ${seq}`, messageId: `rr-${seq}@example.com`, text: 'Hello, when will my order arrive? Thanks' }),
    [to],
  );
  await server.app.plugins.idle();
  const { node } = await server.gql(ws.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { assignee { name } messages(first: 10) { edges { node { kind text authorPlugin } } } } } }`, {
    id: report.deliveries[0].conversationId,
  });
  return { assignee: node.assignee?.name ?? null, system: node.messages.edges.map((e: any) => e.node).filter((m: any) => m.kind === 'SYSTEM') };
}

describe('round-robin in a running server', () => {
  it('assigns new conversations of the chosen inbox to each agent in turn, as the plugin', async () => {
    await enablePlugin(server, ws, 'round-robin', { inboxes: [billing.id] });
    const assignees = [];
    for (let i = 0; i < 4; i++) assignees.push((await newConversation(billing.address)).assignee);
    expect(assignees).toEqual(['Admin', 'Agent', 'Zoe', 'Admin']);
    const last = await newConversation(billing.address);
    expect(last.system).toEqual([{ kind: 'SYSTEM', text: 'Assigned to Agent', authorPlugin: 'round-robin' }]);
  });

  it('leaves other inboxes alone, and accepts inbox names', async () => {
    expect((await newConversation(ws.address)).assignee).toBeNull();
    await enablePlugin(server, ws, 'round-robin', { inboxes: ['support'] });
    expect((await newConversation(ws.address)).assignee).toBe('Zoe');
    expect((await newConversation(billing.address)).assignee).toBeNull();
  });

  it('skips agents who are away or at their limit, and leaves the conversation unassigned when nobody is available', async () => {
    await enablePlugin(server, ws, 'round-robin', { away: [`agent@${ws.address.split('@')[1]}`] });
    const turns = [];
    for (let i = 0; i < 3; i++) turns.push((await newConversation()).assignee);
    expect(turns).toEqual(['Admin', 'Zoe', 'Admin']);
    await enablePlugin(server, ws, 'round-robin', { maxOpen: 1 });
    expect((await newConversation()).assignee).toBeNull();
  });
});
