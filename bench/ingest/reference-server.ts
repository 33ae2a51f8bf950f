// The references, as child processes (IPC): `floor` is a bare smtp-server that reads each message
// and throws it away; `store-only` is smtp-server + mailparser writing each message to SQLite in WAL
// mode (synchronous FULL, as the DeskQL server) and nothing else. The hand-off reference splits
// store-only over two processes as DeskQL is split: `handoff` is the smtp-server, which POSTs each
// raw message over keep-alive HTTP to `store-service` (mailparser + the same INSERT) and answers 250
// when that replies; so it measures what the split costs, without DeskQL's GraphQL and features.
//   tsx reference-server.ts floor-defaults | floor | store-only <sqlite file> | store-service <sqlite file> | handoff <store port>
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import Database from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { IngestSmtpServer } from '@deskql/smtp-ingest';

const [mode, file] = process.argv.slice(2);
const common: SMTPServerOptions = {
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  hideSTARTTLS: true,
  size: 25 * 1024 * 1024,
  logger: false,
};
let stored = 0;

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** What this process serves on an ephemeral port, and how to close it gracefully. */
interface Served {
  server: NetServer;
  close(done: () => void): void;
}
const servingSmtp = (smtp: SMTPServer): Served => {
  smtp.on('error', () => {});
  return { server: smtp.server, close: (done) => smtp.close(done) };
};

let served: Served;
if (mode === 'floor-defaults' || mode === 'floor') {
  const options: SMTPServerOptions = {
    ...common,
    onData(stream, _session, callback) {
      stream.on('end', () => callback());
      stream.resume();
    },
  };
  // "floor-defaults": smtp-server exactly as configured out of the box (100 ms greeting timer, reverse DNS).
  served = servingSmtp(mode === 'floor' ? new IngestSmtpServer({ ...options, disableReverseLookup: true }, new Map()) : new SMTPServer(options));
} else if (mode === 'store-only' && file) {
  served = servingSmtp(answering250After(storeInSqlite(file)));
} else if (mode === 'store-service' && file) {
  const store = storeInSqlite(file);
  const service = createServer((req, res) => {
    collect(req)
      .then(store)
      .then(() => res.end('stored'))
      .catch(() => res.writeHead(500).end());
  });
  service.keepAliveTimeout = 60_000;
  served = { server: service, close: (done) => service.close(() => done()) };
} else if (mode === 'handoff' && file) {
  const storePort = Number(file);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const handOff = (raw: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: storePort, method: 'POST', path: '/', agent, headers: { 'content-length': raw.length } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`store-service answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(raw);
    });
  served = servingSmtp(answering250After(handOff));
} else {
  throw new Error('usage: reference-server.ts floor-defaults | floor | store-only <sqlite file> | store-service <sqlite file> | handoff <store port>');
}

served.server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (served.server.address() as AddressInfo).port });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', stored });
  if (message.type === 'close') served.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));

/** An smtp-server (greeting at once) that answers DATA once `handle` has taken the whole message. */
function answering250After(handle: (raw: Buffer) => Promise<void>): SMTPServer {
  return new IngestSmtpServer(
    {
      ...common,
      disableReverseLookup: true,
      onData(stream, _session, callback) {
        collect(stream)
          .then(handle)
          .then(() => callback())
          .catch((error: Error) => callback(error));
      },
    },
    new Map(),
  );
}

/** mailparser (the DeskQL server's options) and one INSERT per message into SQLite, WAL, synchronous FULL. */
function storeInSqlite(path: string): (raw: Buffer) => Promise<void> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY, message_id TEXT, subject TEXT, from_address TEXT, text TEXT, html TEXT, raw BLOB, received_at TEXT)`);
  const insert = db.prepare('INSERT INTO message (message_id, subject, from_address, text, html, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return async (raw) => {
    const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    insert.run(mail.messageId ?? null, mail.subject ?? null, mail.from?.value[0]?.address ?? null, mail.text ?? null, typeof mail.html === 'string' ? mail.html : null, raw, new Date().toISOString());
    stored++;
  };
}
