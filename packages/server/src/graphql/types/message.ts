import { builder } from '../builder.js';
import { agentCaller } from '../context.js';
import { Agent } from './agent.js';
import { sanitizeEmailHtml } from '../../domain/mail/sanitize-html.js';
import { DeliveryState, MessageDirection, MessageKind } from './enums.js';

const EmailAddress = builder.objectRef<{ address: string; name: string | null }>('EmailAddress').implement({
  fields: (t) => ({
    address: t.exposeString('address'),
    name: t.exposeString('name', { nullable: true }),
  }),
});

type SpamReasonShape = { token: string; spamProbability: number };
const SpamReason = builder.objectRef<SpamReasonShape>('SpamReason').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'e.g. `subject:free`, `url:example.test`, `h:x-mailer:…`, or a word.' }),
    spamProbability: t.exposeFloat('spamProbability', { description: 'Above 0.5 the token points to spam, below to ham.' }),
  }),
});
const SpamAssessment = builder.objectRef<{ score: number; reasons: SpamReasonShape[] }>('SpamAssessment').implement({
  fields: (t) => ({
    score: t.exposeFloat('score', { description: '0 (ham) to 1 (spam).' }),
    reasons: t.field({ type: [SpamReason], resolve: (a) => a.reasons }),
  }),
});

const addressList = (value: unknown) => (Array.isArray(value) ? (value as Array<{ address: string; name: string | null }>) : []);

// Select mode: a message's raw source and an attachment's bytes are read only when a query asks for them.
export const Attachment = builder.prismaObject('Attachment', {
  select: { id: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    filename: t.exposeString('filename'),
    contentType: t.exposeString('contentType'),
    size: t.exposeInt('size', { description: 'Bytes.' }),
    checksum: t.exposeString('checksum', { description: 'SHA-256 of the content, hex.' }),
    contentId: t.exposeString('contentId', { nullable: true, description: 'Set for inline images referenced from the HTML.' }),
    contentBase64: t.string({
      description: 'The content, base64-encoded. Loaded only when asked for.',
      select: { content: true },
      resolve: (attachment) => Buffer.from(attachment.content).toString('base64'),
    }),
  }),
});

export const Message = builder.prismaNode('Message', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: agentCaller(ctx).workspaceId }),
  select: { id: true },
  description: 'An entry of a conversation timeline: an email in or out, an internal note, or a system entry.',
  fields: (t) => ({
    direction: t.expose('direction', { type: MessageDirection }),
    kind: t.expose('kind', { type: MessageKind }),
    author: t.relation('author', { type: Agent, nullable: true, description: 'The agent who wrote it or caused it.' }),
    authorPlugin: t.exposeString('authorPlugin', { nullable: true, description: 'The plugin that caused it.' }),
    from: t.field({
      type: EmailAddress,
      nullable: true,
      select: { fromAddress: true, fromName: true },
      resolve: (m) => (m.fromAddress ? { address: m.fromAddress, name: m.fromName } : null),
    }),
    to: t.field({ type: [EmailAddress], select: { to: true }, resolve: (m) => addressList(m.to) }),
    cc: t.field({ type: [EmailAddress], select: { cc: true }, resolve: (m) => addressList(m.cc) }),
    subject: t.exposeString('subject', { nullable: true }),
    text: t.exposeString('text', { nullable: true }),
    html: t.string({
      nullable: true,
      description: 'The HTML part, sanitized for display (no scripts, handlers, frames or remote loads but images).',
      select: { html: true },
      resolve: (m) => (m.html ? sanitizeEmailHtml(m.html) : null),
    }),
    messageId: t.exposeString('messageId', { nullable: true, description: 'The RFC 5322 Message-ID, without angle brackets.' }),
    inReplyTo: t.exposeString('inReplyTo', { nullable: true }),
    references: t.stringList({ select: { references: true }, resolve: (m) => (Array.isArray(m.references) ? (m.references as string[]) : []) }),
    parseProblem: t.exposeString('parseProblem', {
      nullable: true,
      description: 'What was wrong with a malformed inbound message; it is stored all the same.',
    }),
    rawSource: t.string({
      nullable: true,
      description: 'The inbound message source as received, base64-encoded. Loaded only when asked for.',
      select: { raw: true },
      resolve: (m) => (m.raw ? Buffer.from(m.raw).toString('base64') : null),
    }),
    event: t.expose('event', { type: 'JSON', nullable: true, description: 'For system entries: what changed.' }),
    attachments: t.relation('attachments'),
    spam: t.field({
      type: SpamAssessment,
      nullable: true,
      description: "Inbound mail: the spam filter's score and the tokens that decided it.",
      select: { spamScore: true, spamReasons: true },
      resolve: (m) =>
        m.spamScore === null ? null : { score: m.spamScore, reasons: (m.spamReasons as SpamReasonShape[] | null) ?? [] },
    }),
    automated: t.exposeBoolean('automated', { description: 'Inbound mail sent by a machine (auto-reply, bulk, list, bounce).' }),
    autoReply: t.exposeBoolean('autoReply', { description: "An auto-reply DeskQL sent." }),
    deliveryState: t.expose('deliveryState', {
      type: DeliveryState,
      nullable: true,
      description: 'Outbound emails only: where the email is in the outbox.',
    }),
    sendAt: t.expose('sendAt', { type: 'DateTime', nullable: true, description: 'Scheduled send time.' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    deliveryAttempts: t.exposeInt('deliveryAttempts'),
    lastDeliveryError: t.exposeString('lastDeliveryError', {
      nullable: true,
      description: 'Why the last attempt failed (the relay\'s answer).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
