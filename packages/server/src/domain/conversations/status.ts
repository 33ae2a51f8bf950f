export type ConversationStatus = 'WAITING_ON_AGENT' | 'WAITING_ON_CUSTOMER' | 'CLOSED';

/**
 * The status automaton: a customer's message puts the conversation back on the
 * agents' side, an agent's email reply hands it to the customer, notes and
 * system entries change nothing. Agents may set any status by hand.
 */
export function statusAfterMessage(
  current: ConversationStatus,
  message: { direction: 'INBOUND' | 'OUTBOUND'; kind: 'EMAIL' | 'NOTE' | 'SYSTEM' },
): ConversationStatus {
  if (message.kind !== 'EMAIL') return current;
  return message.direction === 'INBOUND' ? 'WAITING_ON_AGENT' : 'WAITING_ON_CUSTOMER';
}
