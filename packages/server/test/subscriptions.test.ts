import { EventEmitter } from 'node:events';
import { conversationEventNames } from '@deskql/sdk/events';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../src/events/bus.js';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

/**
 * Subscriptions over graphql-ws on /graphql, as a frontend uses them. Every
 * wait is for something to happen (a message on the socket, a listener on the
 * server's event bus, an SQL statement), bounded by a timeout; nothing sleeps.
 */

/** Whatever a test waits for may have just happened: every source of news calls this. */
const news = new EventEmitter().setMaxListeners(0);
const WAIT_MS = 10_000;

/** Resolves with check()'s first truthy result, re-checking whenever there is news; fails after a bounded wait. */
function until<T>(check: () => T | null | undefined | false, what: string, timeoutMs = WAIT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const result = check();
      if (!result) return;
      stop();
      resolve(result);
    };
    const stop = () => {
      clearTimeout(timer);
      news.off('news', attempt);
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    news.on('news', attempt);
    attempt();
  });
}

/**
 * The server's event bus runs on this EventTarget, so the suite can see when a
 * subscription has started listening (graphql-ws has no acknowledgement for a
 * subscription) and when it lets go.
 */
class ObservedTarget extends EventTarget {
  private readonly addedCount = new Map<string, number>();
  private readonly removedCount = new Map<string, number>();
  added = (type: string) => this.addedCount.get(type) ?? 0;
  removed = (type: string) => this.removedCount.get(type) ?? 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>) {
    super.addEventListener(...args);
    this.addedCount.set(args[0], this.added(args[0]) + 1);
    news.emit('news');
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>) {
    super.removeEventListener(...args);
    this.removedCount.set(args[0], this.removed(args[0]) + 1);
    news.emit('news');
  }
}

const target = new ObservedTarget();
/** Every SQL statement the server ran, and how many smartFolder.changed listeners the bus had had by then. */
const statements: string[] = [];
const folderListenersAt: number[] = [];
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    events: createEventBus(target),
    onQuery: (sql) => {
      statements.push(sql);
      folderListenersAt.push(target.added('smartFolder.changed'));
      news.emit('news');
    },
  });
});

/** The statement smartFolderCounts starts each count with: the workspace's folders in order. */
const listsFolders = (sql: string) => /FROM\s+[`"]\w+[`"]\.[`"]SmartFolder[`"].*ORDER BY/s.test(sql);
afterAll(() => server?.close());

/**
 * A fresh workspace whose spam filter only takes mail it is certain about:
 * these suites are about folders and subscriptions, and their short test mails
 * must reach the inbox whatever the shipped filter thinks of a subject line.
 */
async function createWorkspace(name: string): Promise<TestWorkspace> {
  const ws = await server.createWorkspace(name);
  const set = await server.gql(ws.adminToken, `mutation { setSpamThreshold(threshold: 1) { __typename } }`);
  expect(set.setSpamThreshold.__typename).toBe('SpamSettings');
  return ws;
}

interface Stream<T> {
  items: T[];
  /** Set when the server ended the subscription with an error. */
  errors: Array<{ message: string; extensions?: Record<string, unknown> }> | null;
  completed: boolean;
  stop(): void;
  /** Waits for the first item from index `from` on that satisfies `match`. */
  next(match: (item: T) => boolean, what: string, from?: number): Promise<T>;
}

function open<T = any>(client: Client, query: string, variables?: Record<string, unknown>): Stream<T> {
  const stream: Stream<T> = {
    items: [],
    errors: null,
    completed: false,
    stop: () => {},
    next: (match, what, from = 0) =>
      until(
        () => {
          if (stream.errors) throw new Error(`${what}: the subscription failed: ${JSON.stringify(stream.errors)}`);
          return stream.items.slice(from).find(match) ?? null;
        },
        `${what} (received: ${JSON.stringify(stream.items.slice(from))})`,
      ),
  };
  stream.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) stream.errors = result.errors as never;
        else stream.items.push(result.data as T);
        news.emit('news');
      },
      error: (error) => {
        stream.errors = Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }];
        news.emit('news');
      },
      complete: () => {
        stream.completed = true;
        news.emit('news');
      },
    },
  );
  return stream;
}

/** Opens a subscription and waits until the server listens on the bus for every one of `names`. */
async function openLive<T = any>(client: Client, query: string, variables: Record<string, unknown>, names: readonly string[]) {
  const before = names.map((name) => target.added(name));
  const stream = open<T>(client, query, variables);
  await until(
    () => stream.errors ?? names.every((name, i) => target.added(name) > before[i]!),
    `the server to listen for ${names.join(', ')}`,
  );
  expect(stream.errors).toBeNull();
  return stream;
}

/** Stops a subscription and waits until the server has let go of its bus listeners. */
async function stopAndWaitForRelease(stream: Stream<unknown>, names: readonly string[]) {
  const before = names.map((name) => target.removed(name));
  stream.stop();
  await until(() => names.every((name, i) => target.removed(name) > before[i]!), `the server to release ${names.join(', ')}`);
}

function workspaceHelpers(ws: TestWorkspace) {
  const gql = (query: string, variables?: Record<string, unknown>) => server.gql(ws.agentToken, query, variables);
  return {
    ws,
    gql,
    /** Delivers an ordinary customer mail, as a mail server hands it over (with Return-Path), so the spam filter lets it in. */
    async mail(fields: { from: string; subject: string; to?: string; messageId?: string; inReplyTo?: string; text?: string }) {
      const to = fields.to ?? ws.address;
      const sender = /<([^>]+)>/.exec(fields.from)?.[1] ?? fields.from;
      const raw = rawEmail({
        text: `Hello,\n\nI am writing about my order (${fields.subject}). Could you please look into it?\n\nKind regards`,
        ...fields,
        to,
        headers: { 'Return-Path': `<${sender}>` },
      });
      const report = await deliver(server, ws.ingestToken, raw, [to]);
      expect(report.deliveries?.length, JSON.stringify(report)).toBe(1);
      const delivery = report.deliveries[0] as { conversationId: string; messageId: string; openedConversation: boolean };
      const { node } = await gql(`query($id: ID!) { node(id: $id) { ... on Conversation { spam } } }`, { id: delivery.conversationId });
      expect(node.spam, `"${fields.subject}" from ${fields.from} was filtered as spam`).toBe(false);
      return delivery;
    },
    async tag(conversationId: string, tagId: string, tagged = true) {
      const name = tagged ? 'tagConversation' : 'untagConversation';
      const data = await gql(`mutation($c: ID!, $t: ID!) { r: ${name}(conversationId: $c, tagId: $t) { __typename } }`, { c: conversationId, t: tagId });
      expect(data.r.__typename).toBe('Conversation');
    },
    async createTag(name: string): Promise<string> {
      return (await gql(`mutation($n: String!) { createTag(name: $n) { ... on Tag { id } } }`, { n: name })).createTag.id;
    },
    async createFolder(name: string, rules: unknown): Promise<string> {
      const data = await gql(
        `mutation($n: String!, $r: SmartFolderRuleInput!) { createSmartFolder(name: $n, rules: $r) { __typename ... on SmartFolder { id } ... on DomainError { message } } }`,
        { n: name, r: rules },
      );
      expect(data.createSmartFolder.__typename, JSON.stringify(data)).toBe('SmartFolder');
      return data.createSmartFolder.id;
    },
    async createInbox(name: string, casePrefix: string) {
      const address = ws.address.replace('support@', `${casePrefix.toLowerCase()}@`);
      const data = await server.gql(
        ws.adminToken,
        `mutation($input: InboxInput!) { createInbox(input: $input) { ... on Inbox { id } ... on DomainError { message } } }`,
        { input: { name, addresses: [address], casePrefix, senderName: name } },
      );
      expect(data.createInbox.id, JSON.stringify(data)).toBeTruthy();
      return { id: data.createInbox.id as string, address };
    },
  };
}

describe('messageAdded', () => {
  const messageFields = `id kind direction subject text messageId inReplyTo from { address name } to { address } author { id name } event`;

  it('delivers customer mail, agent replies, notes and system entries of one conversation, in order', async () => {
    const ws = await createWorkspace('Timeline');
    const api = workspaceHelpers(ws);
    const agentId = (await api.gql(`{ viewer { agent { id } } }`)).viewer.agent.id;
    const opened = await api.mail({ from: 'Maria Jensen <maria@timeline.test>', subject: 'Broken lamp', messageId: 'm1@timeline.test' });
    const other = await api.mail({ from: 'tom@timeline.test', subject: 'Something else', messageId: 't1@timeline.test' });
    const client = server.wsClient(ws.agentToken);
    const query = `subscription($id: ID!) { messageAdded(conversationId: $id) { ${messageFields} } }`;
    const stream = await openLive(client, query, { id: opened.conversationId }, ['message.created']);
    const otherStream = await openLive(client, query, { id: other.conversationId }, ['message.created']);

    const reply = await api.gql(
      `mutation($id: ID!) { replyToConversation(conversationId: $id, text: "We are sending a new lamp.") { ... on Message { id messageId } ... on DomainError { message } } }`,
      { id: opened.conversationId },
    );
    expect(reply.replyToConversation.messageId).toBeTruthy();
    const answer = await api.mail({
      from: 'Maria Jensen <maria@timeline.test>',
      subject: 'Re: Broken lamp',
      messageId: 'm2@timeline.test',
      inReplyTo: reply.replyToConversation.messageId,
      text: 'Thank you!',
    });
    expect(answer).toMatchObject({ conversationId: opened.conversationId, openedConversation: false });
    const otherAnswer = await api.mail({ from: 'tom@timeline.test', subject: 'Re: Something else', messageId: 't2@timeline.test', inReplyTo: 't1@timeline.test' });
    expect(otherAnswer.conversationId).toBe(other.conversationId);
    const note = await api.gql(`mutation($id: ID!) { addNote(conversationId: $id, text: "Check the stock first") { ... on Message { id } } }`, {
      id: opened.conversationId,
    });
    const closed = await api.gql(`mutation($id: ID!) { setConversationStatus(conversationId: $id, status: CLOSED) { ... on Conversation { status } } }`, {
      id: opened.conversationId,
    });
    expect(closed.setConversationStatus.status).toBe('CLOSED');

    await until(() => stream.items.length >= 6, `six timeline entries (received ${JSON.stringify(stream.items)})`);
    const received = stream.items.map((item: any) => item.messageAdded);
    expect(received.map((m: any) => [m.kind, m.direction])).toEqual([
      ['EMAIL', 'OUTBOUND'],
      ['SYSTEM', 'OUTBOUND'],
      ['EMAIL', 'INBOUND'],
      ['SYSTEM', 'OUTBOUND'],
      ['NOTE', 'OUTBOUND'],
      ['SYSTEM', 'OUTBOUND'],
    ]);
    const [outbound, handedOver, inbound, backToUs, noted, closing] = received;
    expect(outbound).toMatchObject({
      id: reply.replyToConversation.id,
      author: { id: agentId },
      from: { address: ws.address },
      to: [{ address: 'maria@timeline.test' }],
      inReplyTo: 'm1@timeline.test',
      messageId: reply.replyToConversation.messageId,
    });
    expect(outbound.subject).toMatch(/^Re: Broken lamp \[#SUP-\d+\]$/);
    expect(outbound.text).toContain('We are sending a new lamp.');
    expect(handedOver).toMatchObject({
      author: { id: agentId },
      text: 'Status changed from WAITING_ON_AGENT to WAITING_ON_CUSTOMER',
      event: { type: 'status', from: 'WAITING_ON_AGENT', to: 'WAITING_ON_CUSTOMER' },
    });
    expect(inbound).toMatchObject({
      id: answer.messageId,
      author: null,
      from: { address: 'maria@timeline.test', name: 'Maria Jensen' },
      subject: 'Re: Broken lamp',
      messageId: 'm2@timeline.test',
      inReplyTo: reply.replyToConversation.messageId,
    });
    expect(inbound.text.trim()).toBe('Thank you!');
    expect(backToUs).toMatchObject({ author: null, event: { type: 'status', from: 'WAITING_ON_CUSTOMER', to: 'WAITING_ON_AGENT' } });
    expect(noted).toMatchObject({ id: note.addNote.id, text: 'Check the stock first', author: { id: agentId }, from: null });
    expect(closing).toMatchObject({ author: { id: agentId }, event: { type: 'status', from: 'WAITING_ON_AGENT', to: 'CLOSED' } });

    // Exactly the conversation's new timeline, in its order.
    const timeline = await api.gql(`query($id: ID!) { node(id: $id) { ... on Conversation { messages { edges { node { id } } } } } }`, {
      id: opened.conversationId,
    });
    expect(received.map((m: any) => m.id)).toEqual(timeline.node.messages.edges.slice(1).map((e: any) => e.node.id));

    // Nothing else arrives: a last note is the next entry, and the other conversation only saw its own mail.
    const marker = await api.gql(`mutation($id: ID!) { addNote(conversationId: $id, text: "marker") { ... on Message { id } } }`, { id: opened.conversationId });
    await stream.next((item: any) => item.messageAdded.id === marker.addNote.id, 'the marker note', 6);
    expect(stream.items).toHaveLength(7);
    await otherStream.next((item: any) => item.messageAdded.messageId === 't2@timeline.test', "the other conversation's mail");
    expect(otherStream.items.map((item: any) => item.messageAdded.kind)).toEqual(['EMAIL']);
    expect(stream.errors).toBeNull();
  });

  it("refuses another workspace's conversation", async () => {
    const mine = await createWorkspace('Mine');
    const theirs = workspaceHelpers(await createWorkspace('Theirs'));
    const { conversationId } = await theirs.mail({ from: 'x@theirs.test', subject: 'Private' });
    const stream = open(server.wsClient(mine.agentToken), `subscription($id: ID!) { messageAdded(conversationId: $id) { id } }`, { id: conversationId });
    await until(() => stream.errors, 'the subscription to be refused');
    expect(stream.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(stream.items).toEqual([]);
  });
});

describe('conversationChanged', () => {
  let api: ReturnType<typeof workspaceHelpers>;
  let support: string;
  let sales: { id: string; address: string };
  let inSupport: string;
  let inSales: string;
  let followUp: string;
  const changeFields = `event inView conversation { id subject status inbox { id } tags { name } contact { emails } }`;
  const subscription = `subscription($filter: ConversationFilter) { conversationChanged(filter: $filter) { ${changeFields} } }`;
  const change = (conversationId: string, event: string) => (item: any) =>
    item.conversationChanged.conversation.id === conversationId && item.conversationChanged.event === event;

  beforeAll(async () => {
    api = workspaceHelpers(await createWorkspace('Changes'));
    sales = await api.createInbox('Sales', 'SAL');
    inSupport = (await api.mail({ from: 'anna@changes.test', subject: 'Support question' })).conversationId;
    inSales = (await api.mail({ from: 'bo@changes.test', subject: 'Sales question', to: sales.address })).conversationId;
    support = (await api.gql(`query($id: ID!) { node(id: $id) { ... on Conversation { inbox { id } } } }`, { id: inSupport })).node.inbox.id;
    followUp = await api.createTag('Follow-up');
  });

  it('watches an inbox: its changes are in view, other inboxes are flagged out of view, new mail arrives', async () => {
    const stream = await openLive(server.wsClient(api.ws.agentToken), subscription, { filter: { inboxId: support } }, conversationEventNames);

    let from = stream.items.length;
    await api.tag(inSupport, followUp);
    const tagged = (await stream.next(change(inSupport, 'conversation.tagged'), 'tagging in Support', from)).conversationChanged;
    expect(tagged).toMatchObject({ inView: true, conversation: { inbox: { id: support }, tags: [{ name: 'Follow-up' }] } });

    from = stream.items.length;
    await api.tag(inSales, followUp);
    const elsewhere = (await stream.next(change(inSales, 'conversation.tagged'), 'tagging in Sales', from)).conversationChanged;
    expect(elsewhere).toMatchObject({ inView: false, conversation: { inbox: { id: sales.id } } });

    from = stream.items.length;
    const opened = await api.mail({ from: 'Carl <carl@changes.test>', subject: 'A brand new question' });
    expect(opened.openedConversation).toBe(true);
    const created = (await stream.next(change(opened.conversationId, 'conversation.created'), 'the new conversation', from)).conversationChanged;
    expect(created).toMatchObject({
      inView: true,
      conversation: { subject: 'A brand new question', status: 'WAITING_ON_AGENT', contact: { emails: ['carl@changes.test'] } },
    });
    const firstMessage = (await stream.next(change(opened.conversationId, 'message.created'), 'its first message', from)).conversationChanged;
    expect(firstMessage.inView).toBe(true);

    from = stream.items.length;
    const salesMail = await api.mail({ from: 'dora@changes.test', subject: 'For sales', to: sales.address });
    expect((await stream.next(change(salesMail.conversationId, 'conversation.created'), 'new mail in Sales', from)).conversationChanged.inView).toBe(false);

    // Moving a conversation out of the watched inbox and back.
    from = stream.items.length;
    const moved = await api.gql(`mutation($c: ID!, $i: ID!) { moveConversation(conversationId: $c, inboxId: $i) { __typename } }`, { c: inSupport, i: sales.id });
    expect(moved.moveConversation.__typename).toBe('Conversation');
    expect((await stream.next(change(inSupport, 'conversation.moved'), 'the move out', from)).conversationChanged.inView).toBe(false);
    from = stream.items.length;
    await api.gql(`mutation($c: ID!, $i: ID!) { moveConversation(conversationId: $c, inboxId: $i) { __typename } }`, { c: inSupport, i: support });
    expect((await stream.next(change(inSupport, 'conversation.moved'), 'the move back', from)).conversationChanged.inView).toBe(true);

    await api.tag(inSupport, followUp, false);
    await api.tag(inSales, followUp, false);
    expect(stream.errors).toBeNull();
  });

  it('watches a smart folder: tagging brings a conversation into view, untagging takes it out', async () => {
    const folder = await api.createFolder('Follow-up', { field: 'CONVERSATION_TAG', operator: 'IS', value: 'follow-up' });
    const stream = await openLive(server.wsClient(api.ws.agentToken), subscription, { filter: { smartFolderId: folder } }, conversationEventNames);

    let from = stream.items.length;
    await api.tag(inSales, followUp);
    const tagged = (await stream.next(change(inSales, 'conversation.tagged'), 'tagging into the folder', from)).conversationChanged;
    expect(tagged).toMatchObject({ inView: true, conversation: { id: inSales, tags: [{ name: 'Follow-up' }] } });

    from = stream.items.length;
    await api.tag(inSales, followUp, false);
    const untagged = (await stream.next(change(inSales, 'conversation.untagged'), 'untagging out of the folder', from)).conversationChanged;
    expect(untagged).toMatchObject({ inView: false, conversation: { id: inSales, tags: [] } });

    from = stream.items.length;
    await api.gql(`mutation($c: ID!) { setConversationPriority(conversationId: $c, priority: HIGH) { __typename } }`, { c: inSupport });
    expect((await stream.next(change(inSupport, 'conversation.priorityChanged'), 'a change outside the folder', from)).conversationChanged.inView).toBe(false);
    expect(stream.errors).toBeNull();
  });

  it("never shows another workspace's changes", async () => {
    const other = workspaceHelpers(await createWorkspace('Elsewhere'));
    const foreign = (await other.mail({ from: 'eve@elsewhere.test', subject: 'Not yours' })).conversationId;
    const stream = await openLive(server.wsClient(api.ws.agentToken), subscription, {}, conversationEventNames);
    const from = stream.items.length;
    await other.gql(`mutation($c: ID!) { setConversationStatus(conversationId: $c, status: CLOSED) { __typename } }`, { c: foreign });
    await other.mail({ from: 'eve@elsewhere.test', subject: 'Still not yours' });
    // A change in this workspace after those: everything before it has been delivered.
    await api.gql(`mutation($c: ID!) { setConversationStatus(conversationId: $c, status: CLOSED) { __typename } }`, { c: inSupport });
    await stream.next(change(inSupport, 'conversation.statusChanged'), 'our own change', from);
    const seen = new Set(stream.items.slice(from).map((item: any) => item.conversationChanged.conversation.id));
    expect([...seen]).toEqual([inSupport]);
  });

  it('releases its listeners when the client unsubscribes, even when nothing happens', async () => {
    const client = server.wsClient(api.ws.agentToken);
    const stream = await openLive(client, subscription, { filter: { inboxId: support } }, conversationEventNames);
    await stopAndWaitForRelease(stream, conversationEventNames);
    const messages = await openLive(client, `subscription($id: ID!) { messageAdded(conversationId: $id) { id } }`, { id: inSupport }, ['message.created']);
    await stopAndWaitForRelease(messages, ['message.created']);
  });
});

describe('smartFolderCounts', () => {
  let api: ReturnType<typeof workspaceHelpers>;
  let conversation: string;
  let followUp: string;
  let vip: string;
  const query = `subscription { smartFolderCounts { count smartFolder { id name } } }`;
  const countsOf = (item: any): Record<string, number> =>
    Object.fromEntries(item.smartFolderCounts.map((c: any) => [c.smartFolder.name, c.count]));
  const listensTo = ['smartFolder.changed', 'conversation.tagged', 'contact.tagged'];

  beforeAll(async () => {
    api = workspaceHelpers(await createWorkspace('Counts'));
    conversation = (await api.mail({ from: 'anna@counts.test', subject: 'Hello' })).conversationId;
    followUp = await api.createTag('Follow-up');
    vip = await api.createTag('VIP');
    await api.createFolder('Follow-up', { field: 'CONVERSATION_TAG', operator: 'IS', value: 'Follow-up' });
    await api.createFolder('Burst', { field: 'CONTACT_EMAIL', operator: 'ENDS_WITH', value: '@burst.test' });
    await api.createFolder('VIP customers', { field: 'CONTACT_TAG', operator: 'IS', value: 'vip' });
  });

  it('sends a snapshot at once, listening for changes before it counts, then the counts after each change', async () => {
    const before = listensTo.map((name) => target.added(name));
    const mark = statements.length;
    const stream = open(server.wsClient(api.ws.agentToken), query);
    const snapshot = await stream.next(() => true, 'the initial snapshot');
    // The server listened before it counted, so no change made after the snapshot's counts can be missed.
    const firstCount = statements.findIndex((sql, i) => i >= mark && listsFolders(sql));
    expect(firstCount).toBeGreaterThanOrEqual(0);
    expect(folderListenersAt[firstCount]).toBeGreaterThan(before[0]!);
    expect(listensTo.map((name, i) => target.added(name) > before[i]!)).toEqual([true, true, true]);
    expect(snapshot.smartFolderCounts.map((c: any) => c.smartFolder.name)).toEqual(['Follow-up', 'Burst', 'VIP customers']);
    expect(countsOf(snapshot)).toEqual({ 'Follow-up': 0, Burst: 0, 'VIP customers': 0 });

    let from = stream.items.length;
    await api.tag(conversation, followUp);
    await stream.next((item) => countsOf(item)['Follow-up'] === 1, 'Follow-up counting 1', from);

    from = stream.items.length;
    await api.tag(conversation, followUp, false);
    await stream.next((item) => countsOf(item)['Follow-up'] === 0, 'Follow-up back to 0', from);

    // Folders on contact fields follow changes to the contact.
    from = stream.items.length;
    const contact = (await api.gql(`query($id: ID!) { node(id: $id) { ... on Conversation { contact { id } } } }`, { id: conversation })).node.contact.id;
    await api.gql(`mutation($c: ID!, $t: ID!) { tagContact(contactId: $c, tagId: $t) { __typename } }`, { c: contact, t: vip });
    await stream.next((item) => countsOf(item)['VIP customers'] === 1, 'VIP customers counting 1', from);
    from = stream.items.length;
    await api.gql(`mutation($c: ID!, $t: ID!) { untagContact(contactId: $c, tagId: $t) { __typename } }`, { c: contact, t: vip });
    await stream.next((item) => countsOf(item)['VIP customers'] === 0, 'VIP customers back to 0', from);
    from = stream.items.length;
    await api.gql(`mutation($c: ID!) { addContactEmail(contactId: $c, email: "anna@burst.test") { __typename } }`, { c: contact });
    await stream.next((item) => countsOf(item).Burst === 1, 'a new address counted in Burst', from);
    from = stream.items.length;
    await api.gql(`mutation($c: ID!) { removeContactEmail(contactId: $c, email: "anna@burst.test") { __typename } }`, { c: contact });
    await stream.next((item) => countsOf(item).Burst === 0, 'the address gone from Burst', from);

    // A new folder is a change too.
    from = stream.items.length;
    await api.createFolder('Hello', { field: 'SUBJECT', operator: 'IS', value: 'hello' });
    const withNew = await stream.next((item) => 'Hello' in countsOf(item), 'the new folder', from);
    expect(countsOf(withNew)).toEqual({ 'Follow-up': 0, Burst: 0, 'VIP customers': 0, Hello: 1 });
    expect(stream.errors).toBeNull();
    await stopAndWaitForRelease(stream, listensTo);
  });

  it('sends nothing when a change leaves every count as it was', async () => {
    const stream = await openLive(server.wsClient(api.ws.agentToken), query, {}, listensTo);
    await until(() => stream.items.length === 1, 'the initial snapshot');
    const folders = stream.items[0].smartFolderCounts.length;

    // Following a conversation is a conversation event that changes no count.
    const recountStart = statements.length;
    await api.gql(`mutation($c: ID!) { followConversation(conversationId: $c) { __typename } }`, { c: conversation });
    // Wait for the server to recount every folder after it (the counts read SmartFolder, then one COUNT each).
    await until(() => {
      const since = statements.slice(recountStart);
      const list = since.findIndex(listsFolders);
      return list >= 0 && since.slice(list).filter((sql) => /COUNT\(/i.test(sql)).length >= folders;
    }, 'the server to recount after the follow');

    await api.tag(conversation, followUp);
    const update = await stream.next((item) => countsOf(item)['Follow-up'] === 1, 'the tagged count', 1);
    expect(stream.items.indexOf(update), JSON.stringify(stream.items.map(countsOf))).toBe(1);
    await api.tag(conversation, followUp, false);
    await stream.next((item) => countsOf(item)['Follow-up'] === 0, 'the untagged count', 2);
    await api.gql(`mutation($c: ID!) { unfollowConversation(conversationId: $c) { __typename } }`, { c: conversation });
    stream.stop();
  });

  it('coalesces a burst of mail into a few updates, the last one right', async () => {
    const stream = await openLive(server.wsClient(api.ws.agentToken), query, {}, listensTo);
    await until(() => stream.items.length === 1, 'the initial snapshot');
    expect(countsOf(stream.items[0]).Burst).toBe(0);

    const started = Date.now();
    const fromStatement = statements.length;
    await Promise.all(Array.from({ length: 10 }, (_, i) => api.mail({ from: `customer${i}@burst.test`, subject: `Burst ${i}` })));
    const full = await stream.next((item) => countsOf(item).Burst === 10, 'Burst counting 10', 1);
    const elapsed = Date.now() - started;
    const recounts = statements.slice(fromStatement).filter(listsFolders).length;
    // A marker change after the burst: every update caused by the burst arrives before it.
    await api.createFolder('Marker', { field: 'SUBJECT', operator: 'IS', value: 'marker' });
    const marker = await stream.next((item) => 'Marker' in countsOf(item), 'the marker folder', 1);
    const burst = stream.items.slice(1, stream.items.indexOf(marker)).map((item) => countsOf(item).Burst!);
    const summary = `updates ${JSON.stringify(burst)}, ${recounts} recounts in ${elapsed} ms`;

    expect(burst.at(-1), summary).toBe(10);
    expect(stream.items.indexOf(full), summary).toBe(burst.length);
    expect([...burst].sort((a, b) => a - b), `counts only grow: ${summary}`).toEqual(burst);
    expect(countsOf(marker).Burst).toBe(10);
    // Ten mails publish some twenty conversation events. Coalesced, the server
    // recounts at most once per 50 ms window, not once per event (or per mail)...
    expect(recounts, summary).toBeLessThanOrEqual(Math.floor(elapsed / 50) + 1);
    // ...and sends only the recounts that changed something: a few updates, fewer than the mails.
    expect(burst.length, summary).toBeLessThanOrEqual(recounts);
    expect(burst.length, summary).toBeLessThan(10);
    stream.stop();
  });

  it("counts only the caller's workspace", async () => {
    const other = workspaceHelpers(await createWorkspace('Other counts'));
    await other.createFolder('Theirs', { field: 'SUBJECT', operator: 'CONTAINS', value: 'e' });
    const stream = await openLive(server.wsClient(other.ws.agentToken), query, {}, listensTo);
    await until(() => stream.items.length === 1, 'the initial snapshot');
    expect(countsOf(stream.items[0])).toEqual({ Theirs: 0 });
    // Mail in the first workspace changes nothing here; mail in this one does.
    await api.mail({ from: 'someone@counts.test', subject: 'Hello there' });
    await other.mail({ from: 'x@other.test', subject: 'Hello' });
    await stream.next((item) => countsOf(item).Theirs === 1, 'their own mail counted', 1);
    expect(stream.items.slice(1).map(countsOf)).toEqual([{ Theirs: 1 }]);
    stream.stop();
  });
});

describe('refusing subscriptions', () => {
  const subscriptions = [
    `subscription { smartFolderCounts { count } }`,
    `subscription { conversationChanged { event } }`,
    `subscription { messageAdded(conversationId: "Q29udmVyc2F0aW9uOm5vbmU=") { id } }`,
  ];
  let ws: TestWorkspace;
  const anonymous: Client[] = [];

  beforeAll(async () => {
    ws = await createWorkspace('Refusals');
  });
  afterAll(() => Promise.all(anonymous.map((c) => c.dispose())));

  async function expectRefused(client: Client, code: string) {
    for (const query of subscriptions) {
      const stream = open(client, query);
      await until(() => stream.errors, `${query} to be refused`);
      expect(stream.errors?.[0]?.extensions?.code, query).toBe(code);
      expect(stream.errors?.[0]?.message).not.toMatch(/\n\s+at /);
      expect(stream.items).toEqual([]);
    }
  }

  it('refuses a connection without a token', async () => {
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    anonymous.push(client);
    await expectRefused(client, 'UNAUTHENTICATED');
  });

  it('refuses an unknown token', async () => {
    await expectRefused(server.wsClient('not-a-real-token'), 'UNAUTHENTICATED');
  });

  it('refuses an ingest token', async () => {
    await expectRefused(server.wsClient(ws.ingestToken), 'FORBIDDEN');
  });
});
