import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DeskqlEvents, EventName } from './events.js';

/**
 * Webhooks follow the Standard Webhooks scheme (https://www.standardwebhooks.com),
 * so receivers in any language can use its libraries: the body is
 * `{ type, timestamp, data }`, the headers carry the delivery's id, a Unix
 * timestamp and `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed
 * with the base64 part of the `whsec_` secret.
 */
export const webhookHeaders = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** A delivery's body: one event of the typed map. Narrow it with `switch (event.type)`. */
export type WebhookEvent<K extends EventName = EventName> = {
  [E in K]: {
    type: E;
    /** When the event happened, ISO 8601. */
    timestamp: string;
    data: DeskqlEvents[E];
  };
}[K];

/** A verified delivery: the event plus the delivery id (the same on every retry; use it to drop duplicates). */
export type VerifiedWebhook<K extends EventName = EventName> = WebhookEvent<K> & { id: string };

export type WebhookVerificationErrorCode = 'MISSING_HEADERS' | 'BAD_TIMESTAMP' | 'BAD_SIGNATURE' | 'BAD_PAYLOAD';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookVerificationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A new signing secret: `whsec_` and 24 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** The `webhook-signature` value for a body: `v1,<base64 HMAC-SHA256>`. */
export function signWebhook(input: { secret: string; id: string; timestamp: number; body: string }): string {
  const mac = createHmac('sha256', secretKey(input.secret)).update(`${input.id}.${input.timestamp}.${input.body}`).digest('base64');
  return `v1,${mac}`;
}

/** Request headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

export interface VerifyWebhookOptions {
  /** The webhook's secret, as `createWebhook` returned it (`whsec_…`). */
  secret: string;
  headers: HeadersLike;
  /** The raw request body, exactly as received: parsing and re-serialising it breaks the signature. */
  body: string | Uint8Array;
  /** How far the timestamp may be from now, against replays. @default 300 */
  toleranceSeconds?: number;
  /** @default the current time */
  now?: Date;
}

/**
 * Checks a delivery's signature and timestamp and returns its typed event.
 * Throws {@link WebhookVerificationError} when the headers are missing, the
 * timestamp is outside the tolerance, no signature matches, or the body is not
 * an event.
 */
export function verifyWebhook(options: VerifyWebhookOptions): VerifiedWebhook {
  const id = header(options.headers, webhookHeaders.id);
  const timestamp = header(options.headers, webhookHeaders.timestamp);
  const signatures = header(options.headers, webhookHeaders.signature);
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError('MISSING_HEADERS', 'The webhook-id, webhook-timestamp and webhook-signature headers are required.');
  }
  const seconds = Number(timestamp);
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('BAD_TIMESTAMP', 'The webhook timestamp is missing or too far from now.');
  }
  const body = typeof options.body === 'string' ? options.body : Buffer.from(options.body).toString('utf8');
  const expected = Buffer.from(signWebhook({ secret: options.secret, id, timestamp: seconds, body }).slice(3), 'base64');
  const matches = signatures.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('BAD_SIGNATURE', 'No webhook signature matches the secret.');
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new WebhookVerificationError('BAD_PAYLOAD', 'The webhook body is not JSON.');
  }
  const shape = event as { type?: unknown; timestamp?: unknown; data?: unknown };
  if (typeof shape?.type !== 'string' || typeof shape.timestamp !== 'string' || typeof shape.data !== 'object' || !shape.data) {
    throw new WebhookVerificationError('BAD_PAYLOAD', 'The webhook body is not a { type, timestamp, data } event.');
  }
  return { ...(event as WebhookEvent), id };
}
