import type { Transporter } from 'nodemailer';
import type { Deps } from '../domain/shared/deps.js';
import { addDeliveryEvent } from '../domain/mail/outbox.js';
import { PendingEvents } from '../domain/shared/pending-events.js';
import { createSerialRunner } from '../background/serial-runner.js';

export interface OutboxOptions {
  /** The SMTP relay (nodemailer transport). */
  transport: Transporter;
  /** How often to look for scheduled emails and due retries. @default 5000 */
  pollIntervalMs?: number;
  /** Attempts before an email is marked FAILED. @default 8 */
  maxAttempts?: number;
  /** Delay before retry n (1-based). @default 30 s doubling, at most 1 h */
  retryDelayMs?: (attempt: number) => number;
  /** How long a worker owns an email it is sending; another instance may take it over after. @default 120000 */
  leaseMs?: number;
  log?: (message: string) => void;
}

export interface Outbox {
  /** Sends every email that is due now. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

const system = (workspaceId: string) => ({ kind: 'system' as const, workspaceId });
const bracket = (id: string) => `<${id}>`;
type Address = { address: string; name: string | null };
const addresses = (value: unknown) =>
  (Array.isArray(value) ? (value as Address[]) : []).map((a) => (a.name ? { name: a.name, address: a.address } : a.address));

/**
 * The outbox: outbound emails are rows in the Message table (durable by
 * construction); this loop claims due ones with a lease, so several server
 * instances can run it, and sends them through the relay with retries.
 * 5xx answers fail at once; everything else is retried with back-off.
 */
export function startOutbox(deps: Deps, options: OutboxOptions): Outbox {
  const maxAttempts = options.maxAttempts ?? 8;
  const retryDelay = options.retryDelayMs ?? ((n: number) => Math.min(30_000 * 2 ** (n - 1), 3_600_000));
  const leaseMs = options.leaseMs ?? 120_000;
  const log = options.log ?? ((m: string) => console.warn(m));
  let stopped = false;

  async function sendOne(id: string): Promise<void> {
    const now = new Date();
    const claimed = await deps.db.message.updateMany({
      where: {
        id,
        deliveryState: 'QUEUED',
        OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }],
      },
      data: { leaseUntil: new Date(now.getTime() + leaseMs) },
    });
    if (claimed.count === 0) return;
    const message = await deps.db.message.findUniqueOrThrow({
      where: { id },
      include: { conversation: { select: { inboxId: true } } },
    });
    const events = new PendingEvents();
    const caller = system(message.workspaceId);
    try {
      await options.transport.sendMail({
        from: message.fromAddress ? { name: message.fromName ?? '', address: message.fromAddress } : undefined,
        to: addresses(message.to),
        cc: addresses(message.cc),
        subject: message.subject ?? '',
        text: message.text ?? '',
        html: message.html ?? undefined,
        messageId: message.messageId ? bracket(message.messageId) : undefined,
        inReplyTo: message.inReplyTo ? bracket(message.inReplyTo) : undefined,
        references: Array.isArray(message.references) ? (message.references as string[]).map(bracket) : undefined,
        headers: message.autoReply ? { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } : undefined,
      });
      await deps.db.message.update({
        where: { id },
        data: { deliveryState: 'SENT', sentAt: new Date(), leaseUntil: null, deliveryAttempts: { increment: 1 }, lastDeliveryError: null },
      });
      addDeliveryEvent(events, caller, message, 'SENT');
      events.add('message.sent', {
        workspaceId: message.workspaceId,
        conversationId: message.conversationId,
        inboxId: message.conversation.inboxId,
        actor: { type: 'system' },
        messageId: id,
      });
    } catch (error) {
      const attempts = message.deliveryAttempts + 1;
      const responseCode = (error as { responseCode?: number }).responseCode;
      const reason = (error as Error).message.slice(0, 500);
      const permanent = typeof responseCode === 'number' && responseCode >= 500;
      if (permanent || attempts >= maxAttempts) {
        await deps.db.message.update({
          where: { id },
          data: { deliveryState: 'FAILED', leaseUntil: null, deliveryAttempts: attempts, lastDeliveryError: reason, nextAttemptAt: null },
        });
        addDeliveryEvent(events, caller, message, 'FAILED', reason);
        events.add('message.failed', {
          workspaceId: message.workspaceId,
          conversationId: message.conversationId,
          inboxId: message.conversation.inboxId,
          actor: { type: 'system' },
          messageId: id,
          error: reason,
        });
      } else {
        await deps.db.message.update({
          where: { id },
          data: {
            leaseUntil: null,
            deliveryAttempts: attempts,
            lastDeliveryError: reason,
            nextAttemptAt: new Date(Date.now() + retryDelay(attempts)),
          },
        });
        addDeliveryEvent(events, caller, message, 'QUEUED', reason);
        log(`outbox: ${id} attempt ${attempts} failed, retrying: ${reason}`);
      }
    }
    events.publish(deps.events);
  }

  async function drain(): Promise<void> {
    for (;;) {
      const now = new Date();
      const due = await deps.db.message.findMany({
        where: {
          deliveryState: 'QUEUED',
          AND: [
            { OR: [{ sendAt: null }, { sendAt: { lte: now } }] },
            { OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] },
            { OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
          ],
        },
        orderBy: { createdAt: 'asc' },
        select: { id: true },
        take: 20,
      });
      if (due.length === 0 || stopped) return;
      for (const { id } of due) await sendOne(id);
    }
  }

  const runner = createSerialRunner(drain, (error) => log(`outbox: ${(error as Error).message}`));
  const timer = setInterval(() => void runner.run(), options.pollIntervalMs ?? 5_000);
  timer.unref();
  const unsubscribe = deps.events.on('message.deliveryChanged', (event) => {
    if (event.state === 'QUEUED' && !event.error) void runner.run();
  });
  void runner.run();

  return {
    async runOnce() {
      await runner.run();
      await runner.idle();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await runner.stop();
    },
  };
}
