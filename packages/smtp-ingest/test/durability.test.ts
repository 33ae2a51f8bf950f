// The invariant: a 250 means the message is durable. The daemon and the server run as child
// processes and are killed in the middle of a stream of mail; every message that got a 250 must
// be in DeskQL at that moment, and after the restart every message must be stored exactly once.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '@deskql/server';
import { startTestServer, type TestServer, type TestWorkspace } from '@deskql/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataBlock,
  freePort,
  message,
  sameSource,
  sendLikeAnMta,
  SmtpProbe,
  startDaemonProcess,
  startServerProcess,
  storedMessages,
  type Child,
  type Outgoing,
} from './support.js';

type Db = TestServer['app']['database']['db'];

/** 120 messages; every fifth has no Message-ID (the server deduplicates those by their source). */
function stream(to: string, tag: string) {
  return Array.from({ length: 120 }, (_, i) =>
    message(to, { messageId: i % 5 === 4 ? null : `${tag}-${i}@durability.test`, subject: `${tag} ${i}`, body: `Message ${i} of ${tag}.` }),
  );
}

/** How often each message is stored in the workspace. */
async function storedCounts(db: Db, workspaceId: string, mails: Array<{ raw: string }>): Promise<number[]> {
  const rows = await storedMessages(db, workspaceId);
  return mails.map((mail) => rows.filter((row) => row.raw && sameSource(Buffer.from(row.raw), mail.raw)).length);
}

function summary(sent: Outgoing[]) {
  return {
    acked: sent.filter((s) => s.acked).length,
    retried: sent.filter((s) => s.attempts > 1).length,
    permanentFailures: sent.filter((s) => !s.acked).map((s) => s.failures.at(-1)),
  };
}

describe('kill -9 of the daemon in the middle of a stream', () => {
  let server: TestServer;
  let workspace: TestWorkspace;
  const daemons: Child[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    workspace = await server.createWorkspace();
  });
  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
    await server?.close();
  });

  it('loses nothing that got a 250, and stores every message exactly once after the restart', async () => {
    const port = await freePort();
    const env = {
      INGEST_TOKEN: workspace.ingestToken,
      DESKQL_API_URL: server.url,
      SMTP_PORT: String(port),
      MAX_CONNECTIONS_PER_CLIENT: '50',
    };
    const start = async () => {
      const daemon = startDaemonProcess(env);
      daemons.push(daemon);
      await daemon.waitFor(/receiving addresses loaded/);
      return daemon;
    };
    let daemon = await start();
    const mails = stream(workspace.address, `kill-${Date.now()}`);

    let killed: Promise<void> | null = null;
    let ackedBeforeKill: string[] = [];
    let storedAtKill: number[] = [];
    const sending = sendLikeAnMta(() => port, workspace.address, mails, {
      concurrency: 6,
      deadlineMs: 90_000,
      onAck(acked) {
        if (acked !== 40 || killed) return;
        killed = (async () => {
          daemon.process.kill('SIGKILL');
          await daemon.exited;
          // every message that got a 250 until now is in DeskQL now, with the daemon dead
          ackedBeforeKill = sending.outgoing.filter((s) => s.acked).map((s) => s.raw);
          storedAtKill = await storedCounts(server.app.database.db, workspace.workspaceId, ackedBeforeKill.map((raw) => ({ raw })));
          await sleep(500);
          daemon = await start();
        })();
      },
    });
    const result = await sending.done;
    await killed;
    console.info('daemon kill -9:', { ...summary(result), ackedBeforeKill: ackedBeforeKill.length });

    expect(ackedBeforeKill.length).toBeGreaterThanOrEqual(40);
    expect(storedAtKill).toEqual(ackedBeforeKill.map(() => 1));
    expect(summary(result)).toMatchObject({ acked: 120, permanentFailures: [] });
    expect(summary(result).retried).toBeGreaterThan(0); // the kill did interrupt transactions
    expect(await storedCounts(server.app.database.db, workspace.workspaceId, mails)).toEqual(mails.map(() => 1));
  });
});

describe('kill -9 of the server in the middle of a stream', () => {
  let dir: string;
  const children: Child[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-durability-'));
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 451 while it is down; every 250 is durable, and every message is stored exactly once', async () => {
    const apiPort = await freePort();
    const smtpPort = await freePort();
    const databaseUrl = `file:${join(dir, 'data', 'deskql.db')}`;
    const startServer = async () => {
      const server = startServerProcess({ DATABASE_URL: databaseUrl, PORT: String(apiPort) }, dir);
      children.push(server);
      await server.waitFor(/DeskQL GraphQL API on/);
      return server;
    };
    // As `npm start` does it: the daemon first, waiting for the token file the server writes on its first start.
    const daemon = startDaemonProcess({
      INGEST_TOKEN_FILE: join(dir, 'data', 'ingest-token'),
      DESKQL_API_URL: `http://127.0.0.1:${apiPort}/graphql`,
      SMTP_PORT: String(smtpPort),
      MAX_CONNECTIONS_PER_CLIENT: '50',
      DELIVERY_TIMEOUT_MS: '5000',
    });
    children.push(daemon);
    await daemon.waitFor(/listening on|waiting for the ingest token file/);
    let server = await startServer();
    await daemon.waitFor(/receiving addresses loaded addresses=2/);
    expect(statSync(join(dir, 'data', 'ingest-token')).mode & 0o777).toBe(0o600);

    const to = 'support@demo.deskql.test';
    const mails = stream(to, `server-${Date.now()}`);
    const openDb = () => createApp({ databaseUrl, migrate: false, graphiql: false });
    const workspaceId = async (db: Db) => (await db.workspace.findFirstOrThrow({ select: { id: true } })).id;

    let killed: Promise<void> | null = null;
    let ackedBeforeKill: string[] = [];
    let storedAtKill: number[] = [];
    let refusedWhileDown: string[] = [];
    const sending = sendLikeAnMta(() => smtpPort, to, mails, {
      concurrency: 6,
      deadlineMs: 90_000,
      onAck(acked) {
        if (acked !== 40 || killed) return;
        killed = (async () => {
          server.process.kill('SIGKILL');
          await server.exited;
          ackedBeforeKill = sending.outgoing.filter((s) => s.acked).map((s) => s.raw);
          // read the database the killed server left behind
          const app = await openDb();
          storedAtKill = await storedCounts(app.database.db, await workspaceId(app.database.db), ackedBeforeKill.map((raw) => ({ raw })));
          await app.close();
          await sleep(1000);
          refusedWhileDown = sending.outgoing.flatMap((s) => s.failures);
          server = await startServer();
        })();
      },
    });
    const result = await sending.done;
    await killed;
    console.info('server kill -9:', { ...summary(result), ackedBeforeKill: ackedBeforeKill.length });

    expect(ackedBeforeKill.length).toBeGreaterThanOrEqual(40);
    expect(storedAtKill).toEqual(ackedBeforeKill.map(() => 1));
    expect(refusedWhileDown.some((reply) => /^451 4\.3\.0 /.test(reply))).toBe(true);
    expect(summary(result)).toMatchObject({ acked: 120, permanentFailures: [] });

    await server.kill('SIGTERM');
    await daemon.kill('SIGTERM');
    const app = await openDb();
    try {
      expect(await storedCounts(app.database.db, await workspaceId(app.database.db), mails)).toEqual(mails.map(() => 1));
    } finally {
      await app.close();
    }
  });
});

describe('SIGTERM', () => {
  let server: TestServer;
  let workspace: TestWorkspace;
  let daemon: Child | null = null;
  beforeAll(async () => {
    server = await startTestServer();
    workspace = await server.createWorkspace();
  });
  afterAll(async () => {
    await daemon?.kill('SIGKILL');
    await server?.close();
  });

  it('stops accepting, lets transactions in flight finish with 250, closes idle connections with 421, then exits 0', async () => {
    const port = await freePort();
    daemon = startDaemonProcess({ INGEST_TOKEN: workspace.ingestToken, DESKQL_API_URL: server.url, SMTP_PORT: String(port), SHUTDOWN_TIMEOUT_MS: '10000' });
    await daemon.waitFor(/receiving addresses loaded/);
    const ehlo = async () => {
      const probe = await SmtpProbe.connect(port);
      await probe.command('EHLO client.example.test');
      return probe;
    };
    const idle = await ehlo();
    // one transaction in the middle of its data, one between its envelope and DATA
    const midData = await ehlo();
    const first = message(workspace.address, { subject: 'Mid data' });
    await midData.command('MAIL FROM:<a@example.test>');
    await midData.command(`RCPT TO:<${workspace.address}>`);
    expect((await midData.command('DATA')).code).toBe(354);
    const block = dataBlock(first.raw);
    midData.write(block.subarray(0, 40));
    const midEnvelope = await ehlo();
    const second = message(workspace.address, { subject: 'Mid envelope' });
    await midEnvelope.command('MAIL FROM:<a@example.test>');

    daemon.process.kill('SIGTERM');
    await daemon.waitFor(/SIGTERM: stopping/);
    await sleep(200);

    // no new connections
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.on('data', (data) => {
        resolve(data.toString());
        socket.destroy();
      });
    });
    expect(refused).toBe('ECONNREFUSED');
    // the idle connection is told and closed
    expect((await idle.next()).text).toMatch(/^421 4\.3\.2 /);
    await idle.closed;

    midData.write(block.subarray(40));
    expect((await midData.next()).text).toMatch(/^250 2\.6\.0 Ok: stored as /);
    expect((await midData.next()).code).toBe(421);

    expect((await midEnvelope.command(`RCPT TO:<${workspace.address}>`)).code).toBe(250);
    expect((await midEnvelope.command('DATA')).code).toBe(354);
    midEnvelope.write(dataBlock(second.raw));
    expect((await midEnvelope.next()).code).toBe(250);

    expect(await daemon.exited).toBe(0);
    expect(await storedCounts(server.app.database.db, workspace.workspaceId, [first, second])).toEqual([1, 1]);
  });
});
