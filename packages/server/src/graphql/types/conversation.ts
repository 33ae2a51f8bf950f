import { conversationEventNames } from '@deskql/sdk/events';
import { Kind, type GraphQLResolveInfo } from 'graphql';
import {
  addNote,
  assignConversation,
  followConversation,
  moveConversation,
  replyToConversation,
  setConversationRead,
  setPriority,
  setStatus,
} from '../../domain/conversations/conversations.js';
import { conversationListOrder, conversationsWhere, type ConversationFilter } from '../../domain/conversations/list.js';
import { loadConversation } from '../../domain/conversations/timeline.js';
import { findSmartFolder } from '../../domain/smart-folders/smart-folders.js';
import { tagConversation } from '../../domain/tags/tags.js';
import { stopSourceOnReturn } from '../../events/stop-source.js';
import type { Caller } from '../../domain/shared/deps.js';
import { builder } from '../builder.js';
import { agentCaller, type GraphQLContext } from '../context.js';
import { decodeId, decodeIds } from '../ids.js';
import { Agent } from './agent.js';
import { Contact } from './contact.js';
import { ConversationStatus, Priority } from './enums.js';
import { Inbox } from './inbox.js';
import { Message } from './message.js';
import { Tag } from './tag.js';

const viewerId = (ctx: GraphQLContext) => agentCaller(ctx).agentId;

export const Conversation = builder.prismaNode('Conversation', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: agentCaller(ctx).workspaceId }),
  description: 'A case: the messages exchanged with one contact on one subject.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: 'Unique per workspace.' }),
    caseNumber: t.string({
      description: "The inbox prefix and number, e.g. SUP-123; mail whose subject carries [#SUP-123] threads here.",
      select: { number: true, inbox: { select: { casePrefix: true } } },
      resolve: (c) => `${c.inbox.casePrefix}-${c.number}`,
    }),
    subject: t.exposeString('subject'),
    status: t.expose('status', { type: ConversationStatus }),
    priority: t.expose('priority', { type: Priority }),
    spam: t.exposeBoolean('spam', { description: 'Spam is kept but shown only in the Spam view.' }),
    spamReason: t.exposeString('spamReason', {
      nullable: true,
      description: 'Why it is in Spam: FILTER (the classifier was sure), AGENT (marked by hand) or BLOCKED (a blocked contact wrote).',
    }),
    inbox: t.relation('inbox', { type: Inbox }),
    contact: t.relation('contact', { type: Contact }),
    assignee: t.relation('assignee', { type: Agent, nullable: true }),
    followers: t.field({
      type: [Agent],
      select: (_args, _ctx, nested) => ({ followers: { orderBy: { createdAt: 'asc' }, select: { agent: nested() } } }),
      resolve: (c) => c.followers.map((f) => f.agent),
    }),
    followedByMe: t.boolean({
      select: (_args, ctx) => ({ followers: { where: { agentId: viewerId(ctx) }, select: { agentId: true } } }),
      resolve: (c) => c.followers.length > 0,
    }),
    unread: t.boolean({
      description: 'True when the calling agent has not read the latest message (or marked it unread again).',
      select: (_args, ctx) => ({ reads: { where: { agentId: viewerId(ctx) }, select: { agentId: true } } }),
      resolve: (c) => c.reads.length === 0,
    }),
    tags: t.field({
      type: [Tag],
      select: (_args, _ctx, nested) => ({ tags: { orderBy: { createdAt: 'asc' }, select: { tag: nested() } } }),
      resolve: (c) => c.tags.map((t) => t.tag),
    }),
    linkedTo: t.relation('linkedTo', {
      nullable: true,
      description: 'The conversation whose case number this one was opened from by a non-participant.',
    }),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      totalCount: true,
      description: 'The timeline, oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
    lastMessageAt: t.expose('lastMessageAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AssigneeFilterKind = builder.enumType('AssigneeFilter', {
  values: {
    ME: { description: 'Assigned to the calling agent.' },
    UNASSIGNED: {},
    ANYONE: { description: 'No assignee filter.' },
  } as const,
});

export const ConversationFilterInput = builder.inputType('ConversationFilter', {
  description: 'Every filter given narrows the list. Spam never appears unless `spam: true` (the Spam view).',
  fields: (t) => ({
    inboxId: t.id({ required: false }),
    status: t.field({ type: [ConversationStatus], required: false }),
    priority: t.field({ type: [Priority], required: false }),
    tagIds: t.idList({ required: false, description: 'Conversations carrying all of these tags.' }),
    assignee: t.field({ type: AssigneeFilterKind, required: false }),
    assigneeId: t.id({ required: false, description: 'Assigned to this agent.' }),
    followedByMe: t.boolean({ required: false }),
    unreadByMe: t.boolean({ required: false }),
    contactId: t.id({ required: false }),
    smartFolderId: t.id({ required: false }),
    search: t.string({ required: false, description: 'Matches subject, contact name and addresses, ignoring case.' }),
    spam: t.boolean({ required: false }),
  }),
});

type FilterInput = typeof ConversationFilterInput.$inferInput;

/** Turns the GraphQL filter into the domain's, decoding IDs and loading a smart folder's rules. */
export async function toDomainFilter(ctx: GraphQLContext, caller: Caller, input: FilterInput | null | undefined) {
  const filter: ConversationFilter = {
    inboxId: input?.inboxId ? decodeId('Inbox', String(input.inboxId), 'filter.inboxId') : null,
    status: input?.status ?? null,
    priority: input?.priority ?? null,
    tagIds: input?.tagIds ? decodeIds('Tag', input.tagIds.map(String), 'filter.tagIds') : null,
    assignee: input?.assigneeId
      ? { kind: 'AGENT', agentId: decodeId('Agent', String(input.assigneeId), 'filter.assigneeId') }
      : input?.assignee
        ? { kind: input.assignee }
        : null,
    followedByMe: input?.followedByMe ?? null,
    unreadByMe: input?.unreadByMe ?? null,
    contactId: input?.contactId ? decodeId('Contact', String(input.contactId), 'filter.contactId') : null,
    search: input?.search ?? null,
    spam: input?.spam ?? null,
  };
  if (input?.smartFolderId) {
    const folder = await findSmartFolder(ctx.db, caller, decodeId('SmartFolder', String(input.smartFolderId), 'filter.smartFolderId'));
    filter.smartFolderRules = folder.rules;
  }
  return conversationsWhere(caller, filter);
}

// The page and its totalCount are two resolvers over the same arguments. Per request and field, the filter
// is compiled once (a smart folder is loaded once, not twice), and when totalCount is selected the COUNT
// starts with the page query instead of after it and its relations: on PostgreSQL the two then run on two
// pooled connections at once. Keyed by context first, so nothing is ever shared between requests.
type ListArgs = { filter?: FilterInput | null };
type ListWhere = Awaited<ReturnType<typeof toDomainFilter>>;
const listQueries = new WeakMap<GraphQLContext, WeakMap<object, { where: Promise<ListWhere>; count?: Promise<number> }>>();

function listQuery(ctx: GraphQLContext, args: ListArgs) {
  let perRequest = listQueries.get(ctx);
  if (!perRequest) listQueries.set(ctx, (perRequest = new WeakMap()));
  let entry = perRequest.get(args);
  if (!entry) perRequest.set(args, (entry = { where: toDomainFilter(ctx, agentCaller(ctx), args.filter) }));
  return entry;
}

function listCount(ctx: GraphQLContext, args: ListArgs) {
  const entry = listQuery(ctx, args);
  entry.count ??= entry.where.then((where) => ctx.db.conversation.count({ where }));
  return entry.count;
}

const selectsTotalCount = (info: GraphQLResolveInfo) =>
  info.fieldNodes.some((node) => node.selectionSet?.selections.some((s) => s.kind === Kind.FIELD && s.name.value === 'totalCount'));

builder.queryField('conversations', (t) =>
  t.prismaConnection({
    type: Conversation,
    cursor: 'id',
    defaultSize: 50,
    maxSize: 200,
    description: 'Conversations, newest activity first.',
    args: { filter: t.arg({ type: ConversationFilterInput, required: false }) },
    resolve: async (query, _root, args, ctx, info) => {
      // The page's own failure is what the client sees; an early COUNT that fails too must not go unhandled.
      if (selectsTotalCount(info)) listCount(ctx, args).catch(() => {});
      const where = await listQuery(ctx, args).where;
      return ctx.db.conversation.findMany({ ...query, where, orderBy: conversationListOrder });
    },
    totalCount: (_root, args, ctx) => listCount(ctx, args),
  }),
);

const conversationId = (id: string | number) => decodeId('Conversation', String(id), 'conversationId');

/** A mutation on one conversation that returns it. */
function conversationMutation<Args extends object>(
  name: string,
  description: string,
  args: (t: Parameters<Parameters<typeof builder.mutationField>[1]>[0]['arg']) => Args,
  run: (ctx: GraphQLContext, caller: Caller, id: string, args: Record<string, unknown>) => Promise<unknown>,
) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: Conversation,
      description,
      args: { conversationId: t.arg.id(), ...(args(t.arg) as object) },
      errors: {},
      resolve: async (query, _root, rawArgs, ctx) => {
        const caller = agentCaller(ctx);
        const { conversationId: id, ...rest } = rawArgs as { conversationId: string } & Record<string, unknown>;
        const decoded = conversationId(id);
        await run(ctx, caller, decoded, rest);
        return ctx.db.conversation.findUniqueOrThrow({ ...query, where: { id: decoded } });
      },
    }),
  );
}

conversationMutation(
  'setConversationStatus',
  'Sets the status by hand; the timeline records the change.',
  (arg) => ({ status: arg({ type: ConversationStatus }) }),
  (ctx, caller, id, args) => setStatus(ctx, caller, { conversationId: id, status: args.status as never }),
);
conversationMutation(
  'assignConversation',
  'Assigns to an agent, or unassigns when agentId is null.',
  (arg) => ({ agentId: arg.id({ required: false }) }),
  (ctx, caller, id, args) =>
    assignConversation(ctx, caller, {
      conversationId: id,
      agentId: args.agentId ? decodeId('Agent', String(args.agentId), 'agentId') : null,
    }),
);
conversationMutation(
  'setConversationPriority',
  'Sets the priority.',
  (arg) => ({ priority: arg({ type: Priority }) }),
  (ctx, caller, id, args) => setPriority(ctx, caller, { conversationId: id, priority: args.priority as never }),
);
conversationMutation(
  'moveConversation',
  'Moves the conversation to another inbox of the workspace.',
  (arg) => ({ inboxId: arg.id() }),
  (ctx, caller, id, args) =>
    moveConversation(ctx, caller, { conversationId: id, inboxId: decodeId('Inbox', String(args.inboxId), 'inboxId') }),
);
for (const [name, following] of [
  ['followConversation', true],
  ['unfollowConversation', false],
] as const) {
  conversationMutation(
    name,
    following ? 'Follows the conversation as the calling agent.' : 'Stops following the conversation.',
    () => ({}),
    (ctx, caller, id) => followConversation(ctx, caller, { conversationId: id, following }),
  );
}
for (const [name, read] of [
  ['markConversationRead', true],
  ['markConversationUnread', false],
] as const) {
  conversationMutation(
    name,
    read ? 'Marks the conversation read for the calling agent.' : 'Marks the conversation unread again for the calling agent.',
    () => ({}),
    (ctx, caller, id) => setConversationRead(ctx, caller, { conversationId: id, read }),
  );
}
for (const [name, tagged] of [
  ['tagConversation', true],
  ['untagConversation', false],
] as const) {
  conversationMutation(
    name,
    tagged ? 'Adds a tag.' : 'Removes a tag.',
    (arg) => ({ tagId: arg.id() }),
    (ctx, caller, id, args) =>
      tagConversation(ctx, caller, { conversationId: id, tagId: decodeId('Tag', String(args.tagId), 'tagId'), tagged }),
  );
}

builder.mutationField('addNote', (t) =>
  t.prismaField({
    type: Message,
    description: 'Adds an internal note, visible to agents only; the status does not change.',
    args: { conversationId: t.arg.id(), text: t.arg.string() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await addNote(ctx, agentCaller(ctx), { conversationId: conversationId(args.conversationId), text: args.text });
      return ctx.db.message.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('replyToConversation', (t) =>
  t.prismaField({
    type: Message,
    description:
      'Stores an email reply to the contact, threaded to their latest message with the case number in the subject; the status becomes WAITING_ON_CUSTOMER unless `status` says otherwise.',
    args: {
      conversationId: t.arg.id(),
      text: t.arg.string(),
      html: t.arg.string({ required: false }),
      status: t.arg({ type: ConversationStatus, required: false }),
      sendAt: t.arg({ type: 'DateTime', required: false, description: 'Send later: the email stays queued until then.' }),
    },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await replyToConversation(ctx, agentCaller(ctx), { ...args, conversationId: conversationId(args.conversationId) });
      return ctx.db.message.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

const ConversationChange = builder
  .objectRef<{ event: string; conversationId: string; inView: boolean }>('ConversationChange')
  .implement({
    description: 'Something happened to a conversation. `inView` says whether it now belongs in the watched list.',
    fields: (t) => ({
      event: t.exposeString('event', { description: 'The domain event name, e.g. conversation.tagged.' }),
      inView: t.exposeBoolean('inView'),
      conversation: t.prismaField({
        type: Conversation,
        resolve: (query, change, _args, ctx) =>
          ctx.db.conversation.findUniqueOrThrow({ ...query, where: { id: change.conversationId } }),
      }),
    }),
  });

builder.subscriptionField('conversationChanged', (t) =>
  t.field({
    type: ConversationChange,
    description:
      'Every change to the conversations of the workspace, or of one list (an inbox, a smart folder, any filter). Changes that take a conversation out of the list arrive too, with inView false.',
    args: { filter: t.arg({ type: ConversationFilterInput, required: false }) },
    subscribe: (_root, args, ctx) => {
      const events = ctx.events.subscribe(conversationEventNames);
      return stopSourceOnReturn(
        events,
        (async function* () {
          const caller = agentCaller(ctx);
          const where = await toDomainFilter(ctx, caller, args.filter);
          for await (const event of events) {
            if (event.workspaceId !== caller.workspaceId) continue;
            const inView = (await ctx.db.conversation.count({ where: { AND: [where, { id: event.conversationId }] } })) > 0;
            yield { event: event.event, conversationId: event.conversationId, inView };
          }
        })(),
      );
    },
    resolve: (change) => change,
  }),
);

builder.subscriptionField('messageAdded', (t) =>
  t.prismaField({
    type: Message,
    description: 'New timeline entries of one conversation: mail in and out, notes, system entries.',
    args: { conversationId: t.arg.id() },
    subscribe: (_root, args, ctx) => {
      const events = ctx.events.subscribe(['message.created']);
      return stopSourceOnReturn(
        events,
        (async function* () {
          const caller = agentCaller(ctx);
          const conversation = await loadConversation(ctx.db, caller, conversationId(args.conversationId));
          for await (const event of events) {
            if (event.workspaceId === caller.workspaceId && event.conversationId === conversation.id) yield event;
          }
        })(),
      );
    },
    resolve: (query, event, _args, ctx) =>
      ctx.db.message.findUniqueOrThrow({ ...query, where: { id: (event as { messageId: string }).messageId } }),
  }),
);
