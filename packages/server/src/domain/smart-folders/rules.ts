import type { Prisma } from '../../generated/sqlite/client.js';
import { DomainError, invalid } from '../shared/errors.js';

export const ruleFields = [
  'CONVERSATION_TAG',
  'SUBJECT',
  'CONTACT_TAG',
  'CONTACT_EMAIL',
  'CONTACT_NAME',
  'STATUS',
  'INBOX',
  'ASSIGNEE',
  'PRIORITY',
] as const;
export const ruleOperators = ['IS', 'IS_NOT', 'CONTAINS', 'DOES_NOT_CONTAIN', 'STARTS_WITH', 'ENDS_WITH'] as const;

export type RuleField = (typeof ruleFields)[number];
export type RuleOperator = (typeof ruleOperators)[number];

/**
 * A smart folder's rule tree: groups that need all or any of their children,
 * and conditions on one field. Stored as JSON; compiled into one Prisma
 * `where` so a folder's conversations and count are one database query each.
 */
export type Rule =
  | { all: Rule[] }
  | { any: Rule[] }
  | { field: RuleField; operator: RuleOperator; value: string | null };

const textOperators: readonly RuleOperator[] = ruleOperators;
const equalityOperators: readonly RuleOperator[] = ['IS', 'IS_NOT'];
const operatorsByField: Record<RuleField, readonly RuleOperator[]> = {
  CONVERSATION_TAG: textOperators,
  SUBJECT: textOperators,
  CONTACT_TAG: textOperators,
  CONTACT_EMAIL: textOperators,
  CONTACT_NAME: textOperators,
  STATUS: equalityOperators,
  INBOX: equalityOperators,
  ASSIGNEE: equalityOperators,
  PRIORITY: equalityOperators,
};
const statuses = ['WAITING_ON_AGENT', 'WAITING_ON_CUSTOMER', 'CLOSED'];
const priorities = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
const MAX_DEPTH = 6;
const MAX_CONDITIONS = 50;

/**
 * Checks a rule tree from any source (GraphQL input, stored JSON, a plugin)
 * and returns it normalized, or throws INVALID_INPUT naming the bad node.
 */
export function validateRule(input: unknown, path = 'rules', depth = 0, budget = { left: MAX_CONDITIONS }): Rule {
  if (depth > MAX_DEPTH) throw invalid(path, `Rules may nest at most ${MAX_DEPTH} groups deep.`);
  if (typeof input !== 'object' || input === null) throw invalid(path, 'A rule must be a group (all/any) or a condition.');
  const node = input as Record<string, unknown>;
  const keys = Object.keys(node).filter((k) => node[k] !== undefined && node[k] !== null);
  const kinds = ['all', 'any', 'field'].filter((k) => keys.includes(k));
  if (kinds.length !== 1) throw invalid(path, 'A rule must have exactly one of: all, any, field.');
  for (const group of ['all', 'any'] as const) {
    if (kinds[0] !== group) continue;
    const children = node[group];
    if (!Array.isArray(children) || children.length === 0) throw invalid(`${path}.${group}`, `"${group}" needs at least one rule.`);
    const rules = children.map((child, i) => validateRule(child, `${path}.${group}.${i}`, depth + 1, budget));
    return group === 'all' ? { all: rules } : { any: rules };
  }
  if (--budget.left < 0) throw invalid(path, `A smart folder may have at most ${MAX_CONDITIONS} conditions.`);
  const field = node.field as RuleField;
  if (!ruleFields.includes(field)) {
    throw invalid(`${path}.field`, `Unknown rule field "${String(node.field)}"; expected one of ${ruleFields.join(', ')}.`);
  }
  const operator = node.operator as RuleOperator;
  if (!operatorsByField[field].includes(operator)) {
    throw invalid(
      `${path}.operator`,
      `Operator "${String(node.operator)}" does not apply to ${field}; use one of ${operatorsByField[field].join(', ')}.`,
    );
  }
  const raw = node.value;
  if (raw !== null && raw !== undefined && typeof raw !== 'string') throw invalid(`${path}.value`, 'A rule value must be text.');
  const value = typeof raw === 'string' ? raw.trim() : null;
  const needsValue = field !== 'ASSIGNEE';
  if (needsValue && !value) throw invalid(`${path}.value`, `A ${field} condition needs a value.`);
  if (field === 'STATUS' && !statuses.includes(value!)) {
    throw invalid(`${path}.value`, `Unknown status "${value}"; expected one of ${statuses.join(', ')}.`);
  }
  if (field === 'PRIORITY' && !priorities.includes(value!)) {
    throw invalid(`${path}.value`, `Unknown priority "${value}"; expected one of ${priorities.join(', ')}.`);
  }
  return { field, operator, value: value || null };
}

function textFilter(operator: RuleOperator, value: string): Prisma.StringFilter {
  const v = value.toLowerCase();
  switch (operator) {
    case 'IS':
    case 'IS_NOT':
      return { equals: v };
    case 'CONTAINS':
    case 'DOES_NOT_CONTAIN':
      return { contains: v };
    case 'STARTS_WITH':
      return { startsWith: v };
    case 'ENDS_WITH':
      return { endsWith: v };
  }
}

const negated = (operator: RuleOperator) => operator === 'IS_NOT' || operator === 'DOES_NOT_CONTAIN';

/** Compiles a validated rule tree into a Prisma filter on Conversation. */
export function compileRule(rule: Rule): Prisma.ConversationWhereInput {
  if ('all' in rule) return { AND: rule.all.map(compileRule) };
  if ('any' in rule) return { OR: rule.any.map(compileRule) };
  const { field, operator } = rule;
  const value = rule.value ?? '';
  const not = negated(operator);
  switch (field) {
    case 'SUBJECT':
      return not ? { NOT: { subjectKey: textFilter(operator, value) } } : { subjectKey: textFilter(operator, value) };
    case 'CONVERSATION_TAG': {
      const tags = { some: { tag: { nameKey: textFilter(operator, value) } } };
      return not ? { NOT: { tags } } : { tags };
    }
    case 'CONTACT_TAG': {
      const tags = { some: { tag: { nameKey: textFilter(operator, value) } } };
      return { contact: not ? { NOT: { tags } } : { tags } };
    }
    case 'CONTACT_EMAIL': {
      const emails = { some: { address: textFilter(operator, value) } };
      return { contact: not ? { NOT: { emails } } : { emails } };
    }
    case 'CONTACT_NAME': {
      const nameKey = textFilter(operator, value);
      return { contact: not ? { NOT: { nameKey } } : { nameKey } };
    }
    case 'STATUS':
      return { status: not ? { not: value as never } : (value as never) };
    case 'PRIORITY':
      return { priority: not ? { not: value as never } : (value as never) };
    case 'INBOX':
      return not ? { NOT: { inboxId: value } } : { inboxId: value };
    case 'ASSIGNEE':
      if (!rule.value) return not ? { NOT: { assigneeId: null } } : { assigneeId: null };
      return not ? { OR: [{ assigneeId: null }, { NOT: { assigneeId: value } }] } : { assigneeId: value };
  }
}

/** Parses a stored rule tree; a stored tree that no longer validates matches nothing rather than everything. */
export function compileStoredRules(stored: unknown): Prisma.ConversationWhereInput {
  try {
    return compileRule(validateRule(stored));
  } catch (error) {
    if (error instanceof DomainError) return { id: { in: [] } };
    throw error;
  }
}

/** Applies `rename` to every condition value on the given fields (used when a tag is renamed). */
export function mapRuleValues(rule: Rule, fields: RuleField[], rename: (value: string | null) => string | null): Rule {
  if ('all' in rule) return { all: rule.all.map((r) => mapRuleValues(r, fields, rename)) };
  if ('any' in rule) return { any: rule.any.map((r) => mapRuleValues(r, fields, rename)) };
  return fields.includes(rule.field) ? { ...rule, value: rename(rule.value) } : rule;
}
