import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

let server: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.createWorkspace('Threading');
});
afterAll(() => server?.close());

const conversationQuery = `query($id: ID!) { node(id: $id) { ... on Conversation {
  id number caseNumber subject status spam linkedTo { id number }
  contact { id name emails }
  messages { totalCount edges { node { kind direction subject text messageId parseProblem from { address } } } }
} } }`;

async function conversation(id: string) {
  return (await server.gql(ws.agentToken, conversationQuery, { id })).node;
}

describe('receiving mail', () => {
  it('opens a conversation for new mail, creating the contact from the sender', async () => {
    const report = await deliver(
      server,
      ws.ingestToken,
      rawEmail({ from: 'Maria Jensen <Maria@Example.com>', to: ws.address, subject: 'Broken lamp', messageId: 'first@example.com' }),
      [ws.address],
    );
    expect(report.deliveries).toHaveLength(1);
    expect(report.deliveries[0]).toMatchObject({ duplicate: false, openedConversation: true });
    const c = await conversation(report.deliveries[0].conversationId);
    expect(c).toMatchObject({ subject: 'Broken lamp', status: 'WAITING_ON_AGENT', spam: false, caseNumber: `SUP-${c.number}` });
    expect(c.contact).toMatchObject({ name: 'Maria Jensen', emails: ['maria@example.com'] });
    expect(c.messages.totalCount).toBe(1);
  });

  it('stores the same Message-ID into the same inbox once', async () => {
    const raw = rawEmail({ from: 'a@dup.test', to: ws.address, subject: 'Twice', messageId: 'dup@dup.test' });
    const first = await deliver(server, ws.ingestToken, raw, [ws.address]);
    const second = await deliver(server, ws.ingestToken, raw, [ws.address]);
    expect(second.deliveries[0]).toMatchObject({ duplicate: true, messageId: first.deliveries[0].messageId });
    const c = await conversation(first.deliveries[0].conversationId);
    expect(c.messages.totalCount).toBe(1);
  });

  it('threads a reply by In-Reply-To and by References, and moves the status back to WAITING_ON_AGENT', async () => {
    const opened = await deliver(
      server,
      ws.ingestToken,
      rawEmail({ from: 'tom@thread.test', to: ws.address, subject: 'Parcel', messageId: 'p1@thread.test' }),
      [ws.address],
    );
    const id = opened.deliveries[0].conversationId;
    await server.gql(ws.agentToken, `mutation($id: ID!) { setConversationStatus(conversationId: $id, status: CLOSED) { __typename } }`, { id });
    const reply = await deliver(
      server,
      ws.ingestToken,
      rawEmail({ from: 'tom@thread.test', to: ws.address, subject: 'Re: Parcel', messageId: 'p2@thread.test', inReplyTo: 'p1@thread.test' }),
      [ws.address],
    );
    expect(reply.deliveries[0]).toMatchObject({ conversationId: id, openedConversation: false });
    const byReferences = await deliver(
      server,
      ws.ingestToken,
      rawEmail({ from: 'tom@thread.test', to: ws.address, subject: 'other subject', messageId: 'p3@thread.test', references: ['unknown@x', 'p1@thread.test'] }),
      [ws.address],
    );
    expect(byReferences.deliveries[0].conversationId).toBe(id);
    const c = await conversation(id);
    expect(c.status).toBe('WAITING_ON_AGENT');
    const kinds = c.messages.edges.map((e: any) => e.node.kind);
    expect(kinds.filter((k: string) => k === 'EMAIL')).toHaveLength(3);
    const system = c.messages.edges.filter((e: any) => e.node.kind === 'SYSTEM').map((e: any) => e.node.text);
    expect(system).toEqual([
      'Status changed from WAITING_ON_AGENT to CLOSED',
      'Status changed from CLOSED to WAITING_ON_AGENT',
    ]);
  });

  it('threads by case number only when the sender takes part in the conversation', async () => {
    const opened = await deliver(
      server,
      ws.ingestToken,
      rawEmail({ from: 'kim@case.test', to: ws.address, cc: 'boss@case.test', subject: 'Invoice', messageId: 'c1@case.test' }),
      [ws.address],
    );
    const id = opened.deliveries[0].conversationId;
    const { caseNumber, number } = await conversation(id);
    const subject = `Re: Invoice [#${caseNumber}]`;

    const fromContact = await deliver(server, ws.ingestToken, rawEmail({ from: 'kim@case.test', to: ws.address, subject, messageId: 'c2@case.test' }), [ws.address]);
    expect(fromContact.deliveries[0].conversationId).toBe(id);
    const fromCc = await deliver(server, ws.ingestToken, rawEmail({ from: 'boss@case.test', to: ws.address, subject, messageId: 'c3@case.test' }), [ws.address]);
    expect(fromCc.deliveries[0].conversationId).toBe(id);

    const stranger = await deliver(server, ws.ingestToken, rawEmail({ from: 'mallory@evil.test', to: ws.address, subject, messageId: 'c4@case.test' }), [ws.address]);
    expect(stranger.deliveries[0]).toMatchObject({ openedConversation: true });
    expect(stranger.deliveries[0].conversationId).not.toBe(id);
    const linked = await conversation(stranger.deliveries[0].conversationId);
    expect(linked.linkedTo).toMatchObject({ id, number });
    expect(linked.contact.emails).toEqual(['mallory@evil.test']);
  });

  it('stores malformed mail with its raw source and a flag', async () => {
    const raw = 'This is not really an email\r\nno headers at all\r\n';
    const report = await deliver(server, ws.ingestToken, raw, [ws.address]);
    expect(report.parseProblem).toMatch(/From/);
    const c = await server.gql(ws.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { messages { edges { node { parseProblem rawSource from { address } } } } } } }`, {
      id: report.deliveries[0].conversationId,
    });
    const message = c.node.messages.edges[0].node;
    expect(message.parseProblem).toMatch(/no readable From/);
    expect(Buffer.from(message.rawSource, 'base64').toString()).toBe(raw);
  });

  it('stores mail whose text decodes to U+0000 (PostgreSQL text refuses it); the raw source keeps it', async () => {
    const raw = rawEmail({ from: 'nul@mail.test', to: ws.address, subject: 'Nul\u0000 byte', text: 'before\u0000after', messageId: 'nul@mail.test' });
    const report = await deliver(server, ws.ingestToken, raw, [ws.address]);
    const c = await server.gql(ws.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { subject messages { edges { node { text rawSource } } } } } }`, {
      id: report.deliveries[0].conversationId,
    });
    expect(c.node.subject).toBe('Nul byte');
    expect(c.node.messages.edges[0].node.text.trim()).toBe('beforeafter');
    expect(Buffer.from(c.node.messages.edges[0].node.rawSource, 'base64').toString()).toContain('before\u0000after');
  });

  it('refuses mail for an unknown recipient with a typed NOT_FOUND', async () => {
    const report = await deliver(server, ws.ingestToken, rawEmail({ from: 'x@y.test', to: 'nobody@nowhere.test', subject: 'hi' }), ['nobody@nowhere.test']);
    expect(report).toMatchObject({ code: 'NOT_FOUND', field: 'recipients' });
  });

  it('lets only ingest tokens deliver mail', async () => {
    const result = await server.request(ws.agentToken, `mutation { deliverEmail(raw: "eA==", recipients: ["a@b.c"]) { __typename } }`);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
