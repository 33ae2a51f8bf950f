import type { Actor } from '@deskql/sdk/events';
import type { Db } from '../../db/database.js';
import type { EventBus } from '../../events/bus.js';
import type { Prisma } from '../../generated/sqlite/client.js';
import { DomainError } from './errors.js';

/** What every domain function needs: the database and the event bus. */
export interface Deps {
  db: Db;
  events: EventBus;
}

export type Tx = Prisma.TransactionClient;

/**
 * On whose behalf a domain function runs. Every read and write is confined to
 * `workspaceId`; agents carry their role for admin-only operations.
 */
export type Caller =
  | { kind: 'agent'; workspaceId: string; agentId: string; role: 'ADMIN' | 'AGENT' }
  | { kind: 'plugin'; workspaceId: string; plugin: string }
  | { kind: 'system'; workspaceId: string };

export function actorOf(caller: Caller): Actor {
  switch (caller.kind) {
    case 'agent':
      return { type: 'agent', agentId: caller.agentId };
    case 'plugin':
      return { type: 'plugin', plugin: caller.plugin };
    case 'system':
      return { type: 'system' };
  }
}

export function assertAdmin(caller: Caller): void {
  if (caller.kind === 'agent' && caller.role !== 'ADMIN') {
    throw new DomainError('FORBIDDEN', 'Only a workspace admin can do this.');
  }
}

/** The agent acting, for things only a person can do (follow, read state). */
export function requireAgent(caller: Caller): Extract<Caller, { kind: 'agent' }> {
  if (caller.kind !== 'agent') throw new DomainError('FORBIDDEN', 'Only an agent can do this.');
  return caller;
}
