// `npm start`: runs the DeskQL server on the embedded default (SQLite in ./data) and the SMTP ingest
// daemon (127.0.0.1:2525) in the foreground, and stops both cleanly on Ctrl-C or SIGTERM.
// Each also runs alone: `npm start -w @deskql/server`, `npm start -w @deskql/smtp-ingest`.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const databaseUrl = env.DATABASE_URL || 'file:./data/deskql.db';
const embedded = databaseUrl.startsWith('file:');

// The daemon's own settings (SMTP_*, INGEST_TOKEN, ...) pass through; where it needs to know about the
// server, it is told here: the API address, and in embedded mode the token file the server writes on
// its first start (next to the database), which the daemon waits for.
const apiHost = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
const daemonEnv = {
  ...env,
  DESKQL_API_URL: env.DESKQL_API_URL || `http://${apiHost}:${env.PORT || 4000}/graphql`,
  ...(embedded && !env.INGEST_TOKEN_FILE && { INGEST_TOKEN_FILE: join(dirname(resolve(root, databaseUrl.slice('file:'.length))), 'ingest-token') }),
};

const processes = [spawn(process.execPath, ['packages/server/dist/main.js'], { cwd: root, stdio: 'inherit', env })];
if (embedded || env.INGEST_TOKEN) {
  processes.push(spawn(process.execPath, ['packages/smtp-ingest/dist/main.js'], { cwd: root, stdio: 'inherit', env: daemonEnv }));
} else {
  console.log('SMTP ingest not started: on PostgreSQL, set INGEST_TOKEN (an ingest token of your workspace) to run it too.');
}

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of processes) if (child.exitCode === null) child.kill(signal);
}
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const child of processes) {
  child.on('exit', (code) => {
    stop('SIGTERM');
    if (processes.every((p) => p.exitCode !== null || p.signalCode !== null)) process.exit(code ?? 0);
  });
}
