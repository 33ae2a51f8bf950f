import { receiveEmail } from '../../domain/mail/receive-email.js';
import { invalid } from '../../domain/shared/errors.js';
import { builder } from '../builder.js';
import { ingestCaller } from '../context.js';
import { encodeId } from '../ids.js';

const RawEncoding = builder.enumType('RawEncoding', {
  values: {
    BASE64: { description: 'The source as base64: lossless for 8-bit and binary mail (what the ingest daemon sends).' },
    UTF8: { description: 'The source as text.' },
  } as const,
});

const Delivery = builder
  .objectRef<{ inboxId: string; conversationId: string; messageId: string; duplicate: boolean; openedConversation: boolean }>(
    'Delivery',
  )
  .implement({
    description: 'Where a delivered email was stored.',
    fields: (t) => ({
      inboxId: t.id({ resolve: (d) => encodeId('Inbox', d.inboxId) }),
      conversationId: t.id({ resolve: (d) => encodeId('Conversation', d.conversationId) }),
      messageId: t.id({ resolve: (d) => encodeId('Message', d.messageId) }),
      duplicate: t.exposeBoolean('duplicate', { description: 'It had been stored before; nothing new was written.' }),
      openedConversation: t.exposeBoolean('openedConversation'),
    }),
  });

const DeliveryReport = builder
  .objectRef<{ deliveries: Array<typeof Delivery.$inferType>; unknownRecipients: string[]; parseProblem: string | null }>(
    'DeliveryReport',
  )
  .implement({
    fields: (t) => ({
      deliveries: t.field({ type: [Delivery], resolve: (r) => r.deliveries }),
      unknownRecipients: t.exposeStringList('unknownRecipients'),
      parseProblem: t.exposeString('parseProblem', {
        nullable: true,
        description: 'Set when the message was malformed; it was stored all the same, with its raw source.',
      }),
    }),
  });

builder.mutationField('deliverEmail', (t) =>
  t.field({
    type: DeliveryReport,
    description:
      'Stores an inbound email (raw RFC 5322 source) for its envelope recipients. Ingest tokens only. Idempotent: the same Message-ID into the same inbox is stored once.',
    args: {
      raw: t.arg.string(),
      encoding: t.arg({ type: RawEncoding, defaultValue: 'BASE64' }),
      recipients: t.arg.stringList(),
      mailFrom: t.arg.string({
        required: false,
        description: 'The SMTP envelope sender (MAIL FROM); an empty string is the null sender <> of bounces and auto-replies.',
      }),
    },
    errors: {},
    resolve: async (_root, args, ctx) => {
      const caller = ingestCaller(ctx);
      const source = Buffer.from(args.raw, args.encoding === 'BASE64' ? 'base64' : 'utf8');
      if (source.length === 0) throw invalid('raw', 'The message source is empty.');
      return receiveEmail(ctx, caller, { raw: source, recipients: args.recipients, mailFrom: args.mailFrom });
    },
  }),
);
