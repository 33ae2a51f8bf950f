import { type Caller, type Deps, type Tx } from '../shared/deps.js';
import { notFound, requiredText } from '../shared/errors.js';
import { conversationsWhere } from '../conversations/list.js';
import { mapRuleValues, validateRule, type Rule } from './rules.js';

export async function findSmartFolder(tx: Pick<Tx, 'smartFolder'>, caller: Caller, smartFolderId: string) {
  const folder = await tx.smartFolder.findFirst({ where: { id: smartFolderId, workspaceId: caller.workspaceId } });
  if (!folder) throw notFound('Smart folder', smartFolderId);
  return folder;
}

export async function createSmartFolder(deps: Deps, caller: Caller, input: { name: string; rules: unknown }) {
  const name = requiredText('name', input.name, 100);
  const rules = validateRule(input.rules);
  const position = await deps.db.smartFolder.count({ where: { workspaceId: caller.workspaceId } });
  const folder = await deps.db.smartFolder.create({
    data: { workspaceId: caller.workspaceId, name, rules: rules as object, position },
  });
  deps.events.publish('smartFolder.changed', { workspaceId: caller.workspaceId, smartFolderId: folder.id, deleted: false });
  return folder;
}

export async function updateSmartFolder(
  deps: Deps,
  caller: Caller,
  input: { smartFolderId: string; name?: string | null; rules?: unknown },
) {
  const folder = await findSmartFolder(deps.db, caller, input.smartFolderId);
  const updated = await deps.db.smartFolder.update({
    where: { id: folder.id },
    data: {
      ...(input.name != null && { name: requiredText('name', input.name, 100) }),
      ...(input.rules != null && { rules: validateRule(input.rules) as object }),
    },
  });
  deps.events.publish('smartFolder.changed', { workspaceId: caller.workspaceId, smartFolderId: folder.id, deleted: false });
  return updated;
}

export async function deleteSmartFolder(deps: Deps, caller: Caller, smartFolderId: string) {
  const folder = await findSmartFolder(deps.db, caller, smartFolderId);
  await deps.db.smartFolder.delete({ where: { id: folder.id } });
  deps.events.publish('smartFolder.changed', { workspaceId: caller.workspaceId, smartFolderId: folder.id, deleted: true });
  return folder;
}

/** The number of conversations in a folder: one COUNT query compiled from its rules. */
export function countSmartFolder(deps: Pick<Deps, 'db'>, caller: Caller, folder: { rules: unknown }) {
  return deps.db.conversation.count({
    where: conversationsWhere(caller, { smartFolderRules: folder.rules }),
  });
}

/** Keeps folders that match a tag by name pointing at it after a rename. */
export async function renameTagInSmartFolders(tx: Tx, workspaceId: string, oldNameKey: string, newName: string) {
  const folders = await tx.smartFolder.findMany({ where: { workspaceId } });
  for (const folder of folders) {
    const rules = folder.rules as Rule;
    const renamed = mapRuleValues(rules, ['CONVERSATION_TAG', 'CONTACT_TAG'], (value) =>
      value !== null && value.toLowerCase() === oldNameKey ? newName : value,
    );
    if (JSON.stringify(renamed) !== JSON.stringify(rules)) {
      await tx.smartFolder.update({ where: { id: folder.id }, data: { rules: renamed as object } });
    }
  }
}

