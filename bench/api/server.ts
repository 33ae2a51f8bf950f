// The benchmark's server process (started by run.ts with fork, so the load generator has its own process):
//   node --import tsx bench/api/server.ts deskql <DATABASE_URL>   the real app (createApp from packages/server/src)
//   node --import tsx bench/api/server.ts floor <DATABASE_URL>    the plain node:http floor (floor.ts)
// It reports { ready, port } over IPC, answers { type: 'stats' | 'record' } messages with its SQL statement
// count and CPU time, and exits when the parent disconnects or sends { type: 'close' }.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installSqlCounter, recordSql, sqlStats } from './sql-counter.js';

const [mode, url] = process.argv.slice(2);
if (!process.send || (mode !== 'deskql' && mode !== 'floor') || !url) {
  console.error('usage (from run.ts): server.ts deskql|floor <DATABASE_URL>');
  process.exit(2);
}
const send = (message: object) => process.send!(message);

// The floor counts its own statements (it caches prepared statements, so prepare() would undercount).
if (mode === 'deskql') installSqlCounter();
let close: () => Promise<void>;
let port: number;
if (mode === 'deskql') {
  const dir = process.env.BENCH_SERVER_DIR;
  const { createApp } = (await import(dir ? pathToFileURL(join(dir, 'src/app.ts')).href : '../../packages/server/src/app.js')) as typeof import('../../packages/server/src/app.js');
  const app = await createApp({ databaseUrl: url, migrate: false, graphiql: false });
  port = (await app.listen(0)).port;
  close = () => app.close();
} else {
  const { createFloor } = await import('./floor.js');
  const floor = createFloor(url, { pgPoolSize: Number(process.env.BENCH_PG_POOL ?? 10) });
  port = await floor.listen();
  close = () => floor.close();
}

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  const timer = setTimeout(() => process.exit(1), 5_000);
  timer.unref();
  await close().catch(() => {});
  process.exit(0);
}
process.on('message', (message: { type: string; id?: number; on?: boolean }) => {
  if (message.type === 'stats') {
    const cpu = process.cpuUsage();
    send({ type: 'stats', id: message.id, ...sqlStats(), cpuMicros: cpu.user + cpu.system });
  }
  if (message.type === 'record') {
    recordSql(Boolean(message.on));
    send({ type: 'record', id: message.id });
  }
  if (message.type === 'close') void shutdown();
});
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
send({ type: 'ready', port, pid: process.pid });
