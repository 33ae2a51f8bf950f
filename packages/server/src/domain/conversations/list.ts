import type { Prisma } from '../../generated/sqlite/client.js';
import type { Caller } from '../shared/deps.js';
import { compileStoredRules } from '../smart-folders/rules.js';
import type { ConversationStatus } from './status.js';
import type { Priority } from './conversations.js';

export type AssigneeFilter = { kind: 'ME' } | { kind: 'UNASSIGNED' } | { kind: 'ANYONE' } | { kind: 'AGENT'; agentId: string };

/** Filters of a conversation list; every one narrows the list, none given lists the whole workspace. */
export interface ConversationFilter {
  inboxId?: string | null;
  status?: ConversationStatus[] | null;
  priority?: Priority[] | null;
  /** Conversations carrying every one of these tags. */
  tagIds?: string[] | null;
  assignee?: AssigneeFilter | null;
  followedByMe?: boolean | null;
  unreadByMe?: boolean | null;
  contactId?: string | null;
  /** A smart folder's stored rule tree. */
  smartFolderRules?: unknown;
  /** Free text matched against subject, contact name and addresses. */
  search?: string | null;
  /** The Spam view lists spam only; every other list never shows spam. */
  spam?: boolean | null;
}

/**
 * Compiles a list filter into one Prisma `where`, always confined to the
 * caller's workspace. Lists, counts and smart folders all use it.
 */
export function conversationsWhere(caller: Caller, filter: ConversationFilter): Prisma.ConversationWhereInput {
  const agentId = caller.kind === 'agent' ? caller.agentId : null;
  const and: Prisma.ConversationWhereInput[] = [{ workspaceId: caller.workspaceId, spam: filter.spam ?? false }];
  if (filter.inboxId) and.push({ inboxId: filter.inboxId });
  if (filter.status?.length) and.push({ status: { in: filter.status } });
  if (filter.priority?.length) and.push({ priority: { in: filter.priority } });
  for (const tagId of filter.tagIds ?? []) and.push({ tags: { some: { tagId } } });
  if (filter.contactId) and.push({ contactId: filter.contactId });
  switch (filter.assignee?.kind) {
    case 'ME':
      and.push({ assigneeId: agentId ?? '' });
      break;
    case 'UNASSIGNED':
      and.push({ assigneeId: null });
      break;
    case 'AGENT':
      and.push({ assigneeId: filter.assignee.agentId });
      break;
  }
  if (filter.followedByMe) and.push({ followers: { some: { agentId: agentId ?? '' } } });
  if (filter.unreadByMe) and.push({ reads: { none: { agentId: agentId ?? '' } } });
  if (filter.smartFolderRules !== undefined && filter.smartFolderRules !== null) {
    and.push(compileStoredRules(filter.smartFolderRules));
  }
  const search = filter.search?.trim().toLowerCase();
  if (search) {
    and.push({ OR: [{ subjectKey: { contains: search } }, { contact: { searchText: { contains: search } } }] });
  }
  return { AND: and };
}

/** Newest activity first; the id breaks ties so cursors are stable. */
export const conversationListOrder: Prisma.ConversationOrderByWithRelationInput[] = [
  { lastMessageAt: 'desc' },
  { id: 'desc' },
];
