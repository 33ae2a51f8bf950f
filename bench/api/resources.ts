// What a benchmark run creates and must undo whatever happens: temporary SQLite directories, PostgreSQL
// databases and server processes. cleanup() runs on normal exit, on error, on an uncaught exception and on
// SIGINT/SIGTERM.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));

export type ServerMode = 'deskql' | 'floor';

export interface BenchServer {
  url: string;
  process: ChildProcess;
  /** Asks the server process for { statements, cpuMicros } ('stats') or toggles SQL recording ('record'). */
  request<T>(message: { type: string; on?: boolean }): Promise<T>;
  stop(): Promise<void>;
}

/** SIGTERM, then SIGKILL after 5 s: a server busy with a backlog of synchronous SQLite work may not get to its handler. */
function terminate(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

export function createResources() {
  const children = new Set<ChildProcess>();
  const undo: Array<() => Promise<void>> = [];
  async function cleanup() {
    await Promise.all([...children].map(terminate));
    children.clear();
    for (const step of undo.splice(0).reverse()) await step().catch((e) => console.error('cleanup:', e));
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  // An error thrown outside any awaited promise (one came from Prisma's schema-engine wasm) would
  // otherwise end the process before the finally blocks that clean up.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.once(event, (error: unknown) => {
      console.error(`${event}:`, error);
      void cleanup().finally(() => process.exit(1));
    });
  }

  /** An empty database: a file in a new temporary directory, or a new database on the PostgreSQL server. */
  async function createDatabase(provider: 'sqlite' | 'postgresql', pgUrl: string): Promise<string> {
    if (provider === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'deskql-bench-api-'));
      undo.push(async () => rmSync(dir, { recursive: true, force: true }));
      return `file:${join(dir, 'bench.db')}`;
    }
    const name = `deskql_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    undo.push(async () => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** Starts bench/api/server.ts in its own process and waits for its port. */
  async function startServer(mode: ServerMode, databaseUrl: string, serverDir: string): Promise<BenchServer> {
    const child = fork(join(here, 'server.ts'), [mode, databaseUrl], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      env: { ...process.env, NODE_ENV: 'production', BENCH_SERVER_DIR: serverDir },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    const waiters = new Map<number, (m: any) => void>();
    let nextId = 0;
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${mode} server did not start in 60 s`)), 60_000);
      child.on('message', (m: any) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve(m.port);
        } else waiters.get(m.id)?.(m);
      });
      child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
    });
    return {
      url: `http://127.0.0.1:${port}/graphql`,
      process: child,
      request: (message) =>
        new Promise((resolve) => {
          const id = ++nextId;
          waiters.set(id, (m) => (waiters.delete(id), resolve(m)));
          child.send({ ...message, id });
        }),
      stop: async () => {
        await terminate(child);
        children.delete(child);
      },
    };
  }

  return { createDatabase, startServer, cleanup };
}
