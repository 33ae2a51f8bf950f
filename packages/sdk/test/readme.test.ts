import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as client from '../src/client/index.js';
import { eventNames, type PluginActions, type PluginReads, type PluginStore } from '../src/index.js';

// The README is the SDK's reference. These lists must name every action, read and store method:
// a member missing here fails the type check, and one missing from the README fails the test.
const actions = ['tag', 'untag', 'assign', 'setPriority', 'setStatus', 'addNote', 'reply', 'markSpam', 'markNotSpam'] as const;
const reads = ['conversation', 'message', 'agents'] as const;
const store = ['get', 'set', 'setIfAbsent', 'delete'] as const;
type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
const checks: [Exhaustive<keyof PluginActions, (typeof actions)[number]>, Exhaustive<keyof PluginReads, (typeof reads)[number]>, Exhaustive<keyof PluginStore, (typeof store)[number]>] = [true, true, true];
void checks;

const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
const row = (name: string) => new RegExp(`^\\| \`${name.replace('.', '\\.')}\` \\|`, 'm');

describe('README.md', () => {
  it('documents every event of the map, with its payload', () => {
    expect(eventNames.filter((name) => !row(name).test(readme))).toEqual([]);
  });

  it('documents every action, read and store method', () => {
    expect(actions.filter((name) => !row(name).test(readme))).toEqual([]);
    expect(reads.filter((name) => !readme.includes(`read.${name}(`))).toEqual([]);
    expect(store.filter((name) => !readme.includes(`store.${name}(`))).toEqual([]);
  });

  it('names every generated document of the client', () => {
    const documents = Object.keys(client).filter((name) => name.endsWith('Document'));
    expect(documents.length).toBeGreaterThan(20);
    expect(documents.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
