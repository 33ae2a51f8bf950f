import type { EventName } from './events.js';

/**
 * Every event of the typed map, with one line on when it is published: the
 * runtime list webhooks validate against and the reference admins read. A new
 * event in `DeskqlEvents` does not compile until it is described here.
 */
export const eventCatalog = {
  'conversation.created': 'A conversation was opened, by inbound mail or through the API.',
  'conversation.statusChanged': 'The status changed (WAITING_ON_AGENT, WAITING_ON_CUSTOMER, CLOSED), by hand or by a message.',
  'conversation.assigned': 'The conversation was assigned to an agent, or unassigned (assigneeId null).',
  'conversation.priorityChanged': 'The priority changed.',
  'conversation.tagged': 'A tag was added to the conversation.',
  'conversation.untagged': 'A tag was removed from the conversation.',
  'conversation.moved': 'The conversation moved to another inbox.',
  'conversation.markedSpam': 'The conversation was marked as spam and left every inbox and view for the Spam view.',
  'conversation.markedNotSpam': 'The conversation was marked as not spam and is back in its inbox.',
  'conversation.followed': 'An agent started following the conversation.',
  'conversation.unfollowed': 'An agent stopped following the conversation.',
  'message.created': 'Any message was added to a conversation: email in or out, note, or system entry.',
  'message.received': "A customer's email was stored (after message.created for the same message).",
  'message.sent': 'An outbound email left through the SMTP relay.',
  'message.failed': 'An outbound email could not be sent and will not be retried.',
  'message.held': 'A scheduled email was held back because the customer wrote again before it left.',
  'message.deliveryChanged': 'An outbound email changed outbox state (queued, held, sent, failed, cancelled, or a retry was scheduled).',
  'contact.created': 'A contact was created, by inbound mail from a new address or through the API.',
  'contact.updated': "A contact's name or addresses changed.",
  'contact.merged': 'Two contacts were merged; mergedContactId no longer exists.',
  'contact.blocked': 'A contact was blocked: their mail goes to Spam.',
  'contact.unblocked': 'A contact was unblocked.',
  'contact.tagged': 'A tag was added to a contact.',
  'contact.untagged': 'A tag was removed from a contact.',
  'tag.created': 'A tag was created.',
  'tag.renamed': 'A tag was renamed.',
  'tag.deleted': 'A tag was deleted (and removed from every conversation and contact).',
  'inbox.changed': 'An inbox was created, changed or deleted.',
  'smartFolder.changed': 'A smart folder was created, changed or deleted.',
} as const satisfies Record<EventName, string>;

export const eventNames = Object.keys(eventCatalog) as EventName[];

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(eventCatalog, name);
}
