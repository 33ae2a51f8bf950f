import { actorOf, type Caller, type Deps, type Tx } from '../shared/deps.js';
import { DomainError, invalid, normalizeEmail, notFound } from '../shared/errors.js';
import { transact } from '../shared/pending-events.js';
import { newId } from '../../db/ids.js';

/** Lowercased name and addresses: what free-text search matches on both databases. */
export function contactSearchText(name: string, addresses: string[]): string {
  return [name, ...addresses].join(' ').toLowerCase();
}

export async function refreshContactSearchText(tx: Tx, contactId: string) {
  const contact = await tx.contact.findUniqueOrThrow({ where: { id: contactId }, include: { emails: true } });
  await tx.contact.update({
    where: { id: contactId },
    data: {
      nameKey: contact.name.toLowerCase(),
      searchText: contactSearchText(contact.name, contact.emails.map((e) => e.address)),
    },
  });
}

export async function findContact(tx: Pick<Tx, 'contact'>, caller: Caller, contactId: string) {
  const contact = await tx.contact.findFirst({ where: { id: contactId, workspaceId: caller.workspaceId } });
  if (!contact) throw notFound('Contact', contactId);
  return contact;
}

export async function createContact(deps: Deps, caller: Caller, input: { name?: string | null; emails: string[] }) {
  const addresses = [...new Set(input.emails.map((email, i) => normalizeEmail(`emails.${i}`, email)))];
  if (addresses.length === 0) throw invalid('emails', 'A contact needs at least one email address.');
  const name = input.name?.trim() ?? '';
  return transact(deps, async (tx, events) => {
    const taken = await tx.contactEmail.findFirst({ where: { workspaceId: caller.workspaceId, address: { in: addresses } } });
    if (taken) throw new DomainError('CONFLICT', `${taken.address} already belongs to a contact.`, 'emails');
    const contact = await tx.contact.create({
      data: {
        workspaceId: caller.workspaceId,
        name,
        nameKey: name.toLowerCase(),
        searchText: contactSearchText(name, addresses),
        emails: { create: addresses.map((address) => ({ address, workspaceId: caller.workspaceId })) },
      },
    });
    events.add('contact.created', { workspaceId: caller.workspaceId, contactId: contact.id, actor: actorOf(caller) });
    return contact;
  });
}

export async function updateContact(deps: Deps, caller: Caller, input: { contactId: string; name: string }) {
  return transact(deps, async (tx, events) => {
    const contact = await findContact(tx, caller, input.contactId);
    await tx.contact.update({ where: { id: contact.id }, data: { name: input.name.trim() } });
    await refreshContactSearchText(tx, contact.id);
    events.add('contact.updated', { workspaceId: caller.workspaceId, contactId: contact.id, actor: actorOf(caller) });
    return tx.contact.findUniqueOrThrow({ where: { id: contact.id } });
  });
}

export async function addContactEmail(deps: Deps, caller: Caller, input: { contactId: string; email: string }) {
  const address = normalizeEmail('email', input.email);
  return transact(deps, async (tx, events) => {
    const contact = await findContact(tx, caller, input.contactId);
    const owner = await tx.contactEmail.findUnique({
      where: { workspaceId_address: { workspaceId: caller.workspaceId, address } },
    });
    if (owner && owner.contactId !== contact.id) {
      throw new DomainError('CONFLICT', `${address} belongs to another contact; merge the two contacts instead.`, 'email');
    }
    if (!owner) {
      await tx.contactEmail.create({ data: { address, contactId: contact.id, workspaceId: caller.workspaceId } });
      await refreshContactSearchText(tx, contact.id);
      events.add('contact.updated', { workspaceId: caller.workspaceId, contactId: contact.id, actor: actorOf(caller) });
    }
    return contact;
  });
}

export async function removeContactEmail(deps: Deps, caller: Caller, input: { contactId: string; email: string }) {
  const address = input.email.trim().toLowerCase();
  return transact(deps, async (tx, events) => {
    const contact = await findContact(tx, caller, input.contactId);
    const emails = await tx.contactEmail.findMany({ where: { contactId: contact.id } });
    if (!emails.some((e) => e.address === address)) throw notFound('Email address', address);
    if (emails.length === 1) throw invalid('email', 'A contact keeps at least one email address.');
    await tx.contactEmail.deleteMany({ where: { contactId: contact.id, address } });
    await refreshContactSearchText(tx, contact.id);
    events.add('contact.updated', { workspaceId: caller.workspaceId, contactId: contact.id, actor: actorOf(caller) });
    return contact;
  });
}

/**
 * Merges `mergedContactId` into `contactId`: its addresses, tags and
 * conversations move over, its name fills an empty one, a block on either
 * stays, and the merged contact is deleted.
 */
export async function mergeContacts(deps: Deps, caller: Caller, input: { contactId: string; mergedContactId: string }) {
  if (input.contactId === input.mergedContactId) {
    throw invalid('mergedContactId', 'A contact cannot be merged into itself.');
  }
  return transact(deps, async (tx, events) => {
    const target = await findContact(tx, caller, input.contactId);
    const merged = await findContact(tx, caller, input.mergedContactId);
    await tx.contactEmail.updateMany({ where: { contactId: merged.id }, data: { contactId: target.id } });
    await tx.conversation.updateMany({ where: { contactId: merged.id }, data: { contactId: target.id } });
    const targetTags = new Set((await tx.contactTag.findMany({ where: { contactId: target.id } })).map((t) => t.tagId));
    const mergedTags = await tx.contactTag.findMany({ where: { contactId: merged.id } });
    await tx.contactTag.createMany({
      data: mergedTags.filter((t) => !targetTags.has(t.tagId)).map((t) => ({ contactId: target.id, tagId: t.tagId })),
    });
    await tx.contact.delete({ where: { id: merged.id } });
    await tx.contact.update({
      where: { id: target.id },
      data: {
        name: target.name || merged.name,
        blocked: target.blocked || merged.blocked,
        blockedAt: target.blockedAt ?? merged.blockedAt,
      },
    });
    await refreshContactSearchText(tx, target.id);
    events.add('contact.merged', {
      workspaceId: caller.workspaceId,
      contactId: target.id,
      mergedContactId: merged.id,
      actor: actorOf(caller),
    });
    return tx.contact.findUniqueOrThrow({ where: { id: target.id } });
  });
}

/** Blocks or unblocks a contact. Mail from a blocked contact is stored but kept out of every inbox. */
export async function setContactBlocked(deps: Deps, caller: Caller, input: { contactId: string; blocked: boolean }) {
  return transact(deps, async (tx, events) => {
    const contact = await findContact(tx, caller, input.contactId);
    if (contact.blocked === input.blocked) return contact;
    const updated = await tx.contact.update({
      where: { id: contact.id },
      data: { blocked: input.blocked, blockedAt: input.blocked ? new Date() : null },
    });
    events.add(input.blocked ? 'contact.blocked' : 'contact.unblocked', {
      workspaceId: caller.workspaceId,
      contactId: contact.id,
      actor: actorOf(caller),
    });
    return updated;
  });
}

/** Finds the contact that owns an address, creating it (named from the mail) on first contact. */
export async function findOrCreateContactByAddress(
  tx: Tx,
  workspaceId: string,
  address: string,
  name: string,
): Promise<{ contact: { id: string; blocked: boolean }; created: boolean }> {
  const owner = await tx.contactEmail.findUnique({
    where: { workspaceId_address: { workspaceId, address } },
    include: { contact: { select: { id: true, blocked: true } } },
  });
  if (owner) return { contact: owner.contact, created: false };
  const contact = { id: newId(), blocked: false };
  await createContactsForAddresses(tx, workspaceId, [{ id: contact.id, address, name }]);
  return { contact, created: true };
}

/**
 * Creates contacts, each with its one address, in two statements whatever their number (mail ingest's
 * hot path: a batch's new senders). The ids are given (newId), so later rows of a batch can point to
 * them; the caller has checked that no contact of the workspace has these addresses.
 */
export async function createContactsForAddresses(tx: Tx, workspaceId: string, contacts: Array<{ id: string; address: string; name: string }>) {
  if (contacts.length === 0) return;
  await tx.contact.createMany({
    data: contacts.map(({ id, address, name }) => ({ id, workspaceId, name, nameKey: name.toLowerCase(), searchText: contactSearchText(name, [address]) })),
  });
  await tx.contactEmail.createMany({ data: contacts.map(({ id, address }) => ({ contactId: id, address, workspaceId })) });
}
