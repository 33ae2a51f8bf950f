import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhook, WebhookVerificationError } from '../src/webhooks.js';

// The Standard Webhooks specification's published test vector: matching it means any of
// that specification's libraries (in any language) verifies DeskQL's deliveries.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const event = { type: 'tag.created', timestamp: '2026-11-23T10:00:00.000Z', data: { workspaceId: 'w1', tagId: 't1', name: 'VIP' } };

function signed(body = JSON.stringify(event), secret = generateWebhookSecret(), at = Math.floor(Date.now() / 1000)) {
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(at), 'webhook-signature': signWebhook({ secret, id: 'msg_1', timestamp: at, body }) };
  return { secret, headers, body };
}

const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as WebhookVerificationError).code;
  }
  return null;
};

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks reference signature', () => {
    expect(signWebhook(vector)).toBe(vector.signature);
  });

  it('makes secrets of 24 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});

describe('verifyWebhook', () => {
  it('accepts the reference delivery (headers as a plain object, a Headers, or Node arrays)', () => {
    const raw = { 'webhook-id': vector.id, 'webhook-timestamp': String(vector.timestamp), 'webhook-signature': vector.signature };
    const now = new Date(vector.timestamp * 1000);
    const body = '{"type":"x","timestamp":"t","data":{"test":1}}';
    // The vector's body is not an event, so it fails only at the payload check, after the signature.
    expect(failure(() => verifyWebhook({ secret: vector.secret, headers: raw, body: vector.body, now }))).toBe('BAD_PAYLOAD');
    const mine = signed(body, vector.secret, vector.timestamp);
    for (const headers of [mine.headers, new Headers(mine.headers), { 'Webhook-Id': [mine.headers['webhook-id']], 'WEBHOOK-TIMESTAMP': mine.headers['webhook-timestamp'], 'webhook-signature': mine.headers['webhook-signature'] }]) {
      expect(verifyWebhook({ secret: vector.secret, headers, body, now })).toEqual({ id: 'msg_1', type: 'x', timestamp: 't', data: { test: 1 } });
    }
  });

  it('returns the typed event with its delivery id, from a string or bytes', () => {
    const { secret, headers, body } = signed();
    expect(verifyWebhook({ secret, headers, body })).toEqual({ ...event, id: 'msg_1' });
    expect(verifyWebhook({ secret, headers, body: new TextEncoder().encode(body) })).toEqual({ ...event, id: 'msg_1' });
  });

  it('accepts any one matching signature of several (while a secret is rotated)', () => {
    const { secret, headers, body } = signed();
    const other = signWebhook({ secret: generateWebhookSecret(), id: 'msg_1', timestamp: Number(headers['webhook-timestamp']), body });
    expect(verifyWebhook({ secret, headers: { ...headers, 'webhook-signature': `${other} ${headers['webhook-signature']}` }, body }).id).toBe('msg_1');
  });

  it('refuses a wrong secret, a changed body or id, an old or future timestamp, missing headers and non-events', () => {
    const { secret, headers, body } = signed();
    expect(failure(() => verifyWebhook({ secret: generateWebhookSecret(), headers, body }))).toBe('BAD_SIGNATURE');
    expect(failure(() => verifyWebhook({ secret, headers, body: body.replace('VIP', 'VIP ') }))).toBe('BAD_SIGNATURE');
    expect(failure(() => verifyWebhook({ secret, headers: { ...headers, 'webhook-id': 'msg_2' }, body }))).toBe('BAD_SIGNATURE');
    expect(failure(() => verifyWebhook({ secret, headers: { ...headers, 'webhook-signature': 'v2,abc' }, body }))).toBe('BAD_SIGNATURE');
    expect(failure(() => verifyWebhook({ secret, headers, body, now: new Date(Date.now() + 301_000) }))).toBe('BAD_TIMESTAMP');
    expect(failure(() => verifyWebhook({ secret, headers, body, now: new Date(Date.now() - 301_000) }))).toBe('BAD_TIMESTAMP');
    expect(failure(() => verifyWebhook({ secret, headers, body, now: new Date(Date.now() + 3_000_000), toleranceSeconds: 3_600 }))).toBeNull();
    expect(failure(() => verifyWebhook({ secret, headers: { ...headers, 'webhook-timestamp': '12e9' }, body }))).toBe('BAD_TIMESTAMP');
    expect(failure(() => verifyWebhook({ secret, headers: { 'webhook-id': 'msg_1' }, body }))).toBe('MISSING_HEADERS');
    const notEvent = signed('[1,2,3]');
    expect(failure(() => verifyWebhook(notEvent))).toBe('BAD_PAYLOAD');
    expect(failure(() => verifyWebhook(signed('not json')))).toBe('BAD_PAYLOAD');
  });
});
