import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, diffDatabaseToSchema, migrationsDir } from '../src/db/migrations.js';
import { createTestDatabase, testPostgresUrl, type TestDatabase } from '../src/testing/index.js';
// @ts-expect-error plain ESM script without types
import { providerSchema } from '../scripts/generate-prisma.mjs';

const prismaDir = join(import.meta.dirname, '../prisma');
const folders = (provider: 'sqlite' | 'postgresql') =>
  readdirSync(migrationsDir(provider), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

const databases: TestDatabase[] = [];
afterAll(async () => Promise.all(databases.map((d) => d.drop())));

describe('migrations', () => {
  it('exist under the same names for SQLite and PostgreSQL', () => {
    expect(folders('sqlite').length).toBeGreaterThan(0);
    expect(folders('postgresql')).toEqual(folders('sqlite'));
  });

  it('cover the whole data model (prisma/migrated.prisma equals prisma/base.prisma)', () => {
    // create-migration writes this snapshot; a change to base.prisma without a migration leaves it behind.
    expect(readFileSync(join(prismaDir, 'migrated.prisma'), 'utf8')).toBe(readFileSync(join(prismaDir, 'base.prisma'), 'utf8'));
  });

  const providers: Array<['sqlite' | 'postgresql', string]> = [['sqlite', 'sqlite']];
  if (testPostgresUrl()) providers.push(['postgresql', 'pg']);
  for (const [provider, folder] of providers) {
    it(`build on ${provider} exactly the schema of base.prisma, and re-applying is a no-op`, async () => {
      const database = await createTestDatabase(provider);
      databases.push(database);
      expect(await applyMigrations(database.url)).toEqual(folders(provider));
      expect(await applyMigrations(database.url)).toEqual([]);
      const drift = await diffDatabaseToSchema(database.url, providerSchema(folder));
      expect(drift.replace(/-- This is an empty migration\.\s*/g, '').trim()).toBe('');
    });
  }
});
