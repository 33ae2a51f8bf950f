// The DeskQL server as a child process (IPC) on a given database: a fresh workspace with an inbox and
// an ingest token, and a count of the `message.received` events its bus published.
//   tsx deskql-server.ts <database url>
import Database from 'better-sqlite3';
import { startTestServer } from '@deskql/server/testing';

const url = process.argv[2]!;
// BENCH_COUNT_SQL=1: count the SQL statements the server prepares (SQLite only), to see how many a message costs.
let statements = 0;
if (process.env.BENCH_COUNT_SQL) {
  const proto = Database.prototype as unknown as { prepare(sql: string): unknown; exec(sql: string): unknown };
  const { prepare, exec } = proto;
  proto.prepare = function (this: unknown, sql: string) {
    statements++;
    return prepare.call(this, sql);
  };
  proto.exec = function (this: unknown, sql: string) {
    statements++;
    return exec.call(this, sql);
  };
}
const server = await startTestServer({
  database: { url, provider: url.startsWith('file:') ? 'sqlite' : 'postgresql', drop: async () => {} },
});
const workspace = await server.createWorkspace('Bench');
let received = 0;
server.app.events.on('message.received', () => received++);
process.send!({ type: 'ready', url: server.url, ingestToken: workspace.ingestToken, address: workspace.address });
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') {
    const db = server.app.database.db;
    const inbound = { workspaceId: workspace.workspaceId, direction: 'INBOUND' } as const;
    void Promise.all([db.message.count({ where: inbound }), db.message.count({ where: { ...inbound, parseProblem: { not: null } } })]).then(
      ([stored, malformed]) => process.send!({ type: 'count', received, stored, malformed, statements }),
    );
  }
  if (message.type === 'close') void server.close().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
