import {
  AgentRole as AgentRoleValues,
  ConversationStatus as ConversationStatusValues,
  DeliveryState as DeliveryStateValues,
  MessageDirection as MessageDirectionValues,
  MessageKind as MessageKindValues,
  Priority as PriorityValues,
  TokenScope as TokenScopeValues,
} from '../../generated/sqlite/enums.js';
import { ruleFields, ruleOperators } from '../../domain/smart-folders/rules.js';
import { builder } from '../builder.js';

export const ConversationStatus = builder.enumType(ConversationStatusValues, {
  name: 'ConversationStatus',
  description:
    'WAITING_ON_AGENT: the customer waits for us. WAITING_ON_CUSTOMER: we replied and wait. CLOSED: done until the customer writes again.',
});
export const Priority = builder.enumType(PriorityValues, { name: 'Priority' });
export const AgentRole = builder.enumType(AgentRoleValues, { name: 'AgentRole' });
export const TokenScope = builder.enumType(TokenScopeValues, {
  name: 'TokenScope',
  description: 'AGENT tokens act as an agent; INGEST tokens may only deliver mail.',
});
export const MessageDirection = builder.enumType(MessageDirectionValues, {
  name: 'MessageDirection',
  description: 'INBOUND: from the customer. OUTBOUND: from our side (replies, notes, system entries).',
});
export const MessageKind = builder.enumType(MessageKindValues, { name: 'MessageKind' });
export const RuleField = builder.enumType('RuleField', { values: ruleFields });
export const RuleOperator = builder.enumType('RuleOperator', { values: ruleOperators });
export const DeliveryState = builder.enumType(DeliveryStateValues, {
  name: 'DeliveryState',
  description: 'QUEUED: in the outbox (until sendAt if scheduled). HELD: scheduled, held back because the customer wrote again. SENT, FAILED (see lastDeliveryError), CANCELLED.',
});
