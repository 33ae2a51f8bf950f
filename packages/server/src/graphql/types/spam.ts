import { setConversationSpam } from '../../domain/spam/marking.js';
import { setSpamThreshold } from '../../domain/spam/settings.js';
import { builder } from '../builder.js';
import { agentCaller } from '../context.js';
import { decodeId } from '../ids.js';
import { Conversation } from './conversation.js';

for (const [name, spam] of [
  ['markSpam', true],
  ['markNotSpam', false],
] as const) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: Conversation,
      description: spam
        ? 'Moves the conversation to Spam for good, teaches the filter its messages at once, and blocks the contact. Idempotent.'
        : 'Brings the conversation back from Spam, teaches the filter its messages were wanted, and unblocks the contact. Idempotent.',
      args: { conversationId: t.arg.id() },
      errors: {},
      resolve: async (query, _root, args, ctx) => {
        const { id } = await setConversationSpam(ctx, agentCaller(ctx), {
          conversationId: decodeId('Conversation', String(args.conversationId), 'conversationId'),
          spam,
        });
        return ctx.db.conversation.findUniqueOrThrow({ ...query, where: { id } });
      },
    }),
  );
}

const SpamSettings = builder.objectRef<{ spamThreshold: number | null }>('SpamSettings').implement({
  fields: (t) => ({
    threshold: t.float({
      nullable: true,
      description: "Score from which new mail goes to Spam; null means the filter's calibrated default.",
      resolve: (s) => s.spamThreshold,
    }),
  }),
});

builder.queryField('spamSettings', (t) =>
  t.field({
    type: SpamSettings,
    resolve: (_root, _args, ctx) =>
      ctx.db.workspace.findUniqueOrThrow({ where: { id: agentCaller(ctx).workspaceId }, select: { spamThreshold: true } }),
  }),
);

builder.mutationField('setSpamThreshold', (t) =>
  t.field({
    type: SpamSettings,
    description: 'Sets the score (0.5 to 1) from which new mail goes to Spam, or null for the default. Admins only.',
    args: { threshold: t.arg.float({ required: false }) },
    errors: {},
    resolve: (_root, args, ctx) => setSpamThreshold(ctx, agentCaller(ctx), args.threshold ?? null),
  }),
);
