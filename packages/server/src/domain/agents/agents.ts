import { assertAdmin, type Caller, type Deps } from '../shared/deps.js';
import { DomainError, isUniqueViolation, normalizeEmail, notFound, requiredText } from '../shared/errors.js';
import { forgetCachedIdentities } from '../tokens/tokens.js';

export type AgentRole = 'ADMIN' | 'AGENT';

export async function createAgent(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  input: { name: string; email: string; role?: AgentRole | null },
) {
  assertAdmin(caller);
  const name = requiredText('name', input.name);
  const email = normalizeEmail('email', input.email);
  try {
    return await deps.db.agent.create({
      data: { workspaceId: caller.workspaceId, name, email, role: input.role ?? 'AGENT' },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('CONFLICT', `An agent with ${email} already exists.`, 'email');
    throw error;
  }
}

export async function updateAgent(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  input: { agentId: string; name?: string | null; role?: AgentRole | null },
) {
  assertAdmin(caller);
  const agent = await deps.db.agent.findFirst({ where: { id: input.agentId, workspaceId: caller.workspaceId } });
  if (!agent) throw notFound('Agent', input.agentId);
  if (input.role === 'AGENT' && agent.role === 'ADMIN') {
    const admins = await deps.db.agent.count({ where: { workspaceId: caller.workspaceId, role: 'ADMIN' } });
    if (admins === 1) throw new DomainError('CONFLICT', 'A workspace keeps at least one admin.', 'role');
  }
  const updated = await deps.db.agent.update({
    where: { id: agent.id },
    data: {
      ...(input.name != null && { name: requiredText('name', input.name) }),
      ...(input.role != null && { role: input.role }),
    },
  });
  // Tokens carry their agent's role in the identity cache; a demoted admin must lose admin rights at once.
  if (updated.role !== agent.role) forgetCachedIdentities();
  return updated;
}
