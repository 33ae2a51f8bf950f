import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { assertAdmin, type Caller, type Deps } from '../shared/deps.js';
import { DomainError, notFound, requiredText } from '../shared/errors.js';

export type TokenScope = 'AGENT' | 'INGEST';

/** Who a bearer token speaks for. */
export interface TokenIdentity {
  tokenId: string;
  workspaceId: string;
  scope: TokenScope;
  agent: { id: string; role: 'ADMIN' | 'AGENT' } | null;
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * Creates an API token and returns its secret, the only time it is ever
 * visible: only its SHA-256 is stored. Agent tokens act as that agent;
 * ingest tokens may only deliver mail and read inbox addresses.
 */
export async function createApiToken(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  input: { name: string; scope: TokenScope; agentId?: string | null },
) {
  assertAdmin(caller);
  const name = requiredText('name', input.name);
  if (input.scope === 'AGENT' && !input.agentId) {
    throw new DomainError('INVALID_INPUT', 'An agent token must name its agent.', 'agentId');
  }
  if (input.agentId) {
    const agent = await deps.db.agent.findFirst({ where: { id: input.agentId, workspaceId: caller.workspaceId } });
    if (!agent) throw notFound('Agent', input.agentId);
  }
  return issueToken(deps.db, {
    workspaceId: caller.workspaceId,
    name,
    scope: input.scope,
    agentId: input.scope === 'AGENT' ? input.agentId! : null,
  });
}

/** Writes a token row; used by createApiToken and by workspace creation. */
export async function issueToken(
  db: Pick<Db, 'apiToken'>,
  data: { workspaceId: string; name: string; scope: TokenScope; agentId: string | null },
) {
  const secret = `dq_${data.scope === 'INGEST' ? 'ing' : 'agt'}_${randomBytes(24).toString('base64url')}`;
  const token = await db.apiToken.create({
    data: { ...data, secretHash: hashSecret(secret), prefix: secret.slice(0, 10) },
  });
  return { token, secret };
}

export async function revokeApiToken(deps: Pick<Deps, 'db'>, caller: Caller, tokenId: string) {
  assertAdmin(caller);
  const token = await deps.db.apiToken.findFirst({ where: { id: tokenId, workspaceId: caller.workspaceId } });
  if (!token) throw notFound('API token', tokenId);
  const revoked = await deps.db.apiToken.update({ where: { id: token.id }, data: { revokedAt: token.revokedAt ?? new Date() } });
  // After the write: a request between clearing and writing would cache the token as valid again.
  forgetCachedIdentities();
  return revoked;
}

// A short-lived cache keeps the per-request cost of authentication to a map
// lookup; revocation clears it here and other instances follow within the TTL.
// It holds the lookup's promise, not its result: when an entry expires under
// load, the requests arriving together share one lookup (and at most one
// lastUsedAt write) instead of each running their own.
const identityCache = new Map<string, { identity: Promise<TokenIdentity | null>; expires: number }>();
const CACHE_TTL_MS = 5_000;
const LAST_USED_PRECISION_MS = 60_000;

/** Drops cached identities, so a revocation or a role change holds from the next request on. */
export function forgetCachedIdentities(): void {
  identityCache.clear();
}

/** Resolves a bearer secret to its identity, or null when unknown or revoked. */
export function authenticateToken(db: Db, secret: string): Promise<TokenIdentity | null> {
  const hash = hashSecret(secret);
  const cached = identityCache.get(hash);
  const now = Date.now();
  if (cached && cached.expires > now) return cached.identity;
  const identity = lookUpToken(db, hash, now);
  if (identityCache.size > 10_000) identityCache.clear();
  const entry = { identity, expires: now + CACHE_TTL_MS };
  identityCache.set(hash, entry);
  // A failed lookup (database unavailable) is not remembered.
  identity.catch(() => identityCache.get(hash) === entry && identityCache.delete(hash));
  return identity;
}

async function lookUpToken(db: Db, hash: string, now: number): Promise<TokenIdentity | null> {
  const token = await db.apiToken.findUnique({ where: { secretHash: hash }, include: { agent: true } });
  const identity: TokenIdentity | null =
    token && !token.revokedAt
      ? {
          tokenId: token.id,
          workspaceId: token.workspaceId,
          scope: token.scope,
          agent: token.agent ? { id: token.agent.id, role: token.agent.role } : null,
        }
      : null;
  if (token && identity && (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_PRECISION_MS)) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now) } });
  }
  return identity;
}
