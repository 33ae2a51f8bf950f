import type { AgentInfo, ConversationInfo, EmailAddress, MessageInfo } from '@deskql/sdk';
import type { Caller, Deps } from '../shared/deps.js';
import { notFound } from '../shared/errors.js';

/** Reads for plugin handlers, confined to the caller's workspace and shaped as the SDK's types. */

const addressList = (value: unknown): EmailAddress[] =>
  Array.isArray(value) ? (value as EmailAddress[]).map((a) => ({ address: a.address, name: a.name ?? null })) : [];

export async function readConversation(deps: Pick<Deps, 'db'>, caller: Caller, conversationId: string): Promise<ConversationInfo> {
  const c = await deps.db.conversation.findFirst({
    where: { id: conversationId, workspaceId: caller.workspaceId },
    include: {
      inbox: { select: { id: true, name: true, casePrefix: true } },
      contact: { select: { id: true, name: true, emails: { select: { address: true }, orderBy: { createdAt: 'asc' } } } },
      tags: { select: { tag: { select: { name: true } } }, orderBy: { createdAt: 'asc' } },
    },
  });
  if (!c) throw notFound('Conversation', conversationId);
  return {
    id: c.id,
    number: c.number,
    caseNumber: `${c.inbox.casePrefix}-${c.number}`,
    subject: c.subject,
    status: c.status,
    priority: c.priority,
    spam: c.spam,
    inbox: { id: c.inbox.id, name: c.inbox.name },
    contact: { id: c.contact.id, name: c.contact.name, emails: c.contact.emails.map((e) => e.address) },
    assigneeId: c.assigneeId,
    tags: c.tags.map((t) => t.tag.name),
    createdAt: c.createdAt,
    lastMessageAt: c.lastMessageAt,
  };
}

export async function readMessage(deps: Pick<Deps, 'db'>, caller: Caller, messageId: string): Promise<MessageInfo> {
  const m = await deps.db.message.findFirst({
    where: { id: messageId, workspaceId: caller.workspaceId },
    select: {
      id: true,
      conversationId: true,
      direction: true,
      kind: true,
      subject: true,
      text: true,
      html: true,
      fromAddress: true,
      fromName: true,
      to: true,
      cc: true,
      automated: true,
      authorPlugin: true,
      createdAt: true,
    },
  });
  if (!m) throw notFound('Message', messageId);
  return {
    id: m.id,
    conversationId: m.conversationId,
    direction: m.direction,
    kind: m.kind,
    subject: m.subject,
    text: m.text,
    html: m.html,
    from: m.fromAddress ? { address: m.fromAddress, name: m.fromName } : null,
    to: addressList(m.to),
    cc: addressList(m.cc),
    automated: m.automated,
    authorPlugin: m.authorPlugin,
    createdAt: m.createdAt,
  };
}

export async function readAgents(deps: Pick<Deps, 'db'>, caller: Caller): Promise<AgentInfo[]> {
  const [agents, load] = await Promise.all([
    deps.db.agent.findMany({ where: { workspaceId: caller.workspaceId }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
    deps.db.conversation.groupBy({
      by: ['assigneeId'],
      where: { workspaceId: caller.workspaceId, spam: false, status: { not: 'CLOSED' }, assigneeId: { not: null } },
      _count: { _all: true },
    }),
  ]);
  const open = new Map(load.map((row) => [row.assigneeId, row._count._all]));
  return agents.map((a) => ({ id: a.id, name: a.name, email: a.email, role: a.role, openAssigned: open.get(a.id) ?? 0 }));
}
