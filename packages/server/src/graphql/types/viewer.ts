import { builder } from '../builder.js';
import { agentCaller } from '../context.js';
import { Agent } from './agent.js';

const Workspace = builder.prismaObject('Workspace', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const Viewer = builder.objectRef<{ agentId: string; workspaceId: string }>('Viewer').implement({
  description: 'The agent the API token belongs to, and its workspace.',
  fields: (t) => ({
    agent: t.prismaField({
      type: Agent,
      resolve: (query, viewer, _args, ctx) => ctx.db.agent.findUniqueOrThrow({ ...query, where: { id: viewer.agentId } }),
    }),
    workspace: t.prismaField({
      type: Workspace,
      resolve: (query, viewer, _args, ctx) =>
        ctx.db.workspace.findUniqueOrThrow({ ...query, where: { id: viewer.workspaceId } }),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    resolve: (_root, _args, ctx) => {
      const caller = agentCaller(ctx);
      return { agentId: caller.agentId, workspaceId: caller.workspaceId };
    },
  }),
);
