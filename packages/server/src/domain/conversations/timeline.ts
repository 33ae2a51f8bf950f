import { actorOf, type Caller, type Tx } from '../shared/deps.js';
import { notFound } from '../shared/errors.js';
import type { PendingEvents } from '../shared/pending-events.js';

/** What a system message in the timeline records. Stored as the message's `event`. */
export type TimelineEvent =
  | { type: 'status'; from: string; to: string }
  | { type: 'assigned'; assigneeId: string | null; assigneeName: string | null }
  | { type: 'priority'; from: string; to: string }
  | { type: 'tagged' | 'untagged'; tag: string }
  | { type: 'moved'; fromInbox: string; toInbox: string }
  | { type: 'spam' | 'notSpam' }
  | { type: 'linked'; number: number; reason: string };

export function describeTimelineEvent(event: TimelineEvent): string {
  switch (event.type) {
    case 'status':
      return `Status changed from ${event.from} to ${event.to}`;
    case 'assigned':
      return event.assigneeName ? `Assigned to ${event.assigneeName}` : 'Unassigned';
    case 'priority':
      return `Priority changed from ${event.from} to ${event.to}`;
    case 'tagged':
      return `Tagged ${event.tag}`;
    case 'untagged':
      return `Tag ${event.tag} removed`;
    case 'moved':
      return `Moved from ${event.fromInbox} to ${event.toInbox}`;
    case 'spam':
      return 'Marked as spam';
    case 'notSpam':
      return 'Marked as not spam';
    case 'linked':
      return `Opened separately from case #${event.number}: ${event.reason}`;
  }
}

/** Loads a conversation of the caller's workspace, or fails with NOT_FOUND. */
export async function loadConversation(tx: Pick<Tx, 'conversation'>, caller: Caller, conversationId: string) {
  const conversation = await tx.conversation.findFirst({
    where: { id: conversationId, workspaceId: caller.workspaceId },
  });
  if (!conversation) throw notFound('Conversation', conversationId);
  return conversation;
}

/** Adds a system message describing a change to the conversation's timeline. */
export async function recordSystemMessage(
  tx: Tx,
  events: PendingEvents,
  caller: Caller,
  conversation: { id: string; workspaceId: string; inboxId: string },
  event: TimelineEvent,
) {
  const message = await tx.message.create({
    data: {
      workspaceId: conversation.workspaceId,
      conversationId: conversation.id,
      direction: 'OUTBOUND',
      kind: 'SYSTEM',
      authorId: caller.kind === 'agent' ? caller.agentId : null,
      authorPlugin: caller.kind === 'plugin' ? caller.plugin : null,
      text: describeTimelineEvent(event),
      event,
    },
  });
  events.add('message.created', {
    workspaceId: conversation.workspaceId,
    conversationId: conversation.id,
    inboxId: conversation.inboxId,
    actor: actorOf(caller),
    messageId: message.id,
    direction: 'OUTBOUND',
    kind: 'SYSTEM',
  });
  return message;
}
