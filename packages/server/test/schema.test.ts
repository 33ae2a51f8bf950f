import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema.js';

describe('schema.graphql', () => {
  it('is the committed print of the schema (run `npm run schema -w @deskql/server` after changing it)', () => {
    const committed = readFileSync(join(import.meta.dirname, '../schema.graphql'), 'utf8');
    expect(committed).toBe(`${printSchema(schema)}\n`);
  });
});
