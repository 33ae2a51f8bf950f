import { actorOf, type Caller, type Deps } from '../shared/deps.js';
import { invalid, normalizeEmail, notFound, requiredText } from '../shared/errors.js';
import { transact } from '../shared/pending-events.js';
import { findOrCreateContactByAddress } from '../contacts/contacts.js';
import { claimConversationNumber, replyInTransaction } from './conversations.js';

/**
 * Starts outbound conversations ("new request"): one conversation per
 * recipient, each with its own case number and a queued email, waiting on the
 * customer.
 */
export async function startConversations(
  deps: Deps,
  caller: Caller,
  input: { inboxId: string; to: string[]; subject: string; text: string; html?: string | null; sendAt?: Date | null },
) {
  const subject = requiredText('subject', input.subject, 500);
  requiredText('text', input.text, 1_000_000);
  const recipients = [...new Set(input.to.map((address, i) => normalizeEmail(`to.${i}`, address)))];
  if (recipients.length === 0) throw invalid('to', 'Name at least one recipient.');
  if (recipients.length > 100) throw invalid('to', 'At most 100 recipients at once.');
  const inbox = await deps.db.inbox.findFirst({ where: { id: input.inboxId, workspaceId: caller.workspaceId } });
  if (!inbox) throw notFound('Inbox', input.inboxId);
  const conversations = [];
  for (const address of recipients) {
    conversations.push(
      await transact(deps, async (tx, events) => {
        const { contact, created } = await findOrCreateContactByAddress(tx, caller.workspaceId, address, '');
        if (created) events.add('contact.created', { workspaceId: caller.workspaceId, contactId: contact.id, actor: actorOf(caller) });
        const conversation = await tx.conversation.create({
          data: {
            workspaceId: caller.workspaceId,
            number: await claimConversationNumber(tx, caller.workspaceId),
            inboxId: inbox.id,
            contactId: contact.id,
            subject,
            subjectKey: subject.toLowerCase(),
            status: 'WAITING_ON_CUSTOMER',
            participants: { create: { address } },
          },
        });
        events.add('conversation.created', {
          workspaceId: caller.workspaceId,
          conversationId: conversation.id,
          inboxId: inbox.id,
          actor: actorOf(caller),
          number: conversation.number,
          contactId: contact.id,
          subject,
        });
        await replyInTransaction(tx, events, caller, conversation, { ...input, to: address });
        return conversation;
      }),
    );
  }
  return conversations;
}
