// Counts (and on request records) the SQL statements a process sends, at the driver: every statement
// Prisma's adapters run goes through better-sqlite3's prepare() or pg's Client#query(). Installed in the
// benchmark's server process only; the cost is one increment per statement.
import Database from 'better-sqlite3';
import pg from 'pg';

let statements = 0;
let recorded: string[] | null = null;

function note(sql: unknown) {
  statements++;
  if (recorded && recorded.length < 200) recorded.push(String(sql));
}

export function installSqlCounter() {
  const proto = (Database as unknown as { prototype: { prepare(sql: string): unknown } }).prototype;
  const prepare = proto.prepare;
  proto.prepare = function (this: unknown, sql: string) {
    note(sql);
    return prepare.call(this, sql);
  };
  const clientProto = (pg.Client as unknown as { prototype: { query(...args: unknown[]): unknown } }).prototype;
  const query = clientProto.query;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0];
    note(typeof config === 'string' ? config : (config as { text?: string })?.text);
    return query.apply(this, args);
  };
}

/** Called by the floor, which runs its statements itself. */
export const countStatement = note;

export const sqlStats = () => ({ statements, sql: recorded ?? [] });
export function recordSql(on: boolean) {
  recorded = on ? [] : null;
}
