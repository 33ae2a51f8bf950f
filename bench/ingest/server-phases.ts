// Where the server's time per message goes, one message at a time on SQLite: parsing (mailparser),
// receiving (receiveEmail: parsing, scoring, threading, contact, conversation, message in one
// transaction), and the whole deliverEmail request over HTTP (GraphQL, auth, base64, receiving).
// One at a time, so every batch holds one message: group commit does not help here. A diagnostic: it imports
// the server's internal modules from its dist/, which are not an API and may move.
//   tsx server-phases.ts <count>   → prints one JSON line
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deliver, startTestServer } from '@deskql/server/testing';
import { corpusMessages, withMessageId } from './corpus.js';

const count = Number(process.argv[2] ?? 300);
const dist = dirname(createRequire(import.meta.url).resolve('@deskql/server'));
const internal = async <T>(path: string) => (await import(pathToFileURL(join(dist, path)).href)) as T;
const { parseEmail } = await internal<{ parseEmail(raw: Buffer): Promise<unknown> }>('domain/mail/inbound-email.js');
const { receiveEmail } = await internal<{
  receiveEmail(deps: unknown, caller: unknown, input: { raw: Buffer; recipients: string[] }): Promise<unknown>;
}>('domain/mail/receive-email.js');

const corpus = corpusMessages();
const take = (from: number, tag: string) => Array.from({ length: count }, (_, i) => withMessageId(corpus[(from + i) % corpus.length]!, `${tag}.${i}@phases`));
const server = await startTestServer();
const direct = await server.createWorkspace('Direct');
const overHttp = await server.createWorkspace('Over HTTP');
const deps = { db: server.app.database.db, events: server.app.events };
const caller = { kind: 'system', workspaceId: direct.workspaceId };

async function perMessage(items: Buffer[], run: (raw: Buffer) => Promise<unknown>): Promise<number> {
  for (const raw of items.slice(0, 30)) await run(raw); // warm-up
  const started = performance.now();
  for (const raw of items.slice(30)) await run(raw);
  return (performance.now() - started) / (items.length - 30);
}

const parseMs = await perMessage(take(0, 'parse'), (raw) => parseEmail(raw));
const receiveMs = await perMessage(take(count, 'store'), (raw) => receiveEmail(deps, caller, { raw, recipients: [direct.address] }));
const storeMs = receiveMs - parseMs;
// one retry: a loaded machine occasionally drops a keep-alive connection under fetch
const deliverOnce = (raw: Buffer) => deliver(server, overHttp.ingestToken, raw.toString('latin1'), [overHttp.address]);
const httpMs = await perMessage(take(2 * count, 'http'), (raw) => deliverOnce(raw).catch(() => deliverOnce(raw)));
await server.close();
console.log(JSON.stringify({ parseMs, storeMs, httpMs, restMs: httpMs - receiveMs }));
process.exit(0);
