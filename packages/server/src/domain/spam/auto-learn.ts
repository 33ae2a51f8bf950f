import type { Deps } from '../shared/deps.js';
import { learnRepliedConversationAsHam } from './marking.js';

/**
 * Learns a conversation's inbound mail as ham (where the filter was not sure of it,
 * AUTO_LEARN_HAM_ABOVE) when an agent replies to it by
 * email (after the reply is committed, off the request's path). Returns the
 * function that stops it.
 */
export function startSpamAutoLearning(deps: Deps, log: (message: string) => void = console.warn): () => void {
  return deps.events.on('message.created', (event) => {
    if (event.kind !== 'EMAIL' || event.direction !== 'OUTBOUND' || event.actor.type !== 'agent') return;
    learnRepliedConversationAsHam(deps, event.conversationId).catch((error) =>
      log(`spam auto-learning failed for ${event.conversationId}: ${(error as Error).message}`),
    );
  });
}
