// Two measurements of one endpoint and request body:
// - latency at one client: sequential requests on one keep-alive connection, after a warm-up;
// - throughput at 50 connections: autocannon, run in this (the load generator's) process.
// Both are bounded by a request count and a time budget, whichever comes first.
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface Target {
  url: string;
  token: string;
  body: string;
}

export interface Latency {
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface Throughput {
  rps: number;
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** One POST; resolves with status and body. */
export function post(target: Target, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${target.token}`,
          'content-length': Buffer.byteLength(target.body),
        },
        timeout: 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(target.body);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function measureLatency(
  target: Target,
  options: { warmup: number; requests: number; seconds: number; onWarm?: () => Promise<void> },
): Promise<Latency> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const check = (r: { status: number; body: string }) => {
      if (r.status !== 200 || r.body.includes('"errors"')) throw new Error(`bad response ${r.status}: ${r.body.slice(0, 300)}`);
    };
    const warmUntil = performance.now() + options.seconds * 200;
    for (let i = 0; i < options.warmup && performance.now() < warmUntil; i++) check(await post(target, agent));
    await options.onWarm?.();
    const times: number[] = [];
    const deadline = performance.now() + options.seconds * 1000;
    while (times.length < options.requests && performance.now() < deadline) {
      const start = performance.now();
      const response = await post(target, agent);
      times.push(performance.now() - start);
      if (times.length === 1 || times.length % 100 === 0) check(response);
    }
    times.sort((a, b) => a - b);
    return {
      requests: times.length,
      p50: percentile(times, 50),
      p90: percentile(times, 90),
      p99: percentile(times, 99),
      max: times[times.length - 1]!,
      mean: times.reduce((s, t) => s + t, 0) / times.length,
    };
  } finally {
    agent.destroy();
  }
}

export async function measureThroughput(target: Target, options: { connections: number; seconds: number; warmupSeconds: number }): Promise<Throughput> {
  const run = (seconds: number) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(
        {
          url: target.url,
          method: 'POST',
          connections: options.connections,
          duration: seconds,
          timeout: 60,
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${target.token}` },
          body: target.body,
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
  if (options.warmupSeconds > 0) {
    await run(options.warmupSeconds);
    // Wait out the warm-up's backlog: this request is answered once the server has worked through it.
    await post(target);
  }
  const result = await run(options.seconds);
  return {
    rps: result.requests.total / (result.duration || options.seconds),
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
