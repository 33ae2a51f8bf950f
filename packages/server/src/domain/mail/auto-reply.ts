import { randomUUID } from 'node:crypto';
import type { Tx } from '../shared/deps.js';
import type { PendingEvents } from '../shared/pending-events.js';
import { addDeliveryEvent } from './outbox.js';
import type { EmailAddress } from './inbound-email.js';

/** Replaces {{contact.name}}, {{caseNumber}} and {{inbox.name}}; unknown placeholders stay as written. */
export function fillPlaceholders(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/**
 * Queues the inbox's auto-reply to a customer whose mail opened a
 * conversation, unless the contact already got one within the inbox's
 * interval (so two auto-responders cannot loop). The caller has already ruled
 * out automatic mail and spam.
 */
export async function queueAutoReply(
  tx: Tx,
  events: PendingEvents,
  input: {
    conversation: { id: string; workspaceId: string; inboxId: string; number: number; subject: string };
    contactId: string;
    to: EmailAddress;
    inReplyTo: string | null;
    now: Date;
  },
) {
  const { conversation, now } = input;
  const inbox = await tx.inbox.findUniqueOrThrow({
    where: { id: conversation.inboxId },
    include: { addresses: { orderBy: { createdAt: 'asc' }, take: 1 } },
  });
  if (!inbox.autoReplyEnabled || !inbox.autoReplyText.trim()) return;
  const since = new Date(now.getTime() - inbox.autoReplyIntervalMinutes * 60_000);
  const recent = await tx.message.findFirst({
    where: { autoReply: true, createdAt: { gte: since }, conversation: { contactId: input.contactId } },
    select: { id: true },
  });
  if (recent) return;
  const contact = await tx.contact.findUniqueOrThrow({ where: { id: input.contactId }, select: { name: true } });
  const caseNumber = `${inbox.casePrefix}-${conversation.number}`;
  const values = {
    'contact.name': contact.name || input.to.name || input.to.address,
    caseNumber,
    'inbox.name': inbox.name,
  };
  const fromAddress = inbox.addresses[0]?.address ?? null;
  const subject = inbox.autoReplySubject.trim()
    ? fillPlaceholders(inbox.autoReplySubject, values)
    : `Re: ${conversation.subject}`;
  const message = await tx.message.create({
    data: {
      workspaceId: conversation.workspaceId,
      conversationId: conversation.id,
      direction: 'OUTBOUND',
      kind: 'EMAIL',
      autoReply: true,
      fromAddress,
      fromName: inbox.senderName,
      to: [{ address: input.to.address, name: input.to.name }],
      subject: subject.includes(`[#${caseNumber}]`) ? subject : `${subject} [#${caseNumber}]`,
      text: fillPlaceholders(inbox.autoReplyText, values),
      messageId: `${randomUUID()}@${fromAddress?.split('@')[1] ?? 'deskql.invalid'}`,
      inReplyTo: input.inReplyTo,
      references: input.inReplyTo ? [input.inReplyTo] : [],
      deliveryState: 'QUEUED',
      createdAt: now,
    },
  });
  const event = {
    workspaceId: conversation.workspaceId,
    conversationId: conversation.id,
    inboxId: conversation.inboxId,
    actor: { type: 'system' } as const,
    messageId: message.id,
  };
  events.add('message.created', { ...event, direction: 'OUTBOUND', kind: 'EMAIL' });
  addDeliveryEvent(events, { kind: 'system', workspaceId: conversation.workspaceId }, { ...message, conversation }, 'QUEUED');
}
