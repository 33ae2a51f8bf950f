// SMTP sessions against the daemon in-process and a real DeskQL server: greeting, extensions, limits,
// recipient checks that follow inbox changes, and delivery through nodemailer, swaks and a raw client.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestServer } from '../src/create-ingest-server.js';
import {
  dataBlock,
  localId,
  message,
  sameSource,
  sendRaw,
  SmtpProbe,
  startHop,
  startStack,
  storedIds,
  storedMessages,
  swaks,
  transport,
  type Stack,
} from './support.js';

let stack: Stack;
let domain: string;
/** Four receiving addresses of a second inbox (for the recipient limit). */
let extra: string[];

beforeAll(async () => {
  stack = await startStack({
    maxMessageSize: 64 * 1024,
    maxRecipients: 3,
    addressRefreshMs: 500,
    addressMissRefreshMs: 200,
  });
  domain = stack.workspace.address.split('@')[1]!;
  extra = [1, 2, 3, 4].map((n) => `extra-${n}@${domain}`);
  await createInbox('Extra', extra, 'EXT');
});
afterAll(() => stack?.close());

async function createInbox(name: string, addresses: string[], casePrefix: string): Promise<string> {
  const data = await stack.server.gql(
    stack.workspace.adminToken,
    `mutation($input: InboxInput!) { createInbox(input: $input) { ... on Inbox { id } ... on DomainError { message } } }`,
    { input: { name, addresses, casePrefix } },
  );
  if (!data.createInbox.id) throw new Error(data.createInbox.message);
  return data.createInbox.id;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function greetingTimes(port: number, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const probe = await SmtpProbe.connect(port);
    times.push(probe.greetingMs);
    probe.destroy();
  }
  return times;
}

async function bareServer(options: SMTPServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, ...options });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as { port: number }).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('connection start', () => {
  it('greets at once, where a bare smtp-server waits 100 ms per connection whatever its DNS options', async () => {
    const ours = await greetingTimes(stack.port, 15);
    const defaults = await bareServer({});
    const noDns = await bareServer({ disableReverseLookup: true });
    const bare = await greetingTimes(defaults.port, 5);
    const bareNoDns = await greetingTimes(noDns.port, 5);
    await Promise.all([defaults.close(), noDns.close()]);
    // The stall is SMTPConnection.init()'s fixed early-talker timer, not the reverse DNS lookup:
    // no greeting of a bare server comes before 100 ms. (Minimums, so a busy machine does not blur it.)
    expect(Math.min(...bare)).toBeGreaterThanOrEqual(99);
    expect(Math.min(...bareNoDns)).toBeGreaterThanOrEqual(99);
    expect(Math.min(...ours)).toBeLessThan(50);
    expect(median(ours)).toBeLessThan(median(bareNoDns));
  });

  it('advertises PIPELINING, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES and SIZE, and no AUTH or STARTTLS without a certificate', async () => {
    const probe = await SmtpProbe.connect(stack.port);
    expect(probe.replies[0]!.text).toMatch(/^220 \S+ ESMTP DeskQL ingest/);
    const ehlo = await probe.command('EHLO client.example.test');
    const features = ehlo.lines.slice(1).map((line) => line.slice(4));
    expect(features).toEqual(expect.arrayContaining(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', `SIZE ${64 * 1024}`]));
    expect(features.join(' ')).not.toMatch(/STARTTLS|AUTH/);
    expect((await probe.command('STARTTLS')).code).toBeGreaterThanOrEqual(500);
    probe.end();
  });

  it('limits connections per client with 421, and accepts again once one closes', async () => {
    const ingest = createIngestServer({ apiUrl: stack.server.url, ingestTokens: [stack.workspace.ingestToken], maxConnectionsPerClient: 4 });
    const { port } = await ingest.listen(0);
    const open = await Promise.all([1, 2, 3, 4].map(() => SmtpProbe.connect(port)));
    expect(open.every((probe) => probe.replies[0]!.code === 220)).toBe(true);
    const refused = await SmtpProbe.connect(port);
    expect(refused.replies[0]!.text).toMatch(/^421 Too many connections from your address/);
    await refused.closed;
    open[0]!.end();
    await open[0]!.closed;
    let again: SmtpProbe | null = null;
    for (let attempt = 0; attempt < 100 && again?.replies[0]!.code !== 220; attempt++) {
      again?.destroy();
      await sleep(20);
      again = await SmtpProbe.connect(port);
    }
    expect(again!.replies[0]!.code).toBe(220);
    for (const probe of [...open, again!]) probe.destroy();
    await ingest.close();
  });
});

describe('recipients', () => {
  it('rejects an address no inbox receives on with 550 5.1.1, and stores nothing', async () => {
    const mail = message('nobody@nowhere.test');
    const result = await sendRaw(transport(stack.port), { from: 'a@example.test', to: ['nobody@nowhere.test'] }, mail.raw);
    expect(result).toMatchObject({ ok: false, code: 550 });
    expect(result.response).toMatch(/^550 5\.1\.1 /);
    const rows = await storedMessages(stack.server.app.database.db, stack.workspace.workspaceId);
    expect(rows.some((row) => row.messageId === mail.messageId)).toBe(false);
  });

  it('accepts the known recipients of a message and delivers to them when others are unknown', async () => {
    const mail = message(stack.workspace.address);
    const client = transport(stack.port);
    const info = await client.sendMail({ envelope: { from: 'a@example.test', to: [stack.workspace.address, 'ghost@nowhere.test'] }, raw: mail.raw });
    expect(info.rejected).toEqual(['ghost@nowhere.test']);
    expect(info.response).toMatch(/^250 2\.6\.0 Ok: stored as /);
  });

  it('follows inbox changes without a restart: a new address at once (refresh on a miss), a removed one after the next poll', async () => {
    const address = `new-${Date.now()}@${domain}`;
    const inboxId = await createInbox('Late', [address], 'LAT');
    const mail = message(address);
    expect(await sendRaw(transport(stack.port), { from: 'a@example.test', to: [address] }, mail.raw)).toMatchObject({ ok: true });

    await stack.server.gql(
      stack.workspace.adminToken,
      `mutation($id: ID!, $input: InboxInput!) { updateInbox(inboxId: $id, input: $input) { __typename } }`,
      { id: inboxId, input: { addresses: [`renamed-${address}`] } },
    );
    let last: number | null = null;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const probe = await SmtpProbe.connect(stack.port);
      await probe.command('EHLO client.example.test');
      await probe.command('MAIL FROM:<a@example.test>');
      last = (await probe.command(`RCPT TO:<${address}>`)).code;
      probe.destroy();
      if (last === 550) break;
      await sleep(100);
    }
    expect(last).toBe(550);
  });

  it('judges an unknown recipient by a list fetched after the RCPT, with at most one fetch per ADDRESS_MISS_REFRESH_MS for all misses', async () => {
    const hop = await startHop(stack.server.url);
    const ingest = createIngestServer({
      apiUrl: hop.url,
      ingestTokens: [stack.workspace.ingestToken],
      addressRefreshMs: 60_000,
      addressMissRefreshMs: 250,
      maxConnectionsPerClient: 10,
    });
    const { port } = await ingest.listen(0);
    await ingest.ready();
    const started = Date.now();
    // 4 clients guessing 10 addresses each: 40 misses
    const codes = (
      await Promise.all(
        [0, 1, 2, 3].map(async (client) => {
          const probe = await SmtpProbe.connect(port);
          await probe.command('EHLO client.example.test');
          await probe.command('MAIL FROM:<a@example.test>');
          const codes: number[] = [];
          for (let i = 0; i < 10; i++) codes.push((await probe.command(`RCPT TO:<guess-${client}-${i}@${domain}>`)).code);
          probe.destroy();
          return codes;
        }),
      )
    ).flat();
    const elapsed = Date.now() - started;
    await ingest.close();
    await hop.close();
    expect(codes).toEqual(Array(40).fill(550));
    const fetches = hop.counts.get('IngestReceivingAddresses') ?? 0;
    // the first load, then one fetch per 250 ms window shared by every miss waiting in it
    expect(fetches).toBeGreaterThanOrEqual(10);
    expect(fetches).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 250) + 1);
  });

  it('limits recipients per message with 452 4.5.3 (the sender sends the rest in another transaction)', async () => {
    const probe = await SmtpProbe.connect(stack.port);
    await probe.command('EHLO client.example.test');
    await probe.command('MAIL FROM:<a@example.test>');
    const codes = [];
    for (const address of extra) codes.push(await probe.command(`RCPT TO:<${address}>`));
    expect(codes.slice(0, 3).map((r) => r.code)).toEqual([250, 250, 250]);
    expect(codes[3]!.text).toMatch(/^452 4\.5\.3 /);
    probe.destroy();
  });
});

describe('size', () => {
  it('refuses a declared SIZE over the limit at MAIL FROM with 552 5.3.4', async () => {
    const probe = await SmtpProbe.connect(stack.port);
    await probe.command('EHLO client.example.test');
    expect((await probe.command(`MAIL FROM:<a@example.test> SIZE=${64 * 1024 + 1}`)).text).toMatch(/^552 5\.3\.4 /);
    probe.destroy();
  });

  it('refuses a message whose data is over the limit with 552 5.3.4, and stores nothing', async () => {
    const mail = message(stack.workspace.address, { body: 'x'.repeat(76) + '\r\n'.repeat(1) + ('y'.repeat(76) + '\r\n').repeat(1000) });
    const probe = await SmtpProbe.connect(stack.port);
    await probe.command('EHLO client.example.test');
    await probe.command('MAIL FROM:<a@example.test>');
    await probe.command(`RCPT TO:<${stack.workspace.address}>`);
    expect((await probe.command('DATA')).code).toBe(354);
    probe.write(dataBlock(mail.raw));
    expect((await probe.next()).text).toMatch(/^552 5\.3\.4 /);
    // the session goes on
    expect((await probe.command('NOOP')).code).toBe(250);
    probe.destroy();
    const rows = await storedMessages(stack.server.app.database.db, stack.workspace.workspaceId);
    expect(rows.some((row) => row.messageId === mail.messageId)).toBe(false);
  });
});

describe('delivery', () => {
  it('delivers through nodemailer: the 250 names the stored message, whose source is what was sent', async () => {
    const mail = message(stack.workspace.address, { subject: 'Through nodemailer' });
    const result = await sendRaw(transport(stack.port), { from: 'customer@example.test', to: [stack.workspace.address] }, mail.raw);
    expect(result.ok).toBe(true);
    expect(result.response).toMatch(/^250 2\.6\.0 Ok: stored as \S+$/);
    const [stored] = storedIds(result.response);
    const row = await stack.server.app.database.db.message.findUniqueOrThrow({ where: { id: stored!.id } });
    expect(row).toMatchObject({ messageId: mail.messageId, subject: 'Through nodemailer', parseProblem: null });
    expect(sameSource(Buffer.from(row.raw!), mail.raw)).toBe(true);
  });

  it('delivers what swaks sends, and swaks sees 550 5.1.1 for an unknown recipient', async () => {
    const subject = `Swaks ${Date.now()}`;
    const ok = await swaks(['--server', `127.0.0.1:${stack.port}`, '--from', 'swaks@example.test', '--to', stack.workspace.address, '--header', `Subject: ${subject}`, '--body', 'Sent by swaks']);
    expect(ok.code).toBe(0);
    expect(ok.output).toMatch(/<- {2}250 2\.6\.0 Ok: stored as /);
    const rows = await storedMessages(stack.server.app.database.db, stack.workspace.workspaceId);
    expect(rows.filter((row) => row.subject === subject)).toHaveLength(1);

    const refused = await swaks(['--server', `127.0.0.1:${stack.port}`, '--from', 'swaks@example.test', '--to', 'nobody@nowhere.test']);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/550 5\.1\.1 /);
  });

  it('takes pipelined commands and answers each in order', async () => {
    const mail = message(stack.workspace.address);
    const probe = await SmtpProbe.connect(stack.port);
    await probe.command('EHLO client.example.test');
    probe.write(`MAIL FROM:<a@example.test>\r\nRCPT TO:<${stack.workspace.address}>\r\nRCPT TO:<nobody@nowhere.test>\r\nDATA\r\n`);
    const codes = [await probe.next(), await probe.next(), await probe.next(), await probe.next()].map((r) => r.code);
    expect(codes).toEqual([250, 250, 550, 354]);
    probe.write(dataBlock(mail.raw));
    expect((await probe.next()).code).toBe(250);
    probe.destroy();
  });

  it('keeps 8-bit and SMTPUTF8 mail byte for byte (8BITMIME, SMTPUTF8, base64 to the server)', async () => {
    const id = `utf8-${Date.now()}@ingest.test`;
    const head = `From: Jøran <jøran@eksempel.test>\r\nTo: ${stack.workspace.address}\r\nSubject: Grüße, ünïcödé 😀\r\nMessage-ID: <${id}>\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`;
    const body = Buffer.from([0x42, 0x6c, 0xe5, 0xe6, 0xf8, 0x20, 0xff, 0x0d, 0x0a, 0x2e, 0x64, 0x6f, 0x74, 0x0d, 0x0a]); // latin1 bytes, a line starting with "."
    const raw = Buffer.concat([Buffer.from(head, 'utf8'), body]);
    const probe = await SmtpProbe.connect(stack.port);
    await probe.command('EHLO client.example.test');
    expect((await probe.command('MAIL FROM:<jøran@eksempel.test> BODY=8BITMIME SMTPUTF8')).code).toBe(250);
    expect((await probe.command(`RCPT TO:<${stack.workspace.address}>`)).code).toBe(250);
    expect((await probe.command('DATA')).code).toBe(354);
    const stuffed = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from([0x42, 0x6c, 0xe5, 0xe6, 0xf8, 0x20, 0xff, 0x0d, 0x0a, 0x2e, 0x2e, 0x64, 0x6f, 0x74, 0x0d, 0x0a]), Buffer.from('.\r\n')]);
    probe.write(stuffed);
    const reply = await probe.next();
    expect(reply.code).toBe(250);
    probe.destroy();
    const row = await stack.server.app.database.db.message.findUniqueOrThrow({ where: { id: storedIds(reply.text)[0]!.id } });
    expect(Buffer.compare(Buffer.from(row.raw!), raw)).toBe(0);
    expect(row.subject).toBe('Grüße, ünïcödé 😀');
  });
});

describe('STARTTLS', () => {
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is offered with a key and certificate, and mail sent over it is delivered', async () => {
    const ingest = createIngestServer({ apiUrl: stack.server.url, ingestTokens: [stack.workspace.ingestToken], tls });
    const { port } = await ingest.listen(0);
    await ingest.ready();
    const probe = await SmtpProbe.connect(port);
    expect((await probe.command('EHLO client.example.test')).lines.some((line) => line.endsWith('STARTTLS'))).toBe(true);
    probe.destroy();
    const mail = message(stack.workspace.address, { subject: 'Over TLS' });
    const client = transport(port, { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false } });
    const result = await sendRaw(client, { from: 'a@example.test', to: [stack.workspace.address] }, mail.raw);
    await ingest.close();
    expect(result).toMatchObject({ ok: true });
    const row = await stack.server.app.database.db.message.findUniqueOrThrow({ where: { id: localId(result.response.split(' as ')[1]!) } });
    expect(row.subject).toBe('Over TLS');
  });
});
