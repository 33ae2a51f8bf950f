import type { Db } from '../../db/database.js';
import { normalizeEmail, requiredText } from '../shared/errors.js';
import { issueToken } from '../tokens/tokens.js';

/**
 * Creates a workspace with its first admin and that admin's API token (the
 * secret is returned once). This is how every installation starts (`deskql
 * workspace create`), so it needs no caller.
 */
export async function createWorkspace(
  db: Db,
  input: { name: string; admin: { name: string; email: string } },
) {
  const name = requiredText('name', input.name);
  const adminName = requiredText('admin.name', input.admin.name);
  const adminEmail = normalizeEmail('admin.email', input.admin.email);
  return db.$transaction(async (tx) => {
    const workspace = await tx.workspace.create({ data: { name } });
    const admin = await tx.agent.create({
      data: { workspaceId: workspace.id, name: adminName, email: adminEmail, role: 'ADMIN' },
    });
    const { secret } = await issueToken(tx, {
      workspaceId: workspace.id,
      name: `${adminName} (first admin)`,
      scope: 'AGENT',
      agentId: admin.id,
    });
    return { workspace, admin, token: secret };
  });
}
