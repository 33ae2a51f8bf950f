import { describe, expect, it } from 'vitest';
import { DeskqlDomainError, globalId, parseGlobalId, unwrap } from '../src/client/index.js';
import { definePlugin, eventCatalog, eventNames, isEventName } from '../src/index.js';

describe('global IDs', () => {
  it('are the base64 of "<Type>:<id>", as the API gives them', () => {
    expect(globalId('Conversation', 'ckx1')).toBe(Buffer.from('Conversation:ckx1').toString('base64'));
    expect(parseGlobalId(globalId('Inbox', 'a:b'))).toEqual({ typename: 'Inbox', id: 'a:b' });
    expect(() => parseGlobalId(btoa('nocolon'))).toThrow(TypeError);
  });
});

describe('unwrap', () => {
  it('returns a mutation result and throws its DomainError member', () => {
    const ok = { __typename: 'Message' as const, id: 'm1' };
    expect(unwrap(ok)).toBe(ok);
    const refused = { __typename: 'DomainError' as const, code: 'NOT_FOUND' as const, message: 'No such conversation.', field: 'conversationId' };
    expect(() => unwrap(refused)).toThrow(DeskqlDomainError);
    try {
      unwrap(refused);
    } catch (error) {
      expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'No such conversation.', field: 'conversationId' });
    }
  });
});

describe('definePlugin', () => {
  it('returns the definition, and refuses names admins could not type', () => {
    const plugin = definePlugin({ name: 'ok-name', version: '1.0.0', setup() {} });
    expect(plugin.name).toBe('ok-name');
    for (const name of ['Auto Tag', '@scope/x', '-lead', '', 'a'.repeat(64)]) {
      expect(() => definePlugin({ name, version: '1.0.0', setup() {} })).toThrow(TypeError);
    }
  });
});

describe('the event catalogue', () => {
  it('lists every event of the map once, in <entity>.<verb> form, with a description', () => {
    expect(new Set(eventNames).size).toBe(eventNames.length);
    for (const name of eventNames) {
      expect(name).toMatch(/^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/);
      expect(eventCatalog[name].length).toBeGreaterThan(10);
    }
    expect(isEventName('conversation.created')).toBe(true);
    expect(isEventName('toString')).toBe(false);
  });
});
