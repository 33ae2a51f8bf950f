// The two references, as a child process (IPC): `floor` is a bare smtp-server that reads each message
// and throws it away; `store-only` is smtp-server + mailparser writing each message to SQLite in WAL
// mode (synchronous FULL, as the DeskQL server) and nothing else.
//   tsx reference-server.ts floor-defaults | floor | store-only <sqlite file>
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

let server: SMTPServer;
if (mode === 'floor-defaults' || mode === 'floor') {
  const options: SMTPServerOptions = {
    ...common,
    onData(stream, _session, callback) {
      stream.on('end', () => callback());
      stream.resume();
    },
  };
  // "floor-defaults": smtp-server exactly as configured out of the box (100 ms greeting timer, reverse DNS).
  server = mode === 'floor' ? new IngestSmtpServer({ ...options, disableReverseLookup: true }, new Map()) : new SMTPServer(options);
} else if (mode === 'store-only' && file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY, message_id TEXT, subject TEXT, from_address TEXT, text TEXT, html TEXT, raw BLOB, received_at TEXT)`);
  const insert = db.prepare('INSERT INTO message (message_id, subject, from_address, text, html, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  server = new IngestSmtpServer(
    {
      ...common,
      disableReverseLookup: true,
      onData(stream, _session, callback) {
        collect(stream)
          .then(async (raw) => {
            // the same options as the DeskQL server's parseEmail
            const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
            insert.run(mail.messageId ?? null, mail.subject ?? null, mail.from?.value[0]?.address ?? null, mail.text ?? null, typeof mail.html === 'string' ? mail.html : null, raw, new Date().toISOString());
            stored++;
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    },
    new Map(),
  );
} else {
  throw new Error('usage: reference-server.ts floor-defaults | floor | store-only <sqlite file>');
}

server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (server.server.address() as { port: number }).port });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', stored });
  if (message.type === 'close') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
