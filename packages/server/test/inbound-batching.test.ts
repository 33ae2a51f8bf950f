import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveEmail } from '../src/domain/mail/receive-email.js';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

// Mails that arrive while a batch is being stored are stored together in the
// next transaction (group commit). receiveEmail is called here directly, as the
// deliverEmail resolver does, so that mails arrive together for certain.

let server: TestServer;
let ws: TestWorkspace;
let statements: string[] = [];
const received: string[] = [];
const contactsCreated: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ onQuery: (sql) => statements.push(sql) });
  ws = await server.createWorkspace('Batching');
  server.app.events.on('message.received', (event) => void received.push(event.messageId));
  server.app.events.on('contact.created', (event) => void contactsCreated.push(event.contactId));
});
afterAll(() => server?.close());

const db = () => server.app.database.db;

/** Hands all mails over at once; the first starts a batch alone, the rest wait for it and form the next one. */
function arriveTogether(mails: Array<{ raw: string; recipients?: string[] }>) {
  const deps = { db: db(), events: server.app.events };
  const caller = { kind: 'system', workspaceId: ws.workspaceId } as const;
  return Promise.allSettled(mails.map((mail) => receiveEmail(deps, caller, { raw: Buffer.from(mail.raw), recipients: mail.recipients ?? [ws.address] })));
}

const commits = () => statements.filter((sql) => /^\s*COMMIT\b/i.test(sql)).length;

function fulfilled<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

describe('inbound mail arriving together', () => {
  it('is stored in one transaction per batch, each mail with its own conversation, case number and event', async () => {
    statements = [];
    const mails = Array.from({ length: 12 }, (_, i) => ({
      raw: rawEmail({ from: `customer${i}@batch.test`, to: ws.address, subject: `Order ${i}`, messageId: `together-${i}@batch.test` }),
    }));
    const outcomes = (await arriveTogether(mails)).map(fulfilled);

    // The first mail found the queue idle and went alone; the other eleven waited for it and went together.
    expect(commits()).toBe(2);
    const deliveries = outcomes.map((outcome) => outcome.deliveries[0]!);
    expect(deliveries.every((d) => d.openedConversation && !d.duplicate)).toBe(true);
    const conversations = await db().conversation.findMany({
      where: { id: { in: deliveries.map((d) => d.conversationId) } },
      select: { id: true, number: true, subject: true, status: true },
    });
    expect(conversations).toHaveLength(12);
    const numbers = conversations.map((c) => c.number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => numbers[0]! + i));
    for (const [i, delivery] of deliveries.entries()) {
      expect(conversations.find((c) => c.id === delivery.conversationId)).toMatchObject({ subject: `Order ${i}`, status: 'WAITING_ON_AGENT' });
    }
    expect(received).toEqual(expect.arrayContaining(deliveries.map((d) => d.messageId)));
    const participants = await db().conversationParticipant.findMany({ where: { conversationId: { in: deliveries.map((d) => d.conversationId) } } });
    expect(participants.map((p) => p.address).sort()).toEqual(mails.map((_, i) => `customer${i}@batch.test`).sort());
  });

  it('threads a reply into a conversation its own batch opens, stores a repeated mail once, and makes one contact per new sender', async () => {
    const opening = rawEmail({ from: 'Nina <nina@batch.test>', to: ws.address, subject: 'Lost parcel', messageId: 'nina-1@batch.test' });
    contactsCreated.length = 0;
    const outcomes = (
      await arriveTogether([
        { raw: rawEmail({ from: 'starter@batch.test', to: ws.address, subject: 'Goes first', messageId: 'starter@batch.test' }) },
        { raw: opening },
        { raw: rawEmail({ from: 'nina@batch.test', to: ws.address, subject: 'Re: Lost parcel', messageId: 'nina-2@batch.test', inReplyTo: 'nina-1@batch.test' }) },
        { raw: opening },
        { raw: rawEmail({ from: 'nina@batch.test', to: ws.address, subject: 'Another matter', messageId: 'nina-3@batch.test' }) },
      ])
    ).map((outcome) => fulfilled(outcome).deliveries[0]!);
    const [, first, reply, again, other] = outcomes;

    expect(first).toMatchObject({ openedConversation: true, duplicate: false });
    expect(reply).toMatchObject({ conversationId: first!.conversationId, openedConversation: false, duplicate: false });
    expect(again).toMatchObject({ conversationId: first!.conversationId, messageId: first!.messageId, duplicate: true });
    expect(other).toMatchObject({ openedConversation: true });
    expect(other!.conversationId).not.toBe(first!.conversationId);

    const thread = await db().conversation.findUniqueOrThrow({
      where: { id: first!.conversationId },
      select: { status: true, contactId: true, _count: { select: { messages: true } } },
    });
    expect(thread._count.messages).toBe(2);
    expect(thread.status).toBe('WAITING_ON_AGENT');
    const nina = await db().contactEmail.findMany({ where: { workspaceId: ws.workspaceId, address: 'nina@batch.test' } });
    expect(nina).toHaveLength(1);
    expect(nina[0]!.contactId).toBe(thread.contactId);
    expect((await db().conversation.findUniqueOrThrow({ where: { id: other!.conversationId } })).contactId).toBe(thread.contactId);
    // starter@ and nina@ are new; nina's second and third mails find the contact her first created.
    expect(contactsCreated).toHaveLength(2);
    expect(await db().message.count({ where: { workspaceId: ws.workspaceId, messageId: 'nina-1@batch.test' } })).toBe(1);
  });

  it('keeps the rule that someone we correspond with is never sent to Spam by the filter, even when both mails share a batch', async () => {
    // A spam verdict on demand: a near-copy of a message an agent marked as spam.
    const pitch = 'Exclusive Zorblatt crypto bonus for our partners: claim your Zorblatt reward today before the window closes.';
    const marked = await deliver(server, ws.ingestToken, rawEmail({ from: 'spammer@spam.test', to: ws.address, subject: 'Zorblatt reward', text: pitch, messageId: 'marked@spam.test' }), [ws.address]);
    const result = await server.gql(ws.agentToken, `mutation($c: ID!) { markSpam(conversationId: $c) { ... on Conversation { spam } } }`, { c: marked.deliveries[0].conversationId });
    expect(result.markSpam.spam).toBe(true);

    const outcomes = (
      await arriveTogether([
        { raw: rawEmail({ from: 'opener@batch.test', to: ws.address, subject: 'Goes first', messageId: 'opener-2@batch.test' }) },
        { raw: rawEmail({ from: 'olga@batch.test', to: ws.address, subject: 'My order', text: 'Where is my order?', messageId: 'olga-1@batch.test' }) },
        { raw: rawEmail({ from: 'olga@batch.test', to: ws.address, subject: 'Zorblatt reward', text: pitch, messageId: 'olga-2@batch.test' }) },
        { raw: rawEmail({ from: 'stranger@batch.test', to: ws.address, subject: 'Zorblatt reward', text: pitch, messageId: 'stranger@batch.test' }) },
      ])
    ).map((outcome) => fulfilled(outcome).deliveries[0]!);
    const spamOf = async (id: string) => (await db().conversation.findUniqueOrThrow({ where: { id }, select: { spam: true, spamReason: true } }));
    expect(await spamOf(outcomes[1]!.conversationId)).toEqual({ spam: false, spamReason: null });
    // Olga's first conversation, opened earlier in the same batch, makes her someone we correspond with.
    expect(await spamOf(outcomes[2]!.conversationId)).toEqual({ spam: false, spamReason: null });
    // The same mail from a new sender goes to Spam.
    expect(await spamOf(outcomes[3]!.conversationId)).toEqual({ spam: true, spamReason: 'FILTER' });
  });

  it('fails a mail that cannot be stored on its own: the rest of its batch is stored', async () => {
    const { provider } = server.database;
    // A real database error for one mail only: a trigger refuses messages with this subject.
    if (provider === 'sqlite') {
      await db().$executeRawUnsafe(`CREATE TRIGGER refuse_poison BEFORE INSERT ON "Message" WHEN NEW."subject" = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END`);
    } else {
      await db().$executeRawUnsafe(
        `CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN IF NEW."subject" = 'poison' THEN RAISE EXCEPTION 'poison refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
      );
      await db().$executeRawUnsafe(`CREATE TRIGGER refuse_poison BEFORE INSERT ON "Message" FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);
    }
    try {
      const outcomes = await arriveTogether([
        { raw: rawEmail({ from: 'first@poison.test', to: ws.address, subject: 'Alone', messageId: 'p0@poison.test' }) },
        { raw: rawEmail({ from: 'a@poison.test', to: ws.address, subject: 'Fine', messageId: 'p1@poison.test' }) },
        { raw: rawEmail({ from: 'b@poison.test', to: ws.address, subject: 'poison', messageId: 'p2@poison.test' }) },
        { raw: rawEmail({ from: 'c@poison.test', to: 'nobody@nowhere.test', subject: 'Misrouted', messageId: 'p3@poison.test' }), recipients: ['nobody@nowhere.test'] },
        { raw: rawEmail({ from: 'd@poison.test', to: ws.address, subject: 'Also fine', messageId: 'p4@poison.test' }) },
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
      // (Prisma reports SQLite's RAISE(ABORT) from a trigger as a foreign key violation.)
      expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
      expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ code: 'NOT_FOUND' });
      const stored = await db().message.findMany({ where: { workspaceId: ws.workspaceId, messageId: { endsWith: '@poison.test' } }, select: { messageId: true } });
      expect(stored.map((m) => m.messageId).sort()).toEqual(['p0@poison.test', 'p1@poison.test', 'p4@poison.test']);
      // Nothing of the refused mail was kept: no contact, no conversation.
      expect(await db().contactEmail.count({ where: { address: 'b@poison.test' } })).toBe(0);
    } finally {
      await db().$executeRawUnsafe(`DROP TRIGGER refuse_poison${provider === 'sqlite' ? '' : ' ON "Message"'}`);
      if (provider !== 'sqlite') await db().$executeRawUnsafe(`DROP FUNCTION refuse_poison()`);
    }
  });
});
