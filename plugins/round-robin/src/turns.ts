import type { AgentInfo } from '@deskql/sdk';
import { z } from 'zod';

export const settingsSchema = z.object({
  /** The inboxes whose new conversations are assigned: IDs as the API gives them, or names. Empty: every inbox. */
  inboxes: z.array(z.string().min(1)).default([]),
  /** The agents who take turns, by email. Empty: every agent of the workspace. */
  agents: z.array(z.email()).default([]),
  /** Agents who are away, by email: skipped until they are taken off this list. */
  away: z.array(z.email()).default([]),
  /** Skip agents who already have this many open conversations assigned. */
  maxOpen: z.number().int().positive().optional(),
});

export type Settings = z.output<typeof settingsSchema>;

/** The agents available now, in their turn order (by name, then ID: stable as agents come and go). */
export function availableAgents(agents: readonly AgentInfo[], settings: Settings): AgentInfo[] {
  const lower = (list: string[]) => new Set(list.map((email) => email.toLowerCase()));
  const chosen = lower(settings.agents);
  const away = lower(settings.away);
  return agents
    .filter((agent) => chosen.size === 0 || chosen.has(agent.email.toLowerCase()))
    .filter((agent) => !away.has(agent.email.toLowerCase()))
    .filter((agent) => settings.maxOpen === undefined || agent.openAssigned < settings.maxOpen)
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/**
 * Whose turn it is: the first available agent after the one who had the last
 * turn, going round; when that agent is no longer available, the one who
 * would have come after them.
 */
export function nextAgent(available: readonly AgentInfo[], all: readonly AgentInfo[], lastId: string | undefined): AgentInfo | null {
  if (available.length === 0) return null;
  if (!lastId) return available[0]!;
  const order = [...all].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const lastIndex = order.findIndex((agent) => agent.id === lastId);
  if (lastIndex < 0) return available[0]!;
  for (let step = 1; step <= order.length; step++) {
    const candidate = order[(lastIndex + step) % order.length]!;
    if (available.some((agent) => agent.id === candidate.id)) return candidate;
  }
  return available[0]!;
}
