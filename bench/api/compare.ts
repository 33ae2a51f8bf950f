// Paired A/B of two copies of packages/server (e.g. before and after a change), for a machine whose other
// jobs make one-off timings drift: both servers run at once, each on its own identically seeded database
// built by its own migrations, and the client alternates between them request by request (A B, B A, …),
// so background load lands on both alike. Throughput windows alternate too (A B B A).
//   npx tsx bench/api/compare.ts --a <dir> --b <dir> [--conversations 100000] [--providers sqlite,postgresql]
//                                [--requests 400] [--seconds 4] [--write]
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Provider } from '../../packages/server/src/db/database.js';
import { measureThroughput, post, type Target } from './measure.js';
import { queries, queryNames, requestBodies, type QueryName } from './queries.js';
import { createResources, type BenchServer } from './resources.js';
import { writeApiBlock } from './results-file.js';
import { seed } from './seed.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const { values: args } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: join(repo, 'packages/server') },
    'a-label': { type: 'string', default: 'before' },
    'b-label': { type: 'string', default: 'after' },
    conversations: { type: 'string', default: '100000' },
    providers: { type: 'string', default: 'sqlite,postgresql' },
    queries: { type: 'string', default: queryNames.join(',') },
    requests: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
    'pg-url': { type: 'string', default: process.env.DESKQL_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' },
    out: { type: 'string', default: join(repo, 'bench/RESULTS.md') },
    write: { type: 'boolean', default: false },
    json: { type: 'string' },
    'from-json': { type: 'string' },
  },
});
if (!args.a && !args['from-json']) {
  console.error('usage: compare.ts --a <packages/server copy> [--b <copy, default packages/server>] …');
  process.exit(2);
}
const sides = [
  { label: args['a-label'], dir: resolve(args.a ?? '.') },
  { label: args['b-label'], dir: resolve(args.b) },
] as const;
const selected = args.queries.split(',') as QueryName[];
const conversations = Number(args.conversations);
const resources = createResources();
const started = Date.now();
const log = (...parts: unknown[]) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s]`, ...parts);
const percentile = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

interface Side {
  label: string;
  server: BenchServer;
  token: string;
  bodies: Record<QueryName, string>;
}

async function prepare(provider: Provider, dir: string, label: string): Promise<Side> {
  const load = <T>(path: string) => import(pathToFileURL(join(dir, 'src', path)).href) as Promise<T>;
  const { openDatabase } = await load<typeof import('../../packages/server/src/db/database.js')>('db/database.ts');
  const url = await resources.createDatabase(provider, args['pg-url']);
  execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(here, 'migrate.ts'), dir, url], { stdio: 'inherit', timeout: 120_000 });
  const database = await openDatabase(url);
  const seeded = await seed(database.db, url, { conversations, serverDir: dir }).finally(() => database.close());
  if (provider === 'postgresql') {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('VACUUM ANALYZE');
    await c.end();
  }
  log(`${provider} ${label}: seeded in ${seeded.seconds.toFixed(0)} s`);
  return { label, server: await resources.startServer('deskql', url, dir), token: seeded.agentToken, bodies: requestBodies(seeded) };
}

const target = (side: Side, query: QueryName): Target => ({ url: side.server.url, token: side.token, body: side.bodies[query] });
const cpuMicros = async (side: Side) => (await side.server.request<{ cpuMicros: number }>({ type: 'stats' })).cpuMicros;

async function compareQuery(provider: Provider, pair: [Side, Side], query: QueryName) {
  const agents = pair.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const totals: number[] = [];
  for (const [i, side] of pair.entries()) {
    for (let k = 0; k < 30; k++) {
      const r = await post(target(side, query), agents[i]);
      if (r.status !== 200 || r.body.includes('"errors"')) throw new Error(`${side.label} ${query}: ${r.body.slice(0, 300)}`);
      if (k === 0) totals.push(JSON.parse(r.body).data.conversations.totalCount);
    }
  }
  if (totals[0] !== totals[1]) throw new Error(`${query}: totalCount ${totals[0]} (${pair[0].label}) ≠ ${totals[1]} (${pair[1].label})`);
  const times: number[][] = [[], []];
  const cpu0 = await Promise.all(pair.map(cpuMicros));
  const deadline = Date.now() + 2 * Number(args.seconds) * 1000;
  for (let n = 0; n < Number(args.requests) && Date.now() < deadline; n++) {
    for (const i of n % 2 === 0 ? [0, 1] : [1, 0]) {
      const start = performance.now();
      await post(target(pair[i]!, query), agents[i]);
      times[i]!.push(performance.now() - start);
    }
  }
  const cpu = (await Promise.all(pair.map(cpuMicros))).map((c, i) => (c - cpu0[i]!) / 1000 / times[i]!.length);
  agents.forEach((a) => a.destroy());
  const rps: number[][] = [[], []];
  for (const i of [0, 1, 1, 0]) {
    const t = target(pair[i]!, query);
    const p50 = percentile(times[i]!, 50);
    const seconds = Math.min(10, Math.max(Number(args.seconds), Math.ceil((2 * Number(args.connections) * p50) / 1000)));
    rps[i]!.push((await measureThroughput(t, { connections: Number(args.connections), seconds, warmupSeconds: 0 })).rps);
    await post(t); // drain
  }
  const row = pair.map((side, i) => ({
    label: side.label,
    p50: percentile(times[i]!, 50),
    p99: percentile(times[i]!, 99),
    n: times[i]!.length,
    cpu: cpu[i]!,
    rps: rps[i]!.reduce((s, x) => s + x, 0) / rps[i]!.length,
  }));
  log(`${provider} ${query}: ${row.map((r) => `${r.label} p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms, ${r.cpu.toFixed(2)} ms CPU, ${r.rps.toFixed(0)} req/s`).join(' | ')}; load ${loadavg()[0]!.toFixed(2)}`);
  return { provider, query, totalCount: totals[0]!, row, load: loadavg()[0]! };
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
type Result = Awaited<ReturnType<typeof compareQuery>>;

function render(results: Result[], used: typeof args, at: Date) {
  const [a, b] = [used['a-label'], used['b-label']];
  const rel = (dir: string) => resolve(dir).replace(repo + '/', '');
  return [
    `Paired A/B, ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC: \`npx tsx bench/api/compare.ts --a ${rel(used.a!)} --b ${rel(used.b)}\` (${a} = ${rel(used.a!)}, ${b} = ${rel(used.b)}), ${used.conversations} conversations, one database per side, one client alternating between the two servers (up to ${used.requests} pairs), then ${used.connections}-connection windows in the order ${a} ${b} ${b} ${a}. 1-min load average ${Math.min(...results.map((r) => r.load)).toFixed(1)}–${Math.max(...results.map((r) => r.load)).toFixed(1)}.`,
    '',
    `| database | request | p50 / p99, 1 client (ms): ${a} → ${b} | server CPU ms / request: ${a} → ${b} | req/s at ${used.connections} conns: ${a} → ${b} |`,
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.provider === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${queries[r.query].label} | ${fmt(r.row[0]!.p50)} / ${fmt(r.row[0]!.p99)} → ${fmt(r.row[1]!.p50)} / ${fmt(r.row[1]!.p99)} | ${fmt(r.row[0]!.cpu)} → ${fmt(r.row[1]!.cpu)} | ${r.row[0]!.rps.toFixed(0)} → ${r.row[1]!.rps.toFixed(0)} |`,
    ),
  ].join('\n');
}

try {
  let text: string;
  if (args['from-json']) {
    // Re-renders a saved comparison without measuring again.
    const saved = JSON.parse(readFileSync(args['from-json'], 'utf8')) as { args: typeof args; results: Result[]; at?: string };
    text = render(saved.results, { ...args, ...saved.args }, new Date(saved.at ?? statSync(args['from-json']).mtime));
  } else {
    const at = new Date();
    const results: Result[] = [];
    for (const provider of args.providers.split(',').map((p) => (p === 'pg' ? 'postgresql' : p)) as Provider[]) {
      const pair = [await prepare(provider, sides[0].dir, sides[0].label), await prepare(provider, sides[1].dir, sides[1].label)] as [Side, Side];
      for (const query of selected) results.push(await compareQuery(provider, pair, query));
      await Promise.all(pair.map((s) => s.server.stop()));
    }
    if (args.json) writeFileSync(args.json, JSON.stringify({ args, at, results }, null, 2));
    text = render(results, args, at);
  }
  console.log(`\n${text}\n`);
  if (args.write) writeApiBlock(args.out, 'api-compare', 'bench/api/compare.ts', text);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await resources.cleanup();
  log('done');
}
