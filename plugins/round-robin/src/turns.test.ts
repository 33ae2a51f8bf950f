import type { AgentInfo } from '@deskql/sdk';
import { describe, expect, it } from 'vitest';
import { availableAgents, nextAgent, settingsSchema } from './turns.js';

const agent = (name: string, openAssigned = 0): AgentInfo => ({ id: `id-${name}`, name, email: `${name.toLowerCase()}@desk.example`, role: 'AGENT', openAssigned });
const team = [agent('Cleo'), agent('Ada'), agent('Bo', 5)];
const settings = (over: object = {}) => settingsSchema.parse(over);

describe('turns', () => {
  it('go round the available agents by name', () => {
    const available = availableAgents(team, settings());
    expect(available.map((a) => a.name)).toEqual(['Ada', 'Bo', 'Cleo']);
    const order: string[] = [];
    let last: string | undefined;
    for (let i = 0; i < 4; i++) {
      const next = nextAgent(available, team, last)!;
      order.push(next.name);
      last = next.id;
    }
    expect(order).toEqual(['Ada', 'Bo', 'Cleo', 'Ada']);
  });

  it('skip agents who are away, not chosen, or at their limit, and carry on after the last one', () => {
    expect(availableAgents(team, settings({ away: ['BO@desk.example'] })).map((a) => a.name)).toEqual(['Ada', 'Cleo']);
    expect(availableAgents(team, settings({ agents: ['cleo@desk.example', 'bo@desk.example'] })).map((a) => a.name)).toEqual(['Bo', 'Cleo']);
    const limited = availableAgents(team, settings({ maxOpen: 5 }));
    expect(limited.map((a) => a.name)).toEqual(['Ada', 'Cleo']);
    // Bo had the last turn and is now at the limit: Cleo, who came after Bo, is next.
    expect(nextAgent(limited, team, 'id-Bo')!.name).toBe('Cleo');
    expect(nextAgent([], team, undefined)).toBeNull();
  });
});
