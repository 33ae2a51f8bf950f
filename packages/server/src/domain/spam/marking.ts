import type { Prisma } from '../../generated/sqlite/client.js';
import { actorOf, type Caller, type Deps, type Tx } from '../shared/deps.js';
import { transact } from '../shared/pending-events.js';
import { loadConversation, recordSystemMessage } from '../conversations/timeline.js';
import { addSpamFingerprint, removeSpamFingerprint, updateSpamCounts, type SpamLabel } from './spam-filter.js';
import { storedMessageFeatures } from './spam-features.js';

/**
 * Marks a conversation as spam, or as not spam: it leaves (or returns to)
 * every inbox, folder and count; the workspace's filter learns (or unlearns)
 * its inbound messages at once; its contact is blocked (or unblocked). Both
 * are idempotent: a message is never learned twice as the same label.
 */
/** Inbound messages of a conversation not yet learned as `label` (and matching `only`), with their tokens. */
async function unlearnedMessages(deps: Deps, conversationId: string, label: SpamLabel, only: Prisma.MessageWhereInput = {}) {
  const inbound = await deps.db.message.findMany({
    where: {
      conversationId,
      direction: 'INBOUND',
      kind: 'EMAIL',
      OR: [{ spamLearnedAs: null }, { spamLearnedAs: { not: label } }],
      AND: [only],
    },
    select: { id: true, raw: true, subject: true, fromAddress: true, fromName: true, text: true, html: true, spamLearnedAs: true },
  });
  // Tokenizing re-parses the raw source; doing it before the transaction keeps that short.
  return Promise.all(
    inbound.map(async (m) => ({ id: m.id, previous: m.spamLearnedAs as SpamLabel | null, ...(await storedMessageFeatures(m)) })),
  );
}

async function learnMessages(tx: Tx, workspaceId: string, messages: Awaited<ReturnType<typeof unlearnedMessages>>, label: SpamLabel) {
  for (const message of messages) {
    const { count } = await tx.message.updateMany({
      where: { id: message.id, spamLearnedAs: message.previous },
      data: { spamLearnedAs: label },
    });
    if (count === 0) continue; // a concurrent decision got there first
    if (message.previous) await updateSpamCounts(tx, workspaceId, message.tokens, message.previous, -1);
    await updateSpamCounts(tx, workspaceId, message.tokens, label, 1);
    if (label === 'spam' && message.fingerprint) await addSpamFingerprint(tx, workspaceId, message.id, message.fingerprint);
    if (label === 'ham') await removeSpamFingerprint(tx, message.id);
  }
}

/**
 * An answered mail is learned as ham only if it scored above this: mail the filter already calls
 * clearly ham teaches it nothing new, and learned by the hundred it drowns the few spam an agent
 * marks (the shipped model's training relearns ham above the same bar). Cross-validated on the
 * public corpus (bench/classifier/workspace-cv.ts): learning every answered mail missed 12.8 % of
 * spam, learning those above 0.05–0.45 10.96–10.99 %, with as many ham in Spam.
 */
export const AUTO_LEARN_HAM_ABOVE = 0.15;

/**
 * An agent answered the customer: the conversation's inbound mail was wanted.
 * Learning it as ham (where the filter was not already sure of it) teaches the
 * filter what this workspace's real mail looks like.
 */
export async function learnRepliedConversationAsHam(deps: Deps, conversationId: string) {
  const conversation = await deps.db.conversation.findUnique({ where: { id: conversationId } });
  if (!conversation || conversation.spam) return;
  const messages = await unlearnedMessages(deps, conversationId, 'ham', {
    spamLearnedAs: null, // an agent's decision stands
    OR: [{ spamScore: null }, { spamScore: { gt: AUTO_LEARN_HAM_ABOVE } }],
  });
  if (messages.length === 0) return;
  await deps.db.$transaction((tx) => learnMessages(tx, conversation.workspaceId, messages, 'ham'));
}

export async function setConversationSpam(deps: Deps, caller: Caller, input: { conversationId: string; spam: boolean }) {
  const label: SpamLabel = input.spam ? 'spam' : 'ham';
  const conversation = await loadConversation(deps.db, caller, input.conversationId);
  const toLearn = await unlearnedMessages(deps, conversation.id, label);
  return transact(deps, async (tx, events) => {
    const current = await loadConversation(tx, caller, conversation.id);
    await learnMessages(tx, current.workspaceId, toLearn, label);
    const contact = await tx.contact.findUniqueOrThrow({ where: { id: current.contactId } });
    if (contact.blocked !== input.spam) {
      await tx.contact.update({ where: { id: contact.id }, data: { blocked: input.spam, blockedAt: input.spam ? new Date() : null } });
      events.add(input.spam ? 'contact.blocked' : 'contact.unblocked', {
        workspaceId: current.workspaceId,
        contactId: contact.id,
        actor: actorOf(caller),
      });
    }
    if (current.spam === input.spam && (current.spamReason === 'AGENT') === input.spam) return current;
    const updated = await tx.conversation.update({
      where: { id: current.id },
      data: input.spam
        ? { spam: true, spamReason: 'AGENT', spamMarkedAt: new Date() }
        : { spam: false, spamReason: null, spamMarkedAt: null },
    });
    await recordSystemMessage(tx, events, caller, current, { type: input.spam ? 'spam' : 'notSpam' });
    events.add(input.spam ? 'conversation.markedSpam' : 'conversation.markedNotSpam', {
      workspaceId: current.workspaceId,
      conversationId: current.id,
      inboxId: current.inboxId,
      actor: actorOf(caller),
    });
    return updated;
  });
}
