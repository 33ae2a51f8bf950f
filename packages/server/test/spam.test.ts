import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTO_LEARN_HAM_ABOVE } from '../src/domain/spam/marking.js';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

let server: TestServer;
let a: TestWorkspace;
let b: TestWorkspace;

beforeAll(async () => {
  server = await startTestServer();
  a = await server.createWorkspace('Spam A');
  b = await server.createWorkspace('Spam B');
});
afterAll(() => server?.close());

// A pitch that reads like ordinary business mail: the shipped model has no reason to call it spam.
const pitch = (n: number) =>
  `Dear team, our Zorblatt logistics suite ${n} helps warehouses like yours. Zorblatt pallet tracking, ` +
  `Zorblatt dock scheduling and Zorblatt yard planning in one place. Reply for a Zorblatt walkthrough.`;

let seq = 0;
async function mail(ws: TestWorkspace, from: string, subject: string, text: string) {
  const report = await deliver(server, ws.ingestToken, rawEmail({ from, to: ws.address, subject, text, messageId: `spam-${++seq}@zorblatt.test` }), [ws.address]);
  return report.deliveries[0].conversationId as string;
}

async function conversation(ws: TestWorkspace, id: string) {
  const data = await server.gql(ws.agentToken, `query($id: ID!) { node(id: $id) { ... on Conversation { id spam spamReason status contact { id blocked } messages { edges { node { kind spam { score reasons { token spamProbability } } } } } } } }`, { id });
  return data.node;
}

const inInbox = async (ws: TestWorkspace, id: string, filter: Record<string, unknown> = {}) =>
  (await server.gql(ws.agentToken, `query($f: ConversationFilter) { conversations(first: 200, filter: $f) { edges { node { id } } } }`, { f: filter })).conversations.edges.some((e: any) => e.node.id === id);

const mark = async (ws: TestWorkspace, name: 'markSpam' | 'markNotSpam', id: string) =>
  (await server.gql(ws.agentToken, `mutation($c: ID!) { ${name}(conversationId: $c) { ... on Conversation { spam spamReason } ... on DomainError { code message } } }`, { c: id }))[name];

describe('spam filter', () => {
  it('scores every inbound message and says why, from the first day (shipped base model)', async () => {
    const customer = await conversation(a, await mail(a, 'Ulla <ulla@customer.test>', 'Invoice 2231 question', 'Hi, could you resend the invoice for my order from last week? Thanks, Ulla'));
    expect(customer.spam).toBe(false);
    expect(customer.messages.edges[0].node.spam.score).toBeLessThan(0.6);
    const junk = await conversation(a, await mail(a, 'deals@cheap-pills.test', 'FREE!!! Make money fast $$$', 'Click here to get rich quick, 100% free, viagra cheap pills, unsubscribe http://cheap-pills.biz/buy now!!! Limited time offer, act now, order today, guaranteed.'));
    expect(junk).toMatchObject({ spam: true, spamReason: 'FILTER' });
    const spam = junk.messages.edges[0].node.spam;
    expect(spam.score).toBeGreaterThan(0.9);
    expect(spam.reasons.length).toBeGreaterThanOrEqual(5);
    expect(spam.reasons[0]).toMatchObject({ token: expect.any(String), spamProbability: expect.any(Number) });
    expect(spam.reasons[0].spamProbability).toBeGreaterThan(0.9);
  });

  it('learns the moment an agent marks spam: a near-copy is caught, in this workspace only', async () => {
    const first = await mail(a, 'sales@zorblatt.test', 'Zorblatt for your warehouse', pitch(1));
    expect(await conversation(a, first)).toMatchObject({ spam: false });
    const controlBefore = await mail(b, 'sales@zorblatt.test', 'Zorblatt for your warehouse', pitch(2));
    const scoreBefore = (await conversation(b, controlBefore)).messages.edges[0].node.spam.score;

    expect(await mark(a, 'markSpam', first)).toEqual({ spam: true, spamReason: 'AGENT' });

    // The same sender is blocked now, so use another one: only learning can catch it.
    const copy = await mail(a, 'hello@zorblatt.test', 'Zorblatt for your warehouse!', pitch(3));
    const caught = await conversation(a, copy);
    expect(caught).toMatchObject({ spam: true, spamReason: 'FILTER' });
    expect(caught.messages.edges[0].node.spam.reasons[0].token).toMatch(/^near-copy:/);
    expect(await inInbox(a, copy)).toBe(false);
    expect(await inInbox(a, copy, { spam: true })).toBe(true);

    // Workspace B's filter did not learn A's decision.
    const control = await mail(b, 'hello@zorblatt.test', 'Zorblatt for your warehouse!', pitch(3));
    const inB = await conversation(b, control);
    expect(inB.spam).toBe(false);
    expect(Math.abs(inB.messages.edges[0].node.spam.score - scoreBefore)).toBeLessThan(0.2);
  });

  it('counts a subject word and link host an agent marked as spam once, in the very next mail', async () => {
    const text = (path: string) => `Good morning, the quarterly catalogue is ready at http://www.quendral-vost.example/${path} for your team.`;
    const before = (await conversation(b, await mail(b, 'one@first.test', 'Quendral catalogue', text('a')))).messages.edges[0].node.spam;
    await mark(a, 'markSpam', await mail(a, 'one@first.test', 'Quendral catalogue', text('a')));

    const next = (await conversation(a, await mail(a, 'two@second.test', 'Quendral catalogue', text('b')))).messages.edges[0].node.spam;
    const learned = next.reasons.filter((r: { token: string }) => /quendral/.test(r.token));
    expect(learned.length).toBeGreaterThan(0);
    expect(learned.every((r: { spamProbability: number }) => r.spamProbability > 0.95)).toBe(true);
    expect(next.score).toBeGreaterThan(before.score);
  });

  it("reads only content tokens of the workspace's own counts, however much it has learned (bench/classifier/workspace-cv.ts)", async () => {
    const ws = await server.createWorkspace('Spam own tokens');
    // Letters only: the tokenizer shapes words with digits.
    const tag = Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
    const send = (from: string, subject: string, text: string, mailer: string) =>
      deliver(server, ws.ingestToken, rawEmail({ from, to: ws.address, subject, text, messageId: `own-${++seq}@${tag}.test`, headers: { 'X-Mailer': mailer } }), [ws.address]).then(
        (report) => report.deliveries[0].conversationId as string,
      );
    // More than enough of each class for the rule this replaced (delivery tokens counted after 20 and 20).
    for (let i = 0; i < 21; i++) await mark(ws, 'markSpam', await send(`s${i}@bulk${i}.test`, `Note ${i}`, `Item ${i} of the list.`, `Blastomatic ${tag}`));
    for (let i = 0; i < 21; i++) await mark(ws, 'markNotSpam', await send(`h${i}@client${i}.test`, `Question ${i}`, `About order ${i}.`, 'Friendly Mail 2'));

    const next = await conversation(ws, await send('new@sender.test', 'Quarterly figures', 'Please find the figures attached to this mail.', `Blastomatic ${tag}`));
    const reasons: Array<{ token: string }> = next.messages.edges[0].node.spam.reasons;
    expect(reasons.some((r) => r.token.includes(tag))).toBe(false);
    expect(reasons.every((r) => !/^(?:h|hdr|hord|rcvd|mid|from:addr|date|ct|cte):/.test(r.token))).toBe(true);
  });

  it('learns an answered mail as ham only where the filter was not already sure of it (AUTO_LEARN_HAM_ABOVE, bench/classifier/workspace-cv.ts)', async () => {
    const ws = await server.createWorkspace('Spam auto-learn');
    const arrive = async (from: string, subject: string, text: string) => {
      const report = await deliver(server, ws.ingestToken, rawEmail({ from, to: ws.address, subject, text, messageId: `auto-${++seq}@learn.test` }), [ws.address]);
      const { conversationId, messageId } = report.deliveries[0] as { conversationId: string; messageId: string };
      const id = Buffer.from(messageId, 'base64').toString('utf8').split(':')[1]!;
      const { score } = (await conversation(ws, conversationId)).messages.edges[0].node.spam as { score: number };
      return { conversationId, id, score };
    };
    const clear = await arrive('sales@zorblatt.test', 'Zorblatt for your warehouse', pitch(7));
    const unsure = await arrive('ulla@customer.test', 'Invoice 2231 question', 'Hi, could you resend the invoice for my order from last week? Thanks, Ulla');
    expect(clear.score).toBeLessThanOrEqual(AUTO_LEARN_HAM_ABOVE);
    expect(unsure.score).toBeGreaterThan(AUTO_LEARN_HAM_ABOVE);

    for (const { conversationId } of [clear, unsure]) {
      const reply = await server.gql(ws.agentToken, `mutation($c: ID!, $t: String!) { replyToConversation(conversationId: $c, text: $t) { __typename } }`, { c: conversationId, t: 'Thanks, noted.' });
      expect(reply.replyToConversation.__typename).toBe('Message');
    }
    const learnedAs = async (id: string) => (await server.app.database.db.message.findUniqueOrThrow({ where: { id }, select: { spamLearnedAs: true } })).spamLearnedAs;
    const deadline = Date.now() + 5000;
    while ((await learnedAs(unsure.id)) !== 'ham' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await learnedAs(unsure.id)).toBe('ham');
    // Its reply was handled first; the filter already called it ham, so there was nothing to learn.
    expect(await learnedAs(clear.id)).toBeNull();
  });

  it('counts what an agent marked as spam in the workspace model, so different mail sharing its subject and links scores as spam', async () => {
    const marked = [
      'Hello, your Flurbix membership is waiting: http://www.flurbix-zepton.example/join?id=1 Call us this week.',
      'Our partners send gifts to every new member: http://www.flurbix-zepton.example/gift The offer ends on Friday.',
      'Last chance for loyal readers, half price: http://www.flurbix-zepton.example/last',
    ];
    for (const [i, text] of marked.entries()) await mark(a, 'markSpam', await mail(a, `promo${i}@vendor${i}.test`, `Flurbix zepton offer ${i}`, text));

    const text = 'Dear customer, please see http://www.flurbix-zepton.example/schedule and reply at your convenience.';
    const inA = (await conversation(a, await mail(a, 'someone@elsewhere.test', 'Flurbix zepton schedule', text))).messages.edges[0].node.spam;
    const inB = (await conversation(b, await mail(b, 'someone@elsewhere.test', 'Flurbix zepton schedule', text))).messages.edges[0].node.spam;
    // Not the near-copy check: the Bayes counts did it.
    expect(inA.reasons.some((r: { token: string }) => r.token.startsWith('near-copy:'))).toBe(false);
    expect(inA.reasons.some((r: { token: string }) => /flurbix/.test(r.token))).toBe(true);
    // Above the spam cutoff (0.6) with a margin; the other workspace learned nothing.
    expect(inA.score).toBeGreaterThan(0.75);
    expect(inB.score).toBeLessThan(0.6);
  });

  it('mark spam hides the conversation for good and blocks the contact; not spam undoes both; both are idempotent', async () => {
    const id = await mail(a, 'vera@customer.test', 'Broken kettle', 'My kettle broke after two days.');
    const folder = await server.gql(a.agentToken, `mutation { createSmartFolder(name: "Kettles", rules: { field: SUBJECT, operator: CONTAINS, value: "kettle" }) { ... on SmartFolder { id } } }`);
    const folderCount = async () => (await server.gql(a.agentToken, `query($id: ID!) { node(id: $id) { ... on SmartFolder { count } } }`, { id: folder.createSmartFolder.id })).node.count;
    expect(await folderCount()).toBe(1);
    const totals = async () => server.app.database.db.spamModelTotals.findUnique({ where: { workspaceId: a.workspaceId } });
    const before = await totals();

    expect(await mark(a, 'markSpam', id)).toEqual({ spam: true, spamReason: 'AGENT' });
    expect(await mark(a, 'markSpam', id)).toEqual({ spam: true, spamReason: 'AGENT' });
    const afterSpam = await totals();
    expect(afterSpam!.spamMessages).toBe((before?.spamMessages ?? 0) + 1);
    const c = await conversation(a, id);
    expect(c.contact.blocked).toBe(true);
    expect(await inInbox(a, id)).toBe(false);
    expect(await folderCount()).toBe(0);

    // Mail from the blocked contact is stored, in Spam, and never reaches the inbox.
    const later = await mail(a, 'vera@customer.test', 'Re: Broken kettle', 'Hello?');
    expect(await conversation(a, later)).toMatchObject({ spam: true, spamReason: 'BLOCKED' });
    expect(await inInbox(a, later)).toBe(false);

    expect(await mark(a, 'markNotSpam', id)).toEqual({ spam: false, spamReason: null });
    expect(await mark(a, 'markNotSpam', id)).toEqual({ spam: false, spamReason: null });
    const afterHam = await totals();
    expect(afterHam!.spamMessages).toBe(before?.spamMessages ?? 0);
    expect(afterHam!.hamMessages).toBe((before?.hamMessages ?? 0) + 1);
    expect((await conversation(a, id)).contact.blocked).toBe(false);
    expect(await inInbox(a, id)).toBe(true);
    expect(await folderCount()).toBe(1);
    const flowing = await mail(a, 'vera@customer.test', 'Kettle again', 'Thanks for the help.');
    expect(await inInbox(a, flowing)).toBe(true);
  });

  it('pushes markedSpam to subscribers', async () => {
    const id = await mail(a, 'wes@customer.test', 'Subscription check', 'Hello there');
    const client = server.wsClient(a.agentToken);
    const iterator = client.iterate({ query: `subscription { conversationChanged { event inView conversation { id } } }` });
    const next = iterator.next();
    await new Promise((r) => setTimeout(r, 200));
    await mark(a, 'markSpam', id);
    const events: string[] = [];
    const first = await next;
    events.push((first.value as any).data.conversationChanged.event);
    for (let i = 0; i < 5 && !events.includes('conversation.markedSpam'); i++) {
      const { value } = await iterator.next();
      events.push((value as any).data.conversationChanged.event);
    }
    await iterator.return?.();
    expect(events).toContain('conversation.markedSpam');
  });

  it('lets admins tune the threshold within bounds', async () => {
    const set = async (token: string, threshold: number | null) =>
      (await server.gql(token, `mutation($t: Float) { setSpamThreshold(threshold: $t) { ... on SpamSettings { threshold } ... on DomainError { code field } } }`, { t: threshold })).setSpamThreshold;
    expect(await set(a.agentToken, 0.9)).toEqual({ code: 'FORBIDDEN', field: null });
    expect(await set(a.adminToken, 0.2)).toEqual({ code: 'INVALID_INPUT', field: 'threshold' });
    expect(await set(a.adminToken, 0.95)).toEqual({ threshold: 0.95 });
    expect(await set(a.adminToken, null)).toEqual({ threshold: null });
  });
});
