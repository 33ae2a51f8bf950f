import { createInbox, listReceivingAddresses, updateInbox } from '../../domain/inboxes/inboxes.js';
import { builder } from '../builder.js';
import { agentCaller, ingestCaller } from '../context.js';
import { decodeId } from '../ids.js';

export const Inbox = builder.prismaNode('Inbox', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: agentCaller(ctx).workspaceId }),
  description: 'A shared inbox: the addresses it receives on and how its replies are signed.',
  fields: (t) => ({
    name: t.exposeString('name'),
    senderName: t.exposeString('senderName', { description: 'The name replies are sent under.' }),
    signature: t.exposeString('signature'),
    casePrefix: t.exposeString('casePrefix', { description: 'Shown before case numbers: [#SUP-123].' }),
    autoReplyEnabled: t.exposeBoolean('autoReplyEnabled'),
    autoReplySubject: t.exposeString('autoReplySubject'),
    autoReplyText: t.exposeString('autoReplyText', {
      description: 'Placeholders: {{contact.name}}, {{caseNumber}}, {{inbox.name}}.',
    }),
    autoReplyIntervalMinutes: t.exposeInt('autoReplyIntervalMinutes', {
      description: 'At most one auto-reply per contact in this many minutes.',
    }),
    addresses: t.field({
      type: ['String'],
      select: { addresses: { orderBy: { createdAt: 'asc' } } },
      resolve: (inbox) => inbox.addresses.map((a) => a.address),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('inboxes', (t) =>
  t.prismaField({
    type: [Inbox],
    resolve: (query, _root, _args, ctx) =>
      ctx.db.inbox.findMany({ ...query, where: { workspaceId: agentCaller(ctx).workspaceId }, orderBy: { name: 'asc' } }),
  }),
);

const ReceivingAddress = builder.objectRef<{ address: string; inboxId: string }>('ReceivingAddress').implement({
  description: 'An address mail is accepted for, and the inbox it lands in.',
  fields: (t) => ({
    address: t.exposeString('address'),
    inboxId: t.exposeID('inboxId', { description: 'The raw inbox id (not a global ID).' }),
  }),
});

builder.queryField('receivingAddresses', (t) =>
  t.field({
    type: [ReceivingAddress],
    description: "The workspace's receiving addresses, for the SMTP ingest daemon. Ingest tokens only.",
    resolve: (_root, _args, ctx) => listReceivingAddresses(ctx, ingestCaller(ctx)),
  }),
);

const InboxInput = builder.inputType('InboxInput', {
  fields: (t) => ({
    name: t.string({ required: false }),
    addresses: t.stringList({ required: false, description: 'Replaces the receiving addresses.' }),
    senderName: t.string({ required: false }),
    signature: t.string({ required: false }),
    casePrefix: t.string({ required: false }),
    autoReplyEnabled: t.boolean({ required: false }),
    autoReplySubject: t.string({ required: false }),
    autoReplyText: t.string({ required: false }),
    autoReplyIntervalMinutes: t.int({ required: false }),
  }),
});

builder.mutationField('createInbox', (t) =>
  t.prismaField({
    type: Inbox,
    description: 'Creates a shared inbox. Admins only.',
    args: { input: t.arg({ type: InboxInput }) },
    errors: {},
    resolve: async (query, _root, { input }, ctx) => {
      const { id } = await createInbox(ctx, agentCaller(ctx), { ...input, name: input.name ?? '', addresses: input.addresses ?? [] });
      return ctx.db.inbox.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('updateInbox', (t) =>
  t.prismaField({
    type: Inbox,
    description: "Changes an inbox's name, addresses, sender name, signature or case prefix. Admins only.",
    args: { inboxId: t.arg.id(), input: t.arg({ type: InboxInput }) },
    errors: {},
    resolve: async (query, _root, { inboxId, input }, ctx) => {
      const { id } = await updateInbox(ctx, agentCaller(ctx), decodeId('Inbox', String(inboxId), 'inboxId'), input);
      return ctx.db.inbox.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
