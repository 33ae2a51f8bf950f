import { createTag, deleteTag, renameTag } from '../../domain/tags/tags.js';
import { builder } from '../builder.js';
import { Deleted } from './errors.js';
import { agentCaller } from '../context.js';
import { decodeId } from '../ids.js';

export const Tag = builder.prismaNode('Tag', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: agentCaller(ctx).workspaceId }),
  description: 'A label for conversations and contacts; names are unique per workspace, ignoring case.',
  fields: (t) => ({
    name: t.exposeString('name'),
    color: t.exposeString('color', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('tags', (t) =>
  t.prismaField({
    type: [Tag],
    resolve: (query, _root, _args, ctx) =>
      ctx.db.tag.findMany({ ...query, where: { workspaceId: agentCaller(ctx).workspaceId }, orderBy: { nameKey: 'asc' } }),
  }),
);

builder.mutationField('createTag', (t) =>
  t.prismaField({
    type: Tag,
    args: { name: t.arg.string(), color: t.arg.string({ required: false }) },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await createTag(ctx, agentCaller(ctx), args);
      return ctx.db.tag.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('renameTag', (t) =>
  t.prismaField({
    type: Tag,
    description: 'Renames a tag everywhere, smart-folder rules included.',
    args: { tagId: t.arg.id(), name: t.arg.string() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await renameTag(ctx, agentCaller(ctx), { tagId: decodeId('Tag', String(args.tagId), 'tagId'), name: args.name });
      return ctx.db.tag.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('deleteTag', (t) =>
  t.field({
    type: Deleted,
    description: 'Deletes a tag and removes it from every conversation and contact.',
    args: { tagId: t.arg.id() },
    errors: {},
    resolve: async (_root, args, ctx) => {
      await deleteTag(ctx, agentCaller(ctx), decodeId('Tag', String(args.tagId), 'tagId'));
      return { id: String(args.tagId) };
    },
  }),
);
