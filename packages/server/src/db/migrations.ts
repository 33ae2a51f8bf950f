import { createRequire } from 'node:module';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as wasmBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import Database from 'better-sqlite3';
import { createAdapterFactory, providerOf, sqliteFilePath, type Provider } from './database.js';

// Migrations run through Prisma's WebAssembly schema engine: the native engine
// the Prisma CLI downloads cannot be fetched on our machines (PLATFORM-NOTES §2).

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const providerFolder: Record<Provider, string> = { sqlite: 'sqlite', postgresql: 'pg' };
export const migrationsDir = (provider: Provider) => join(packageRoot, 'prisma', providerFolder[provider], 'migrations');
const filters = { externalTables: [], externalEnums: [] };

type SchemaEngine = Awaited<ReturnType<typeof wasmBindings.SchemaEngine.new>>;

let wasmReady: Promise<void> | undefined;
function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const wasmPath = createRequire(import.meta.url)
      .resolve('@prisma/schema-engine-wasm/schema_engine_bg')
      .replace(/\.js$/, '.wasm');
    // @types/node 20 does not declare the WebAssembly global.
    const { WebAssembly } = globalThis as unknown as {
      WebAssembly: { instantiate(bytes: Buffer, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }> };
    };
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { './schema_engine_bg.js': wasmBindings });
    wasmBindings.__wbg_set_wasm(instance.exports as never);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  })();
  return wasmReady;
}

let pgCharPatched = false;
/** adapter-pg cannot read PostgreSQL's internal "char" type, which introspection meets (PLATFORM-NOTES §2, workaround 4). */
function patchPgCharType() {
  if (pgCharPatched) return;
  pgCharPatched = true;
  const Result = (pg as unknown as { Result: { prototype: { addFields(fields: Array<{ dataTypeID: number }>): void } } }).Result;
  const addFields = Result.prototype.addFields;
  Result.prototype.addFields = function (fields) {
    for (const field of fields) if (field.dataTypeID === 18) field.dataTypeID = 25;
    return addFields.call(this, fields);
  };
}

async function withEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  datamodel: string | undefined,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadWasm();
  // engine.free() leaves the adapter's connections open (a SQLite file stays
  // locked, a pg pool lingers), so track them and dispose of them here.
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => track(await factory.connect()),
    connectToShadowDb: async () => track(await factory.connectToShadowDb()),
  };
  const track = (adapter: SqlDriverAdapter) => (opened.push(adapter), adapter);
  const engine = await wasmBindings.SchemaEngine.new(
    { datamodels: datamodel ? [['schema.prisma', datamodel]] : undefined },
    () => {},
    bindMigrationAwareSqlAdapterFactory(tracked),
  );
  try {
    return await run(engine);
  } finally {
    engine.free();
    await Promise.all(opened.map((adapter) => adapter.dispose()));
  }
}

export function readMigrationsList(provider: Provider) {
  const baseDir = migrationsDir(provider);
  const lockPath = join(baseDir, 'migration_lock.toml');
  const directories = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: directories.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: readFileSync(join(baseDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/** Names of the migrations the database records as applied (empty for a new database). */
async function appliedMigrationNames(url: string): Promise<Set<string>> {
  const sql = 'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL';
  try {
    if (providerOf(url) === 'sqlite') {
      const db = new Database(sqliteFilePath(url), { readonly: true, fileMustExist: true });
      try {
        return new Set((db.prepare(sql).all() as Array<{ migration_name: string }>).map((r) => r.migration_name));
      } finally {
        db.close();
      }
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return new Set((await client.query<{ migration_name: string }>(sql)).rows.map((r) => r.migration_name));
    } finally {
      await client.end();
    }
  } catch {
    return new Set();
  }
}

/**
 * Applies the committed migrations that the database lacks; safe to run
 * concurrently on PostgreSQL. When nothing is pending it only reads the
 * migrations table, so a second process on a live SQLite file (a restart, the
 * CLI) does not wait for the schema engine's exclusive lock.
 */
export async function applyMigrations(url: string): Promise<string[]> {
  const provider = providerOf(url);
  const applied = await appliedMigrationNames(url);
  const list = readMigrationsList(provider);
  if (list.migrationDirectories.every((dir) => applied.has(dir.path))) return [];
  const factory = createAdapterFactory(url);
  const result = await withEngine(factory, undefined, (engine) =>
    engine.applyMigrations({ migrationsList: list, filters }),
  );
  return result.appliedMigrationNames;
}

/**
 * The SQL that turns a database built from `from` (a schema text, or nothing)
 * into one built from `to`. Needs no database: the engine compares the two
 * data models; an in-memory SQLite only hosts the engine.
 */
export async function diffSchemas(from: string | null, to: string): Promise<string> {
  const result = await withEngine(new PrismaBetterSqlite3({ url: ':memory:' }), undefined, (engine) =>
    engine.diff({
      from: from === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: from }] },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: to }] },
      script: true,
      exitCode: null,
      filters,
    }),
  );
  return result.stdout ?? '';
}

/** The SQL still needed to make a live database match the schema; empty when they agree. */
export async function diffDatabaseToSchema(url: string, schema: string): Promise<string> {
  if (providerOf(url) === 'postgresql') patchPgCharType();
  const factory = createAdapterFactory(url);
  const result = await withEngine(factory, schema, (engine) =>
    engine.diff({
      from: { tag: 'schemaDatasource', files: [{ path: 'schema.prisma', content: schema }], configDir: packageRoot },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: null,
      filters,
    }),
  );
  return result.stdout ?? '';
}

export { PrismaPg };
