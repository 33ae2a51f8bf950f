import { createAgent, updateAgent } from '../../domain/agents/agents.js';
import { builder } from '../builder.js';
import { agentCaller } from '../context.js';
import { decodeId } from '../ids.js';
import { AgentRole } from './enums.js';

export const Agent = builder.prismaNode('Agent', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: agentCaller(ctx).workspaceId }),
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email'),
    role: t.expose('role', { type: AgentRole }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('agents', (t) =>
  t.prismaField({
    type: [Agent],
    description: 'Every agent of the workspace, by name.',
    resolve: (query, _root, _args, ctx) =>
      ctx.db.agent.findMany({ ...query, where: { workspaceId: agentCaller(ctx).workspaceId }, orderBy: { name: 'asc' } }),
  }),
);

builder.mutationField('createAgent', (t) =>
  t.prismaField({
    type: Agent,
    description: 'Adds an agent to the workspace. Admins only.',
    args: {
      name: t.arg.string(),
      email: t.arg.string(),
      role: t.arg({ type: AgentRole, required: false }),
    },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await createAgent(ctx, agentCaller(ctx), args);
      return ctx.db.agent.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('updateAgent', (t) =>
  t.prismaField({
    type: Agent,
    description: "Renames an agent or changes its role. Admins only; the last admin stays an admin.",
    args: {
      agentId: t.arg.id(),
      name: t.arg.string({ required: false }),
      role: t.arg({ type: AgentRole, required: false }),
    },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await updateAgent(ctx, agentCaller(ctx), { ...args, agentId: decodeId('Agent', String(args.agentId), 'agentId') });
      return ctx.db.agent.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
