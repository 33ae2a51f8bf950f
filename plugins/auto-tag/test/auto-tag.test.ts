import { deliver, enablePlugin, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '@deskql/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import autoTag from '../src/index.js';

let server: TestServer;
let ws: TestWorkspace;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer({ plugins: [autoTag] });
  ws = await server.createWorkspace('Auto-tag');
  // Short test mails must reach the inbox whatever the shipped spam filter thinks of them.
  await server.gql(ws.adminToken, `mutation { setSpamThreshold(threshold: 1) { __typename } }`);
  await enablePlugin(server, ws, 'auto-tag', {
    rules: [
      { tag: 'Refund', keywords: ['refund', 'money back'] },
      { tag: 'Invoice', pattern: 'invoice\\s*#?\\d+', in: ['subject'] },
      { tag: 'Partner', keywords: ['partner.example'], in: ['sender'] },
    ],
  });
});
afterAll(() => server?.close());

async function mail(fields: { subject: string; text: string; from?: string; inReplyTo?: string }) {
  const messageId = `auto-tag-${++seq}@example.com`;
  const report = await deliver(
    server,
    ws.ingestToken,
    rawEmail({ from: fields.from ?? `customer${seq}@example.com`, to: ws.address, messageId, ...fields }),
    [ws.address],
  );
  await server.app.plugins.idle();
  return { id: report.deliveries[0].conversationId as string, messageId };
}

async function conversation(id: string) {
  const { node } = await server.gql(
    ws.agentToken,
    `query($id: ID!) { node(id: $id) { ... on Conversation { tags { name } messages(first: 50) { edges { node { kind text authorPlugin } } } } } }`,
    { id },
  );
  return { tags: node.tags.map((t: { name: string }) => t.name), system: node.messages.edges.map((e: any) => e.node).filter((m: any) => m.kind === 'SYSTEM') };
}

describe('auto-tag in a running server', () => {
  it('tags a new conversation by keyword, pattern and sender, as the plugin', async () => {
    const { id } = await mail({
      subject: 'Invoice #4521 is wrong',
      text: 'Hello, I was charged twice and would like my money back. Regards, Sam',
      from: 'Sam <sam@partner.example>',
    });
    const c = await conversation(id);
    expect(c.tags).toEqual(['Refund', 'Invoice', 'Partner']);
    expect(c.system).toEqual([
      { kind: 'SYSTEM', text: 'Tagged Refund', authorPlugin: 'auto-tag' },
      { kind: 'SYSTEM', text: 'Tagged Invoice', authorPlugin: 'auto-tag' },
      { kind: 'SYSTEM', text: 'Tagged Partner', authorPlugin: 'auto-tag' },
    ]);
  });

  it('leaves mail that matches no rule alone, and by default looks only at the mail that opens a conversation', async () => {
    const first = await mail({ subject: 'Where is my parcel?', text: 'It has been two weeks since I ordered. Thanks, Kim' });
    expect((await conversation(first.id)).tags).toEqual([]);
    const reply = await mail({ subject: 'Re: Where is my parcel?', text: 'Never mind, I want a refund now.', inReplyTo: first.messageId });
    expect(reply.id).toBe(first.id);
    expect((await conversation(first.id)).tags).toEqual([]);

    await enablePlugin(server, ws, 'auto-tag', { rules: [{ tag: 'Refund', keywords: ['refund'] }], on: 'every-message' });
    await mail({ subject: 'Re: Where is my parcel?', text: 'Please, a refund.', inReplyTo: reply.messageId });
    expect((await conversation(first.id)).tags).toEqual(['Refund']);
  });

  it('refuses rules its schema does not accept, naming the rule at fault', async () => {
    const { configurePlugin } = await server.gql(
      ws.adminToken,
      `mutation($s: JSON) { configurePlugin(name: "auto-tag", settings: $s) { __typename ... on DomainError { code field message } } }`,
      { s: { rules: [{ tag: 'Broken', pattern: '([a-z' }] } },
    );
    expect(configurePlugin).toMatchObject({ code: 'INVALID_INPUT', field: 'settings.rules.0.pattern' });
  });
});
