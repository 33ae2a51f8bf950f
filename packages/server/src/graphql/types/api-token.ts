import { assertAdmin } from '../../domain/shared/deps.js';
import { createApiToken, revokeApiToken } from '../../domain/tokens/tokens.js';
import { builder } from '../builder.js';
import { agentCaller } from '../context.js';
import { decodeId } from '../ids.js';
import { Agent } from './agent.js';
import { TokenScope } from './enums.js';

export const ApiToken = builder.prismaNode('ApiToken', {
  id: { field: 'id' },
  nullable: true,
  // Tokens are an admin's business however they are reached: node(id:) as well as apiTokens.
  findUnique: (id, ctx) => {
    const caller = agentCaller(ctx);
    assertAdmin(caller);
    return { id, workspaceId: caller.workspaceId };
  },
  description: 'An API token. Its secret is shown once, when it is created.',
  fields: (t) => ({
    name: t.exposeString('name'),
    scope: t.expose('scope', { type: TokenScope }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the secret, to tell tokens apart.' }),
    agent: t.relation('agent', { type: Agent, nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreatedApiToken = builder
  .objectRef<{ token: { id: string }; secret: string }>('CreatedApiToken')
  .implement({
    fields: (t) => ({
      token: t.prismaField({
        type: ApiToken,
        resolve: (query, parent, _args, ctx) => ctx.db.apiToken.findUniqueOrThrow({ ...query, where: { id: parent.token.id } }),
      }),
      secret: t.exposeString('secret', { description: 'Send it as "Authorization: Bearer <secret>". It is never shown again.' }),
    }),
  });

builder.queryField('apiTokens', (t) =>
  t.prismaField({
    type: [ApiToken],
    description: "The workspace's API tokens. Admins only.",
    errors: {},
    resolve: (query, _root, _args, ctx) => {
      const caller = agentCaller(ctx);
      assertAdmin(caller);
      return ctx.db.apiToken.findMany({ ...query, where: { workspaceId: caller.workspaceId }, orderBy: { createdAt: 'asc' } });
    },
  }),
);

builder.mutationField('createApiToken', (t) =>
  t.field({
    type: CreatedApiToken,
    description: 'Creates an agent token (acting as that agent) or an ingest token (mail delivery only). Admins only.',
    args: {
      name: t.arg.string(),
      scope: t.arg({ type: TokenScope }),
      agentId: t.arg.id({ required: false }),
    },
    errors: {},
    resolve: (_root, args, ctx) =>
      createApiToken(ctx, agentCaller(ctx), {
        name: args.name,
        scope: args.scope,
        agentId: args.agentId ? decodeId('Agent', String(args.agentId), 'agentId') : null,
      }),
  }),
);

builder.mutationField('revokeApiToken', (t) =>
  t.prismaField({
    type: ApiToken,
    description: 'Revokes a token at once. Admins only.',
    args: { tokenId: t.arg.id() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await revokeApiToken(ctx, agentCaller(ctx), decodeId('ApiToken', String(args.tokenId), 'tokenId'));
      return ctx.db.apiToken.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
