import { cancelOutboundMessage, releaseOutboundMessage } from '../../domain/mail/outbox.js';
import { startConversations } from '../../domain/conversations/start-conversation.js';
import { loadConversation } from '../../domain/conversations/timeline.js';
import { stopSourceOnReturn } from '../../events/stop-source.js';
import { builder } from '../builder.js';
import { agentCaller } from '../context.js';
import { decodeId } from '../ids.js';
import { Conversation } from './conversation.js';
import { DeliveryState } from './enums.js';
import { Message } from './message.js';

const messageId = (id: string | number) => decodeId('Message', String(id), 'messageId');

builder.mutationField('cancelOutboundEmail', (t) =>
  t.prismaField({
    type: Message,
    description: 'Cancels an email that has not left yet (queued, scheduled or held).',
    args: { messageId: t.arg.id() },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await cancelOutboundMessage(ctx, agentCaller(ctx), messageId(args.messageId));
      return ctx.db.message.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('releaseOutboundEmail', (t) =>
  t.prismaField({
    type: Message,
    description: 'Sends a held email after all (now, or at `sendAt`), or reschedules a queued one.',
    args: { messageId: t.arg.id(), sendAt: t.arg({ type: 'DateTime', required: false }) },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await releaseOutboundMessage(ctx, agentCaller(ctx), { messageId: messageId(args.messageId), sendAt: args.sendAt });
      return ctx.db.message.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('startConversations', (t) =>
  t.field({
    type: [Conversation],
    description: 'Writes to customers first ("new request"): one conversation and one email per recipient.',
    args: {
      inboxId: t.arg.id(),
      to: t.arg.stringList(),
      subject: t.arg.string(),
      text: t.arg.string(),
      html: t.arg.string({ required: false }),
      sendAt: t.arg({ type: 'DateTime', required: false }),
    },
    errors: { directResult: false },
    resolve: (_root, args, ctx) =>
      startConversations(ctx, agentCaller(ctx), { ...args, inboxId: decodeId('Inbox', String(args.inboxId), 'inboxId') }),
  }),
);

const OutboundEmailChange = builder
  .objectRef<{ messageId: string; state: string; error: string | null }>('OutboundEmailChange')
  .implement({
    fields: (t) => ({
      state: t.field({ type: DeliveryState, resolve: (c) => c.state as never }),
      error: t.exposeString('error', { nullable: true, description: 'Set when an attempt failed (a retry may follow).' }),
      message: t.prismaField({
        type: Message,
        resolve: (query, change, _args, ctx) => ctx.db.message.findUniqueOrThrow({ ...query, where: { id: change.messageId } }),
      }),
    }),
  });

builder.subscriptionField('outboundEmailChanged', (t) =>
  t.field({
    type: OutboundEmailChange,
    description:
      "Outbox progress of the workspace's emails (or one conversation's): queued, held because the customer wrote again, sent, retried, failed, cancelled.",
    args: { conversationId: t.arg.id({ required: false }) },
    subscribe: (_root, args, ctx) => {
      const events = ctx.events.subscribe(['message.deliveryChanged']);
      return stopSourceOnReturn(
        events,
        (async function* () {
          const caller = agentCaller(ctx);
          const only = args.conversationId
            ? (await loadConversation(ctx.db, caller, decodeId('Conversation', String(args.conversationId), 'conversationId'))).id
            : null;
          for await (const event of events) {
            if (event.workspaceId !== caller.workspaceId || (only && event.conversationId !== only)) continue;
            yield { messageId: event.messageId, state: event.state, error: event.error };
          }
        })(),
      );
    },
    resolve: (change) => change,
  }),
);
