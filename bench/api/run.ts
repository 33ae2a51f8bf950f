// API benchmark: seeds N conversations on SQLite and on PostgreSQL, then measures the inbox page, a
// smart-folder page and a text search over HTTP, on DeskQL and on a plain node:http floor running the
// same SQL. See README.md. Usage:
//   npx tsx bench/api/run.ts [--conversations 100000] [--providers sqlite,postgresql] [--rounds 2]
//                            [--seconds 5] [--latency-seconds 5] [--pg-url postgresql://…/test] [--no-write]
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import pg from 'pg';
import type { Provider } from '../../packages/server/src/db/database.js';
import { seed, type Seeded } from './seed.js';
import { queries, queryNames, requestBodies, type QueryName } from './queries.js';
import { measureLatency, measureThroughput, post, type Latency, type Throughput } from './measure.js';
import { createResources } from './resources.js';
import { writeApiBlock } from './results-file.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const { values: args } = parseArgs({
  options: {
    conversations: { type: 'string', default: '100000' },
    providers: { type: 'string', default: 'sqlite,postgresql' },
    'pg-url': { type: 'string', default: process.env.DESKQL_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' },
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '5' },
    'latency-seconds': { type: 'string', default: '4' },
    'latency-requests': { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
    queries: { type: 'string', default: queryNames.join(',') },
    out: { type: 'string', default: join(repo, 'bench/RESULTS.md') },
    json: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    label: { type: 'string', default: '' },
    'from-json': { type: 'string' },
    /** Another copy of packages/server to measure (e.g. a snapshot from before a change); its migrations build the database. */
    'server-dir': { type: 'string', default: join(repo, 'packages/server') },
  },
});
const serverDir = resolve(args['server-dir']);
// Everything the run needs from the server comes from that copy, never from a fixed path.
const { applyMigrations } = (await import(pathToFileURL(join(serverDir, 'src/db/migrations.ts')).href)) as typeof import('../../packages/server/src/db/migrations.js');
const { openDatabase } = (await import(pathToFileURL(join(serverDir, 'src/db/database.ts')).href)) as typeof import('../../packages/server/src/db/database.js');
const conversations = Number(args.conversations);
const providers = args.providers.split(',').map((p) => (p === 'pg' ? 'postgresql' : p)) as Provider[];
const rounds = Math.max(1, Math.min(5, Number(args.rounds)));
const selected = args.queries.split(',') as QueryName[];
const BUDGET_MS = 9.5 * 60_000;
const startedAt = Date.now();
const log = (...parts: unknown[]) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)}s]`, ...parts);

type TargetName = 'deskql' | 'floor';
interface Row {
  provider: Provider;
  query: QueryName;
  target: TargetName;
  round: number;
  latency: Latency;
  /** Server-process CPU per request, measured over the sequential requests. */
  cpuMsPerRequest: number;
  throughput: Throughput;
  load: [number, number];
}
interface ProviderInfo {
  provider: Provider;
  seeded: Omit<Seeded, 'agentToken'>;
  statements: Record<QueryName, Record<TargetName, number>>;
  responseBytes: Record<QueryName, number>;
  totalCount: Record<QueryName, number>;
  version: string;
}

const resources = createResources();
const createDatabase = (provider: Provider) => resources.createDatabase(provider, args['pg-url']);
const startChild = (mode: TargetName, databaseUrl: string) => resources.startServer(mode, databaseUrl, serverDir);
const cleanup = () => resources.cleanup();

async function databaseVersion(provider: Provider, url: string) {
  const database = await openDatabase(url);
  try {
    const [row] = await database.db.$queryRawUnsafe<Array<{ v: string }>>(provider === 'sqlite' ? 'SELECT sqlite_version() AS v' : 'SHOW server_version');
    return `${provider === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${Object.values(row ?? {})[0]}`;
  } finally {
    await database.close();
  }
}

async function benchProvider(provider: Provider, rows: Row[]): Promise<ProviderInfo> {
  const url = await createDatabase(provider);
  log(`${provider}: migrating and seeding ${conversations} conversations`);
  await applyMigrations(url);
  const database = await openDatabase(url);
  let seeded: Seeded;
  try {
    seeded = await seed(database.db, url, { conversations, serverDir });
  } finally {
    await database.close();
  }
  if (provider === 'postgresql') {
    // What autovacuum would have done a minute after a bulk load: statistics and the visibility map.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('VACUUM ANALYZE');
    await c.end();
  }
  log(`${provider}: seeded in ${seeded.seconds.toFixed(1)} s`, JSON.stringify(seeded.counts));
  const version = await databaseVersion(provider, url);

  const servers = { deskql: await startChild('deskql', url), floor: await startChild('floor', url) };
  const bodies = requestBodies(seeded);
  const info: ProviderInfo = {
    provider,
    seeded: { ...seeded, agentToken: undefined } as never,
    statements: {} as never,
    responseBytes: {} as never,
    totalCount: {} as never,
    version,
  };
  try {
    // The floor must answer exactly what DeskQL answers, and we note how many statements each sends.
    for (const query of selected) {
      const responses: Record<TargetName, string> = { deskql: '', floor: '' };
      info.statements[query] = { deskql: 0, floor: 0 };
      for (const target of ['deskql', 'floor'] as const) {
        const t = { url: servers[target].url, token: seeded.agentToken, body: bodies[query] };
        await post(t); // warm: parse cache, token cache, statement caches
        const before = await servers[target].request<{ statements: number }>({ type: 'stats' });
        let response = await post(t);
        for (let i = 1; i < 5; i++) response = await post(t);
        const after = await servers[target].request<{ statements: number }>({ type: 'stats' });
        if (response.status !== 200) throw new Error(`${target} ${query}: HTTP ${response.status} ${response.body.slice(0, 500)}`);
        responses[target] = response.body;
        // Over five requests, so a background poll of the server (outbox, webhooks) hardly shows.
        info.statements[query][target] = Math.round((after.statements - before.statements) / 5);
      }
      const [a, b] = [JSON.parse(responses.deskql), JSON.parse(responses.floor)];
      if (a.errors || !isDeepStrictEqual(a, b)) {
        writeFileSync(join(tmpdir(), `deskql-bench-${query}-deskql.json`), responses.deskql);
        writeFileSync(join(tmpdir(), `deskql-bench-${query}-floor.json`), responses.floor);
        throw new Error(`${provider} ${query}: the floor's JSON differs from DeskQL's (both written to ${tmpdir()})`);
      }
      info.responseBytes[query] = Buffer.byteLength(responses.deskql);
      info.totalCount[query] = a.data.conversations.totalCount;
      log(`${provider} ${query}: same JSON (${info.responseBytes[query]} bytes, totalCount ${info.totalCount[query]}); statements deskql ${info.statements[query].deskql}, floor ${info.statements[query].floor}`);
    }

    for (let round = 1; round <= rounds; round++) {
      if (Date.now() - startedAt > BUDGET_MS * (providers.indexOf(provider) + 1) / providers.length) {
        log(`${provider}: time budget reached, skipping round ${round}`);
        break;
      }
      for (const query of selected) {
        // Alternate which target goes first, so drift in background load does not favour one.
        const order: TargetName[] = round % 2 === 1 ? ['floor', 'deskql'] : ['deskql', 'floor'];
        for (const target of order) {
          const t = { url: servers[target].url, token: seeded.agentToken, body: bodies[query] };
          const load0 = loadavg()[0]!;
          // CPU time of the server process per sequential request: unlike wall time, it barely moves when
          // other jobs compete for the two cores (PostgreSQL's own CPU is not in it).
          let cpu0 = 0;
          const stats = () => servers[target].request<{ cpuMicros: number }>({ type: 'stats' });
          const latency = await measureLatency(t, {
            warmup: 50,
            requests: Number(args['latency-requests']),
            seconds: Number(args['latency-seconds']),
            onWarm: async () => void (cpu0 = (await stats()).cpuMicros),
          });
          const cpuMsPerRequest = ((await stats()).cpuMicros - cpu0) / 1000 / latency.requests;
          // A slow request needs a longer window: 50 connections queue 50 requests, and the window must hold
          // a few full turns of that queue to measure a steady rate (bounded at 10 s).
          const seconds = Math.min(10, Math.max(Number(args.seconds), Math.ceil((3 * Number(args.connections) * latency.p50) / 1000)));
          const throughput = await measureThroughput(t, { connections: Number(args.connections), seconds, warmupSeconds: latency.p50 < 20 ? 1 : 0 });
          // Requests still queued in the server when autocannon stopped must not slow the next measurement.
          await post(t);
          // A wrong answer stops the run; a timeout (a request queued longer than 60 s) is reported.
          if (throughput.non2xx) throw new Error(`${target} ${query}: ${throughput.non2xx} non-2xx responses under load`);
          const row: Row = { provider, query, target, round, latency, cpuMsPerRequest, throughput, load: [load0, loadavg()[0]!] };
          rows.push(row);
          log(
            `${provider} ${query.padEnd(6)} ${target.padEnd(6)} r${round}: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms (${latency.requests} req, ${cpuMsPerRequest.toFixed(2)} ms CPU/req); ` +
              `${throughput.rps.toFixed(0)} req/s at ${args.connections} conns (p99 ${throughput.p99} ms${throughput.errors ? `, ${throughput.errors} errors/timeouts` : ''}); load ${row.load.map((l) => l.toFixed(2)).join('→')}`,
          );
        }
      }
    }
  } finally {
    await Promise.all([servers.deskql.stop(), servers.floor.stop()]);
  }
  return info;
}

function versions() {
  const require = createRequire(join(serverDir, 'package.json'));
  const v = (name: string) => {
    try {
      return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version as string;
    } catch {
      // Packages whose exports hide package.json: read it from node_modules.
      for (const base of [join(repo, 'packages/server/node_modules'), join(repo, 'node_modules')]) {
        const file = join(base, name, 'package.json');
        if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version as string;
      }
      return '?';
    }
  };
  return `Node ${process.versions.node}; graphql-yoga ${v('graphql-yoga')}, graphql ${v('graphql')}, @pothos/core ${v('@pothos/core')}, @pothos/plugin-prisma ${v('@pothos/plugin-prisma')}, @prisma/client ${v('@prisma/client')}, @prisma/adapter-better-sqlite3 ${v('@prisma/adapter-better-sqlite3')} (better-sqlite3 ${v('better-sqlite3')}), @prisma/adapter-pg ${v('@prisma/adapter-pg')} (pg ${v('pg')}), autocannon ${v('autocannon')}`;
}

const fmt = (n: number, digits = 1) => (n >= 100 ? n.toFixed(0) : n.toFixed(digits));

function report(rows: Row[], infos: ProviderInfo[], ranAt: Date, settings: typeof args): string {
  const cpu = cpus();
  const roundsRun = Math.max(...rows.map((r) => r.round));
  const dir = resolve(settings['server-dir']);
  const loads = rows.flatMap((r) => r.load);
  const lines: string[] = [];
  lines.push(
    `Run ${ranAt.toISOString().slice(0, 16).replace('T', ' ')} UTC${settings.label ? ` (${settings.label})` : ''}: \`npx tsx bench/api/run.ts --conversations ${settings.conversations} --rounds ${settings.rounds}\`, ${roundsRun} round(s), one row per round.`,
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, shared with other engineers' jobs: the 1-minute load average ranged ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run (last column: at the start of each DeskQL measurement), so wall-clock figures carry that noise; CPU ms per request moves much less.`,
    `Versions: ${versions()}; ${infos.map((i) => i.version).join(', ')}.`,
    `Each server runs in its own process (\`node --import tsx bench/api/server.ts\`, NODE_ENV=production); the load generator (sequential client, autocannon) runs in the parent process. DeskQL is \`createApp()\` from ${dir === join(repo, 'packages/server') ? 'packages/server/src' : dir.replace(repo + '/', '') + '/src'}; the floor is bench/api/floor.ts.`,
    '',
    `| database | request | round | rows matched | SQL / request (DeskQL · floor) | DeskQL p50 / p99, 1 client (ms) | floor p50 / p99, 1 client (ms) | DeskQL req/s, ${settings.connections} conns | floor req/s, ${settings.connections} conns | DeskQL ÷ floor | server CPU ms / request (DeskQL · floor) | load |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  const rps = (r: Row) => `${fmt(r.throughput.rps, 0)}${r.throughput.errors ? ` (${r.throughput.errors} timeouts)` : ''}`;
  for (const info of infos) {
    for (const query of settings.queries.split(',') as QueryName[]) {
      for (let round = 1; round <= roundsRun; round++) {
        const find = (target: TargetName) => rows.find((r) => r.provider === info.provider && r.query === query && r.target === target && r.round === round);
        const [d, f] = [find('deskql'), find('floor')];
        if (!d || !f) continue;
        lines.push(
          `| ${info.provider === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${queries[query].label} | ${round} | ${round === 1 ? info.totalCount[query] : ''} | ${round === 1 ? `${info.statements[query].deskql} · ${info.statements[query].floor}` : ''} | ` +
            `${fmt(d.latency.p50)} / ${fmt(d.latency.p99)} | ${fmt(f.latency.p50)} / ${fmt(f.latency.p99)} | ${rps(d)} | ${rps(f)} | ${Math.round((100 * d.throughput.rps) / f.throughput.rps)} % | ` +
            `${fmt(d.cpuMsPerRequest, 2)} · ${fmt(f.cpuMsPerRequest, 2)} | ${d.load[0].toFixed(1)} |`,
        );
      }
    }
  }
  const s = infos[0]?.seeded;
  if (s) {
    lines.push(
      '',
      `Data (same seed on both databases): ${Object.entries(s.counts).map(([k, v]) => `${v} ${k}`).join(', ')}; 5 inboxes (the inbox page lists the largest), 8 tags. ` +
        `Folder rule: ${s.folderRule}. Search: "${s.search}". Seeding took ${infos.map((i) => `${i.seeded.seconds.toFixed(0)} s (${i.provider})`).join(', ')}. ` +
        `Latency: ${settings['latency-seconds']} s or ${settings['latency-requests']} sequential requests after 50 warm-up requests (p99 of a slow request rests on few samples). Throughput: autocannon, ${settings.connections} connections, a window of ${settings.seconds} s or, for slow requests, 3 × ${settings.connections} × p50 (at most 10 s), after a 1 s warm-up for fast requests; the server's backlog is drained between measurements. CPU: the server process's user + system time over the sequential requests, divided by their number (PostgreSQL's own CPU is not in it).`,
    );
  }
  return lines.join('\n');
}

try {
  if (args['from-json']) {
    // Re-renders a saved run (e.g. after changing this report) without measuring again.
    const saved = JSON.parse(readFileSync(args['from-json'], 'utf8')) as { args: typeof args; rows: Row[]; infos: ProviderInfo[]; ranAt?: string };
    const generated = report(saved.rows, saved.infos, new Date(saved.ranAt ?? statSync(args['from-json']).mtime), { ...args, ...saved.args });
    console.log(`\n${generated}\n`);
    if (!args['no-write']) writeApiBlock(args.out, 'api-bench', 'bench/api/run.ts', generated);
  } else {
    const rows: Row[] = [];
    const infos: ProviderInfo[] = [];
    for (const provider of providers) infos.push(await benchProvider(provider, rows));
    const ranAt = new Date(startedAt);
    const generated = report(rows, infos, ranAt, args);
    console.log(`\n${generated}\n`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ args, ranAt, rows, infos }, null, 2));
    if (!args['no-write']) {
      writeApiBlock(args.out, 'api-bench', 'bench/api/run.ts', generated);
      log(`wrote the API section of ${args.out}`);
    }
  }
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
  log('done');
}
