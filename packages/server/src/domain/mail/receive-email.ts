import type { Actor } from '@deskql/sdk/events';
import type { Caller, Deps, Tx } from '../shared/deps.js';
import { DomainError, isUniqueViolation } from '../shared/errors.js';
import { PendingEvents } from '../shared/pending-events.js';
import { findOrCreateContactByAddress } from '../contacts/contacts.js';
import { applyStatus, claimConversationNumber } from '../conversations/conversations.js';
import { statusAfterMessage } from '../conversations/status.js';
import { recordSystemMessage } from '../conversations/timeline.js';
import { sha256, type InboundEmail } from './inbound-email.js';
import { holdScheduledReplies } from './outbox.js';
import { queueAutoReply } from './auto-reply.js';
import { scoreMail, spamFeatures, type SpamScore } from '../spam/spam-filter.js';

/** What happened to an inbound email in one inbox. */
export interface Delivery {
  inboxId: string;
  conversationId: string;
  messageId: string;
  /** The same mail had already been stored in this inbox; nothing new was written. */
  duplicate: boolean;
  /** The mail opened a new conversation. */
  openedConversation: boolean;
}

const UNKNOWN_SENDER = 'unknown-sender@invalid';
const caseNumberPattern = /\[#([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,9})\]/;

/**
 * Stores an inbound email in every inbox of the caller's workspace it was
 * addressed to (by envelope recipient). Per inbox it threads the mail into an
 * existing conversation by In-Reply-To/References, else by a case number in
 * the subject when the sender already takes part in that conversation, else
 * opens a new conversation. The same Message-ID into the same inbox is stored
 * once, however often it is delivered.
 */
export async function receiveEmail(
  deps: Deps,
  caller: Caller,
  input: { email: InboundEmail; recipients: string[] },
): Promise<{ deliveries: Delivery[]; unknownRecipients: string[] }> {
  const recipients = [...new Set(input.recipients.map((r) => r.trim().toLowerCase()))];
  const routes = await deps.db.inboxAddress.findMany({
    where: { workspaceId: caller.workspaceId, address: { in: recipients } },
  });
  const known = new Set(routes.map((r) => r.address));
  const unknownRecipients = recipients.filter((r) => !known.has(r));
  const inboxIds = [...new Set(routes.map((r) => r.inboxId))];
  if (inboxIds.length === 0) {
    throw new DomainError('NOT_FOUND', `No inbox receives mail for ${recipients.join(', ') || 'these recipients'}.`, 'recipients');
  }
  // Scoring only reads, so it runs once per mail and outside the write transactions.
  const score = await scoreMail(deps.db, caller.workspaceId, spamFeatures(input.email));
  const deliveries: Delivery[] = [];
  for (const inboxId of inboxIds) deliveries.push(await deliverToInbox(deps, caller.workspaceId, inboxId, input.email, score));
  return { deliveries, unknownRecipients };
}

async function deliverToInbox(
  deps: Deps,
  workspaceId: string,
  inboxId: string,
  email: InboundEmail,
  score: SpamScore,
): Promise<Delivery> {
  const deliveryKey = `${inboxId}:${email.messageId ?? `sha256:${sha256(email.raw ?? JSON.stringify(email))}`}`;
  // Two deliveries of one message, or two first messages of one new sender,
  // can race on PostgreSQL; the unique constraints decide and the loser retries.
  for (let attempt = 0; ; attempt++) {
    const existing = await deps.db.message.findUnique({ where: { deliveryKey } });
    if (existing) {
      return { inboxId, conversationId: existing.conversationId, messageId: existing.id, duplicate: true, openedConversation: false };
    }
    const events = new PendingEvents();
    try {
      const delivery = await deps.db.$transaction((tx) => storeInbound(tx, events, workspaceId, inboxId, email, deliveryKey, score), {
        timeout: 20_000,
        maxWait: 20_000,
      });
      events.publish(deps.events);
      return delivery;
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 2) throw error;
    }
  }
}

async function storeInbound(
  tx: Tx,
  events: PendingEvents,
  workspaceId: string,
  inboxId: string,
  email: InboundEmail,
  deliveryKey: string,
  score: SpamScore,
): Promise<Delivery> {
  const system = { kind: 'system', workspaceId } as const;
  const senderAddress = email.from?.address ?? UNKNOWN_SENDER;
  const { contact, created: contactCreated } = await findOrCreateContactByAddress(
    tx,
    workspaceId,
    senderAddress,
    email.from?.name ?? '',
  );
  const customer: Actor = { type: 'customer', contactId: contact.id };

  let conversation = contact.blocked ? null : await findThread(tx, workspaceId, email);
  let linkedTo: { id: string; number: number } | null = null;
  if (!conversation && !contact.blocked) {
    const byCase = await findByCaseNumber(tx, workspaceId, email.subject);
    if (byCase && (await isParticipant(tx, byCase, senderAddress))) conversation = byCase;
    else if (byCase) linkedTo = byCase;
  }

  // Someone we already correspond with is never sent to Spam by the filter alone:
  // a lost customer mail costs far more than a missed spam.
  const filterSaysSpam =
    score.verdict === 'spam' &&
    (contactCreated || (await tx.conversation.count({ where: { contactId: contact.id, spam: false } })) === 0);
  const now = new Date();
  let openedConversation = false;
  if (!conversation) {
    const subject = email.subject || '(no subject)';
    conversation = await tx.conversation.create({
      data: {
        workspaceId,
        number: await claimConversationNumber(tx, workspaceId),
        inboxId,
        contactId: contact.id,
        subject,
        subjectKey: subject.toLowerCase(),
        // Spam is kept, but in the Spam view, never in an inbox: mail from a blocked
        // contact, and new mail the filter is sure about. Replies in a conversation
        // the customer already has are never moved there by the filter.
        spam: contact.blocked || filterSaysSpam,
        spamReason: contact.blocked ? 'BLOCKED' : filterSaysSpam ? 'FILTER' : null,
        spamMarkedAt: contact.blocked || filterSaysSpam ? now : null,
        linkedToId: linkedTo?.id ?? null,
        lastMessageAt: now,
        createdAt: now,
      },
    });
    openedConversation = true;
  }

  const message = await tx.message.create({
    data: {
      workspaceId,
      conversationId: conversation.id,
      direction: 'INBOUND',
      kind: 'EMAIL',
      fromAddress: email.from?.address ?? null,
      fromName: email.from?.name ?? null,
      to: email.to.map((a) => ({ ...a })),
      cc: email.cc.map((a) => ({ ...a })),
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: email.messageId,
      inReplyTo: email.inReplyTo,
      references: email.references,
      raw: email.raw ? new Uint8Array(email.raw) : null,
      parseProblem: email.parseProblem,
      automated: email.automated,
      spamScore: score.score,
      spamReasons: score.reasons.map((r) => ({ token: r.token, spamProbability: r.spamProbability })),
      deliveryKey,
      createdAt: now,
      attachments: {
        create: email.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          size: a.size,
          checksum: a.checksum,
          content: new Uint8Array(a.content),
          contentId: a.contentId,
        })),
      },
    },
  });

  const addresses = [senderAddress, ...email.to.map((a) => a.address), ...email.cc.map((a) => a.address)];
  await addParticipants(tx, workspaceId, conversation.id, addresses, openedConversation);

  if (!openedConversation) {
    await tx.conversation.update({ where: { id: conversation.id }, data: { lastMessageAt: now } });
    await tx.conversationRead.deleteMany({ where: { conversationId: conversation.id } });
    await holdScheduledReplies(tx, events, system, conversation, now);
  }

  const base = { workspaceId, conversationId: conversation.id, inboxId: conversation.inboxId };
  if (contactCreated) events.add('contact.created', { workspaceId, contactId: contact.id, actor: customer });
  if (openedConversation) {
    events.add('conversation.created', {
      ...base,
      actor: customer,
      number: conversation.number,
      contactId: contact.id,
      subject: conversation.subject,
    });
    if (linkedTo) {
      await recordSystemMessage(tx, events, system, conversation, {
        type: 'linked',
        number: linkedTo.number,
        reason: `${senderAddress} is not a participant of that case`,
      });
    }
  }
  events.add('message.created', { ...base, actor: customer, messageId: message.id, direction: 'INBOUND', kind: 'EMAIL' });
  if (!openedConversation) {
    await applyStatus(tx, events, system, conversation, statusAfterMessage(conversation.status, { direction: 'INBOUND', kind: 'EMAIL' }));
  }
  if (openedConversation && !conversation.spam && !email.automated && email.from) {
    await queueAutoReply(tx, events, { conversation, contactId: contact.id, to: email.from, inReplyTo: email.messageId, now });
  }
  events.add('message.received', {
    ...base,
    actor: customer,
    messageId: message.id,
    contactId: contact.id,
    fromAddress: senderAddress,
    subject: email.subject,
    openedConversation,
  });
  return { inboxId, conversationId: conversation.id, messageId: message.id, duplicate: false, openedConversation };
}

/** Records who wrote or was copied (our own inbox addresses aside), in two statements whatever their number. */
async function addParticipants(tx: Tx, workspaceId: string, conversationId: string, addresses: string[], isNew: boolean) {
  const candidates = [...new Set(addresses)];
  const ours = await tx.inboxAddress.findMany({ where: { workspaceId, address: { in: candidates } }, select: { address: true } });
  const known = isNew
    ? []
    : await tx.conversationParticipant.findMany({ where: { conversationId, address: { in: candidates } }, select: { address: true } });
  const skip = new Set([...ours, ...known].map((row) => row.address));
  const fresh = candidates.filter((address) => !skip.has(address));
  if (fresh.length) await tx.conversationParticipant.createMany({ data: fresh.map((address) => ({ conversationId, address })) });
}

/** The conversation of the newest message this one replies to or references. */
async function findThread(tx: Tx, workspaceId: string, email: InboundEmail) {
  const ids = [...new Set([email.inReplyTo, ...email.references].filter((id): id is string => Boolean(id)))];
  if (ids.length === 0) return null;
  const parent = await tx.message.findFirst({
    where: { workspaceId, messageId: { in: ids } },
    orderBy: { createdAt: 'desc' },
    select: { conversation: true },
  });
  return parent?.conversation ?? null;
}

async function findByCaseNumber(tx: Tx, workspaceId: string, subject: string) {
  const match = caseNumberPattern.exec(subject);
  if (!match) return null;
  const conversation = await tx.conversation.findUnique({
    where: { workspaceId_number: { workspaceId, number: Number(match[2]) } },
    include: { inbox: { select: { casePrefix: true } } },
  });
  if (!conversation || conversation.inbox.casePrefix !== match[1]!.toUpperCase()) return null;
  const { inbox: _inbox, ...row } = conversation;
  return row;
}

/** The sender is the conversation's contact (any of its addresses) or already wrote or was copied in it. */
async function isParticipant(tx: Tx, conversation: { id: string; contactId: string }, address: string) {
  const [ownAddress, participant] = await Promise.all([
    tx.contactEmail.findFirst({ where: { contactId: conversation.contactId, address } }),
    tx.conversationParticipant.findUnique({
      where: { conversationId_address: { conversationId: conversation.id, address } },
    }),
  ]);
  return Boolean(ownAddress || participant);
}
