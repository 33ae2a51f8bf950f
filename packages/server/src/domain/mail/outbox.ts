import { actorOf, type Caller, type Deps, type Tx } from '../shared/deps.js';
import { DomainError, notFound } from '../shared/errors.js';
import { transact, type PendingEvents } from '../shared/pending-events.js';

export type DeliveryState = 'QUEUED' | 'HELD' | 'SENT' | 'FAILED' | 'CANCELLED';

interface OutboundRow {
  id: string;
  workspaceId: string;
  conversationId: string;
  conversation: { inboxId: string };
}

export function addDeliveryEvent(
  events: PendingEvents,
  caller: Caller,
  message: OutboundRow,
  state: DeliveryState,
  error: string | null = null,
) {
  events.add('message.deliveryChanged', {
    workspaceId: message.workspaceId,
    conversationId: message.conversationId,
    inboxId: message.conversation.inboxId,
    actor: actorOf(caller),
    messageId: message.id,
    state,
    error,
  });
}

async function findOutbound(tx: Tx, caller: Caller, messageId: string) {
  const message = await tx.message.findFirst({
    where: { id: messageId, workspaceId: caller.workspaceId, kind: 'EMAIL', direction: 'OUTBOUND' },
    include: { conversation: { select: { inboxId: true } } },
  });
  if (!message || !message.deliveryState) throw notFound('Outbound email', messageId);
  return message;
}

/** Cancels an email that has not left yet (queued, scheduled or held). */
export async function cancelOutboundMessage(deps: Deps, caller: Caller, messageId: string) {
  return transact(deps, async (tx, events) => {
    const message = await findOutbound(tx, caller, messageId);
    if (message.deliveryState === 'CANCELLED') return message;
    if (message.deliveryState !== 'QUEUED' && message.deliveryState !== 'HELD') {
      throw new DomainError('CONFLICT', `The email is already ${message.deliveryState!.toLowerCase()}.`, 'messageId');
    }
    const { count } = await tx.message.updateMany({
      where: { id: message.id, deliveryState: { in: ['QUEUED', 'HELD'] }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date() } }] },
      data: { deliveryState: 'CANCELLED', nextAttemptAt: null },
    });
    if (count === 0) throw new DomainError('CONFLICT', 'The email is being sent right now.', 'messageId');
    addDeliveryEvent(events, caller, message, 'CANCELLED');
    return tx.message.findUniqueOrThrow({ where: { id: message.id } });
  });
}

/** Releases a held (or reschedules a queued) email: it leaves at `sendAt`, or now. */
export async function releaseOutboundMessage(deps: Deps, caller: Caller, input: { messageId: string; sendAt?: Date | null }) {
  return transact(deps, async (tx, events) => {
    const message = await findOutbound(tx, caller, input.messageId);
    if (message.deliveryState !== 'HELD' && message.deliveryState !== 'QUEUED') {
      throw new DomainError('CONFLICT', `The email is already ${message.deliveryState!.toLowerCase()}.`, 'messageId');
    }
    const updated = await tx.message.update({
      where: { id: message.id },
      data: { deliveryState: 'QUEUED', sendAt: input.sendAt ?? null, nextAttemptAt: null },
    });
    addDeliveryEvent(events, caller, message, 'QUEUED');
    return updated;
  });
}

/**
 * The customer wrote again: scheduled emails of the conversation that have not
 * left yet are held back, so an agent can check they still make sense.
 */
export async function holdScheduledReplies(
  tx: Tx,
  events: PendingEvents,
  caller: Caller,
  conversation: { id: string; workspaceId: string; inboxId: string },
  now: Date,
) {
  const scheduled = await tx.message.findMany({
    where: { conversationId: conversation.id, deliveryState: 'QUEUED', sendAt: { gt: now } },
    select: { id: true },
  });
  if (scheduled.length === 0) return;
  await tx.message.updateMany({
    where: { id: { in: scheduled.map((m) => m.id) }, deliveryState: 'QUEUED' },
    data: { deliveryState: 'HELD' },
  });
  for (const { id } of scheduled) {
    const row = { id, workspaceId: conversation.workspaceId, conversationId: conversation.id, conversation };
    addDeliveryEvent(events, caller, row, 'HELD');
    events.add('message.held', {
      workspaceId: conversation.workspaceId,
      conversationId: conversation.id,
      inboxId: conversation.inboxId,
      actor: actorOf(caller),
      messageId: id,
    });
  }
}
