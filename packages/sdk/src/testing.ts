import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventName } from './events.js';
import { verifyWebhook, type VerifiedWebhook } from './webhooks.js';

/** One request the receiver got, verified or not. */
export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The verified event, or null when verification failed (see `error`). */
  event: VerifiedWebhook | null;
  error: Error | null;
  /** The HTTP status the receiver answered with. */
  status: number;
}

export interface WebhookReceiver {
  /** Where to point a webhook: http://127.0.0.1:<port>/hook. */
  url: string;
  /** Every request so far, oldest first. */
  requests: ReceivedRequest[];
  /** Verified events answered with a 2xx, oldest first, each delivery id once. */
  events: VerifiedWebhook[];
  /**
   * Resolves with the first accepted event of that type (already received or
   * still to come) that `where` accepts; rejects after `timeoutMs` (default 5000).
   */
  next<K extends EventName>(type: K, where?: (event: VerifiedWebhook<K>) => boolean, timeoutMs?: number): Promise<VerifiedWebhook<K>>;
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  /** The webhook's secret; every request is verified with it (failures answer 401). */
  secret: string | (() => string);
  /**
   * The status to answer a verified delivery with, by its attempt number for
   * that delivery id (1 for the first), to make the sender retry.
   * @default 200
   */
  respond?: (attempt: number, event: VerifiedWebhook) => number;
}

/**
 * A real HTTP server on loopback that receives webhook deliveries, verifies
 * their signatures with `verifyWebhook`, and records them: for tests of
 * webhooks and of out-of-process plugins.
 */
export async function createWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const events: VerifiedWebhook[] = [];
  const attempts = new Map<string, number>();
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const secret = typeof options.secret === 'function' ? options.secret() : options.secret;
      let event: VerifiedWebhook | null = null;
      let error: Error | null = null;
      let status = 401;
      try {
        event = verifyWebhook({ secret, headers: req.headers, body });
        const attempt = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, attempt);
        status = options.respond?.(attempt, event) ?? 200;
        if (status >= 200 && status < 300 && !events.some((e) => e.id === event!.id)) events.push(event);
      } catch (caught) {
        error = caught as Error;
      }
      requests.push({ headers: req.headers, body, event, error, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    events,
    next(type, where, timeoutMs = 5_000) {
      const find = () =>
        events.find((e) => e.type === type && (!where || where(e as VerifiedWebhook<typeof type>))) as
          | VerifiedWebhook<typeof type>
          | undefined;
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = find();
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`No ${type} webhook within ${timeoutMs} ms (got ${events.map((e) => e.type).join(', ') || 'none'}).`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
