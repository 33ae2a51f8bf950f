import { randomUUID } from 'node:crypto';
import { actorOf, requireAgent, type Caller, type Deps, type Tx } from '../shared/deps.js';
import { invalid, notFound, requiredText } from '../shared/errors.js';
import { transact, type PendingEvents } from '../shared/pending-events.js';
import { statusAfterMessage, type ConversationStatus } from './status.js';
import { loadConversation, recordSystemMessage } from './timeline.js';
import { addDeliveryEvent } from '../mail/outbox.js';

export type Priority = 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';
type ConversationRow = Awaited<ReturnType<typeof loadConversation>>;

/**
 * Takes the workspace's next case number, or the next `count` consecutive ones
 * and returns the first (the row update serializes concurrent openings).
 */
export async function claimConversationNumber(tx: Tx, workspaceId: string, count = 1): Promise<number> {
  const { nextConversationNo } = await tx.workspace.update({
    where: { id: workspaceId },
    data: { nextConversationNo: { increment: count } },
    select: { nextConversationNo: true },
  });
  return nextConversationNo - count;
}

/** Changes the status inside a transaction, leaving a system message; no-op when unchanged. */
export async function applyStatus(
  tx: Tx,
  events: PendingEvents,
  caller: Caller,
  conversation: ConversationRow,
  to: ConversationStatus,
) {
  if (conversation.status === to) return conversation;
  const updated = await tx.conversation.update({ where: { id: conversation.id }, data: { status: to } });
  await recordSystemMessage(tx, events, caller, conversation, { type: 'status', from: conversation.status, to });
  events.add('conversation.statusChanged', {
    workspaceId: conversation.workspaceId,
    conversationId: conversation.id,
    inboxId: conversation.inboxId,
    actor: actorOf(caller),
    from: conversation.status,
    to,
  });
  return updated;
}

export async function setStatus(deps: Deps, caller: Caller, input: { conversationId: string; status: ConversationStatus }) {
  return transact(deps, async (tx, events) => {
    const conversation = await loadConversation(tx, caller, input.conversationId);
    return applyStatus(tx, events, caller, conversation, input.status);
  });
}

/** Assigns the conversation to an agent of the workspace, or unassigns it with `agentId: null`. */
export async function assignConversation(
  deps: Deps,
  caller: Caller,
  input: { conversationId: string; agentId: string | null },
) {
  return transact(deps, async (tx, events) => {
    const conversation = await loadConversation(tx, caller, input.conversationId);
    const agent = input.agentId
      ? await tx.agent.findFirst({ where: { id: input.agentId, workspaceId: caller.workspaceId } })
      : null;
    if (input.agentId && !agent) throw notFound('Agent', input.agentId);
    if (conversation.assigneeId === (agent?.id ?? null)) return conversation;
    const updated = await tx.conversation.update({
      where: { id: conversation.id },
      data: { assigneeId: agent?.id ?? null },
    });
    await recordSystemMessage(tx, events, caller, conversation, {
      type: 'assigned',
      assigneeId: agent?.id ?? null,
      assigneeName: agent?.name ?? null,
    });
    events.add('conversation.assigned', {
      workspaceId: caller.workspaceId,
      conversationId: conversation.id,
      inboxId: conversation.inboxId,
      actor: actorOf(caller),
      assigneeId: agent?.id ?? null,
      previousAssigneeId: conversation.assigneeId,
    });
    return updated;
  });
}

export async function setPriority(deps: Deps, caller: Caller, input: { conversationId: string; priority: Priority }) {
  return transact(deps, async (tx, events) => {
    const conversation = await loadConversation(tx, caller, input.conversationId);
    if (conversation.priority === input.priority) return conversation;
    const updated = await tx.conversation.update({ where: { id: conversation.id }, data: { priority: input.priority } });
    await recordSystemMessage(tx, events, caller, conversation, {
      type: 'priority',
      from: conversation.priority,
      to: input.priority,
    });
    events.add('conversation.priorityChanged', {
      workspaceId: caller.workspaceId,
      conversationId: conversation.id,
      inboxId: conversation.inboxId,
      actor: actorOf(caller),
      from: conversation.priority,
      to: input.priority,
    });
    return updated;
  });
}

export async function moveConversation(deps: Deps, caller: Caller, input: { conversationId: string; inboxId: string }) {
  return transact(deps, async (tx, events) => {
    const conversation = await loadConversation(tx, caller, input.conversationId);
    const target = await tx.inbox.findFirst({ where: { id: input.inboxId, workspaceId: caller.workspaceId } });
    if (!target) throw notFound('Inbox', input.inboxId);
    if (target.id === conversation.inboxId) return conversation;
    const source = await tx.inbox.findUniqueOrThrow({ where: { id: conversation.inboxId } });
    const updated = await tx.conversation.update({ where: { id: conversation.id }, data: { inboxId: target.id } });
    await recordSystemMessage(tx, events, caller, updated, { type: 'moved', fromInbox: source.name, toInbox: target.name });
    events.add('conversation.moved', {
      workspaceId: caller.workspaceId,
      conversationId: conversation.id,
      inboxId: target.id,
      fromInboxId: source.id,
      actor: actorOf(caller),
    });
    return updated;
  });
}

export async function followConversation(deps: Deps, caller: Caller, input: { conversationId: string; following: boolean }) {
  const agent = requireAgent(caller);
  return transact(deps, async (tx, events) => {
    const conversation = await loadConversation(tx, caller, input.conversationId);
    const key = { conversationId_agentId: { conversationId: conversation.id, agentId: agent.agentId } };
    const present = await tx.conversationFollower.findUnique({ where: key });
    if (Boolean(present) === input.following) return conversation;
    if (input.following) {
      await tx.conversationFollower.create({ data: { conversationId: conversation.id, agentId: agent.agentId } });
    } else {
      await tx.conversationFollower.delete({ where: key });
    }
    events.add(input.following ? 'conversation.followed' : 'conversation.unfollowed', {
      workspaceId: caller.workspaceId,
      conversationId: conversation.id,
      inboxId: conversation.inboxId,
      actor: actorOf(caller),
      agentId: agent.agentId,
    });
    return conversation;
  });
}

/** Marks the conversation read (up to its latest message) or unread again, for the calling agent only. */
export async function setConversationRead(deps: Deps, caller: Caller, input: { conversationId: string; read: boolean }) {
  const agent = requireAgent(caller);
  const conversation = await loadConversation(deps.db, caller, input.conversationId);
  const key = { conversationId: conversation.id, agentId: agent.agentId };
  if (input.read) {
    await deps.db.conversationRead.upsert({
      where: { conversationId_agentId: key },
      create: key,
      update: { readAt: new Date() },
    });
  } else {
    await deps.db.conversationRead.deleteMany({ where: key });
  }
  return conversation;
}

/** Adds an internal note: visible to agents only, never sent, status unchanged. */
export async function addNote(deps: Deps, caller: Caller, input: { conversationId: string; text: string }) {
  const text = requiredText('text', input.text, 100_000);
  return transact(deps, async (tx, events) => {
    const conversation = await loadConversation(tx, caller, input.conversationId);
    return addOwnMessage(tx, events, caller, conversation, { kind: 'NOTE', text });
  });
}

/**
 * Stores an agent's email reply as an outbound message, threaded to the
 * customer's latest message and carrying the case number, and hands the
 * conversation to the customer (WAITING_ON_CUSTOMER). Sending is the outbox's.
 */
export interface ReplyInput {
  text: string;
  html?: string | null;
  status?: ConversationStatus | null;
  /** Scheduled send: the email stays queued until then. */
  sendAt?: Date | null;
  /** The recipient; by default whoever last wrote in, else the contact's first address. */
  to?: string | null;
}

export async function replyToConversation(deps: Deps, caller: Caller, input: ReplyInput & { conversationId: string }) {
  requiredText('text', input.text, 1_000_000);
  return transact(deps, async (tx, events) => {
    const conversation = await loadConversation(tx, caller, input.conversationId);
    return replyInTransaction(tx, events, caller, conversation, input);
  });
}

/**
 * Stores an agent's email reply as a queued outbound message, threaded to the
 * customer's latest message, carrying the case number and the inbox's
 * signature, and hands the conversation to the customer (WAITING_ON_CUSTOMER).
 * The outbox sends it.
 */
export async function replyInTransaction(
  tx: Tx,
  events: PendingEvents,
  caller: Caller,
  conversation: ConversationRow,
  input: ReplyInput,
) {
  const text = requiredText('text', input.text, 1_000_000);
  const sendAt = input.sendAt && input.sendAt.getTime() > Date.now() ? input.sendAt : null;
  const inbox = await tx.inbox.findUniqueOrThrow({
    where: { id: conversation.inboxId },
    include: { addresses: { orderBy: { createdAt: 'asc' }, take: 1 } },
  });
  const lastInbound = await tx.message.findFirst({
    where: { conversationId: conversation.id, direction: 'INBOUND', kind: 'EMAIL' },
    orderBy: { createdAt: 'desc' },
  });
  const contactEmail = await tx.contactEmail.findFirst({
    where: { contactId: conversation.contactId },
    orderBy: { createdAt: 'asc' },
  });
  const to = input.to ?? lastInbound?.fromAddress ?? contactEmail?.address;
  if (!to) throw invalid('conversationId', 'The contact has no email address to reply to.');
  const fromAddress = inbox.addresses[0]?.address ?? null;
  const references = [
    ...((lastInbound?.references as string[] | null) ?? []),
    ...(lastInbound?.messageId ? [lastInbound.messageId] : []),
  ];
  const caseTag = `[#${inbox.casePrefix}-${conversation.number}]`;
  const baseSubject = conversation.subject.replace(/\s*\[#[A-Za-z0-9]+-\d+\]\s*/g, ' ').trim();
  const isReply = Boolean(lastInbound);
  const message = await addOwnMessage(tx, events, caller, conversation, {
    kind: 'EMAIL',
    text: withSignature(text, inbox.signature),
    html: input.html ? withHtmlSignature(input.html, inbox.signature) : null,
    fromAddress,
    fromName: inbox.senderName,
    to: [{ address: to, name: null }],
    subject: `${isReply && !/^re:/i.test(baseSubject) ? 'Re: ' : ''}${baseSubject} ${caseTag}`.trim(),
    messageId: `${randomUUID()}@${fromAddress?.split('@')[1] ?? 'deskql.invalid'}`,
    inReplyTo: lastInbound?.messageId ?? null,
    references,
    sendAt,
  });
  const current = await tx.conversation.findUniqueOrThrow({ where: { id: conversation.id } });
  await applyStatus(
    tx,
    events,
    caller,
    current,
    input.status ?? statusAfterMessage(current.status, { direction: 'OUTBOUND', kind: 'EMAIL' }),
  );
  return message;
}

/** Stores a note or reply by the caller, bumps activity and keeps the caller's read state. */
async function addOwnMessage(
  tx: Tx,
  events: PendingEvents,
  caller: Caller,
  conversation: ConversationRow,
  data: {
    kind: 'EMAIL' | 'NOTE';
    text: string;
    html?: string | null;
    fromAddress?: string | null;
    fromName?: string | null;
    to?: Array<{ address: string; name: string | null }>;
    subject?: string;
    messageId?: string;
    inReplyTo?: string | null;
    references?: string[];
    sendAt?: Date | null;
  },
) {
  const now = new Date();
  const message = await tx.message.create({
    data: {
      workspaceId: conversation.workspaceId,
      conversationId: conversation.id,
      direction: 'OUTBOUND',
      kind: data.kind,
      authorId: caller.kind === 'agent' ? caller.agentId : null,
      authorPlugin: caller.kind === 'plugin' ? caller.plugin : null,
      text: data.text,
      html: data.html ?? null,
      fromAddress: data.fromAddress ?? null,
      fromName: data.fromName ?? null,
      to: data.to ?? undefined,
      subject: data.subject ?? null,
      messageId: data.messageId ?? null,
      inReplyTo: data.inReplyTo ?? null,
      references: data.references ?? undefined,
      deliveryState: data.kind === 'EMAIL' ? 'QUEUED' : null,
      sendAt: data.sendAt ?? null,
      createdAt: now,
    },
  });
  await tx.conversation.update({ where: { id: conversation.id }, data: { lastMessageAt: now } });
  // Everyone else now has something unread; the author has read it.
  await tx.conversationRead.deleteMany({
    where: { conversationId: conversation.id, ...(caller.kind === 'agent' && { agentId: { not: caller.agentId } }) },
  });
  if (caller.kind === 'agent') {
    await tx.conversationRead.upsert({
      where: { conversationId_agentId: { conversationId: conversation.id, agentId: caller.agentId } },
      create: { conversationId: conversation.id, agentId: caller.agentId, readAt: now },
      update: { readAt: now },
    });
  }
  events.add('message.created', {
    workspaceId: conversation.workspaceId,
    conversationId: conversation.id,
    inboxId: conversation.inboxId,
    actor: actorOf(caller),
    messageId: message.id,
    direction: 'OUTBOUND',
    kind: data.kind,
  });
  if (data.kind === 'EMAIL') {
    addDeliveryEvent(events, caller, { ...message, conversation: { inboxId: conversation.inboxId } }, 'QUEUED');
  }
  return message;
}

/** Appends the inbox signature to a reply, as the customer will see it. */
export function withSignature(text: string, signature: string): string {
  return signature.trim() ? `${text.trimEnd()}\n\n${signature}` : text;
}

function withHtmlSignature(html: string, signature: string): string {
  if (!signature.trim()) return html;
  const escaped = signature.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
  return `${html}<br><br><div class="deskql-signature">${escaped}</div>`;
}
