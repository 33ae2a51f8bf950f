import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

/** A real SMTP relay on loopback that records what it receives and can be told to refuse. */
function startRelay() {
  const received: ParsedMail[] = [];
  const waiters: Array<() => void> = [];
  let refuse: { code: number; times: number } | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    onData(stream, _session, callback) {
      if (refuse && refuse.times > 0) {
        refuse.times--;
        const code = refuse.code;
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code })));
        return;
      }
      simpleParser(stream).then((mail) => {
        received.push(mail);
        waiters.splice(0).forEach((w) => w());
        callback();
      }, callback);
    },
  });
  return {
    received,
    refuseNext(code: number, times = 1) {
      refuse = { code, times };
    },
    async waitFor(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`relay got ${received.length} of ${count} messages`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return received;
    },
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let relay: ReturnType<typeof startRelay>;
let server: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  relay = startRelay();
  const port = await relay.listen();
  server = await startTestServer({
    smtp: { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
    outbox: { pollIntervalMs: 100, retryDelayMs: () => 100, maxAttempts: 3 },
  });
  ws = await server.createWorkspace('Outbound');
  await server.gql(ws.adminToken, `mutation($id: ID!) { updateInbox(inboxId: $id, input: { senderName: "Acme Support", signature: "-- \\nAcme Support" }) { __typename } }`, { id: ws.inboxId });
});
afterAll(async () => {
  await server?.close();
  await relay?.close();
});

const messageFields = `id kind direction subject text deliveryState sendAt sentAt deliveryAttempts lastDeliveryError messageId autoReply`;
async function messages(conversationId: string) {
  const data = await server.gql(ws.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { caseNumber status messages { edges { node { ${messageFields} } } } } } }`, { id: conversationId });
  return { ...data.node, messages: data.node.messages.edges.map((e: any) => e.node) };
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let n = 0;
async function open(from: string, subject: string) {
  const report = await deliver(server, ws.ingestToken, rawEmail({ from, to: ws.address, subject, messageId: `out-${++n}@customer.test` }), [ws.address]);
  return report.deliveries[0].conversationId as string;
}

async function reply(conversationId: string, text: string, sendAt?: string) {
  const data = await server.gql(ws.agentToken, `mutation($c: ID!, $t: String!, $s: DateTime) { replyToConversation(conversationId: $c, text: $t, sendAt: $s) { ... on Message { ${messageFields} } ... on DomainError { code message } } }`, { c: conversationId, t: text, s: sendAt ?? null });
  return data.replyToConversation;
}

describe('replies go out through the relay', () => {
  it('carry the sender name, signature, our Message-ID, threading headers and the case number; the customer answer threads back', async () => {
    const id = await open('Olga <olga@customer.test>', 'Blue kettle');
    const before = relay.received.length;
    const sent = await reply(id, 'We will send a new one.');
    expect(sent.deliveryState).toBe('QUEUED');
    const [mail] = (await relay.waitFor(before + 1)).slice(before);
    const { caseNumber, messages: timeline } = await until(() => messages(id), (c) => c.messages.find((m: any) => m.id === sent.id)?.deliveryState === 'SENT');
    expect(mail!.from?.value[0]).toEqual({ name: 'Acme Support', address: ws.address });
    expect(mail!.to && !Array.isArray(mail!.to) && mail!.to.value[0]!.address).toBe('olga@customer.test');
    expect(mail!.subject).toBe(`Re: Blue kettle [#${caseNumber}]`);
    expect(mail!.text).toContain('We will send a new one.');
    expect(mail!.text).toContain('Acme Support');
    expect(mail!.inReplyTo).toBe(`<out-${n}@customer.test>`);
    expect(mail!.references).toContain(`<out-${n}@customer.test>`);
    const stored = timeline.find((m: any) => m.id === sent.id);
    expect(mail!.messageId).toBe(`<${stored.messageId}>`);
    expect(stored.sentAt).toBeTruthy();

    // The customer's mail client answers the message it received.
    const answer = await deliver(server, ws.ingestToken, rawEmail({ from: 'olga@customer.test', to: ws.address, subject: `Re: ${mail!.subject}`, messageId: 'olga-2@customer.test', inReplyTo: stored.messageId }), [ws.address]);
    expect(answer.deliveries[0].conversationId).toBe(id);
    expect((await messages(id)).status).toBe('WAITING_ON_AGENT');
  });

  it('retries a temporary relay failure and records a permanent one, with the reason', async () => {
    const id = await open('pat@customer.test', 'Retry me');
    relay.refuseNext(451, 1);
    const retried = await reply(id, 'First try fails');
    const ok = await until(() => messages(id), (c) => c.messages.find((m: any) => m.id === retried.id)?.deliveryState === 'SENT');
    expect(ok.messages.find((m: any) => m.id === retried.id).deliveryAttempts).toBe(2);

    relay.refuseNext(550, 1);
    const refused = await reply(id, 'Refused for good');
    const failed = await until(() => messages(id), (c) => c.messages.find((m: any) => m.id === refused.id)?.deliveryState === 'FAILED');
    expect(failed.messages.find((m: any) => m.id === refused.id).lastDeliveryError).toMatch(/550|mailbox unavailable/);
  });

  it('streams outbox progress over a subscription', async () => {
    const id = await open('sub@customer.test', 'Watch the outbox');
    const client = server.wsClient(ws.agentToken);
    const states: string[] = [];
    const iterator = client.iterate({ query: `subscription($c: ID) { outboundEmailChanged(conversationId: $c) { state message { id } } }`, variables: { c: id } });
    const reading = (async () => {
      for await (const event of iterator) {
        states.push((event.data as any).outboundEmailChanged.state);
        if (states.includes('SENT')) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await reply(id, 'Tracked');
    await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`got ${states}`)), 10_000))]);
    expect(states).toEqual(['QUEUED', 'SENT']);
  });
});

describe('scheduled send', () => {
  it('stays queued until sendAt, can be cancelled, and is held (with an event) when the customer writes first', async () => {
    const id = await open('sched@customer.test', 'Later');
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const cancelled = await reply(id, 'Cancel me', later);
    expect(cancelled).toMatchObject({ deliveryState: 'QUEUED', sendAt: later });
    const cancel = await server.gql(ws.agentToken, `mutation($m: ID!) { cancelOutboundEmail(messageId: $m) { ... on Message { deliveryState } } }`, { m: cancelled.id });
    expect(cancel.cancelOutboundEmail.deliveryState).toBe('CANCELLED');

    const held = await reply(id, 'Hold me', later);
    const client = server.wsClient(ws.agentToken);
    const events: string[] = [];
    const iterator = client.iterate({ query: `subscription($c: ID) { outboundEmailChanged(conversationId: $c) { state message { id } } }`, variables: { c: id } });
    const reading = (async () => {
      for await (const event of iterator) {
        events.push((event.data as any).outboundEmailChanged.state);
        if (events.includes('SENT')) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const { caseNumber } = await messages(id);
    await deliver(server, ws.ingestToken, rawEmail({ from: 'sched@customer.test', to: ws.address, subject: `One more thing [#${caseNumber}]`, messageId: 'sched-2@customer.test' }), [ws.address]);
    expect((await messages(id)).messages.find((m: any) => m.id === held.id).deliveryState).toBe('HELD');
    const before = relay.received.length;
    await server.gql(ws.agentToken, `mutation($m: ID!) { releaseOutboundEmail(messageId: $m) { ... on Message { deliveryState } } }`, { m: held.id });
    await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`got ${events}`)), 10_000))]);
    expect(events).toEqual(['HELD', 'QUEUED', 'SENT']);
    expect((await relay.waitFor(before + 1)).at(-1)!.text).toContain('Hold me');
    expect(relay.received.some((m) => m.text?.includes('Cancel me'))).toBe(false);
  });
});

describe('new outbound conversations', () => {
  it('opens one conversation per recipient, each waiting on the customer', async () => {
    const before = relay.received.length;
    const result = await server.gql(ws.agentToken, `mutation($i: ID!) { startConversations(inboxId: $i, to: ["a@new.test", "B@New.test"], subject: "Your order", text: "Hello!") { ... on MutationStartConversationsSuccess { data { id caseNumber status contact { emails } } } ... on DomainError { code message } } }`, { i: ws.inboxId });
    const created = result.startConversations.data;
    expect(created.map((c: any) => c.contact.emails[0])).toEqual(['a@new.test', 'b@new.test']);
    expect(created.every((c: any) => c.status === 'WAITING_ON_CUSTOMER')).toBe(true);
    const mails = (await relay.waitFor(before + 2)).slice(before);
    expect(mails.map((m) => m.subject).sort()).toEqual(created.map((c: any) => `Your order [#${c.caseNumber}]`).sort());
    const bad = await server.gql(ws.agentToken, `mutation($i: ID!) { startConversations(inboxId: $i, to: ["nope"], subject: "x", text: "y") { ... on DomainError { code field } } }`, { i: ws.inboxId });
    expect(bad.startConversations).toEqual({ code: 'INVALID_INPUT', field: 'to.0' });
  });
});

describe('auto-reply', () => {
  let autoWs: TestWorkspace;
  beforeAll(async () => {
    autoWs = await server.createWorkspace('Auto');
    const result = await server.gql(autoWs.adminToken, `mutation($id: ID!) { updateInbox(inboxId: $id, input: { autoReplyEnabled: true, autoReplySubject: "We got your mail ({{caseNumber}})", autoReplyText: "Hi {{contact.name}}, {{inbox.name}} will answer case {{caseNumber}} soon." }) { ... on Inbox { autoReplyEnabled } ... on DomainError { message } } }`, { id: autoWs.inboxId });
    expect(result.updateInbox.autoReplyEnabled).toBe(true);
  });
  const send = (raw: string, mailFrom?: string) =>
    server.request(autoWs.ingestToken, `mutation($r: String!, $to: [String!]!, $f: String) { deliverEmail(raw: $r, recipients: $to, mailFrom: $f) { ... on DeliveryReport { deliveries { conversationId } } } }`, { r: Buffer.from(raw).toString('base64'), to: [autoWs.address], f: mailFrom ?? null });
  const autoReplies = () => relay.received.filter((m) => m.headers.get('auto-submitted') === 'auto-replied' && m.to && !Array.isArray(m.to) && m.to.value[0]!.address!.endsWith('@auto.test'));

  it('answers a new conversation once per contact and window, with placeholders filled', async () => {
    const before = autoReplies().length;
    await send(rawEmail({ from: 'Nina Berg <nina@auto.test>', to: autoWs.address, subject: 'Hello', messageId: 'a1@auto.test' }));
    await until(async () => autoReplies().length, (count) => count === before + 1);
    const mail = autoReplies().at(-1)!;
    expect(mail.subject).toMatch(/^We got your mail \(SUP-\d+\) \[#SUP-\d+\]$/);
    expect(mail.text).toMatch(/^Hi Nina Berg, Support will answer case SUP-\d+ soon\./);
    expect(mail.inReplyTo).toBe('<a1@auto.test>');
    await send(rawEmail({ from: 'nina@auto.test', to: autoWs.address, subject: 'Another topic', messageId: 'a2@auto.test' }));
    await new Promise((r) => setTimeout(r, 500));
    expect(autoReplies().length).toBe(before + 1);
  });

  it('never answers automatic mail or a blocked contact', async () => {
    const before = autoReplies().length;
    await send(rawEmail({ from: 'robot1@auto.test', to: autoWs.address, subject: 'Out of office', messageId: 'r1@auto.test', headers: { 'Auto-Submitted': 'auto-replied' } }));
    await send(rawEmail({ from: 'news@auto.test', to: autoWs.address, subject: 'Newsletter', messageId: 'r2@auto.test', headers: { Precedence: 'bulk' } }));
    await send(rawEmail({ from: 'list@auto.test', to: autoWs.address, subject: 'List', messageId: 'r3@auto.test', headers: { 'List-Id': '<x.lists.test>' } }));
    await send(rawEmail({ from: 'bounce@auto.test', to: autoWs.address, subject: 'Undelivered', messageId: 'r4@auto.test' }), '');
    const first = await send(rawEmail({ from: 'blocked@auto.test', to: autoWs.address, subject: 'Hi', messageId: 'r5@auto.test' }));
    await until(async () => autoReplies().length, (count) => count === before + 1); // the blocked contact's first mail still got one
    const contact = await server.gql(autoWs.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { contact { id } } } }`, { id: first.data.deliverEmail.deliveries[0].conversationId });
    await server.gql(autoWs.agentToken, `mutation($c: ID!) { blockContact(contactId: $c) { __typename } }`, { c: contact.node.contact.id });
    await send(rawEmail({ from: 'blocked@auto.test', to: autoWs.address, subject: 'Again', messageId: 'r6@auto.test' }));
    await new Promise((r) => setTimeout(r, 500));
    expect(autoReplies().slice(before).map((m) => (m.to as any).value[0].address)).toEqual(['blocked@auto.test']);
    expect(autoReplies().at(-1)!.to && !Array.isArray(autoReplies().at(-1)!.to) && (autoReplies().at(-1)!.to as any).value[0].address).toBe('blocked@auto.test');
  });
});

describe('customer HTML', () => {
  it('is sanitized when served; the raw source stays untouched', async () => {
    const html = `<p onclick="steal()">Hi <b>there</b></p><script>alert(1)</script><img src="https://cdn.test/a.png" onerror="x()"><iframe src="https://evil.test"></iframe><a href="javascript:alert(1)">x</a><div style="color: red; background: url(https://track.test/p.gif)">y</div><form action="https://evil.test"><input name="p"></form>`;
    const raw = ['From: h@customer.test', `To: ${ws.address}`, 'Subject: HTML', 'Message-ID: <html-1@customer.test>', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', html, ''].join('\r\n');
    const report = await deliver(server, ws.ingestToken, raw, [ws.address]);
    const data = await server.gql(ws.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { messages { edges { node { html rawSource } } } } } }`, { id: report.deliveries[0].conversationId });
    const message = data.node.messages.edges[0].node;
    expect(message.html).toContain('<b>there</b>');
    expect(message.html).toContain('<img src="https://cdn.test/a.png" />');
    for (const bad of ['onclick', 'script', 'onerror', 'iframe', 'javascript:', 'url(', '<form', '<input']) expect(message.html).not.toContain(bad);
    expect(Buffer.from(message.rawSource, 'base64').toString()).toContain('<script>alert(1)</script>');
  });
});
