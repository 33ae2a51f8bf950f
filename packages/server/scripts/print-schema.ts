// Writes schema.graphql, the committed contract of the API (test/schema.test.ts fails when it is stale).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.js';

writeFileSync(join(import.meta.dirname, '../schema.graphql'), `${printSchema(schema)}\n`);
console.log('wrote schema.graphql');
