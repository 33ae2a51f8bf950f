import { PluginActionError, type PluginActions, type PluginContext, type PluginLogger, type PluginReads, type PluginStore } from '@deskql/sdk';
import {
  addNote,
  assignConversation,
  replyToConversation,
  setPriority,
  setStatus,
} from '../domain/conversations/conversations.js';
import { readAgents, readConversation, readMessage } from '../domain/plugins/reads.js';
import { pluginStore } from '../domain/plugins/store.js';
import type { Caller, Deps } from '../domain/shared/deps.js';
import { DomainError, invalid } from '../domain/shared/errors.js';
import { setConversationSpam } from '../domain/spam/marking.js';
import { findOrCreateTagByName, tagConversation } from '../domain/tags/tags.js';

const priorities = new Set(['LOW', 'NORMAL', 'HIGH', 'URGENT']);
const statuses = new Set(['WAITING_ON_AGENT', 'WAITING_ON_CUSTOMER', 'CLOSED']);

// Plugins are code we did not write and may be plain JavaScript: check what
// TypeScript would have, so a wrong argument is INVALID_INPUT, not a database error.
function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, `${field} must be a non-empty string.`);
  return value;
}
function oneOf<T extends string>(value: unknown, allowed: Set<string>, field: string): T {
  if (typeof value !== 'string' || !allowed.has(value)) throw invalid(field, `${field} must be one of ${[...allowed].join(', ')}.`);
  return value as T;
}
function object(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw invalid('input', 'The action takes an object.');
  return value as Record<string, unknown>;
}

/**
 * Runs a plugin's call: refuses once the handler's signal is aborted, and
 * turns the domain's errors into the SDK's PluginActionError.
 */
function guarded<A extends unknown[], R>(signal: AbortSignal, run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    if (signal.aborted) throw new PluginActionError('CANCELLED', 'The handler ran out of time or the server is stopping.');
    try {
      return await run(...args);
    } catch (error) {
      if (error instanceof DomainError) throw new PluginActionError(error.code, error.message, error.field);
      throw error;
    }
  };
}

function guardAll<T extends object>(signal: AbortSignal, methods: T): T {
  return Object.fromEntries(
    Object.entries(methods).map(([name, run]) => [name, guarded(signal, run as (...args: unknown[]) => Promise<unknown>)]),
  ) as T;
}

/** The actions of one handler call: the GraphQL API's domain functions, with the plugin as caller. */
export function pluginActions(deps: Deps, caller: Extract<Caller, { kind: 'plugin' }>, signal: AbortSignal): PluginActions {
  const conversationId = (input: Record<string, unknown>) => text(input.conversationId, 'conversationId');
  return guardAll<PluginActions>(signal, {
    async tag(raw) {
      const input = object(raw);
      const name = text(input.tag, 'tag');
      // Two handlers may create the same new tag at once; the loser finds the winner's.
      const tag = await findOrCreateTagByName(deps, caller, name).catch((error) => {
        if (!(error instanceof DomainError && error.code === 'CONFLICT')) throw error;
        return findOrCreateTagByName(deps, caller, name);
      });
      await tagConversation(deps, caller, { conversationId: conversationId(input), tagId: tag.id, tagged: true });
    },
    async untag(raw) {
      const input = object(raw);
      const name = text(input.tag, 'tag');
      const tag = await deps.db.tag.findUnique({
        where: { workspaceId_nameKey: { workspaceId: caller.workspaceId, nameKey: name.trim().toLowerCase() } },
      });
      if (tag) await tagConversation(deps, caller, { conversationId: conversationId(input), tagId: tag.id, tagged: false });
    },
    async assign(raw) {
      const input = object(raw);
      const agentId = input.agentId === null ? null : text(input.agentId, 'agentId');
      await assignConversation(deps, caller, { conversationId: conversationId(input), agentId });
    },
    async setPriority(raw) {
      const input = object(raw);
      await setPriority(deps, caller, { conversationId: conversationId(input), priority: oneOf(input.priority, priorities, 'priority') });
    },
    async setStatus(raw) {
      const input = object(raw);
      await setStatus(deps, caller, { conversationId: conversationId(input), status: oneOf(input.status, statuses, 'status') });
    },
    async addNote(raw) {
      const input = object(raw);
      const note = await addNote(deps, caller, { conversationId: conversationId(input), text: text(input.text, 'text') });
      return { messageId: note.id };
    },
    async reply(raw) {
      const input = object(raw);
      const message = await replyToConversation(deps, caller, {
        conversationId: conversationId(input),
        text: text(input.text, 'text'),
        html: input.html === undefined || input.html === null ? null : text(input.html, 'html'),
        status: input.status === undefined || input.status === null ? null : oneOf(input.status, statuses, 'status'),
      });
      return { messageId: message.id };
    },
    async markSpam(raw) {
      await setConversationSpam(deps, caller, { conversationId: conversationId(object(raw)), spam: true });
    },
    async markNotSpam(raw) {
      await setConversationSpam(deps, caller, { conversationId: conversationId(object(raw)), spam: false });
    },
  });
}

export function pluginReads(deps: Deps, caller: Caller, signal: AbortSignal): PluginReads {
  return guardAll<PluginReads>(signal, {
    conversation: (id) => readConversation(deps, caller, text(id, 'conversationId')),
    message: (id) => readMessage(deps, caller, text(id, 'messageId')),
    agents: () => readAgents(deps, caller),
  });
}

/** Everything a handler call receives besides the event. */
export function createPluginContext(
  deps: Deps,
  input: { plugin: string; workspaceId: string; settings: unknown; signal: AbortSignal; log: PluginLogger },
): PluginContext<unknown> {
  const caller = { kind: 'plugin', workspaceId: input.workspaceId, plugin: input.plugin } as const;
  const store: PluginStore = guardAll(input.signal, pluginStore(deps, { workspaceId: input.workspaceId, plugin: input.plugin }));
  return Object.freeze({
    plugin: input.plugin,
    workspaceId: input.workspaceId,
    settings: input.settings,
    actions: pluginActions(deps, caller, input.signal),
    read: pluginReads(deps, caller, input.signal),
    store,
    log: input.log,
    signal: input.signal,
  });
}
