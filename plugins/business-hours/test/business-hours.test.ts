import { deliver, enablePlugin, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '@deskql/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import businessHours from '../src/index.js';
import { localTime } from '../src/hours.js';

let server: TestServer;
let ws: TestWorkspace;
let seq = 0;

const always = { mon: ['00:00-24:00'], tue: ['00:00-24:00'], wed: ['00:00-24:00'], thu: ['00:00-24:00'], fri: ['00:00-24:00'], sat: ['00:00-24:00'], sun: ['00:00-24:00'] };
const message = 'Hello {{contact.name}}, we are closed. About "{{subject}}" ({{caseNumber}}, {{inbox.name}}): back {{nextOpening}}.';

beforeAll(async () => {
  server = await startTestServer({ plugins: [businessHours] });
  ws = await server.createWorkspace('Business hours');
  // Short test mails must reach the inbox whatever the shipped spam filter thinks of them.
  await server.gql(ws.adminToken, `mutation { setSpamThreshold(threshold: 1) { __typename } }`);
});
afterAll(() => server?.close());

async function mail(fields: { subject: string; from?: string; inReplyTo?: string; headers?: Record<string, string> }) {
  const messageId = `bh-${++seq}@example.com`;
  const report = await deliver(
    server,
    ws.ingestToken,
    rawEmail({ from: fields.from ?? `Kim Lee <kim${seq}@example.com>`, to: ws.address, messageId, text: 'Hello, is anyone there? My order has not arrived.', ...fields }),
    [ws.address],
  );
  await server.app.plugins.idle();
  return { id: report.deliveries[0].conversationId as string, messageId };
}

async function conversation(id: string) {
  const { node } = await server.gql(
    ws.agentToken,
    `query($id: ID!) { node(id: $id) { ... on Conversation { status caseNumber
      messages(first: 50) { edges { node { kind direction text subject to { address } authorPlugin deliveryState } } } } } }`,
    { id },
  );
  const messages = node.messages.edges.map((e: any) => e.node);
  return { ...node, replies: messages.filter((m: any) => m.kind === 'EMAIL' && m.direction === 'OUTBOUND') };
}

describe('business-hours in a running server', () => {
  it('answers once per conversation while closed, with placeholders filled, leaving the conversation with the agents', async () => {
    await enablePlugin(server, ws, 'business-hours', { timeZone: 'Pacific/Auckland', week: {}, message });
    const first = await mail({ subject: 'Order 77 missing', from: 'Kim Lee <kim@example.com>' });
    const c = await conversation(first.id);
    expect(c.status).toBe('WAITING_ON_AGENT');
    expect(c.replies).toHaveLength(1);
    expect(c.replies[0]).toMatchObject({
      authorPlugin: 'business-hours',
      to: [{ address: 'kim@example.com' }],
      subject: `Re: Order 77 missing [#${c.caseNumber}]`,
      deliveryState: 'QUEUED',
    });
    expect(c.replies[0].text).toBe(`Hello Kim Lee, we are closed. About "Order 77 missing" (${c.caseNumber}, Support): back soon.`);

    // The customer writes again in the same conversation: no second auto-reply.
    await mail({ subject: 'Re: Order 77 missing', from: 'Kim Lee <kim@example.com>', inReplyTo: first.messageId });
    expect((await conversation(first.id)).replies).toHaveLength(1);
    // A new conversation gets its own.
    expect((await conversation((await mail({ subject: 'Another question' })).id)).replies).toHaveLength(1);
  });

  it('stays silent during opening hours', async () => {
    await enablePlugin(server, ws, 'business-hours', { timeZone: 'UTC', week: always, message });
    expect((await conversation((await mail({ subject: 'During hours' })).id)).replies).toEqual([]);
  });

  it('treats a holiday, in the configured time zone, as closed and says when it opens again', async () => {
    const zone = 'Asia/Tokyo';
    const today = localTime(new Date(), zone).date;
    await enablePlugin(server, ws, 'business-hours', { timeZone: zone, week: always, holidays: [today], message: 'Back {{nextOpening}}.' });
    const c = await conversation((await mail({ subject: 'On a holiday' })).id);
    expect(c.replies).toHaveLength(1);
    expect(c.replies[0].text).toMatch(/^Back \w+day \d+ \w+ at 00:00 GMT\+9\.$/);
  });

  it('never answers mail a machine sent', async () => {
    await enablePlugin(server, ws, 'business-hours', { timeZone: 'UTC', week: {}, message });
    const c = await conversation((await mail({ subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } })).id);
    expect(c.replies).toEqual([]);
  });

  it('refuses a time zone that does not exist', async () => {
    const { configurePlugin } = await server.gql(
      ws.adminToken,
      `mutation($s: JSON) { configurePlugin(name: "business-hours", settings: $s) { __typename ... on DomainError { code field message } } }`,
      { s: { timeZone: 'Europe/Atlantis' } },
    );
    expect(configurePlugin).toMatchObject({ code: 'INVALID_INPUT', field: 'settings.timeZone', message: 'timeZone: not an IANA time zone' });
  });
});
