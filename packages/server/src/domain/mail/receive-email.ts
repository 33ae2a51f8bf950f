import type { Actor } from '@deskql/sdk/events';
import type { Caller, Deps, Tx } from '../shared/deps.js';
import { DomainError, isUniqueViolation } from '../shared/errors.js';
import { PendingEvents } from '../shared/pending-events.js';
import { createBatchQueue } from '../../background/batch-queue.js';
import { createContactsForAddresses } from '../contacts/contacts.js';
import { newId } from '../../db/ids.js';
import { applyStatus, claimConversationNumber } from '../conversations/conversations.js';
import { statusAfterMessage } from '../conversations/status.js';
import { recordSystemMessage } from '../conversations/timeline.js';
import { parseEmail, sha256, type InboundEmail } from './inbound-email.js';
import { holdScheduledReplies } from './outbox.js';
import { queueAutoReply } from './auto-reply.js';
import { scoreMails, type SpamScore } from '../spam/spam-filter.js';
import { spamFeatures } from '../spam/spam-features.js';

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

/** An inbound email as the SMTP daemon hands it over: its raw source and its envelope. */
export interface InboundDelivery {
  raw: Buffer;
  /** The envelope recipients (RCPT TO). */
  recipients: string[];
  /** The envelope sender (MAIL FROM); "" is the null sender of bounces and auto-replies. */
  mailFrom?: string | null;
}

/** What receiveEmail reports for one mail. */
export interface ReceiveResult {
  deliveries: Delivery[];
  unknownRecipients: string[];
  /** Set when the mail was malformed; it was stored all the same, with its raw source. */
  parseProblem: string | null;
}

interface Submission {
  deps: Deps;
  workspaceId: string;
  input: InboundDelivery;
}

/** Under load a batch is whatever arrived while the last one was stored, up to 50 mails or 32 MB of source. */
const MAX_BATCH = 50;
const MAX_BATCH_BYTES = 32 * 1024 * 1024;
/**
 * Under load the next batch waits at most this long for as many mails as recent batches had. Without it,
 * with ten SMTP clients, batches alternated between one mail (the first to arrive finds the queue idle)
 * and the other nine, and the lone ones paid a whole batch's reads and commit each.
 */
const LINGER_MS = 20;

const queues = new WeakMap<Deps['db'], Map<string, ReturnType<typeof createBatchQueue<Submission, ReceiveResult>>>>();

/**
 * Parses an inbound email and stores it in every inbox of the caller's workspace it was
 * addressed to (by envelope recipient). Per inbox it threads the mail into an
 * existing conversation by In-Reply-To/References, else by a case number in
 * the subject when the sender already takes part in that conversation, else
 * opens a new conversation. The same Message-ID into the same inbox is stored
 * once, however often it is delivered.
 *
 * Mails of one workspace that arrive while others are being stored are parsed
 * and stored together in the next transaction (group commit); each caller
 * still gets its own result or error, and only once its mail is committed.
 * Parsing is part of the batch on purpose: done on arrival, it would compete
 * for the CPU with the batch being stored, and batches would never form.
 */
export function receiveEmail(deps: Deps, caller: Caller, input: InboundDelivery): Promise<ReceiveResult> {
  let byWorkspace = queues.get(deps.db);
  if (!byWorkspace) queues.set(deps.db, (byWorkspace = new Map()));
  const { workspaceId } = caller;
  let queue = byWorkspace.get(workspaceId);
  if (!queue) {
    // Kept while the database client lives: one small object per workspace that receives mail,
    // which remembers how large its recent batches were.
    queue = createBatchQueue(receiveBatch, {
      maxBatch: MAX_BATCH,
      maxWeight: MAX_BATCH_BYTES,
      weight: (submission) => submission.input.raw.length,
      lingerMs: LINGER_MS,
    });
    byWorkspace.set(workspaceId, queue);
  }
  return queue.submit({ deps, workspaceId, input });
}

/**
 * One transaction for the whole batch. If it fails, every mail is retried on
 * its own, so a mail that cannot be stored fails alone; a unique violation on
 * its own (the same mail or a new sender's first mail stored at that moment
 * by another server instance) is retried, and the retry sees the other's rows.
 */
async function receiveBatch(submissions: Submission[], attempt = 0): Promise<Array<ReceiveResult | Error>> {
  try {
    return await storeBatch(submissions);
  } catch (error) {
    if (submissions.length > 1) {
      const outcomes: Array<ReceiveResult | Error> = [];
      for (const submission of submissions) outcomes.push(...(await receiveBatch([submission])));
      return outcomes;
    }
    if (isUniqueViolation(error) && attempt < 2) return receiveBatch(submissions, attempt + 1);
    return [error instanceof Error ? error : new Error(String(error))];
  }
}

interface Routed {
  /** Position in the batch. */
  index: number;
  email: InboundEmail;
  /** What makes the mail the same mail again: its Message-ID, or a hash of its source without one. */
  identity: string;
  events: PendingEvents;
  inboxIds: string[];
  unknownRecipients: string[];
}

async function storeBatch(submissions: Submission[]): Promise<Array<ReceiveResult | Error>> {
  const { db } = submissions[0]!.deps;
  const { workspaceId } = submissions[0]!;
  const workspaceAddresses = await db.inboxAddress.findMany({ where: { workspaceId }, select: { address: true, inboxId: true } });
  const inboxByAddress = new Map(workspaceAddresses.map((row) => [row.address, row.inboxId]));

  const outcomes: Array<ReceiveResult | Error> = [];
  const parsing: Array<Promise<Routed>> = [];
  submissions.forEach(({ input }, index) => {
    const recipients = [...new Set(input.recipients.map((r) => r.trim().toLowerCase()))];
    const inboxIds = [...new Set(recipients.flatMap((r) => inboxByAddress.get(r) ?? []))];
    if (inboxIds.length === 0) {
      outcomes[index] = new DomainError('NOT_FOUND', `No inbox receives mail for ${recipients.join(', ') || 'these recipients'}.`, 'recipients');
    } else {
      const unknownRecipients = recipients.filter((r) => !inboxByAddress.has(r));
      parsing.push(
        parseEmail(input.raw, input.mailFrom).then((email) => ({
          index,
          email,
          identity: email.messageId ?? `sha256:${sha256(input.raw)}`,
          events: new PendingEvents(),
          inboxIds,
          unknownRecipients,
        })),
      );
    }
  });
  const routed = await Promise.all(parsing);
  if (routed.length === 0) return outcomes;

  // Scoring and the duplicate check only read, so they run outside the write transaction.
  const scores = await scoreMails(db, workspaceId, routed.map((r) => spamFeatures(r.email)));
  const keys = routed.flatMap((r) => r.inboxIds.map((inboxId) => deliveryKeyOf(inboxId, r.identity)));
  const stored = new Map(
    (await db.message.findMany({ where: { deliveryKey: { in: keys } }, select: { deliveryKey: true, id: true, conversationId: true } })).map(
      (row) => [row.deliveryKey!, row],
    ),
  );

  await db.$transaction(
    async (tx) => {
      const senders = [...new Set(routed.map((r) => senderOf(r.email).address))];
      const contacts = new ContactsOfBatch(
        workspaceId,
        await tx.contactEmail.findMany({
          where: { workspaceId, address: { in: senders } },
          select: { address: true, contact: { select: { id: true, blocked: true } } },
        }),
      );
      const batch = new InboundBatch(tx, workspaceId, contacts, new Set(inboxByAddress.keys()), stored);
      for (const [i, r] of routed.entries()) {
        const deliveries: Delivery[] = [];
        outcomes[r.index] = { deliveries, unknownRecipients: r.unknownRecipients, parseProblem: r.email.parseProblem };
        for (const [slot, inboxId] of r.inboxIds.entries()) {
          const mail = { events: r.events, inboxId, email: r.email, deliveryKey: deliveryKeyOf(inboxId, r.identity), score: scores[i]! };
          await batch.deliver(mail, (delivery) => (deliveries[slot] = delivery));
        }
      }
      await batch.flush();
    },
    { timeout: 20_000, maxWait: 20_000 },
  );
  for (const r of routed) r.events.publish(submissions[r.index]!.deps.events);
  return outcomes;
}

function deliveryKeyOf(inboxId: string, identity: string) {
  return `${inboxId}:${identity}`;
}

function senderOf(email: InboundEmail) {
  return { address: email.from?.address ?? UNKNOWN_SENDER, name: email.from?.name ?? '' };
}

/**
 * The senders' contacts, read once per batch. A new sender's contact gets its id at once (a second mail
 * of the batch from the same address finds it) and its rows are inserted with the batch's other new
 * contacts by insertNew(), which runs before anything that refers to them.
 */
class ContactsOfBatch {
  private readonly known: Map<string, { id: string; blocked: boolean }>;
  private fresh: Array<{ id: string; address: string; name: string }> = [];

  constructor(
    private readonly workspaceId: string,
    rows: Array<{ address: string; contact: { id: string; blocked: boolean } }>,
  ) {
    this.known = new Map(rows.map((row) => [row.address, row.contact]));
  }

  findOrCreate(address: string, name: string): { contact: { id: string; blocked: boolean }; created: boolean } {
    const contact = this.known.get(address);
    if (contact) return { contact, created: false };
    const created = { id: newId(), blocked: false };
    this.fresh.push({ id: created.id, address, name });
    this.known.set(address, created);
    return { contact: created, created: true };
  }

  async insertNew(tx: Tx): Promise<void> {
    const fresh = this.fresh;
    this.fresh = [];
    await createContactsForAddresses(tx, this.workspaceId, fresh);
  }
}

interface InboundMail {
  events: PendingEvents;
  inboxId: string;
  email: InboundEmail;
  deliveryKey: string;
  score: SpamScore;
}

/** A mail that opens a conversation, waiting to be inserted with the batch's other openings. */
interface Opening extends InboundMail {
  contact: { id: string; blocked: boolean };
  contactCreated: boolean;
  spamReason: 'BLOCKED' | 'FILTER' | null;
  linkedTo: { id: string; number: number } | null;
  now: Date;
  done: (delivery: Delivery) => void;
}

/**
 * Stores a batch's mails in one transaction. A reply is stored at once; mails
 * that open conversations are collected and inserted together by flush() (one
 * case-number claim and one insert per table for all of them). Anything that
 * needs to see a collected mail's rows (a reply to it, the same mail again, the
 * sender's conversation count) flushes first, so the outcome is the same as
 * storing the mails one by one in order.
 */
class InboundBatch {
  private openings: Opening[] = [];

  constructor(
    private readonly tx: Tx,
    private readonly workspaceId: string,
    private readonly contacts: ContactsOfBatch,
    /** The workspace's own receiving addresses, which are never participants. */
    private readonly ownAddresses: Set<string>,
    /** Delivery key → the message stored for it, before or during this batch. */
    private readonly stored: Map<string, { id: string; conversationId: string }>,
  ) {}

  async deliver(mail: InboundMail, done: (delivery: Delivery) => void): Promise<void> {
    const { tx, workspaceId } = this;
    const { inboxId, email, score, deliveryKey } = mail;
    const references = referencesOf(email);
    if (this.openings.some((o) => o.deliveryKey === deliveryKey || (o.email.messageId && references.includes(o.email.messageId)))) {
      await this.flush();
    }
    const existing = this.stored.get(deliveryKey);
    if (existing) {
      done({ inboxId, conversationId: existing.conversationId, messageId: existing.id, duplicate: true, openedConversation: false });
      return;
    }
    const sender = senderOf(email);
    const { contact, created: contactCreated } = this.contacts.findOrCreate(sender.address, sender.name);

    let conversation = contact.blocked ? null : await findThread(tx, workspaceId, references);
    let linkedTo: { id: string; number: number } | null = null;
    if (!conversation && !contact.blocked) {
      const byCase = await findByCaseNumber(tx, workspaceId, email.subject);
      if (byCase && (await isParticipant(tx, byCase, sender.address))) conversation = byCase;
      else if (byCase) linkedTo = byCase;
    }
    if (conversation) {
      await this.contacts.insertNew(tx);
      const messageId = await this.storeReply(mail, { conversation, contact, contactCreated });
      this.stored.set(deliveryKey, { id: messageId, conversationId: conversation.id });
      done({ inboxId, conversationId: conversation.id, messageId, duplicate: false, openedConversation: false });
      return;
    }

    // Someone we already correspond with is never sent to Spam by the filter alone:
    // a lost customer mail costs far more than a missed spam.
    let filterSaysSpam = score.verdict === 'spam';
    if (filterSaysSpam && !contactCreated) {
      if (this.openings.some((o) => o.contact.id === contact.id)) await this.flush();
      filterSaysSpam = (await tx.conversation.count({ where: { contactId: contact.id, spam: false } })) === 0;
    }
    // Spam is kept, but in the Spam view, never in an inbox: mail from a blocked
    // contact, and new mail the filter is sure about. Replies in a conversation
    // the customer already has are never moved there by the filter.
    const spamReason = contact.blocked ? 'BLOCKED' : filterSaysSpam ? 'FILTER' : null;
    this.openings.push({ ...mail, contact, contactCreated, spamReason, linkedTo, now: new Date(), done });
  }

  /** Inserts the collected openings: their conversations, messages, attachments and participants. */
  async flush(): Promise<void> {
    const { tx, workspaceId } = this;
    const openings = this.openings;
    if (openings.length === 0) return;
    this.openings = [];
    await this.contacts.insertNew(tx);
    const firstNumber = await claimConversationNumber(tx, workspaceId, openings.length);
    const conversations = await tx.conversation.createManyAndReturn({
      data: openings.map((o, i) => {
        const subject = o.email.subject || '(no subject)';
        return {
          workspaceId,
          number: firstNumber + i,
          inboxId: o.inboxId,
          contactId: o.contact.id,
          subject,
          subjectKey: subject.toLowerCase(),
          spam: o.spamReason !== null,
          spamReason: o.spamReason,
          spamMarkedAt: o.spamReason ? o.now : null,
          linkedToId: o.linkedTo?.id ?? null,
          lastMessageAt: o.now,
          createdAt: o.now,
        };
      }),
    });
    const conversationByNumber = new Map(conversations.map((c) => [c.number, c]));
    const conversationOf = (i: number) => conversationByNumber.get(firstNumber + i)!;
    const messages = await tx.message.createManyAndReturn({
      data: openings.map((o, i) => inboundMessageData(workspaceId, conversationOf(i).id, o)),
      select: { id: true, deliveryKey: true },
    });
    const messageIdByKey = new Map(messages.map((m) => [m.deliveryKey!, m.id]));
    const messageIdOf = (o: Opening) => messageIdByKey.get(o.deliveryKey)!;
    const attachments = openings.flatMap((o) => attachmentRows(messageIdOf(o), o.email));
    if (attachments.length) await tx.attachment.createMany({ data: attachments });
    const participants = openings.flatMap((o, i) =>
      participantsOf(o.email, this.ownAddresses).map((address) => ({ conversationId: conversationOf(i).id, address })),
    );
    if (participants.length) await tx.conversationParticipant.createMany({ data: participants });

    for (const [i, o] of openings.entries()) {
      const conversation = conversationOf(i);
      const messageId = messageIdOf(o);
      const { events, email, contact } = o;
      const customer: Actor = { type: 'customer', contactId: contact.id };
      const base = { workspaceId, conversationId: conversation.id, inboxId: conversation.inboxId };
      if (o.contactCreated) events.add('contact.created', { workspaceId, contactId: contact.id, actor: customer });
      events.add('conversation.created', { ...base, actor: customer, number: conversation.number, contactId: contact.id, subject: conversation.subject });
      if (o.linkedTo) {
        await recordSystemMessage(tx, events, { kind: 'system', workspaceId }, conversation, {
          type: 'linked',
          number: o.linkedTo.number,
          reason: `${senderOf(email).address} is not a participant of that case`,
        });
      }
      events.add('message.created', { ...base, actor: customer, messageId, direction: 'INBOUND', kind: 'EMAIL' });
      if (!conversation.spam && !email.automated && email.from) {
        await queueAutoReply(tx, events, { conversation, contactId: contact.id, to: email.from, inReplyTo: email.messageId, now: o.now });
      }
      events.add('message.received', messageReceived(base, customer, messageId, email, true));
      this.stored.set(o.deliveryKey, { id: messageId, conversationId: conversation.id });
      o.done({ inboxId: o.inboxId, conversationId: conversation.id, messageId, duplicate: false, openedConversation: true });
    }
  }

  private async storeReply(
    mail: InboundMail,
    input: { conversation: Conversation; contact: { id: string }; contactCreated: boolean },
  ): Promise<string> {
    const { tx, workspaceId } = this;
    const { events, email } = mail;
    const { conversation, contact } = input;
    const now = new Date();
    const system = { kind: 'system', workspaceId } as const;
    const customer: Actor = { type: 'customer', contactId: contact.id };
    const { id: messageId } = await tx.message.create({
      data: inboundMessageData(workspaceId, conversation.id, { ...mail, now }),
      select: { id: true },
    });
    const attachments = attachmentRows(messageId, email);
    if (attachments.length) await tx.attachment.createMany({ data: attachments });
    await addParticipants(tx, conversation.id, participantsOf(email, this.ownAddresses));
    await tx.conversation.update({ where: { id: conversation.id }, data: { lastMessageAt: now } });
    await tx.conversationRead.deleteMany({ where: { conversationId: conversation.id } });
    await holdScheduledReplies(tx, events, system, conversation, now);

    const base = { workspaceId, conversationId: conversation.id, inboxId: conversation.inboxId };
    if (input.contactCreated) events.add('contact.created', { workspaceId, contactId: contact.id, actor: customer });
    events.add('message.created', { ...base, actor: customer, messageId, direction: 'INBOUND', kind: 'EMAIL' });
    await applyStatus(tx, events, system, conversation, statusAfterMessage(conversation.status, { direction: 'INBOUND', kind: 'EMAIL' }));
    events.add('message.received', messageReceived(base, customer, messageId, email, false));
    return messageId;
  }
}

type Conversation = NonNullable<Awaited<ReturnType<typeof findThread>>>;

function messageReceived(
  base: { workspaceId: string; conversationId: string; inboxId: string },
  customer: Extract<Actor, { type: 'customer' }>,
  messageId: string,
  email: InboundEmail,
  openedConversation: boolean,
) {
  return { ...base, actor: customer, messageId, contactId: customer.contactId, fromAddress: senderOf(email).address, subject: email.subject, openedConversation };
}

function inboundMessageData(
  workspaceId: string,
  conversationId: string,
  mail: { email: InboundEmail; score: SpamScore; deliveryKey: string; now: Date },
) {
  const { email, score } = mail;
  return {
    workspaceId,
    conversationId,
    direction: 'INBOUND' as const,
    kind: 'EMAIL' as const,
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
    deliveryKey: mail.deliveryKey,
    createdAt: mail.now,
  };
}

function attachmentRows(messageId: string, email: InboundEmail) {
  return email.attachments.map((a) => ({
    messageId,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    checksum: a.checksum,
    content: new Uint8Array(a.content),
    contentId: a.contentId,
  }));
}

/** Who wrote or was copied, our own inbox addresses aside. */
function participantsOf(email: InboundEmail, ownAddresses: Set<string>): string[] {
  const addresses = [senderOf(email).address, ...email.to.map((a) => a.address), ...email.cc.map((a) => a.address)];
  return [...new Set(addresses)].filter((address) => !ownAddresses.has(address));
}

/** Adds the addresses not yet recorded on an existing conversation, in two statements whatever their number. */
async function addParticipants(tx: Tx, conversationId: string, candidates: string[]) {
  const known = await tx.conversationParticipant.findMany({ where: { conversationId, address: { in: candidates } }, select: { address: true } });
  const skip = new Set(known.map((row) => row.address));
  const fresh = candidates.filter((address) => !skip.has(address));
  if (fresh.length) await tx.conversationParticipant.createMany({ data: fresh.map((address) => ({ conversationId, address })) });
}

function referencesOf(email: InboundEmail): string[] {
  return [...new Set([email.inReplyTo, ...email.references].filter((id): id is string => Boolean(id)))];
}

/** The conversation of the newest message this one replies to or references. */
async function findThread(tx: Tx, workspaceId: string, ids: string[]) {
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
