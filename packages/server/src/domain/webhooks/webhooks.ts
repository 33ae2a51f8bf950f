import { eventNames, isEventName, type DeskqlEvents, type EventName } from '@deskql/sdk';
import { generateWebhookSecret } from '@deskql/sdk/webhooks';
import type { Prisma } from '../../generated/sqlite/client.js';
import { assertAdmin, type Caller, type Deps } from '../shared/deps.js';
import { invalid, notFound } from '../shared/errors.js';

/** What the domain tells the dispatcher (webhooks/dispatcher.ts), which caches webhooks and sleeps between deliveries. */
export interface WebhookNotifier {
  /** Resolves once events of the changed webhooks are listened to. */
  webhooksChanged(workspaceId: string): Promise<void>;
}

export function webhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalid('url', `"${value}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('url', 'A webhook URL is http:// or https://.');
  if (url.href.length > 2_000) throw invalid('url', 'A webhook URL is at most 2000 characters.');
  return url.href;
}

export function webhookEvents(values: readonly string[]): EventName[] {
  if (values.length === 0) throw invalid('events', 'Choose at least one event.');
  values.forEach((value, i) => {
    if (!isEventName(value)) throw invalid(`events.${i}`, `"${value}" is not an event; events are ${eventNames.join(', ')}.`);
  });
  return [...new Set(values as EventName[])];
}

/** The events a stored webhook asked for. */
export const eventsOf = (webhook: { events: unknown }): EventName[] =>
  Array.isArray(webhook.events) ? (webhook.events as string[]).filter(isEventName) : [];

async function findWebhook(deps: Pick<Deps, 'db'>, caller: Caller, webhookId: string) {
  const webhook = await deps.db.webhook.findFirst({ where: { id: webhookId, workspaceId: caller.workspaceId } });
  if (!webhook) throw notFound('Webhook', webhookId);
  return webhook;
}

/**
 * Registers an endpoint for some events of the caller's workspace and returns
 * its signing secret, the only time the API shows it. Admins only.
 */
export async function createWebhook(
  deps: Pick<Deps, 'db'>,
  notifier: WebhookNotifier,
  caller: Caller,
  input: { url: string; events: readonly string[]; description?: string | null },
) {
  assertAdmin(caller);
  const secret = generateWebhookSecret();
  const webhook = await deps.db.webhook.create({
    data: {
      workspaceId: caller.workspaceId,
      url: webhookUrl(input.url),
      events: webhookEvents(input.events),
      description: input.description?.trim().slice(0, 500) ?? '',
      secret,
    },
  });
  await notifier.webhooksChanged(caller.workspaceId);
  return { webhook, secret };
}

export async function updateWebhook(
  deps: Pick<Deps, 'db'>,
  notifier: WebhookNotifier,
  caller: Caller,
  input: { webhookId: string; url?: string | null; events?: readonly string[] | null; active?: boolean | null; description?: string | null },
) {
  assertAdmin(caller);
  const webhook = await findWebhook(deps, caller, input.webhookId);
  const updated = await deps.db.webhook.update({
    where: { id: webhook.id },
    data: {
      ...(input.url != null && { url: webhookUrl(input.url) }),
      ...(input.events != null && { events: webhookEvents(input.events) }),
      ...(input.active != null && { active: input.active }),
      ...(input.description != null && { description: input.description.trim().slice(0, 500) }),
    },
  });
  await notifier.webhooksChanged(caller.workspaceId);
  return updated;
}

/** Deletes the webhook with its deliveries and their attempts. */
export async function deleteWebhook(deps: Pick<Deps, 'db'>, notifier: WebhookNotifier, caller: Caller, webhookId: string) {
  assertAdmin(caller);
  const webhook = await findWebhook(deps, caller, webhookId);
  await deps.db.webhook.delete({ where: { id: webhook.id } });
  await notifier.webhooksChanged(caller.workspaceId);
  return webhook;
}

/** A new secret at once; deliveries from now on are signed with it. */
export async function rotateWebhookSecret(deps: Pick<Deps, 'db'>, caller: Caller, webhookId: string) {
  assertAdmin(caller);
  const webhook = await findWebhook(deps, caller, webhookId);
  const secret = generateWebhookSecret();
  return { webhook: await deps.db.webhook.update({ where: { id: webhook.id }, data: { secret } }), secret };
}

/** Queues one delivery per webhook for an event; the dispatcher sends them. */
export async function queueWebhookDeliveries<K extends EventName>(
  deps: Pick<Deps, 'db'>,
  webhooks: ReadonlyArray<{ id: string; workspaceId: string }>,
  event: K,
  payload: DeskqlEvents[K],
  occurredAt: Date,
) {
  if (webhooks.length === 0) return 0;
  const { count } = await deps.db.webhookDelivery.createMany({
    data: webhooks.map((webhook) => ({
      webhookId: webhook.id,
      workspaceId: webhook.workspaceId,
      event,
      payload: payload as unknown as Prisma.InputJsonValue,
      occurredAt,
      nextAttemptAt: occurredAt,
    })),
  });
  return count;
}
