// Replays a fixed sample of 1,000 messages of the SpamAssassin public corpus (odd encodings, broken
// headers, 8-bit bytes) through the daemon into a real server: every message is accepted and stored
// exactly once, or recognised as a duplicate of a stored one. The whole corpus runs in bench/ingest.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { corpusFiles, readCorpusMessage, sameSource, sendRaw, startStack, storedIds, storedMessages, transport, type Stack } from './support.js';

const SAMPLE = 1000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ maxConnectionsPerClient: 20 });
});
afterAll(() => stack?.close());

it(`accepts ${SAMPLE} corpus messages and stores each exactly once`, { timeout: 300_000 }, async () => {
  const files = corpusFiles();
  const step = files.length / SAMPLE;
  const sample = Array.from({ length: SAMPLE }, (_, i) => files[Math.floor(i * step)]!);
  const raws = sample.map(readCorpusMessage);

  const client = transport(stack.port, { pool: true, maxConnections: 10, maxMessages: Infinity });
  const started = Date.now();
  const results = await Promise.all(raws.map((raw) => sendRaw(client, { from: 'replay@example.test', to: [stack.workspace.address] }, raw)));
  const seconds = (Date.now() - started) / 1000;
  client.close();

  const failed = results.flatMap((r, i) => (r.ok ? [] : [`${sample[i]}: ${r.response}`]));
  expect(failed).toEqual([]);

  const rows = new Map((await storedMessages(stack.server.app.database.db, stack.workspace.workspaceId)).map((row) => [row.id, row]));
  const firstStored = new Map<string, number>();
  const duplicates: Array<{ index: number; id: string }> = [];
  results.forEach((result, index) => {
    const ids = storedIds(result.response);
    expect(ids).toHaveLength(1);
    const { id, duplicate } = ids[0]!;
    if (duplicate) duplicates.push({ index, id });
    else {
      expect(firstStored.has(id)).toBe(false); // never "stored" twice under one id
      firstStored.set(id, index);
    }
  });
  // exactly the messages the daemon reported as stored are in DeskQL, each with the source that was sent
  expect([...rows.keys()].sort()).toEqual([...firstStored.keys()].sort());
  for (const [id, index] of firstStored) expect(sameSource(Buffer.from(rows.get(id)!.raw!), raws[index]!)).toBe(true);
  // a duplicate is the same message: the same Message-ID, or the same source
  for (const { index, id } of duplicates) {
    const row = rows.get(id)!;
    const sameMessageId = row.messageId !== null && raws[index]!.toString('latin1').toLowerCase().includes(`<${row.messageId.toLowerCase()}>`);
    expect(sameMessageId || sameSource(Buffer.from(row.raw!), raws[index]!)).toBe(true);
  }
  const malformed = [...rows.values()].filter((row) => row.parseProblem).length;
  console.info(`corpus replay: ${SAMPLE} sent in ${seconds.toFixed(1)} s (${(SAMPLE / seconds).toFixed(0)}/s), ${rows.size} stored, ${duplicates.length} duplicates, ${malformed} stored with a parse problem`);
});
