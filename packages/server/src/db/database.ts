import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/sqlite/client.js';
import { PrismaClient as PgPrismaClient } from '../generated/pg/client.js';

/**
 * The Prisma client the whole server is typed against. Both providers share one
 * data model (prisma/base.prisma); the PostgreSQL client is cast to this type
 * because the two generated clients differ only in provider-specific details
 * (transaction isolation levels) that DeskQL does not use.
 */
export type Db = PrismaClient;
export type Provider = 'sqlite' | 'postgresql';

export interface Database {
  db: Db;
  provider: Provider;
  url: string;
  close(): Promise<void>;
}

const dialects = new WeakMap<Db, Provider>();

/** The database behind a client, for the few raw statements whose SQL differs between SQLite and PostgreSQL. */
export function dialectOf(db: Db): Provider {
  const dialect = dialects.get(db);
  if (!dialect) throw new Error('dialectOf: not a client made by openDatabase');
  return dialect;
}

type QueryEvents = { $on(event: 'query', callback: (event: { query: string }) => void): void };

export function providerOf(url: string): Provider {
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  if (url.startsWith('file:')) return 'sqlite';
  throw new Error(`DATABASE_URL must start with file: (SQLite) or postgres:// (PostgreSQL), got "${url}"`);
}

/** Resolves `file:./x.db` against the working directory and creates its folder. */
export function sqliteFilePath(url: string): string {
  const path = resolve(url.slice('file:'.length));
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

export function createAdapterFactory(url: string) {
  return providerOf(url) === 'sqlite'
    ? new PrismaBetterSqlite3({ url: sqliteFilePath(url), timeout: 10_000 })
    : new PrismaPg({ connectionString: url, max: 10 });
}

export interface OpenDatabaseOptions {
  /**
   * Called with the text of every SQL statement the client runs, once it has run.
   * For tests and diagnostics; when omitted, Prisma's query log stays off.
   */
  onQuery?: (sql: string) => void;
}

export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const provider = providerOf(url);
  const adapter = createAdapterFactory(url);
  const { onQuery } = options;
  const log = onQuery ? [{ emit: 'event' as const, level: 'query' as const }] : undefined;
  const db =
    provider === 'sqlite'
      ? (new PrismaClient({ adapter, log }) as Db)
      : (new PgPrismaClient({ adapter: adapter as PrismaPg, log }) as unknown as Db);
  dialects.set(db, provider);
  if (onQuery) {
    // Db is typed without a log option, so its $on does not list 'query'; the client above was built with it.
    (db as unknown as QueryEvents).$on('query', (event) => onQuery(event.query));
  }
  if (provider === 'sqlite') {
    // WAL lets readers work while a writer commits; synchronous stays FULL so a
    // committed message survives a power cut, which the ingest promise relies on.
    await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
    // SQLite's default page cache is 2 MiB. Counting a smart folder or a search visits tens of thousands
    // of conversation, contact and tag pages; at 100,000 conversations those no longer fit and each
    // request re-reads them from the OS. 64 MiB (allocated only as pages are read) keeps them: a
    // three-condition folder COUNT went from ~115 to ~85 ms, the search COUNT from ~275 to ~200 ms.
    await db.$queryRawUnsafe('PRAGMA cache_size = -65536');
  }
  return { db, provider, url, close: () => db.$disconnect() };
}
