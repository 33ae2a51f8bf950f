import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { DeskqlEvents, EventName } from '@deskql/sdk';
import { signWebhook, webhookHeaders } from '@deskql/sdk/webhooks';
import { createSerialRunner } from '../background/serial-runner.js';
import type { Deps } from '../domain/shared/deps.js';
import { eventsOf, queueWebhookDeliveries, type WebhookNotifier } from '../domain/webhooks/webhooks.js';
import type { HostLogger } from '../plugin-host/host.js';

export interface WebhookDispatcherOptions {
  /**
   * The wait before each retry: after the first failed attempt the first
   * delay, and so on; a delivery gets `retryDelaysMs.length + 1` attempts.
   * @default the Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
   */
  retryDelaysMs?: readonly number[];
  /** How long an endpoint may take to answer. @default 10000 */
  requestTimeoutMs?: number;
  /**
   * Allow endpoints on loopback, private and link-local addresses. Off by
   * default, so a workspace admin cannot make the server call into its own
   * network; tests and single-tenant installs turn it on. @default false
   */
  allowPrivateNetworks?: boolean;
  /** Deliveries sent at once. @default 8 */
  concurrency?: number;
  /** How long a dispatcher owns a delivery it is sending; another instance may take it over after. @default 60000 */
  leaseMs?: number;
  /** Finished deliveries (and their attempts) are deleted after this many days. @default 30 */
  retentionDays?: number;
  /** @default console */
  logger?: HostLogger;
}

export interface WebhookDispatcher extends WebhookNotifier {
  /** Sends every delivery that is due now; resolves when none is left. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

const defaultRetryDelays = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
const CACHE_MS = 5_000;
const REFRESH_MS = 60_000;
const RESPONSE_KEPT = 1_024;

const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) privateRanges.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv6');
}

/** Loopback, private, link-local, multicast or reserved: not somewhere a webhook may point by default. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return privateRanges.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  return family === 4 ? privateRanges.check(address, 'ipv4') : family === 6 ? privateRanges.check(address, 'ipv6') : true;
}

/** A DNS lookup that refuses private addresses, checked on the addresses actually connected to (no rebinding). */
const publicOnlyLookup = ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
  dnsLookup(hostname, options as never, (error, address: string | LookupAddress[], family?: number) => {
    if (error) return callback(error);
    const all = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
    const blocked = all.find((a) => isPrivateAddress(a.address));
    if (blocked) return callback(new Error(`${hostname} resolves to ${blocked.address}, a private address`));
    callback(null, address, family);
  });
}) as RequestOptions['lookup'];

interface Answer {
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

function post(url: string, headers: Record<string, string>, body: string, options: { timeoutMs: number; allowPrivate: boolean; signal: AbortSignal }) {
  return new Promise<Answer>((resolve) => {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) {
      return resolve({ statusCode: null, error: `${host} is a private address`, responseBody: null });
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: options.timeoutMs,
        signal: options.signal,
        ...(!options.allowPrivate && { lookup: publicOnlyLookup }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_KEPT) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({
            statusCode: status,
            error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
            responseBody: Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_KEPT),
          });
        });
        res.on('error', (error) => resolve({ statusCode: res.statusCode ?? null, error: error.message, responseBody: null }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => resolve({ statusCode: null, error: error.message, responseBody: null }));
    req.end(body);
  });
}

/**
 * Webhook deliveries: each event of a workspace becomes one row per webhook
 * that asked for it (durable), and this loop sends the due rows, signed, with
 * retries and back-off. It claims rows with a lease so several server
 * instances can run it, and sleeps until the next retry is due. Deliveries may
 * arrive out of order; each carries its event's timestamp.
 */
export async function startWebhookDispatcher(deps: Deps, options: WebhookDispatcherOptions = {}): Promise<WebhookDispatcher> {
  const delays = options.retryDelaysMs ?? defaultRetryDelays;
  const maxAttempts = delays.length + 1;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? 60_000;
  const retentionMs = (options.retentionDays ?? 30) * 86_400_000;
  const logger = options.logger ?? console;
  const allowPrivate = options.allowPrivateNetworks ?? false;
  const abort = new AbortController();
  let stopped = false;

  // Which workspaces have which webhooks, briefly cached: every event asks.
  type Hook = { id: string; workspaceId: string; events: EventName[] };
  const cache = new Map<string, { expires: number; hooks: Promise<Hook[]> }>();
  const hooksOf = (workspaceId: string) => {
    const cached = cache.get(workspaceId);
    if (cached && cached.expires > Date.now()) return cached.hooks;
    const hooks = deps.db.webhook
      .findMany({ where: { workspaceId, active: true }, select: { id: true, workspaceId: true, events: true } })
      .then((rows) => rows.map((row) => ({ ...row, events: eventsOf(row) })));
    hooks.catch(() => cache.delete(workspaceId));
    cache.set(workspaceId, { expires: Date.now() + CACHE_MS, hooks });
    return hooks;
  };

  async function queue<K extends EventName>(event: K, payload: DeskqlEvents[K], occurredAt: Date) {
    const hooks = (await hooksOf(payload.workspaceId)).filter((hook) => hook.events.includes(event));
    if ((await queueWebhookDeliveries(deps, hooks, event, payload, occurredAt)) > 0) void runOnce();
  }

  // The bus is listened to only for events some active webhook wants, so a server without webhooks pays nothing.
  const listening = new Map<EventName, () => void>();
  async function listen() {
    if (stopped) return;
    const rows = await deps.db.webhook.findMany({ where: { active: true }, select: { events: true } });
    const wanted = new Set(rows.flatMap(eventsOf));
    for (const [event, stop] of listening) {
      if (!wanted.has(event)) {
        stop();
        listening.delete(event);
      }
    }
    for (const event of wanted) {
      if (listening.has(event)) continue;
      listening.set(
        event,
        deps.events.on(event, (payload) => {
          if (stopped) return;
          queue(event, payload, new Date()).catch((error) => logger.error(`webhooks: could not queue ${event}: ${(error as Error).message}`));
        }),
      );
    }
  }
  const relisten = () => void listen().catch((error) => logger.error(`webhooks: ${(error as Error).message}`));

  async function attempt(id: string) {
    const now = new Date();
    const claimed = await deps.db.webhookDelivery.updateMany({
      where: { id, status: 'PENDING', OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
      data: { leaseUntil: new Date(now.getTime() + leaseMs) },
    });
    if (claimed.count === 0) return;
    const delivery = await deps.db.webhookDelivery.findUniqueOrThrow({ where: { id }, include: { webhook: true } });
    const number = delivery.attemptCount + 1;
    if (!delivery.webhook.active) {
      await deps.db.webhookDelivery.update({
        where: { id },
        data: { status: 'FAILED', leaseUntil: null, nextAttemptAt: null, completedAt: now, lastError: 'The webhook was deactivated.' },
      });
      return;
    }
    const body = JSON.stringify({ type: delivery.event, timestamp: delivery.occurredAt.toISOString(), data: delivery.payload });
    const timestamp = Math.floor(Date.now() / 1000);
    const started = Date.now();
    const answer = await post(
      delivery.webhook.url,
      {
        'content-type': 'application/json',
        'user-agent': 'DeskQL-Webhooks/1',
        [webhookHeaders.id]: delivery.id,
        [webhookHeaders.timestamp]: String(timestamp),
        [webhookHeaders.signature]: signWebhook({ secret: delivery.webhook.secret, id: delivery.id, timestamp, body }),
      },
      body,
      { timeoutMs, allowPrivate, signal: abort.signal },
    );
    if (stopped && answer.error && abort.signal.aborted) {
      // Cut short by shutdown: not the endpoint's failure; the next start sends it again.
      await deps.db.webhookDelivery.update({ where: { id }, data: { leaseUntil: null } }).catch(() => {});
      return;
    }
    const succeeded = answer.error === null;
    // 410 Gone: the receiver says the endpoint is gone for good, so retrying is pointless.
    const final = succeeded || answer.statusCode === 410 || number >= maxAttempts;
    await deps.db.$transaction([
      deps.db.webhookAttempt.create({
        data: {
          deliveryId: id,
          number,
          startedAt: new Date(started),
          durationMs: Date.now() - started,
          statusCode: answer.statusCode,
          error: answer.error?.slice(0, 500) ?? null,
          responseBody: answer.responseBody,
        },
      }),
      deps.db.webhookDelivery.update({
        where: { id },
        data: {
          attemptCount: number,
          leaseUntil: null,
          status: succeeded ? 'SUCCEEDED' : final ? 'FAILED' : 'PENDING',
          lastError: answer.error?.slice(0, 500) ?? null,
          nextAttemptAt: final ? null : new Date(Date.now() + (delays[number - 1] ?? delays.at(-1) ?? 0)),
          completedAt: final ? new Date() : null,
        },
      }),
    ]);
    if (!succeeded) logger.warn(`webhooks: delivery ${id} (${delivery.event}) to ${delivery.webhook.url}, attempt ${number}: ${answer.error}${final ? '; giving up' : ''}`);
  }

  async function drain() {
    for (;;) {
      if (stopped) return;
      const now = new Date();
      const due = await deps.db.webhookDelivery.findMany({
        where: { status: 'PENDING', nextAttemptAt: { lte: now }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
        orderBy: { nextAttemptAt: 'asc' },
        select: { id: true },
        take: concurrency * 4,
      });
      if (due.length === 0) return;
      const ids = due.map((d) => d.id);
      await Promise.all(
        Array.from({ length: Math.min(concurrency, ids.length) }, async () => {
          for (let id = ids.shift(); id !== undefined && !stopped; id = ids.shift()) {
            await attempt(id).catch((error) => logger.error(`webhooks: delivery ${id}: ${(error as Error).message}`));
          }
        }),
      );
    }
  }

  // One drain at a time (createSerialRunner); between drains, sleep until the next retry is due.
  let timer: NodeJS.Timeout | null = null;
  let lastCleanup = 0;
  async function scheduleNext() {
    if (stopped) return;
    if (Date.now() - lastCleanup > 3_600_000) {
      lastCleanup = Date.now();
      await deps.db.webhookDelivery.deleteMany({ where: { status: { not: 'PENDING' }, completedAt: { lt: new Date(Date.now() - retentionMs) } } });
    }
    const next = await deps.db.webhookDelivery.findFirst({
      where: { status: 'PENDING' },
      orderBy: { nextAttemptAt: 'asc' },
      select: { nextAttemptAt: true, leaseUntil: true },
    });
    const at = next ? Math.max(next.nextAttemptAt?.getTime() ?? 0, next.leaseUntil?.getTime() ?? 0) : Infinity;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void runOnce(), Math.max(10, Math.min(at - Date.now(), REFRESH_MS)));
    timer.unref();
  }
  const runner = createSerialRunner(
    () => drain().then(scheduleNext),
    (error) => logger.error(`webhooks: ${(error as Error).message}`),
  );
  const runOnce = () => runner.run();

  await listen();
  const refresher = setInterval(relisten, REFRESH_MS);
  refresher.unref();
  // Deliveries left pending by the last run are due: the timer sends them. The start waits only for
  // this query, so a dead endpoint cannot delay it, and an idle server makes no query while it serves.
  await scheduleNext();

  return {
    async webhooksChanged(workspaceId) {
      cache.delete(workspaceId);
      await listen();
    },
    async runOnce() {
      await runner.run();
      await runner.idle();
    },
    async stop() {
      stopped = true;
      clearInterval(refresher);
      if (timer) clearTimeout(timer);
      for (const stop of listening.values()) stop();
      listening.clear();
      abort.abort();
      await runner.stop();
    },
  };
}
