// What the server answers and what the sender is told: duplicates, malformed mail, several
// workspaces, and the failures (server down, slow, token refused) that must end in 451, never in loss.
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '@deskql/server';
import { createTestDatabase, startTestServer, type TestServer, type TestWorkspace } from '@deskql/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestServer } from '../src/create-ingest-server.js';
import { corpusFiles, dataBlock, freePort, message, readCorpusMessage, sameSource, sendRaw, SmtpProbe, startHop, startStack, storedIds, storedMessages, transport, type Stack } from './support.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const db = () => stack.server.app.database.db;

describe('what the server stores', () => {
  it('stores a message delivered twice once, by Message-ID', async () => {
    const mail = message(stack.workspace.address);
    const envelope = { from: 'a@example.test', to: [stack.workspace.address] };
    const first = await sendRaw(transport(stack.port), envelope, mail.raw);
    const second = await sendRaw(transport(stack.port), envelope, mail.raw);
    expect(first.response).toMatch(/^250 2\.6\.0 Ok: stored as /);
    expect(second.response).toMatch(/^250 2\.6\.0 Ok: already stored as /);
    expect(storedIds(second.response)).toEqual([{ id: storedIds(first.response)[0]!.id, duplicate: true }]);
    expect(await db().message.count({ where: { messageId: mail.messageId } })).toBe(1);
  });

  it('stores a message without a Message-ID delivered twice once, by its source', async () => {
    const mail = message(stack.workspace.address, { messageId: null, subject: `No id ${Date.now()}` });
    const envelope = { from: 'a@example.test', to: [stack.workspace.address] };
    const first = await sendRaw(transport(stack.port), envelope, mail.raw);
    const second = await sendRaw(transport(stack.port), envelope, mail.raw);
    expect(storedIds(second.response)[0]).toEqual({ id: storedIds(first.response)[0]!.id, duplicate: true });
    const rows = await storedMessages(db(), stack.workspace.workspaceId);
    expect(rows.filter((row) => row.raw && sameSource(Buffer.from(row.raw), mail.raw))).toHaveLength(1);
  });

  it('accepts malformed mail and the server stores it raw and flagged', async () => {
    const garbage = `This is not\r\nan email: no headers at all \xff\xfe\r\n\r\n=?broken?= <<<>>>\r\n`;
    const raw = Buffer.from(garbage, 'latin1');
    const result = await sendRaw(transport(stack.port), { from: 'a@example.test', to: [stack.workspace.address] }, raw);
    expect(result.ok).toBe(true);
    const row = await db().message.findUniqueOrThrow({ where: { id: storedIds(result.response)[0]!.id } });
    expect(row.parseProblem).toMatch(/From|Message-ID/);
    expect(sameSource(Buffer.from(row.raw!), raw)).toBe(true);
  });

  it('passes the envelope sender: a bounce (MAIL FROM:<>) is stored as automated mail, which nothing auto-replies to', async () => {
    const bounce = message(stack.workspace.address, { from: 'Mail Delivery System <mailer-daemon@example.test>', subject: `Undelivered ${Date.now()}` });
    const person = message(stack.workspace.address, { subject: `Person ${Date.now()}` });
    const deliver = async (mailFrom: string, raw: string) => {
      const probe = await SmtpProbe.connect(stack.port);
      await probe.command('EHLO client.example.test');
      await probe.command(`MAIL FROM:<${mailFrom}>`);
      await probe.command(`RCPT TO:<${stack.workspace.address}>`);
      await probe.command('DATA');
      probe.write(dataBlock(raw));
      const reply = await probe.next();
      probe.destroy();
      return db().message.findUniqueOrThrow({ where: { id: storedIds(reply.text)[0]!.id } });
    };
    expect((await deliver('', bounce.raw)).automated).toBe(true);
    expect((await deliver('customer@example.test', person.raw)).automated).toBe(false);
  });

  it('stores a message whose decoded text contains a NUL character (corpus spam-2/01384)', async () => {
    // Its quoted-printable body decodes to U+0000, which PostgreSQL text columns refuse: on PostgreSQL the
    // server fails it (the daemon then answers 451, so nothing is lost, but the sender retries in vain).
    const file = corpusFiles().find((f) => f.includes('spam-2/01384.'))!;
    const raw = readCorpusMessage(file);
    const result = await sendRaw(transport(stack.port), { from: 'a@example.test', to: [stack.workspace.address] }, raw);
    expect(result.response).toMatch(/^250 2\.6\.0 Ok: stored as /);
    const row = await db().message.findUniqueOrThrow({ where: { id: storedIds(result.response)[0]!.id } });
    expect(sameSource(Buffer.from(row.raw!), raw)).toBe(true);
  });

  it('refuses an empty message with 554 5.6.0', async () => {
    const probe = await SmtpProbe.connect(stack.port);
    await probe.command('EHLO client.example.test');
    await probe.command('MAIL FROM:<a@example.test>');
    await probe.command(`RCPT TO:<${stack.workspace.address}>`);
    await probe.command('DATA');
    probe.write('.\r\n');
    expect((await probe.next()).text).toMatch(/^554 5\.6\.0 /);
    probe.destroy();
  });

  it('delivers for several workspaces, one token each, in one transaction', async () => {
    const other = await stack.server.createWorkspace('Other');
    const ingest = createIngestServer({ apiUrl: stack.server.url, ingestTokens: [stack.workspace.ingestToken, other.ingestToken] });
    const { port } = await ingest.listen(0);
    await ingest.ready();
    const mail = message(`${stack.workspace.address}, ${other.address}`);
    const result = await sendRaw(transport(port), { from: 'a@example.test', to: [stack.workspace.address, other.address] }, mail.raw);
    await ingest.close();
    expect(storedIds(result.response)).toHaveLength(2);
    for (const workspace of [stack.workspace, other]) {
      expect(await db().message.count({ where: { workspaceId: workspace.workspaceId, messageId: mail.messageId } })).toBe(1);
    }
  });
});

describe('when the server is away, slow, or refuses the token', () => {
  it('answers 451 4.3.0 while the server is down, and stores the retry once after it is back', async () => {
    const database = await createTestDatabase();
    const serverPort = await freePort();
    let server: TestServer | null = await startTestServer({ database });
    const workspace: TestWorkspace = await server.createWorkspace();
    // the daemon talks to a fixed port, so the server can come back on it
    await server.close();
    let app = await createApp({ databaseUrl: database.url, graphiql: false });
    await app.listen(serverPort);
    server = null;
    const ingest = createIngestServer({ apiUrl: `http://127.0.0.1:${serverPort}/graphql`, ingestTokens: [workspace.ingestToken], deliveryTimeoutMs: 3000 });
    const { port } = await ingest.listen(0);
    await ingest.ready();
    try {
      await app.close();
      const mail = message(workspace.address);
      const envelope = { from: 'a@example.test', to: [workspace.address] };
      const refused = await sendRaw(transport(port), envelope, mail.raw);
      expect(refused).toMatchObject({ ok: false, code: 451 });
      expect(refused.response).toMatch(/^451 4\.3\.0 DeskQL is unavailable/);

      app = await createApp({ databaseUrl: database.url, graphiql: false });
      await app.listen(serverPort);
      const retried = await sendRaw(transport(port), envelope, mail.raw);
      expect(retried.response).toMatch(/^250 2\.6\.0 Ok: stored as /);
      expect(await app.database.db.message.count({ where: { messageId: mail.messageId } })).toBe(1);
    } finally {
      await ingest.close();
      await app.close();
      await database.drop();
    }
  });

  it('answers 451 when the server is too slow; the message it then stores anyway is not stored again on the retry', async () => {
    const hop = await startHop(stack.server.url);
    const ingest = createIngestServer({ apiUrl: hop.url, ingestTokens: [stack.workspace.ingestToken], deliveryTimeoutMs: 400 });
    const { port } = await ingest.listen(0);
    await ingest.ready();
    try {
      for (const messageId of [`slow-${Date.now()}@ingest.test`, null]) {
        const mail = message(stack.workspace.address, { messageId, subject: `Slow ${messageId ?? 'without id'} ${Date.now()}` });
        const envelope = { from: 'a@example.test', to: [stack.workspace.address] };
        hop.delayMs = 1500;
        const late = await sendRaw(transport(port), envelope, mail.raw);
        expect(late.response).toMatch(/^451 4\.3\.0 DeskQL did not answer in time/);
        // the server committed it all the same, after the sender was told to retry
        const stored = async () =>
          (await storedMessages(db(), stack.workspace.workspaceId)).filter((row) => row.raw && sameSource(Buffer.from(row.raw), mail.raw));
        for (let i = 0; i < 300 && (await stored()).length === 0; i++) await sleep(50);
        expect(await stored()).toHaveLength(1);

        hop.delayMs = 0;
        // retried as a mail server would, until a 250 (a busy machine may still be slow once)
        let retried = await sendRaw(transport(port), envelope, mail.raw);
        for (let attempt = 0; attempt < 20 && !retried.ok; attempt++) retried = await sendRaw(transport(port), envelope, mail.raw);
        expect(retried.response).toMatch(/^250 2\.6\.0 Ok: already stored as /);
        expect(await stored()).toHaveLength(1);
      }
    } finally {
      await ingest.close();
      await hop.close();
    }
  });

  it('answers RCPT with 451, not 550, while the receiving addresses cannot be fetched', async () => {
    const ingest = createIngestServer({ apiUrl: `http://127.0.0.1:${await freePort()}/graphql`, ingestTokens: ['no-server'] });
    const { port } = await ingest.listen(0);
    const probe = await SmtpProbe.connect(port);
    await probe.command('EHLO client.example.test');
    await probe.command('MAIL FROM:<a@example.test>');
    expect((await probe.command(`RCPT TO:<${stack.workspace.address}>`)).text).toMatch(/^451 4\.3\.0 Cannot check the recipient now/);
    probe.destroy();
    await ingest.close();
  });

  it('answers RCPT with 451 when the server refuses the ingest token (an operator fixes it; no mail bounces meanwhile)', async () => {
    const ingest = createIngestServer({ apiUrl: stack.server.url, ingestTokens: [stack.workspace.agentToken] });
    const { port } = await ingest.listen(0);
    const probe = await SmtpProbe.connect(port);
    await probe.command('EHLO client.example.test');
    await probe.command('MAIL FROM:<a@example.test>');
    expect((await probe.command(`RCPT TO:<${stack.workspace.address}>`)).code).toBe(451);
    probe.destroy();
    await ingest.close();
  });

  it('does not deliver a message whose client went away before the final dot', async () => {
    const mail = message(stack.workspace.address);
    const probe = await SmtpProbe.connect(stack.port);
    await probe.command('EHLO client.example.test');
    await probe.command('MAIL FROM:<a@example.test>');
    await probe.command(`RCPT TO:<${stack.workspace.address}>`);
    await probe.command('DATA');
    const block = dataBlock(mail.raw);
    probe.write(block.subarray(0, block.length - 5)); // all but "\r\n.\r\n"
    await sleep(100);
    probe.destroy();
    await sleep(300);
    expect(await db().message.count({ where: { messageId: mail.messageId } })).toBe(0);
  });
});
