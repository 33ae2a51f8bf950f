import {
  addContactEmail,
  createContact,
  mergeContacts,
  removeContactEmail,
  setContactBlocked,
  updateContact,
} from '../../domain/contacts/contacts.js';
import { tagContact } from '../../domain/tags/tags.js';
import type { Prisma } from '../../generated/sqlite/client.js';
import { builder } from '../builder.js';
import { agentCaller } from '../context.js';
import { decodeId } from '../ids.js';
import { Tag } from './tag.js';

export const Contact = builder.prismaNode('Contact', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: agentCaller(ctx).workspaceId }),
  description: 'A customer, created from their first mail; may have several addresses.',
  fields: (t) => ({
    name: t.exposeString('name'),
    emails: t.field({
      type: ['String'],
      select: { emails: { orderBy: { createdAt: 'asc' }, select: { address: true } } },
      resolve: (contact) => contact.emails.map((e) => e.address),
    }),
    blocked: t.exposeBoolean('blocked', { description: 'Mail from a blocked contact is stored in Spam, never in an inbox.' }),
    blockedAt: t.expose('blockedAt', { type: 'DateTime', nullable: true }),
    tags: t.field({
      type: [Tag],
      select: (_args, _ctx, nested) => ({ tags: { orderBy: { createdAt: 'asc' }, select: { tag: nested() } } }),
      resolve: (contact) => contact.tags.map((t) => t.tag),
    }),
    conversations: t.relatedConnection('conversations', {
      cursor: 'id',
      totalCount: true,
      description: "The contact's conversations, newest activity first (spam only when asked).",
      args: { includeSpam: t.arg.boolean({ defaultValue: false }) },
      query: (args) => ({
        where: args.includeSpam ? {} : { spam: false },
        orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
      }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('contacts', (t) =>
  t.prismaConnection({
    type: Contact,
    cursor: 'id',
    description: 'Contacts, newest first; `search` matches name and addresses, ignoring case.',
    args: { search: t.arg.string({ required: false }), blocked: t.arg.boolean({ required: false }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.contact.findMany({ ...query, where: contactsWhere(agentCaller(ctx).workspaceId, args), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    totalCount: (_root, args, ctx) => ctx.db.contact.count({ where: contactsWhere(agentCaller(ctx).workspaceId, args) }),
  }),
);

function contactsWhere(workspaceId: string, args: { search?: string | null; blocked?: boolean | null }): Prisma.ContactWhereInput {
  const search = args.search?.trim().toLowerCase();
  return {
    workspaceId,
    ...(search && { searchText: { contains: search } }),
    ...(args.blocked != null && { blocked: args.blocked }),
  };
}

const contactId = (id: string | number) => decodeId('Contact', String(id), 'contactId');

builder.mutationField('createContact', (t) =>
  t.prismaField({
    type: Contact,
    args: { name: t.arg.string({ required: false }), emails: t.arg.stringList() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await createContact(ctx, agentCaller(ctx), args);
      return ctx.db.contact.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('updateContact', (t) =>
  t.prismaField({
    type: Contact,
    args: { contactId: t.arg.id(), name: t.arg.string() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await updateContact(ctx, agentCaller(ctx), { contactId: contactId(args.contactId), name: args.name });
      return ctx.db.contact.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('addContactEmail', (t) =>
  t.prismaField({
    type: Contact,
    args: { contactId: t.arg.id(), email: t.arg.string() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await addContactEmail(ctx, agentCaller(ctx), { contactId: contactId(args.contactId), email: args.email });
      return ctx.db.contact.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('removeContactEmail', (t) =>
  t.prismaField({
    type: Contact,
    args: { contactId: t.arg.id(), email: t.arg.string() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await removeContactEmail(ctx, agentCaller(ctx), { contactId: contactId(args.contactId), email: args.email });
      return ctx.db.contact.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('mergeContacts', (t) =>
  t.prismaField({
    type: Contact,
    description: "Moves the merged contact's addresses, tags and conversations to the kept one, then deletes it.",
    args: { contactId: t.arg.id({ description: 'The contact that stays.' }), mergedContactId: t.arg.id() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await mergeContacts(ctx, agentCaller(ctx), {
        contactId: contactId(args.contactId),
        mergedContactId: decodeId('Contact', String(args.mergedContactId), 'mergedContactId'),
      });
      return ctx.db.contact.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

for (const [name, blocked] of [
  ['blockContact', true],
  ['unblockContact', false],
] as const) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: Contact,
      description: blocked
        ? 'Blocks a contact: their mail is still stored, but in Spam.'
        : 'Unblocks a contact: their mail reaches the inbox again.',
      args: { contactId: t.arg.id() },
      errors: {},
      resolve: async (query, _root, args, ctx) => {
        const { id } = await setContactBlocked(ctx, agentCaller(ctx), { contactId: contactId(args.contactId), blocked });
        return ctx.db.contact.findUniqueOrThrow({ ...query, where: { id } });
      },
    }),
  );
}

for (const [name, tagged] of [
  ['tagContact', true],
  ['untagContact', false],
] as const) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: Contact,
      args: { contactId: t.arg.id(), tagId: t.arg.id() },
      errors: {},
      resolve: async (query, _root, args, ctx) => {
        const { id } = await tagContact(ctx, agentCaller(ctx), {
            contactId: contactId(args.contactId),
            tagId: decodeId('Tag', String(args.tagId), 'tagId'),
            tagged,
          });
        return ctx.db.contact.findUniqueOrThrow({ ...query, where: { id } });
      },
    }),
  );
}
