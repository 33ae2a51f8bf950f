/**
 * The domain events DeskQL publishes, keyed by name. One map serves GraphQL
 * subscriptions, plugins and webhooks: an event is published only after the
 * change it describes is committed, and every payload carries its workspaceId.
 */

export type ConversationStatus = 'WAITING_ON_AGENT' | 'WAITING_ON_CUSTOMER' | 'CLOSED';
export type Priority = 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';

/** Who caused a change. */
export type Actor =
  | { type: 'agent'; agentId: string }
  | { type: 'plugin'; plugin: string }
  | { type: 'customer'; contactId: string }
  | { type: 'system' };

interface WorkspaceEvent {
  workspaceId: string;
}

interface ConversationEvent extends WorkspaceEvent {
  conversationId: string;
  /** The inbox the conversation is in after the change. */
  inboxId: string;
  actor: Actor;
}

export interface DeskqlEvents {
  /** A conversation was opened, by inbound mail or through the API. */
  'conversation.created': ConversationEvent & { number: number; contactId: string; subject: string };
  'conversation.statusChanged': ConversationEvent & { from: ConversationStatus; to: ConversationStatus };
  /** `assigneeId` is null when the conversation was unassigned. */
  'conversation.assigned': ConversationEvent & { assigneeId: string | null; previousAssigneeId: string | null };
  'conversation.priorityChanged': ConversationEvent & { from: Priority; to: Priority };
  'conversation.tagged': ConversationEvent & { tagId: string; tagName: string };
  'conversation.untagged': ConversationEvent & { tagId: string; tagName: string };
  'conversation.moved': ConversationEvent & { fromInboxId: string };
  /** The conversation left every inbox and view for the Spam view. */
  'conversation.markedSpam': ConversationEvent;
  'conversation.markedNotSpam': ConversationEvent;
  'conversation.followed': ConversationEvent & { agentId: string };
  'conversation.unfollowed': ConversationEvent & { agentId: string };
  /** Any message was added to a conversation: email in or out, note, or system entry. */
  'message.created': ConversationEvent & {
    messageId: string;
    direction: 'INBOUND' | 'OUTBOUND';
    kind: 'EMAIL' | 'NOTE' | 'SYSTEM';
  };
  /** A customer's email was stored (after message.created for the same message). */
  'message.received': ConversationEvent & {
    messageId: string;
    contactId: string;
    fromAddress: string;
    subject: string;
    /** True when the mail opened the conversation. */
    openedConversation: boolean;
  };
  /** An outbound email left through the SMTP relay. */
  'message.sent': ConversationEvent & { messageId: string };
  /** An outbound email could not be sent and will not be retried. */
  'message.failed': ConversationEvent & { messageId: string; error: string };
  /** A scheduled email was held back because the customer wrote again before it left. */
  'message.held': ConversationEvent & { messageId: string };
  /** An outbound email changed outbox state (queued, held, sent, failed, cancelled, or a retry was scheduled). */
  'message.deliveryChanged': ConversationEvent & {
    messageId: string;
    state: 'QUEUED' | 'HELD' | 'SENT' | 'FAILED' | 'CANCELLED';
    error: string | null;
  };
  'contact.created': WorkspaceEvent & { contactId: string; actor: Actor };
  'contact.updated': WorkspaceEvent & { contactId: string; actor: Actor };
  /** `mergedContactId` no longer exists; everything it had now belongs to `contactId`. */
  'contact.merged': WorkspaceEvent & { contactId: string; mergedContactId: string; actor: Actor };
  'contact.blocked': WorkspaceEvent & { contactId: string; actor: Actor };
  'contact.unblocked': WorkspaceEvent & { contactId: string; actor: Actor };
  'contact.tagged': WorkspaceEvent & { contactId: string; tagId: string; tagName: string; actor: Actor };
  'contact.untagged': WorkspaceEvent & { contactId: string; tagId: string; tagName: string; actor: Actor };
  'tag.created': WorkspaceEvent & { tagId: string; name: string };
  'tag.renamed': WorkspaceEvent & { tagId: string; name: string; previousName: string };
  'tag.deleted': WorkspaceEvent & { tagId: string; name: string };
  'inbox.changed': WorkspaceEvent & { inboxId: string; deleted: boolean };
  'smartFolder.changed': WorkspaceEvent & { smartFolderId: string; deleted: boolean };
}

export type EventName = keyof DeskqlEvents;
export type EventPayload<K extends EventName> = DeskqlEvents[K];

/** Events that concern one conversation; a change to any of them can change lists and counts. */
export const conversationEventNames = [
  'conversation.created',
  'conversation.statusChanged',
  'conversation.assigned',
  'conversation.priorityChanged',
  'conversation.tagged',
  'conversation.untagged',
  'conversation.moved',
  'conversation.markedSpam',
  'conversation.markedNotSpam',
  'conversation.followed',
  'conversation.unfollowed',
  'message.created',
] as const satisfies readonly EventName[];
export type ConversationEventName = (typeof conversationEventNames)[number];
