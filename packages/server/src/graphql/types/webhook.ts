import { assertAdmin } from '../../domain/shared/deps.js';
import { createWebhook, deleteWebhook, eventsOf, rotateWebhookSecret, updateWebhook } from '../../domain/webhooks/webhooks.js';
import { WebhookDeliveryStatus as WebhookDeliveryStatusValues } from '../../generated/sqlite/enums.js';
import { builder } from '../builder.js';
import { agentCaller, type GraphQLContext } from '../context.js';
import { decodeId } from '../ids.js';
import { Deleted } from './errors.js';

// Webhooks and their deliveries are an admin's business however they are reached: node(id:) as well as webhooks.
const adminWorkspace = (ctx: GraphQLContext) => {
  const caller = agentCaller(ctx);
  assertAdmin(caller);
  return caller.workspaceId;
};

const WebhookDeliveryStatus = builder.enumType(WebhookDeliveryStatusValues, {
  name: 'WebhookDeliveryStatus',
  description: 'PENDING: waiting for its first attempt or a retry. SUCCEEDED: the endpoint answered 2xx. FAILED: given up.',
});

const WebhookAttempt = builder.prismaObject('WebhookAttempt', {
  description: 'One HTTP request of a delivery.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: '1 for the first attempt.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    durationMs: t.exposeInt('durationMs'),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The HTTP status, when the endpoint answered.' }),
    succeeded: t.boolean({ resolve: (attempt) => attempt.error === null }),
    error: t.exposeString('error', { nullable: true, description: 'The HTTP status, a network error or the time limit.' }),
    responseBody: t.exposeString('responseBody', { nullable: true, description: "The first kilobyte of the endpoint's answer." }),
  }),
});

export const WebhookDelivery = builder.prismaNode('WebhookDelivery', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: adminWorkspace(ctx) }),
  description: "One event on its way to one webhook; its id is the `webhook-id` header, the same on every retry.",
  fields: (t) => ({
    webhook: t.relation('webhook'),
    event: t.exposeString('event'),
    payload: t.expose('payload', { type: 'JSON', description: "The event's payload, sent as the body's `data`." }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    status: t.expose('status', { type: WebhookDeliveryStatus }),
    attemptCount: t.exposeInt('attemptCount'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    attempts: t.relation('attempts', { query: { orderBy: { number: 'asc' } } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const Webhook = builder.prismaNode('Webhook', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, workspaceId: adminWorkspace(ctx) }),
  description: 'An endpoint that receives some events of the workspace, signed (Standard Webhooks) and retried with back-off.',
  fields: (t) => ({
    url: t.exposeString('url'),
    events: t.stringList({ select: { events: true }, resolve: (webhook) => eventsOf(webhook) }),
    active: t.exposeBoolean('active'),
    description: t.exposeString('description'),
    deliveries: t.relatedConnection('deliveries', {
      cursor: 'id',
      totalCount: true,
      description: 'Newest first.',
      args: { status: t.arg({ type: WebhookDeliveryStatus, required: false }) },
      query: (args) => ({
        where: args.status ? { status: args.status } : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const CreatedWebhook = builder.objectRef<{ webhook: { id: string }; secret: string }>('CreatedWebhook').implement({
  fields: (t) => ({
    webhook: t.prismaField({
      type: Webhook,
      resolve: (query, parent, _args, ctx) => ctx.db.webhook.findUniqueOrThrow({ ...query, where: { id: parent.webhook.id } }),
    }),
    secret: t.exposeString('secret', {
      description: 'The signing secret (whsec_…) for verifyWebhook or any Standard Webhooks library. It is never shown again.',
    }),
  }),
});

const webhookId = (id: string | number) => decodeId('Webhook', String(id), 'webhookId');

builder.queryField('webhooks', (t) =>
  t.prismaField({
    type: [Webhook],
    description: "The workspace's webhooks. Admins only.",
    errors: {},
    resolve: (query, _root, _args, ctx) =>
      ctx.db.webhook.findMany({ ...query, where: { workspaceId: adminWorkspace(ctx) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
);

builder.mutationField('createWebhook', (t) =>
  t.field({
    type: CreatedWebhook,
    description: 'Registers an http(s) endpoint for some events (names as in the SDK, e.g. conversation.created). Admins only.',
    args: { url: t.arg.string(), events: t.arg.stringList(), description: t.arg.string({ required: false }) },
    errors: {},
    resolve: (_root, args, ctx) => createWebhook(ctx, ctx.webhooks, agentCaller(ctx), args),
  }),
);

builder.mutationField('updateWebhook', (t) =>
  t.prismaField({
    type: Webhook,
    description: 'Changes the endpoint, its events, or pauses it (`active: false`); arguments left out stay as they are. Admins only.',
    args: {
      webhookId: t.arg.id(),
      url: t.arg.string({ required: false }),
      events: t.arg.stringList({ required: false }),
      active: t.arg.boolean({ required: false }),
      description: t.arg.string({ required: false }),
    },
    errors: {},
    resolve: async (query, _root, args, ctx) => {
      const { id } = await updateWebhook(ctx, ctx.webhooks, agentCaller(ctx), { ...args, webhookId: webhookId(args.webhookId) });
      return ctx.db.webhook.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: CreatedWebhook,
    description: 'Replaces the signing secret at once. Admins only.',
    args: { webhookId: t.arg.id() },
    errors: {},
    resolve: (_root, args, ctx) => rotateWebhookSecret(ctx, agentCaller(ctx), webhookId(args.webhookId)),
  }),
);

builder.mutationField('deleteWebhook', (t) =>
  t.field({
    type: Deleted,
    description: 'Deletes the webhook with its deliveries. Admins only.',
    args: { webhookId: t.arg.id() },
    errors: {},
    resolve: async (_root, args, ctx) => {
      await deleteWebhook(ctx, ctx.webhooks, agentCaller(ctx), webhookId(args.webhookId));
      return { id: String(args.webhookId) };
    },
  }),
);
