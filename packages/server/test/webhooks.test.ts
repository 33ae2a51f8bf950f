import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookReceiver, type WebhookReceiver } from '@deskql/sdk/testing';
import { verifyWebhook, webhookHeaders, type VerifiedWebhook } from '@deskql/sdk/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';
import { isPrivateAddress } from '../src/webhooks/dispatcher.js';

/**
 * Webhooks against real HTTP servers on loopback: deliveries are signed
 * (Standard Webhooks: HMAC-SHA256 over id, timestamp and body), retried with
 * back-off, durable across a restart, and their attempts readable over GraphQL.
 */

const quiet = { info() {}, warn() {}, error() {} };
const RETRIES = [100, 200];
let server: TestServer;
let ws: TestWorkspace;
let other: TestWorkspace;
const receivers: WebhookReceiver[] = [];
let seq = 0;

beforeAll(async () => {
  server = await startTestServer({ webhooks: { retryDelaysMs: RETRIES, requestTimeoutMs: 500 }, logger: quiet });
  ws = await server.createWorkspace('Hooks');
  other = await server.createWorkspace('Other hooks');
});
afterAll(async () => {
  await server?.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(options: { secret?: () => string; respond?: (attempt: number, event: VerifiedWebhook) => number } = {}) {
  let secret = '';
  const r = await createWebhookReceiver({ secret: options.secret ?? (() => secret), respond: options.respond });
  receivers.push(r);
  return { receiver: r, setSecret: (s: string) => (secret = s) };
}

const createDoc = `mutation($url: String!, $events: [String!]!, $d: String) {
  createWebhook(url: $url, events: $events, description: $d) {
    __typename ... on DomainError { code field message } ... on CreatedWebhook { secret webhook { id url events active } }
  }
}`;

async function createWebhook(url: string, events: string[], token = ws.adminToken, workspace = ws) {
  const { createWebhook } = await server.gql(token ?? workspace.adminToken, createDoc, { url, events });
  return createWebhook;
}

async function mail(subject: string, workspace = ws) {
  const report = await deliver(
    server,
    workspace.ingestToken,
    rawEmail({ from: `hook${++seq}@example.com`, to: workspace.address, subject, messageId: `hook-${++seq}@example.com` }),
    [workspace.address],
  );
  return report.deliveries[0].conversationId as string;
}

const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;

const deliveriesDoc = `query($id: ID!) { node(id: $id) { ... on Webhook {
  deliveries(first: 20) { totalCount edges { node { id event payload status attemptCount nextAttemptAt lastError completedAt
    attempts { number statusCode succeeded error durationMs responseBody } } } } } } }`;

async function deliveries(webhookId: string) {
  const { node } = await server.gql(ws.adminToken, deliveriesDoc, { id: webhookId });
  return node.deliveries.edges.map((e: any) => e.node);
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('registering webhooks', () => {
  it('is for admins; URLs and event names are checked', async () => {
    expect(await createWebhook('http://127.0.0.1:1/hook', ['conversation.created'], ws.agentToken)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await createWebhook('ftp://example.com/x', ['conversation.created'])).toMatchObject({ code: 'INVALID_INPUT', field: 'url' });
    expect(await createWebhook('not a url', ['conversation.created'])).toMatchObject({ code: 'INVALID_INPUT', field: 'url' });
    expect(await createWebhook('https://example.com/hook', ['conversation.created', 'conversation.create'])).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'events.1',
    });
    expect(await createWebhook('https://example.com/hook', [])).toMatchObject({ code: 'INVALID_INPUT', field: 'events' });
    const list = `{ webhooks { __typename ... on DomainError { code } ... on QueryWebhooksSuccess { data { id } } } }`;
    expect((await server.gql(ws.agentToken, list)).webhooks).toEqual({ __typename: 'DomainError', code: 'FORBIDDEN' });
  });
});

describe('deliveries', () => {
  it('are signed with the secret and carry the typed event; only the chosen events of the own workspace arrive', async () => {
    const { receiver: r, setSecret } = await receiver();
    const created = await createWebhook(r.url, ['conversation.created', 'conversation.tagged']);
    expect(created).toMatchObject({ __typename: 'CreatedWebhook', webhook: { url: r.url, events: ['conversation.created', 'conversation.tagged'], active: true } });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    setSecret(created.secret);

    await mail('Elsewhere', other);
    const id = await mail('Signed please');
    const event = await r.next('conversation.created', (e) => e.data.subject === 'Signed please');
    expect(event.data).toMatchObject({ workspaceId: ws.workspaceId, conversationId: rawId(id), subject: 'Signed please', actor: { type: 'customer' } });
    expect(new Date(event.timestamp).getTime()).toBeLessThanOrEqual(Date.now());

    const request = r.requests.find((q) => q.event?.id === event.id)!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers[webhookHeaders.signature]).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    // The same request fails verification with another secret, a changed body, or an old timestamp.
    expect(() => verifyWebhook({ secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`, headers: request.headers, body: request.body })).toThrow(/No webhook signature matches/);
    expect(() => verifyWebhook({ secret: created.secret, headers: request.headers, body: request.body.replace('Signed', 'Forged') })).toThrow(/No webhook signature matches/);
    expect(() => verifyWebhook({ secret: created.secret, headers: request.headers, body: request.body, now: new Date(Date.now() + 600_000) })).toThrow(/timestamp/);

    // message.received was not asked for; the other workspace's mail never shows.
    await server.app.webhooks.runOnce();
    expect(r.events.map((e) => e.type)).toEqual(['conversation.created']);
    expect(r.requests.every((q) => q.event?.data.workspaceId === ws.workspaceId)).toBe(true);

    const [delivery] = await deliveries(created.webhook.id);
    expect(delivery).toMatchObject({ event: 'conversation.created', status: 'SUCCEEDED', attemptCount: 1, lastError: null });
    expect(delivery.attempts).toEqual([expect.objectContaining({ number: 1, statusCode: 200, succeeded: true, error: null, responseBody: 'ok' })]);
    expect(rawId(delivery.id)).toBe(event.id);
  });

  it('are retried with back-off until the endpoint accepts, each attempt visible over GraphQL', async () => {
    const { receiver: r, setSecret } = await receiver({ respond: (attempt) => (attempt < 3 ? 503 : 204) });
    const created = await createWebhook(r.url, ['conversation.priorityChanged']);
    setSecret(created.secret);
    const id = await mail('Retry me');
    await server.gql(ws.agentToken, `mutation($c: ID!) { setConversationPriority(conversationId: $c, priority: URGENT) { __typename } }`, { c: id });
    const event = await r.next('conversation.priorityChanged');
    expect(event.data).toMatchObject({ from: 'NORMAL', to: 'URGENT', actor: { type: 'agent' } });
    const attempts = r.requests.filter((q) => q.event?.id === event.id);
    expect(attempts.map((q) => q.status)).toEqual([503, 503, 204]);
    // Every retry carries the same delivery id, and a fresh timestamp and signature.
    expect(new Set(attempts.map((q) => q.headers[webhookHeaders.id])).size).toBe(1);

    const delivery = await until(async () => {
      const [d] = await deliveries(created.webhook.id);
      return d?.status === 'SUCCEEDED' ? d : undefined;
    }, 'the delivery to succeed');
    expect(delivery).toMatchObject({ attemptCount: 3, lastError: null, nextAttemptAt: null });
    expect(delivery.attempts.map((a: any) => [a.number, a.statusCode, a.succeeded, a.error])).toEqual([
      [1, 503, false, 'HTTP 503'],
      [2, 503, false, 'HTTP 503'],
      [3, 204, true, null],
    ]);
    expect(delivery.attempts[0].responseBody).toBe('not now');
  });

  it('give up after the last retry, and record why', async () => {
    const { receiver: r, setSecret } = await receiver({ respond: () => 500 });
    const created = await createWebhook(r.url, ['conversation.statusChanged']);
    setSecret(created.secret);
    const id = await mail('Never accepted');
    await server.gql(ws.agentToken, `mutation($c: ID!) { setConversationStatus(conversationId: $c, status: CLOSED) { __typename } }`, { c: id });
    const delivery = await until(async () => {
      const [d] = await deliveries(created.webhook.id);
      return d?.status === 'FAILED' ? d : undefined;
    }, 'the delivery to fail');
    expect(delivery).toMatchObject({ attemptCount: RETRIES.length + 1, lastError: 'HTTP 500', nextAttemptAt: null });
    expect(delivery.completedAt).toEqual(expect.any(String));
    expect(r.requests).toHaveLength(RETRIES.length + 1);
    const failed = await server.gql(ws.adminToken, `query($id: ID!) { node(id: $id) { ... on Webhook { deliveries(first: 5, status: FAILED) { totalCount } } } }`, {
      id: created.webhook.id,
    });
    expect(failed.node.deliveries.totalCount).toBe(1);
  });

  it('time out on an endpoint that does not answer', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const created = await createWebhook(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`, ['tag.created']);
      await server.gql(ws.agentToken, `mutation { createTag(name: "timeout-probe") { __typename } }`);
      const [delivery] = await until(async () => {
        const list = await deliveries(created.webhook.id);
        return list[0]?.attemptCount > 0 ? list : undefined;
      }, 'a first attempt');
      expect(delivery.attempts[0]).toMatchObject({ statusCode: null, succeeded: false, error: 'no answer within 500 ms' });
      await server.gql(ws.adminToken, `mutation($id: ID!) { deleteWebhook(webhookId: $id) { __typename } }`, { id: created.webhook.id });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('stop when the webhook is paused or deleted, and follow a rotated secret', async () => {
    const { receiver: r, setSecret } = await receiver();
    const created = await createWebhook(r.url, ['tag.created']);
    setSecret(created.secret);
    const tag = (name: string) => server.gql(ws.agentToken, `mutation($n: String!) { createTag(name: $n) { __typename } }`, { n: name });
    await tag('first');
    await r.next('tag.created', (e) => e.data.name === 'first');

    const rotated = await server.gql(ws.adminToken, `mutation($id: ID!) { rotateWebhookSecret(webhookId: $id) { ... on CreatedWebhook { secret } } }`, {
      id: created.webhook.id,
    });
    expect(rotated.rotateWebhookSecret.secret).not.toBe(created.secret);
    setSecret(rotated.rotateWebhookSecret.secret);
    await tag('after rotation');
    await r.next('tag.created', (e) => e.data.name === 'after rotation');
    expect(r.requests.every((q) => q.error === null)).toBe(true);

    const paused = await server.gql(ws.adminToken, `mutation($id: ID!) { updateWebhook(webhookId: $id, active: false) { ... on Webhook { active } } }`, {
      id: created.webhook.id,
    });
    expect(paused.updateWebhook.active).toBe(false);
    await tag('while paused');
    await server.gql(ws.adminToken, `mutation($id: ID!) { deleteWebhook(webhookId: $id) { __typename } }`, { id: created.webhook.id });
    await tag('after deletion');
    await server.app.webhooks.runOnce();
    expect(r.events.map((e) => (e.data as { name: string }).name)).toEqual(['first', 'after rotation']);
  });

  it('are kept in the database: a delivery pending at shutdown is sent by the next start', async () => {
    let accept = false;
    const { receiver: r, setSecret } = await receiver({ respond: () => (accept ? 200 : 500) });
    const own = await startTestServer({ webhooks: { retryDelaysMs: [60_000] }, logger: quiet });
    const w = await own.createWorkspace('Durable');
    const { createWebhook: created } = await own.gql(w.adminToken, createDoc, { url: r.url, events: ['message.received'] });
    setSecret(created.secret);
    await deliver(own, w.ingestToken, rawEmail({ from: 'durable@example.com', to: w.address, subject: 'Durable', messageId: 'durable@example.com' }), [w.address]);
    await until(async () => (r.requests.length > 0 ? true : undefined), 'the first attempt');
    await own.app.close();

    accept = true;
    const restarted = await startTestServer({ database: own.database, migrate: false, webhooks: { retryDelaysMs: [60_000] }, logger: quiet });
    try {
      // The retry is a minute away; make it due now, as if the minute had passed.
      await restarted.app.database.db.webhookDelivery.updateMany({ data: { nextAttemptAt: new Date() } });
      await restarted.app.webhooks.runOnce();
      const event = await r.next('message.received');
      expect(event.data).toMatchObject({ subject: 'Durable', fromAddress: 'durable@example.com', openedConversation: true });
      expect(r.requests.map((q) => q.status)).toEqual([500, 200]);
    } finally {
      await restarted.close();
      await own.database.drop();
    }
  });

  it('refuse private and loopback addresses unless the server allows them', async () => {
    expect(['127.0.0.1', '10.1.2.3', '192.168.0.10', '172.20.0.1', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0'].filter((a) => !isPrivateAddress(a))).toEqual([]);
    expect(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8'].filter(isPrivateAddress)).toEqual([]);

    const { receiver: r, setSecret } = await receiver();
    const strict = await startTestServer({ webhooks: { allowPrivateNetworks: false, retryDelaysMs: [] }, logger: quiet });
    try {
      const w = await strict.createWorkspace('Strict');
      for (const url of [r.url, r.url.replace('127.0.0.1', 'localhost')]) {
        const { createWebhook: created } = await strict.gql(w.adminToken, createDoc, { url, events: ['tag.created'] });
        setSecret(created.secret);
      }
      await strict.gql(w.agentToken, `mutation { createTag(name: "ssrf") { __typename } }`);
      await strict.app.webhooks.runOnce();
      const rows = await until(async () => {
        const found = await strict.app.database.db.webhookDelivery.findMany({ where: { workspaceId: w.workspaceId }, include: { webhook: true } });
        return found.length === 2 && found.every((d) => d.status === 'FAILED') ? found : undefined;
      }, 'both deliveries to fail');
      expect(rows.map((d) => d.lastError).sort()).toEqual(['127.0.0.1 is a private address', expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1), a private address$/)]);
      expect(r.requests).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});
