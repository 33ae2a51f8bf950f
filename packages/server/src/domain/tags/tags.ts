import { actorOf, type Caller, type Deps, type Tx } from '../shared/deps.js';
import { DomainError, isUniqueViolation, notFound, requiredText } from '../shared/errors.js';
import { transact } from '../shared/pending-events.js';
import { renameTagInSmartFolders } from '../smart-folders/smart-folders.js';
import { findContact } from '../contacts/contacts.js';
import { loadConversation, recordSystemMessage } from '../conversations/timeline.js';

const tagKey = (name: string) => name.toLowerCase();

export async function findTag(tx: Pick<Tx, 'tag'>, caller: Caller, tagId: string) {
  const tag = await tx.tag.findFirst({ where: { id: tagId, workspaceId: caller.workspaceId } });
  if (!tag) throw notFound('Tag', tagId);
  return tag;
}

function nameTaken(name: string) {
  return (error: unknown): never => {
    if (isUniqueViolation(error)) throw new DomainError('CONFLICT', `A tag named "${name}" already exists.`, 'name');
    throw error;
  };
}

export async function createTag(deps: Deps, caller: Caller, input: { name: string; color?: string | null }) {
  const name = requiredText('name', input.name, 60);
  const tag = await deps.db.tag
    .create({ data: { workspaceId: caller.workspaceId, name, nameKey: tagKey(name), color: input.color ?? null } })
    .catch(nameTaken(name));
  deps.events.publish('tag.created', { workspaceId: caller.workspaceId, tagId: tag.id, name });
  return tag;
}

/** Renames a tag; smart folders that match on the old name follow it. */
export async function renameTag(deps: Deps, caller: Caller, input: { tagId: string; name: string }) {
  const name = requiredText('name', input.name, 60);
  return transact(deps, async (tx, events) => {
    const tag = await findTag(tx, caller, input.tagId);
    const renamed = await tx.tag
      .update({ where: { id: tag.id }, data: { name, nameKey: tagKey(name) } })
      .catch(nameTaken(name));
    await renameTagInSmartFolders(tx, caller.workspaceId, tag.nameKey, name);
    events.add('tag.renamed', { workspaceId: caller.workspaceId, tagId: tag.id, name, previousName: tag.name });
    return renamed;
  });
}

export async function deleteTag(deps: Deps, caller: Caller, tagId: string) {
  return transact(deps, async (tx, events) => {
    const tag = await findTag(tx, caller, tagId);
    await tx.tag.delete({ where: { id: tag.id } });
    events.add('tag.deleted', { workspaceId: caller.workspaceId, tagId: tag.id, name: tag.name });
    return tag;
  });
}

/** Finds a tag by name, creating it if needed: plugins and quick tagging work by name. */
export async function findOrCreateTagByName(deps: Deps, caller: Caller, name: string) {
  const clean = requiredText('name', name, 60);
  const existing = await deps.db.tag.findUnique({
    where: { workspaceId_nameKey: { workspaceId: caller.workspaceId, nameKey: tagKey(clean) } },
  });
  return existing ?? createTag(deps, caller, { name: clean });
}

export async function tagConversation(
  deps: Deps,
  caller: Caller,
  input: { conversationId: string; tagId: string; tagged: boolean },
) {
  return transact(deps, async (tx, events) => {
    const conversation = await loadConversation(tx, caller, input.conversationId);
    const tag = await findTag(tx, caller, input.tagId);
    const key = { conversationId_tagId: { conversationId: conversation.id, tagId: tag.id } };
    const present = await tx.conversationTag.findUnique({ where: key });
    if (Boolean(present) === input.tagged) return conversation;
    if (input.tagged) await tx.conversationTag.create({ data: { conversationId: conversation.id, tagId: tag.id } });
    else await tx.conversationTag.delete({ where: key });
    await recordSystemMessage(tx, events, caller, conversation, {
      type: input.tagged ? 'tagged' : 'untagged',
      tag: tag.name,
    });
    events.add(input.tagged ? 'conversation.tagged' : 'conversation.untagged', {
      workspaceId: caller.workspaceId,
      conversationId: conversation.id,
      inboxId: conversation.inboxId,
      actor: actorOf(caller),
      tagId: tag.id,
      tagName: tag.name,
    });
    return conversation;
  });
}

export async function tagContact(deps: Deps, caller: Caller, input: { contactId: string; tagId: string; tagged: boolean }) {
  return transact(deps, async (tx, events) => {
    const contact = await findContact(tx, caller, input.contactId);
    const tag = await findTag(tx, caller, input.tagId);
    const key = { contactId_tagId: { contactId: contact.id, tagId: tag.id } };
    const present = await tx.contactTag.findUnique({ where: key });
    if (Boolean(present) === input.tagged) return contact;
    if (input.tagged) await tx.contactTag.create({ data: { contactId: contact.id, tagId: tag.id } });
    else await tx.contactTag.delete({ where: key });
    events.add(input.tagged ? 'contact.tagged' : 'contact.untagged', {
      workspaceId: caller.workspaceId,
      contactId: contact.id,
      tagId: tag.id,
      tagName: tag.name,
      actor: actorOf(caller),
    });
    return contact;
  });
}
