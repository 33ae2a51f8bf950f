import { GraphQLError } from 'graphql';
import type { Caller, Deps } from '../domain/shared/deps.js';
import { authenticateToken, type TokenIdentity } from '../domain/tokens/tokens.js';
import type { WebhookNotifier } from '../domain/webhooks/webhooks.js';
import type { PluginHost } from '../plugin-host/host.js';

/** What every resolver receives: the domain's dependencies and who is calling. */
export interface GraphQLContext extends Deps {
  identity: TokenIdentity | null;
  /** The plugins this server loaded (plugin-host/host.ts). */
  plugins: PluginHost;
  /** Told when webhooks change (webhooks/dispatcher.ts). */
  webhooks: WebhookNotifier;
}

export async function identify(deps: Deps, authorization: string | null | undefined): Promise<TokenIdentity | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match ? authenticateToken(deps.db, match[1]!) : null;
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** The agent behind an agent-scoped token; everything but mail delivery needs one. */
export function agentCaller(ctx: GraphQLContext): Extract<Caller, { kind: 'agent' }> {
  const identity = ctx.identity;
  if (!identity) throw unauthenticated('Send an API token as "Authorization: Bearer <token>".');
  if (identity.scope !== 'AGENT' || !identity.agent) {
    throw new GraphQLError('This token may only deliver mail; use an agent token.', {
      extensions: { code: 'FORBIDDEN', http: { status: 403 } },
    });
  }
  return { kind: 'agent', workspaceId: identity.workspaceId, agentId: identity.agent.id, role: identity.agent.role };
}

/** The workspace an ingest-scoped token delivers mail into. */
export function ingestCaller(ctx: GraphQLContext): Caller {
  const identity = ctx.identity;
  if (!identity) throw unauthenticated('Send an ingest token as "Authorization: Bearer <token>".');
  if (identity.scope !== 'INGEST') {
    throw new GraphQLError('Only an ingest token may deliver mail.', {
      extensions: { code: 'FORBIDDEN', http: { status: 403 } },
    });
  }
  return { kind: 'system', workspaceId: identity.workspaceId };
}
