import { assertAdmin, type Caller, type Deps } from '../shared/deps.js';
import { DomainError, invalid, isUniqueViolation, normalizeEmail, notFound, requiredText } from '../shared/errors.js';

export interface InboxInput {
  name: string;
  addresses: string[];
  senderName?: string | null;
  signature?: string | null;
  /** Letters and digits shown before case numbers, e.g. SUP in [#SUP-123]. */
  casePrefix?: string | null;
  autoReplyEnabled?: boolean | null;
  autoReplySubject?: string | null;
  autoReplyText?: string | null;
  autoReplyIntervalMinutes?: number | null;
}

function autoReplySettings(input: Partial<InboxInput>) {
  if (input.autoReplyIntervalMinutes != null && (input.autoReplyIntervalMinutes < 1 || input.autoReplyIntervalMinutes > 100_000)) {
    throw invalid('autoReplyIntervalMinutes', 'autoReplyIntervalMinutes must be between 1 and 100000.');
  }
  if (input.autoReplyEnabled && input.autoReplyText !== undefined && !input.autoReplyText?.trim()) {
    throw invalid('autoReplyText', 'An enabled auto-reply needs a text.');
  }
  return {
    ...(input.autoReplyEnabled != null && { autoReplyEnabled: input.autoReplyEnabled }),
    ...(input.autoReplySubject != null && { autoReplySubject: input.autoReplySubject }),
    ...(input.autoReplyText != null && { autoReplyText: input.autoReplyText }),
    ...(input.autoReplyIntervalMinutes != null && { autoReplyIntervalMinutes: input.autoReplyIntervalMinutes }),
  };
}

function casePrefixOf(field: string, value: string): string {
  const prefix = value.trim().toUpperCase();
  if (!/^[A-Z][A-Z0-9]{0,9}$/.test(prefix)) {
    throw invalid(field, 'casePrefix must be 1 to 10 letters or digits, starting with a letter.');
  }
  return prefix;
}

function addressesOf(addresses: string[]): string[] {
  if (addresses.length === 0) throw invalid('addresses', 'An inbox needs at least one receiving address.');
  return [...new Set(addresses.map((address, i) => normalizeEmail(`addresses.${i}`, address)))];
}

function addressTaken(error: unknown): never {
  if (isUniqueViolation(error)) {
    throw new DomainError('CONFLICT', 'One of these addresses already receives mail for an inbox.', 'addresses');
  }
  throw error;
}

export async function createInbox(deps: Pick<Deps, 'db' | 'events'>, caller: Caller, input: InboxInput) {
  assertAdmin(caller);
  const name = requiredText('name', input.name);
  const addresses = addressesOf(input.addresses);
  const inbox = await deps.db
    .$transaction(async (tx) => {
      const inbox = await tx.inbox.create({
        data: {
          workspaceId: caller.workspaceId,
          name,
          senderName: input.senderName?.trim() || name,
          signature: input.signature ?? '',
          casePrefix: casePrefixOf('casePrefix', input.casePrefix ?? (name.replace(/[^A-Za-z0-9]/g, '').slice(0, 3) || 'C')),
          ...autoReplySettings(input),
        },
      });
      await tx.inboxAddress.createMany({
        data: addresses.map((address) => ({ address, inboxId: inbox.id, workspaceId: caller.workspaceId })),
      });
      return inbox;
    })
    .catch(addressTaken);
  deps.events.publish('inbox.changed', { workspaceId: caller.workspaceId, inboxId: inbox.id, deleted: false });
  return inbox;
}

export async function updateInbox(
  deps: Pick<Deps, 'db' | 'events'>,
  caller: Caller,
  inboxId: string,
  input: { [K in keyof InboxInput]?: InboxInput[K] | null },
) {
  assertAdmin(caller);
  const inbox = await deps.db.inbox.findFirst({ where: { id: inboxId, workspaceId: caller.workspaceId } });
  if (!inbox) throw notFound('Inbox', inboxId);
  const addresses = input.addresses ? addressesOf(input.addresses) : null;

  const updated = await deps.db
    .$transaction(async (tx) => {
      if (addresses) {
        await tx.inboxAddress.deleteMany({ where: { inboxId, address: { notIn: addresses } } });
        const existing = new Set(
          (await tx.inboxAddress.findMany({ where: { inboxId } })).map((row) => row.address),
        );
        await tx.inboxAddress.createMany({
          data: addresses
            .filter((address) => !existing.has(address))
            .map((address) => ({ address, inboxId, workspaceId: caller.workspaceId })),
        });
      }
      return tx.inbox.update({
        where: { id: inboxId },
        data: {
          ...(input.name != null && { name: requiredText('name', input.name) }),
          ...(input.senderName != null && { senderName: requiredText('senderName', input.senderName) }),
          ...(input.signature != null && { signature: input.signature }),
          ...(input.casePrefix != null && { casePrefix: casePrefixOf('casePrefix', input.casePrefix) }),
          ...autoReplySettings(input as Partial<InboxInput>),
        },
      });
    })
    .catch(addressTaken);
  deps.events.publish('inbox.changed', { workspaceId: caller.workspaceId, inboxId, deleted: false });
  return updated;
}

/** The workspace's receiving addresses, for the ingest daemon's RCPT check. */
export function listReceivingAddresses(deps: Pick<Deps, 'db'>, caller: Caller) {
  return deps.db.inboxAddress.findMany({ where: { workspaceId: caller.workspaceId }, orderBy: { address: 'asc' } });
}
