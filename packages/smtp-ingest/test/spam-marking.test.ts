// Marking spam end to end: mail goes in over real SMTP (nodemailer → the daemon on loopback → the
// server's deliverEmail), agents act over GraphQL/HTTP, and everything is checked through GraphQL
// (lists, counts, the Spam view, timelines, a graphql-ws subscription). One workspace, one story:
// a customer writes, is marked spam, writes again while blocked, is brought back, and a near-copy of
// marked spam from another address is caught by what the filter learned.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw, startStack, storedIds, transport, type Stack } from './support.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const ws = () => stack.workspace;
const gql = <T = any>(token: string, query: string, variables?: Record<string, unknown>) => stack.server.gql<T>(token, query, variables);
const agent = <T = any>(query: string, variables?: Record<string, unknown>) => gql<T>(ws().agentToken, query, variables);

// ---- mail over SMTP -------------------------------------------------------------------------

/** Sends one plain-text mail to the inbox over SMTP; returns the daemon's reply and the stored message id. */
async function smtp(from: string, subject: string, text: string) {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const raw = [
    `From: ${from}`,
    `To: ${ws().address}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomUUID()}@${address.split('@')[1]}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '',
  ].join('\r\n');
  const client = transport(stack.port);
  const result = await sendRaw(client, { from: address, to: [ws().address] }, raw);
  client.close();
  return result;
}

/** Sends over SMTP and insists on 250 "stored": whatever the filter thinks, the mail is never lost. */
async function send(from: string, subject: string, text: string) {
  const result = await smtp(from, subject, text);
  expect(result.ok, result.response).toBe(true);
  expect(result.response).toMatch(/^250 2\.6\.0 Ok: stored as /);
  expect(storedIds(result.response)).toHaveLength(1);
  return conversationBySubject(subject);
}

// ---- GraphQL views --------------------------------------------------------------------------

const conversationFields = `id subject spam spamReason contact { id blocked emails }
  messages(first: 50) { edges { node { direction kind autoReply deliveryState event to { address } spam { score reasons { token spamProbability } } } } }`;

type Conversation = {
  id: string;
  subject: string;
  spam: boolean;
  spamReason: string | null;
  contact: { id: string; blocked: boolean; emails: string[] };
  messages: { edges: Array<{ node: any }> };
};

/** The single conversation with this subject, looked up in the inbox and the Spam view. */
async function conversationBySubject(subject: string): Promise<Conversation> {
  const data = await agent(
    `query($search: String!) {
      inbox: conversations(first: 10, filter: { search: $search }) { edges { node { ${conversationFields} } } }
      spam: conversations(first: 10, filter: { search: $search, spam: true }) { edges { node { ${conversationFields} } } }
    }`,
    { search: subject },
  );
  const found = [...data.inbox.edges, ...data.spam.edges].map((e: any) => e.node).filter((c: Conversation) => c.subject === subject);
  expect(found, `conversations with subject "${subject}"`).toHaveLength(1);
  return found[0];
}

async function conversation(id: string): Promise<Conversation> {
  return (await agent(`query($id: ID!) { node(id: $id) { ... on Conversation { ${conversationFields} } } }`, { id })).node;
}

/** Ids in the inbox list and in the Spam view, with their counts. */
async function lists() {
  const data = await agent(
    `query($inbox: ID!) {
      inbox: conversations(first: 100, filter: { inboxId: $inbox }) { totalCount edges { node { id } } }
      spam: conversations(first: 100, filter: { spam: true }) { totalCount edges { node { id } } }
    }`,
    { inbox: ws().inboxId },
  );
  const ids = (list: any) => list.edges.map((e: any) => e.node.id as string);
  return { inbox: ids(data.inbox), inboxCount: data.inbox.totalCount as number, spam: ids(data.spam), spamCount: data.spam.totalCount as number };
}

const autoReplies = (c: Conversation) => c.messages.edges.map((e) => e.node).filter((m) => m.direction === 'OUTBOUND' && m.kind === 'EMAIL' && m.autoReply);
const systemEntries = (c: Conversation, type: string) => c.messages.edges.map((e) => e.node).filter((m) => m.kind === 'SYSTEM' && m.event?.type === type);
const inboundScore = (c: Conversation) => c.messages.edges.map((e) => e.node).find((m) => m.direction === 'INBOUND')!.spam;

async function mark(name: 'markSpam' | 'markNotSpam', id: string) {
  return (await agent(`mutation($c: ID!) { ${name}(conversationId: $c) { __typename ... on Conversation { spam spamReason } ... on DomainError { code message } } }`, { c: id }))[name];
}

async function contactAction(name: 'blockContact' | 'unblockContact', id: string) {
  return (await agent(`mutation($c: ID!) { ${name}(contactId: $c) { __typename ... on Contact { blocked } ... on DomainError { code message } } }`, { c: id }))[name];
}

// ---- a graphql-ws subscription, collected in the background ----------------------------------

type Change = { event: string; inView: boolean; conversation: { id: string } };

function watch(filter: Record<string, unknown>) {
  const changes: Change[] = [];
  const iterator = stack.server.wsClient(ws().agentToken).iterate({
    query: `subscription($f: ConversationFilter) { conversationChanged(filter: $f) { event inView conversation { id } } }`,
    variables: { f: filter },
  });
  const running = (async () => {
    for await (const result of iterator) changes.push((result as any).data.conversationChanged);
  })().catch(() => {});
  return {
    changes,
    /** Waits (bounded) until a change matches. */
    async until(match: (change: Change) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!changes.some(match)) {
        if (Date.now() > deadline) throw new Error(`no matching change; saw ${JSON.stringify(changes)}`);
        await sleep(20);
      }
      return changes.find(match)!;
    },
    async stop() {
      await iterator.return?.();
      await running;
    },
  };
}

// ---- the story ------------------------------------------------------------------------------

const customer = 'Nora Lindqvist <nora.lindqvist@customer-mail.test>';
const bystander = 'Ivo Petrov <ivo.petrov@other-customer.test>';
const AUTO_REPLY = 'Thanks {{contact.name}}, we received your message about {{caseNumber}}.';

let original: Conversation;

describe('marking spam, with mail over SMTP', () => {
  it("delivers a customer's mail into the inbox, scored as ham", async () => {
    original = await send(customer, 'My order arrived with a cracked lid', 'Hello, my order 10423 arrived today but the lid of the teapot is cracked. Could you send a replacement? Regards, Nora');
    expect(original).toMatchObject({ spam: false, spamReason: null, contact: { blocked: false, emails: ['nora.lindqvist@customer-mail.test'] } });
    expect(inboundScore(original).score).toBeLessThan(0.6);
    expect(autoReplies(original)).toHaveLength(0); // auto-reply is switched on below, after this mail
    const now = await lists();
    expect(now).toEqual({ inbox: [original.id], inboxCount: 1, spam: [], spamCount: 0 });
  });

  it('marking spam takes the conversation out of the inbox, its counts and folders, into the Spam view, and blocks the contact', async () => {
    // The inbox answers new conversations from now on; it must not answer spam.
    const { updateInbox } = await gql(ws().adminToken, `mutation($id: ID!, $input: InboxInput!) { updateInbox(inboxId: $id, input: $input) { __typename ... on Inbox { autoReplyEnabled } } }`, {
      id: ws().inboxId,
      input: { autoReplyEnabled: true, autoReplySubject: 'We got your message', autoReplyText: AUTO_REPLY, autoReplyIntervalMinutes: 60 },
    });
    expect(updateInbox).toEqual({ __typename: 'Inbox', autoReplyEnabled: true });
    const folder = (await agent(`mutation { createSmartFolder(name: "Orders", rules: { field: SUBJECT, operator: CONTAINS, value: "order" }) { ... on SmartFolder { id count } } }`)).createSmartFolder;
    expect(folder.count).toBe(1);

    const inboxWatch = watch({ inboxId: ws().inboxId });
    const spamWatch = watch({ spam: true });
    // Both subscriptions are live once they see a harmless change.
    for (let i = 0; !(inboxWatch.changes.length && spamWatch.changes.length); i++) {
      if (i > 50) throw new Error('subscriptions never became live');
      await agent(`mutation($c: ID!, $p: Priority!) { setConversationPriority(conversationId: $c, priority: $p) { __typename } }`, { c: original.id, p: i % 2 ? 'NORMAL' : 'HIGH' });
      await sleep(100);
    }

    expect(await mark('markSpam', original.id)).toEqual({ __typename: 'Conversation', spam: true, spamReason: 'AGENT' });
    expect(await inboxWatch.until((c) => c.event === 'conversation.markedSpam')).toEqual({ event: 'conversation.markedSpam', inView: false, conversation: { id: original.id } });
    expect(await spamWatch.until((c) => c.event === 'conversation.markedSpam')).toEqual({ event: 'conversation.markedSpam', inView: true, conversation: { id: original.id } });
    await Promise.all([inboxWatch.stop(), spamWatch.stop()]);

    expect(await lists()).toEqual({ inbox: [], inboxCount: 0, spam: [original.id], spamCount: 1 });
    expect((await agent(`query($id: ID!) { node(id: $id) { ... on SmartFolder { count } } }`, { id: folder.id })).node.count).toBe(0);
    const marked = await conversation(original.id);
    expect(marked).toMatchObject({ spam: true, spamReason: 'AGENT', contact: { blocked: true } });
    expect(systemEntries(marked, 'spam')).toHaveLength(1);
    const blocked = await agent(`query { contacts(first: 10, blocked: true) { edges { node { emails } } } }`);
    expect(blocked.contacts.edges.map((e: any) => e.node.emails)).toEqual([['nora.lindqvist@customer-mail.test']]);
  });

  it('marking spam twice changes nothing more (no second timeline entry, message learned once)', async () => {
    const totals = () => stack.server.app.database.db.spamModelTotals.findUnique({ where: { workspaceId: ws().workspaceId } });
    const before = await totals();
    expect(before).toMatchObject({ spamMessages: 1, hamMessages: 0 });
    expect(await mark('markSpam', original.id)).toEqual({ __typename: 'Conversation', spam: true, spamReason: 'AGENT' });
    expect(await totals()).toMatchObject({ spamMessages: 1, hamMessages: 0 });
    expect(systemEntries(await conversation(original.id), 'spam')).toHaveLength(1);
    expect(await lists()).toEqual({ inbox: [], inboxCount: 0, spam: [original.id], spamCount: 1 });
  });

  let blockedMail: Conversation;
  it('a blocked contact writing again gets 250 (stored, never lost) but lands in Spam as BLOCKED, with no auto-reply', async () => {
    const inboxWatch = watch({ inboxId: ws().inboxId });
    const sentAt = Date.now();
    blockedMail = await send(customer, 'Still waiting for the replacement lid', 'Hello again, any news about the replacement lid for order 10423? Nora');
    expect(blockedMail).toMatchObject({ spam: true, spamReason: 'BLOCKED', contact: { id: original.contact.id, blocked: true } });
    expect(blockedMail.id).not.toBe(original.id);
    expect(autoReplies(blockedMail)).toHaveLength(0);
    // Someone else writing at the same time gets the auto-reply: it is configured and working.
    const other = await send(bystander, 'Question about opening hours', 'Hi, are you open on Saturdays? Ivo');
    expect(other).toMatchObject({ spam: false, spamReason: null });
    expect(autoReplies(other)).toEqual([expect.objectContaining({ deliveryState: 'QUEUED', to: [{ address: 'ivo.petrov@other-customer.test' }] })]);

    const now = await lists();
    expect(now.inbox).toEqual([other.id]);
    expect(now.inboxCount).toBe(1);
    expect(new Set(now.spam)).toEqual(new Set([original.id, blockedMail.id]));
    expect(now.spamCount).toBe(2);
    // Inbox watchers hear of it, told that it is not in their list.
    expect(await inboxWatch.until((c) => c.event === 'conversation.created' && c.conversation.id === blockedMail.id)).toMatchObject({ inView: false });
    expect(await inboxWatch.until((c) => c.event === 'conversation.created' && c.conversation.id === other.id)).toMatchObject({ inView: true });
    expect(inboxWatch.changes.filter((c) => c.conversation.id === blockedMail.id).every((c) => !c.inView)).toBe(true);
    await inboxWatch.stop();
    expect(Date.now() - sentAt).toBeLessThan(10_000);
  });

  it('markNotSpam brings the conversation back and unblocks: the next SMTP mail from the contact reaches the inbox (and is answered)', async () => {
    expect(await mark('markNotSpam', original.id)).toEqual({ __typename: 'Conversation', spam: false, spamReason: null });
    expect(await mark('markNotSpam', original.id)).toEqual({ __typename: 'Conversation', spam: false, spamReason: null });
    const back = await conversation(original.id);
    expect(back).toMatchObject({ spam: false, spamReason: null, contact: { blocked: false } });
    expect(systemEntries(back, 'notSpam')).toHaveLength(1);
    expect(await stack.server.app.database.db.spamModelTotals.findUnique({ where: { workspaceId: ws().workspaceId } })).toMatchObject({ spamMessages: 0, hamMessages: 1 });

    const again = await send(customer, 'Lid arrived, one more question', 'The new lid arrived, thank you! Do you also sell the matching cups? Nora');
    expect(again).toMatchObject({ spam: false, spamReason: null, contact: { id: original.contact.id, blocked: false } });
    // Her first auto-reply: the one she did not get while blocked.
    expect(autoReplies(again)).toEqual([expect.objectContaining({ deliveryState: 'QUEUED', to: [{ address: 'nora.lindqvist@customer-mail.test' }] })]);
    const now = await lists();
    expect(new Set(now.inbox)).toEqual(new Set([original.id, again.id, (await conversationBySubject('Question about opening hours')).id]));
    expect(now.inboxCount).toBe(3);
    // The mail she sent while blocked stays where it was put until an agent decides otherwise.
    expect(now.spam).toEqual([blockedMail.id]);
  });

  it('blockContact / unblockContact do the same for mail that arrives over SMTP', async () => {
    const ivo = (await conversationBySubject('Question about opening hours')).contact.id;
    expect(await contactAction('blockContact', ivo)).toEqual({ __typename: 'Contact', blocked: true });
    expect(await send(bystander, 'Saturday opening, again', 'Hello, just checking about Saturdays. Ivo')).toMatchObject({ spam: true, spamReason: 'BLOCKED' });
    expect(await contactAction('unblockContact', ivo)).toEqual({ __typename: 'Contact', blocked: false });
    expect(await send(bystander, 'Saturday opening, third try', 'Hello, sorry to insist about Saturdays. Ivo')).toMatchObject({ spam: false, spamReason: null });
  });

  it('learns from marking: a near-copy of marked spam from a different address is caught', async () => {
    // Reads like ordinary business mail: the base model alone has no reason to call it spam.
    const pitch = (n: number) =>
      `Dear team, our Quillfarrow freight suite ${n} helps warehouses like yours. Quillfarrow pallet tracking, ` +
      `Quillfarrow dock scheduling and Quillfarrow yard planning in one place. Reply for a Quillfarrow walkthrough.`;

    const first = await send('Sales <sales@quillfarrow.test>', 'Quillfarrow for your warehouse', pitch(1));
    expect(first).toMatchObject({ spam: false, spamReason: null });
    // Before any marking, a near-copy from another address is not spam either: what follows is learned.
    const before = await send('Hello <hello@quillfarrow-mail.test>', 'Quillfarrow for your warehouse team', pitch(2));
    expect(before).toMatchObject({ spam: false, spamReason: null });
    expect(inboundScore(before).reasons.some((r: any) => r.token.startsWith('near-copy:'))).toBe(false);

    expect(await mark('markSpam', first.id)).toEqual({ __typename: 'Conversation', spam: true, spamReason: 'AGENT' });

    const copy = await send('Offers <offers@quillfarrow-deals.test>', 'Quillfarrow for your warehouse!', pitch(3));
    expect(copy).toMatchObject({ spam: true, spamReason: 'FILTER', contact: { blocked: false } });
    expect(copy.contact.id).not.toBe(first.contact.id);
    const score = inboundScore(copy);
    expect(score.reasons[0].token).toMatch(/^near-copy:/);
    expect(score.score).toBeGreaterThanOrEqual(0.6);
    expect(autoReplies(copy)).toHaveLength(0);
    const now = await lists();
    expect(now.inbox).not.toContain(copy.id);
    expect(now.spam).toContain(copy.id);
    expect(now.spam).toContain(first.id);
    // The earlier copy, from a contact never marked, stays where it was.
    expect(now.inbox).toContain(before.id);
  });
});
