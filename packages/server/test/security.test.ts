import { randomBytes } from 'node:crypto';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin } from '@deskql/sdk';
import { z } from 'zod';
import { schema } from '../src/graphql/schema.js';
import { deliver, rawEmail, startTestServer, type GraphQLResponse, type TestServer, type TestWorkspace } from '../src/testing/index.js';

/**
 * The API is scoped to the token's workspace and role. Two workspaces, Alpha (A) and Bravo (B),
 * hold the same kinds of data; A's agent and admin aim every root field at B's IDs and natural
 * keys and must get NOT_FOUND (or nothing of B's), while B's data, read back with B's tokens,
 * stays exactly as it was. Everything goes over HTTP and graphql-ws, as a frontend calls it.
 */

let server: TestServer;
let a: World;
let b: World;
const anonymousClients: Client[] = [];
/** Every response this suite received, checked at the end for leaked internals. */
const responses: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ plugins: [isolationProbe] });
  a = await populate(await server.createWorkspace('Alpha'), 'Alpha');
  b = await populate(await server.createWorkspace('Bravo'), 'Bravo');
});
afterAll(async () => {
  await Promise.all(anonymousClients.map((c) => c.dispose()));
  await server?.close();
});

// ---------------------------------------------------------------------------------------------
// Fixtures: one workspace with one of everything, built through the API.

/** A plugin that does nothing: it is there so that each workspace can enable and configure it. */
const isolationProbe = definePlugin({ name: 'isolation-probe', version: '1.0.0', settings: z.object({ note: z.string() }), setup() {} });

interface World {
  ws: TestWorkspace;
  name: string;
  /** The mail domain of the workspace, e.g. bravo-1a2b3c.test. */
  domain: string;
  conversation: string;
  otherConversation: string;
  spamConversation: string;
  /** The first message of `conversation` (global ID) and its RFC 5322 Message-ID. */
  message: string;
  rfcMessageId: string;
  /** A reply to `conversation`, queued in the outbox (the test server has no SMTP relay). */
  outboundEmail: string;
  /** The customer, with two addresses; the first one writes to both workspaces. */
  contact: string;
  contactEmail: string;
  contactAltEmail: string;
  otherContact: string;
  otherContactEmail: string;
  blockedContact: string;
  blockedContactEmail: string;
  /** On `conversation` and on `contact`. */
  tag: string;
  tagName: string;
  spareTag: string;
  spareTagName: string;
  inbox: string;
  secondInbox: string;
  agent: string;
  admin: string;
  agentApiToken: string;
  ingestApiToken: string;
  smartFolder: string;
  /** For contact.merged only, so nothing is ever sent to its (unreachable) URL during the suite. */
  webhook: string;
}

const SHARED_CUSTOMER = 'shared@customer.test';

async function populate(ws: TestWorkspace, name: string): Promise<World> {
  const lower = name.toLowerCase();
  const domain = ws.address.split('@')[1]!;
  const admin = (query: string, variables?: Record<string, unknown>) => server.gql(ws.adminToken, query, variables);
  const agent = (query: string, variables?: Record<string, unknown>) => server.gql(ws.agentToken, query, variables);
  // The fixtures are a support desk's everyday mail; what the spam filter makes of them is not under test here.
  await admin(`mutation { setSpamThreshold(threshold: 1) { __typename } }`);

  const rfcMessageId = `first-${lower}@customer.test`;
  const first = await deliver(
    server,
    ws.ingestToken,
    rawEmail({ from: `Pat ${name} <${SHARED_CUSTOMER}>`, to: ws.address, subject: `Isolation case ${name}`, messageId: rfcMessageId, text: 'Hi, the lamp I ordered arrived broken. Could you send a replacement? Thanks, Pat' }),
    [ws.address],
  );
  const conversation = first.deliveries[0].conversationId as string;
  const otherContactEmail = `other@${domain}`;
  const second = await deliver(
    server,
    ws.ingestToken,
    rawEmail({ from: `Olive ${name} <${otherContactEmail}>`, to: ws.address, subject: `Second question ${name}`, messageId: `second-${lower}@customer.test`, text: 'Hello, when will my invoice for March be ready? Regards, Olive' }),
    [ws.address],
  );
  const otherConversation = second.deliveries[0].conversationId as string;

  const { node } = await agent(
    `query($id: ID!) { node(id: $id) { ... on Conversation { contact { id } messages(first: 1) { edges { node { id } } } } } }`,
    { id: conversation },
  );
  const contact = node.contact.id as string;
  const message = node.messages.edges[0].node.id as string;
  const { node: otherNode } = await agent(`query($id: ID!) { node(id: $id) { ... on Conversation { contact { id } } } }`, {
    id: otherConversation,
  });
  const contactAltEmail = `pat.alt@${domain}`;
  await agent(`mutation($c: ID!, $e: String!) { addContactEmail(contactId: $c, email: $e) { __typename } }`, { c: contact, e: contactAltEmail });

  const blockedContactEmail = `spam@${domain}`;
  const blocked = await agent(`mutation($e: [String!]!, $n: String) { createContact(emails: $e, name: $n) { ... on Contact { id } } }`, {
    e: [blockedContactEmail],
    n: `Spammer ${name}`,
  });
  const blockedContact = blocked.createContact.id as string;
  await agent(`mutation($c: ID!) { blockContact(contactId: $c) { __typename } }`, { c: blockedContact });
  const spam = await deliver(
    server,
    ws.ingestToken,
    rawEmail({ from: blockedContactEmail, to: ws.address, subject: `Cheap pills ${name}`, messageId: `spam-${lower}@spam.test` }),
    [ws.address],
  );

  const createTag = async (tagName: string) =>
    (await agent(`mutation($n: String!) { createTag(name: $n) { ... on Tag { id } } }`, { n: tagName })).createTag.id as string;
  const tagName = `VIP ${name}`;
  const spareTagName = `Spare ${name}`;
  const tag = await createTag(tagName);
  const spareTag = await createTag(spareTagName);
  await agent(`mutation($c: ID!, $t: ID!) { tagConversation(conversationId: $c, tagId: $t) { __typename } }`, { c: conversation, t: tag });
  await agent(`mutation($c: ID!, $t: ID!) { tagContact(contactId: $c, tagId: $t) { __typename } }`, { c: contact, t: tag });

  const billing = await admin(`mutation($i: InboxInput!) { createInbox(input: $i) { ... on Inbox { id } } }`, {
    i: { name: `Billing ${name}`, addresses: [`billing@${domain}`], casePrefix: 'BIL' },
  });
  const agents = (await admin(`{ agents { id role } }`)).agents as Array<{ id: string; role: string }>;
  const agentId = agents.find((x) => x.role === 'AGENT')!.id;
  await agent(`mutation($c: ID!, $a: ID) { assignConversation(conversationId: $c, agentId: $a) { __typename } }`, { c: conversation, a: agentId });
  await agent(`mutation($c: ID!) { followConversation(conversationId: $c) { __typename } }`, { c: conversation });
  await agent(`mutation($c: ID!) { markConversationRead(conversationId: $c) { __typename } }`, { c: conversation });

  const reply = await agent(`mutation($c: ID!, $t: String!) { replyToConversation(conversationId: $c, text: $t) { ... on Message { id deliveryState } } }`, {
    c: conversation,
    t: `Thanks from ${name}`,
  });
  expect(reply.replyToConversation.deliveryState).toBe('QUEUED');

  const folder = await agent(`mutation($n: String!) { createSmartFolder(name: $n, rules: { field: SUBJECT, operator: CONTAINS, value: "isolation" }) { ... on SmartFolder { id } } }`, {
    n: `Isolation ${name}`,
  });
  const tokens = (await admin(`{ apiTokens { ... on QueryApiTokensSuccess { data { id name } } } }`)).apiTokens.data as Array<{ id: string; name: string }>;
  await admin(`mutation($s: JSON) { configurePlugin(name: "isolation-probe", enabled: true, settings: $s) { __typename } }`, { s: { note: `${name} only` } });
  const webhook = await admin(`mutation($u: String!) { createWebhook(url: $u, events: ["contact.merged"], description: $u) { ... on CreatedWebhook { webhook { id } } } }`, {
    u: `https://hooks.${lower}.example/deskql`,
  });

  return {
    ws,
    name,
    domain,
    conversation,
    otherConversation,
    spamConversation: spam.deliveries[0].conversationId,
    message,
    rfcMessageId,
    outboundEmail: reply.replyToConversation.id,
    contact,
    contactEmail: SHARED_CUSTOMER,
    contactAltEmail,
    otherContact: otherNode.contact.id,
    otherContactEmail,
    blockedContact,
    blockedContactEmail,
    tag,
    tagName,
    spareTag,
    spareTagName,
    inbox: (await admin(`{ inboxes { id name } }`)).inboxes.find((i: { name: string }) => i.name === 'Support').id,
    secondInbox: billing.createInbox.id,
    agent: agentId,
    admin: agents.find((x) => x.role === 'ADMIN')!.id,
    agentApiToken: tokens.find((t) => t.name === 'agent')!.id,
    ingestApiToken: tokens.find((t) => t.name === 'ingest')!.id,
    smartFolder: folder.createSmartFolder.id,
    webhook: webhook.createWebhook.webhook.id,
  };
}

/** Everything a workspace holds, as its admin and its agent see it (read state and follows are per agent). */
const SNAPSHOT = `query Snapshot {
  viewer { agent { id name role } workspace { id name } }
  agents { id name email role }
  inboxes { id name addresses senderName signature casePrefix autoReplyEnabled autoReplySubject autoReplyText autoReplyIntervalMinutes }
  tags { id name color }
  smartFolders { id name position count rules { field operator value all { field operator value } any { field operator value } } }
  apiTokens { ... on QueryApiTokensSuccess { data { id name scope prefix revokedAt agent { id } } } }
  plugins { __typename ... on QueryPluginsSuccess { data { name enabled settings health { status consecutiveFailures } } } }
  webhooks { __typename ... on QueryWebhooksSuccess { data { id url events active description updatedAt } } }
  contacts(first: 100) { totalCount edges { node { id name emails blocked tags { id }
    conversations(first: 100, includeSpam: true) { edges { node { id } } } } } }
  inbox: conversations(first: 100) { ...List }
  spam: conversations(first: 100, filter: { spam: true }) { ...List }
}
fragment List on QueryConversationsConnection { totalCount edges { node {
  id number caseNumber subject status priority spam unread followedByMe lastMessageAt
  inbox { id } contact { id } assignee { id } tags { id } followers { id } linkedTo { id }
  messages(first: 100) { edges { node { id kind direction text deliveryState sendAt } } }
} } }`;

/** What only the agent's own view shows: its read state and follows. */
const AGENT_SNAPSHOT = `query AgentSnapshot {
  inbox: conversations(first: 100) { edges { node { id unread followedByMe } } }
  spam: conversations(first: 100, filter: { spam: true }) { edges { node { id unread followedByMe } } }
}`;

async function snapshot(world: World) {
  const [admin, agent] = await Promise.all([server.gql(world.ws.adminToken, SNAPSHOT), server.gql(world.ws.agentToken, AGENT_SNAPSHOT)]);
  return { admin, agent };
}

// ---------------------------------------------------------------------------------------------
// Sending requests as A's agent, admin or ingest token.

type Role = 'agent' | 'admin' | 'ingest';
type Code = 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT' | 'INVALID_INPUT' | 'UNAUTHENTICATED';

const tokenOf = (world: World, role: Role) =>
  role === 'agent' ? world.ws.agentToken : role === 'admin' ? world.ws.adminToken : world.ws.ingestToken;

async function send(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  const response = await server.request(token, query, variables);
  responses.push(JSON.stringify(response));
  return response;
}

const asA = (role: Role, query: string, variables?: Record<string, unknown>) => send(tokenOf(a, role), query, variables);

const errorCode = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;

/** Refusals must not tell A anything about B: no names, subjects or addresses of B's in the message. */
function expectNothingOfB(text: string) {
  expect(text).not.toMatch(/bravo/i);
}

// ---------------------------------------------------------------------------------------------
// Subscriptions over graphql-ws.

interface Watch {
  events: any[];
  /** Resolves with the first event at or after `from` that satisfies `test`. */
  waitFor(test: (event: any) => boolean, from?: number, timeoutMs?: number): Promise<any>;
  /** The operation's errors, or the socket's close event, once it failed. */
  failure(): Promise<{ errors?: any[]; close?: { code: number; reason: string } }>;
  stop(): void;
}

/** Subscriptions a test opened; each test's are ended after it, so none keeps the server busy. */
const openWatches = new Set<Watch>();
afterEach(() => {
  for (const w of openWatches) w.stop();
  openWatches.clear();
});

function wsClientFor(token: string | null): Client {
  if (token !== null) return server.wsClient(token);
  const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  anonymousClients.push(client);
  return client;
}

function watch(token: string | null, query: string, variables?: Record<string, unknown>): Watch {
  const events: any[] = [];
  const listeners = new Set<() => void>();
  let failed: { errors?: any[]; close?: { code: number; reason: string } } | null = null;
  const notify = () => listeners.forEach((listener) => listener());
  const unsubscribe = wsClientFor(token).subscribe(
    { query, variables },
    {
      next: (value) => {
        responses.push(JSON.stringify(value));
        events.push(value);
        notify();
      },
      error: (error: unknown) => {
        failed = Array.isArray(error)
          ? { errors: error }
          : { close: { code: (error as { code: number }).code, reason: String((error as { reason?: string }).reason) } };
        responses.push(JSON.stringify(failed));
        notify();
      },
      complete: notify,
    },
  );
  const until = <T>(check: () => T | undefined, what: string, timeoutMs = 5_000) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        let result: T | undefined;
        try {
          result = check();
        } catch (error) {
          listeners.delete(attempt);
          clearTimeout(timer);
          reject(error);
          return true;
        }
        if (result === undefined) return false;
        listeners.delete(attempt);
        clearTimeout(timer);
        resolve(result);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(attempt);
        reject(new Error(`Timed out waiting for ${what}; got ${JSON.stringify({ events, failed })}`));
      }, timeoutMs);
      if (!attempt()) listeners.add(attempt);
    });
  const w: Watch = {
    events,
    waitFor: (test, from = 0, timeoutMs = 5_000) =>
      until(
        () => {
          if (failed) throw new Error(`Subscription failed: ${JSON.stringify(failed)}`);
          return events.slice(from).find(test);
        },
        `an event of ${query}`,
        timeoutMs,
      ),
    failure: () => until(() => failed ?? undefined, `a failure of ${query}`),
    stop: unsubscribe,
  };
  openWatches.add(w);
  return w;
}

/** The first thing a subscription yields: its first result, or its errors. */
async function firstOf(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  const w = watch(token, query, variables);
  return Promise.race([
    w.waitFor(() => true).catch(() => new Promise<never>(() => {})),
    w.failure().then((f) => ({ errors: f.errors ?? [{ message: `closed ${f.close?.code}`, extensions: {} }] })),
  ]);
}

/**
 * graphql-ws has no "subscribed" acknowledgement: an event published before the server has
 * subscribed to the bus is simply not seen. Adds notes to A's conversation (or pokes otherwise)
 * until every watch has heard the latest one; returns the IDs of what it added.
 */
async function untilListening(
  watches: Watch[],
  heard: (event: any, noteId: string) => boolean,
  poke: (attempt: number) => Promise<string> = (attempt) => aNote(`warm-up ${attempt}`),
) {
  const notes: string[] = [];
  for (let attempt = 0; attempt < 40; attempt++) {
    const note = await poke(attempt);
    notes.push(note);
    // Events arrive in order: a watch that heard the latest note has had everything before it.
    const results = await Promise.allSettled(watches.map((w) => w.waitFor((e) => heard(e, note), 0, 250)));
    if (results.every((r) => r.status === 'fulfilled')) return notes;
  }
  throw new Error(`The subscriptions never heard A's notes: ${JSON.stringify(watches.map((w) => w.events))}`);
}

// ---------------------------------------------------------------------------------------------
// The isolation table: for every root field, what A's agent and admin try with B's IDs.

interface Case {
  /** What A tries, for the test name. */
  name: string;
  /** Who of A sends it (default: the agent and the admin). */
  roles?: Role[];
  /** A control that legitimately changes A's data (e.g. creating a tag named like one of B's). */
  changesA?: boolean;
  /** Makes changes in B itself, to see that A never hears of them; B's snapshot is not compared. */
  changesB?: boolean;
  run(role: Role): Promise<void>;
}

type Expected = Code | Partial<Record<Role, Code>>;
const codeFor = (expected: Expected, role: Role) => (typeof expected === 'string' ? expected : expected[role]);

const mutationDoc = (field: string, signature: string, args: string, selection = '') =>
  `mutation${signature ? `(${signature})` : ''} { result: ${field}(${args}) { __typename ... on DomainError { code field message } ${selection} } }`;

/** A mutation aimed at B's data: refused with a typed DomainError, and the message names nothing of B's. */
function refusedMutation(name: string, field: string, signature: string, args: string, variables: () => Record<string, unknown>, expected: Expected = 'NOT_FOUND'): Case {
  return {
    name,
    async run(role) {
      const response = await asA(role, mutationDoc(field, signature, args), variables());
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: codeFor(expected, role) });
      expectNothingOfB(response.data.result.message);
    },
  };
}

/** A query aimed at B's data: refused with errors[].extensions.code and no data. */
function refusedQuery(name: string, query: string, variables: () => Record<string, unknown>, expected: Expected = 'NOT_FOUND'): Case {
  return {
    name,
    async run(role) {
      const response = await asA(role, query, variables());
      expect(errorCode(response), JSON.stringify(response)).toBe(codeFor(expected, role));
      expect(response.data?.result ?? null).toBeNull();
      expectNothingOfB(response.errors![0]!.message);
    },
  };
}

/** A query that answers, with nothing of B's in it. */
function answeredQuery(name: string, query: string, variables: () => Record<string, unknown>, check: (data: any, role: Role) => void, roles?: Role[]): Case {
  return {
    name,
    roles,
    async run(role) {
      const response = await asA(role, query, variables());
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      check(response.data, role);
    },
  };
}

/** A subscription aimed at B's data: refused over graphql-ws with the code. */
function refusedSubscription(name: string, query: string, variables: () => Record<string, unknown>, expected: Code = 'NOT_FOUND'): Case {
  return {
    name,
    async run(role) {
      const result = await firstOf(tokenOf(a, role), query, variables());
      expect(errorCode(result), JSON.stringify(result)).toBe(expected);
      expect(result.data ?? null).toBeNull();
      expectNothingOfB(JSON.stringify(result));
    },
  };
}

const ids = (list: Array<{ id: string }>) => list.map((x) => x.id);
const edgeIds = (connection: { edges: Array<{ node: { id: string } }> }) => connection.edges.map((e) => e.node.id);
const bIds = () => [
  b.conversation, b.otherConversation, b.spamConversation, b.message, b.outboundEmail, b.contact, b.otherContact, b.blockedContact,
  b.tag, b.spareTag, b.inbox, b.secondInbox, b.agent, b.admin, b.agentApiToken, b.ingestApiToken, b.smartFolder,
  b.webhook,
];
function expectNoneOfB(found: string[]) {
  expect(found.filter((id) => bIds().includes(id))).toEqual([]);
}

const conversationsDoc = `query($f: ConversationFilter) { result: conversations(first: 200, filter: $f) { totalCount edges { node { id subject } } } }`;
const emptyList = (data: any) => {
  expect(data.result).toMatchObject({ totalCount: 0, edges: [] });
};
const nodeDoc = `query($id: ID!) { result: node(id: $id) { __typename id } }`;
const nodeIsNull = (key: keyof World): Case =>
  answeredQuery(`node(id:) with B's ${key} → null`, nodeDoc, () => ({ id: b[key] }), (data) => expect(data.result).toBeNull());

// An event in A that every subscription below sees; returns the note's message ID.
async function aNote(text: string) {
  const note = await server.gql(a.ws.agentToken, `mutation($c: ID!, $t: String!) { addNote(conversationId: $c, text: $t) { ... on Message { id } } }`, {
    c: a.conversation,
    t: text,
  });
  return note.addNote.id as string;
}

// Every kind of change B's people and mail make while A is listening.
async function bActivity() {
  const hex = randomBytes(4).toString('hex');
  const report = await deliver(
    server,
    b.ws.ingestToken,
    rawEmail({ from: `new-${hex}@${b.domain}`, to: b.ws.address, subject: `Isolation follow-up Bravo ${hex}`, messageId: `${hex}@bravo.test` }),
    [b.ws.address],
  );
  const fresh = report.deliveries[0].conversationId;
  const run = (token: string, query: string, variables: Record<string, unknown>) => server.gql(token, query, variables);
  await run(b.ws.agentToken, `mutation($c: ID!) { addNote(conversationId: $c, text: "Bravo internal note") { __typename } }`, { c: b.conversation });
  await run(b.ws.agentToken, `mutation($c: ID!) { replyToConversation(conversationId: $c, text: "Bravo reply") { __typename } }`, { c: b.conversation });
  await run(b.ws.agentToken, `mutation($c: ID!, $t: ID!) { tagConversation(conversationId: $c, tagId: $t) { __typename } }`, { c: fresh, t: b.spareTag });
  await run(b.ws.agentToken, `mutation($c: ID!) { setConversationPriority(conversationId: $c, priority: URGENT) { __typename } }`, { c: fresh });
  await run(b.ws.adminToken, `mutation($f: ID!, $n: String!) { updateSmartFolder(smartFolderId: $f, name: $n) { __typename } }`, { f: b.smartFolder, n: `Isolation Bravo ${hex}` });
  const later = await run(b.ws.agentToken, `mutation($c: ID!) { replyToConversation(conversationId: $c, text: "Bravo later", sendAt: "2099-01-01T00:00:00.000Z") { ... on Message { id } } }`, { c: fresh });
  const email = later.replyToConversation.id;
  await run(b.ws.agentToken, `mutation($m: ID!) { releaseOutboundEmail(messageId: $m, sendAt: "2098-01-01T00:00:00.000Z") { __typename } }`, { m: email });
  await run(b.ws.agentToken, `mutation($m: ID!) { cancelOutboundEmail(messageId: $m) { __typename } }`, { m: email });
  return { outboundEmail: email };
}

const isolation: Record<string, Case[]> = {
  // --- Query -----------------------------------------------------------------------------------
  agents: [
    answeredQuery('lists only A\'s agents', `{ result: agents { id email } }`, () => ({}), (data) => {
      expect(ids(data.result)).toEqual(expect.arrayContaining([a.agent, a.admin]));
      expectNoneOfB(ids(data.result));
    }),
  ],
  apiTokens: [
    {
      name: "lists only A's tokens (admins), FORBIDDEN for agents",
      async run(role) {
        const response = await asA(role, `{ result: apiTokens { __typename ... on DomainError { code } ... on QueryApiTokensSuccess { data { id name } } } }`);
        expect(response.errors).toBeUndefined();
        if (role === 'agent') return expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: 'FORBIDDEN' });
        expect(ids(response.data.result.data)).toEqual(expect.arrayContaining([a.agentApiToken, a.ingestApiToken]));
        expectNoneOfB(ids(response.data.result.data));
      },
    },
  ],
  contacts: [
    answeredQuery('lists only A\'s contacts', `{ result: contacts(first: 200) { totalCount edges { node { id } } } }`, () => ({}), (data) => {
      expect(edgeIds(data.result)).toEqual(expect.arrayContaining([a.contact, a.otherContact, a.blockedContact]));
      expect(data.result.totalCount).toBe(data.result.edges.length);
      expectNoneOfB(edgeIds(data.result));
    }),
    answeredQuery('finds nothing searching B\'s addresses and names', `query($s: String) { result: contacts(first: 200, search: $s) { totalCount edges { node { id } } } }`, () => ({ s: 'bravo' }), emptyList),
    answeredQuery(
      'finds only A\'s contact, and only A\'s conversations of it, for a customer writing to both',
      `query($s: String) { result: contacts(first: 200, search: $s) { totalCount edges { node { id conversations(first: 100, includeSpam: true) { totalCount edges { node { id } } } } } } }`,
      () => ({ s: SHARED_CUSTOMER }),
      (data) => {
        expect(edgeIds(data.result)).toEqual([a.contact]);
        const conversations = edgeIds(data.result.edges[0].node.conversations);
        expect(conversations).toContain(a.conversation);
        expectNoneOfB(conversations);
      },
    ),
    answeredQuery('lists only A\'s blocked contacts', `{ result: contacts(first: 200, blocked: true) { totalCount edges { node { id } } } }`, () => ({}), (data) => {
      expect(edgeIds(data.result)).toContain(a.blockedContact);
      expectNoneOfB(edgeIds(data.result));
    }),
  ],
  conversations: [
    answeredQuery('lists only A\'s conversations', conversationsDoc, () => ({}), (data) => {
      expect(edgeIds(data.result)).toEqual(expect.arrayContaining([a.conversation, a.otherConversation]));
      expect(data.result.totalCount).toBe(data.result.edges.length);
      expectNoneOfB(edgeIds(data.result));
    }),
    answeredQuery('lists only A\'s spam in the Spam view', conversationsDoc, () => ({ f: { spam: true } }), (data) => {
      expect(edgeIds(data.result)).toContain(a.spamConversation);
      expectNoneOfB(edgeIds(data.result));
    }),
    answeredQuery('filtered by B\'s inbox → empty', conversationsDoc, () => ({ f: { inboxId: b.inbox } }), emptyList),
    answeredQuery('filtered by B\'s tag → empty', conversationsDoc, () => ({ f: { tagIds: [b.tag] } }), emptyList),
    answeredQuery('filtered by B\'s contact → empty', conversationsDoc, () => ({ f: { contactId: b.contact } }), emptyList),
    answeredQuery('filtered by B\'s agent as assignee → empty', conversationsDoc, () => ({ f: { assigneeId: b.agent } }), emptyList),
    answeredQuery('searching B\'s subjects → empty', conversationsDoc, () => ({ f: { search: 'Bravo' } }), emptyList),
    refusedQuery('filtered by B\'s smart folder → NOT_FOUND', conversationsDoc, () => ({ f: { smartFolderId: b.smartFolder } })),
  ],
  inboxes: [
    answeredQuery('lists only A\'s inboxes', `{ result: inboxes { id addresses } }`, () => ({}), (data) => {
      expect(ids(data.result)).toEqual(expect.arrayContaining([a.inbox, a.secondInbox]));
      expectNoneOfB(ids(data.result));
    }),
  ],
  node: [
    nodeIsNull('conversation'),
    nodeIsNull('spamConversation'),
    nodeIsNull('message'),
    nodeIsNull('contact'),
    nodeIsNull('tag'),
    nodeIsNull('inbox'),
    nodeIsNull('agent'),
    nodeIsNull('admin'),
    nodeIsNull('smartFolder'),
    // API tokens are an admin's business even in A: an agent is refused before any lookup.
    {
      name: "node(id:) with B's API token → null for admins, FORBIDDEN for agents",
      async run(role) {
        const response = await asA(role, nodeDoc, { id: b.agentApiToken });
        if (role === 'agent') expect(errorCode(response)).toBe('FORBIDDEN');
        else expect(response.errors).toBeUndefined();
        expect(response.data?.result ?? null).toBeNull();
      },
    },
    // Webhooks likewise.
    {
      name: "node(id:) with B's webhook → null for admins, FORBIDDEN for agents",
      async run(role) {
        const response = await asA(role, nodeDoc, { id: b.webhook });
        if (role === 'agent') expect(errorCode(response)).toBe('FORBIDDEN');
        else expect(response.errors).toBeUndefined();
        expect(response.data?.result ?? null).toBeNull();
      },
    },
  ],
  plugins: [
    {
      name: "shows the server's plugins with A's settings only (admins), FORBIDDEN for agents",
      async run(role) {
        const response = await asA(role, `{ result: plugins { __typename ... on DomainError { code } ... on QueryPluginsSuccess { data { name enabled settings faults { conversation { id } } } } } }`);
        expect(response.errors).toBeUndefined();
        if (role === 'agent') return expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: 'FORBIDDEN' });
        expect(response.data.result.data).toEqual([expect.objectContaining({ name: 'isolation-probe', enabled: true, settings: expect.objectContaining({ note: expect.stringMatching(/^Alpha/) }) })]);
        expectNothingOfB(JSON.stringify(response.data));
      },
    },
  ],
  receivingAddresses: [
    answeredQuery('lists only A\'s addresses (ingest token)', `{ result: receivingAddresses { address inboxId } }`, () => ({}), (data) => {
      const addresses = data.result.map((r: { address: string }) => r.address);
      expect(addresses).toEqual(expect.arrayContaining([a.ws.address, `billing@${a.domain}`]));
      expect(addresses.filter((x: string) => x.endsWith(b.domain))).toEqual([]);
    }, ['ingest']),
  ],
  smartFolders: [
    answeredQuery('lists only A\'s folders, counting only A\'s conversations', `{ result: smartFolders { id count conversations(first: 200) { totalCount edges { node { id } } } } }`, () => ({}), (data) => {
      expect(ids(data.result)).toContain(a.smartFolder);
      expectNoneOfB(ids(data.result));
      for (const folder of data.result) {
        expectNoneOfB(edgeIds(folder.conversations));
        expect(folder.count).toBe(folder.conversations.totalCount);
      }
    }),
  ],
  spamSettings: [
    {
      name: "reads A's threshold, not B's",
      changesB: true,
      async run(role) {
        const set = (threshold: number) => server.gql(b.ws.adminToken, `mutation($t: Float) { setSpamThreshold(threshold: $t) { __typename } }`, { t: threshold });
        await set(0.75);
        try {
          const response = await asA(role, `{ result: spamSettings { threshold } }`);
          expect(response.data.result).toEqual({ threshold: 1 });
        } finally {
          await set(1);
        }
      },
    },
  ],
  tags: [
    answeredQuery('lists only A\'s tags', `{ result: tags { id name } }`, () => ({}), (data) => {
      expect(ids(data.result)).toEqual(expect.arrayContaining([a.tag, a.spareTag]));
      expectNoneOfB(ids(data.result));
    }),
  ],
  viewer: [
    answeredQuery('is A\'s agent in A\'s workspace', `{ result: viewer { agent { id } workspace { id } } }`, () => ({}), (data, role) => {
      expect(data.result).toEqual({ agent: { id: role === 'agent' ? a.agent : a.admin }, workspace: { id: a.ws.workspaceId } });
    }),
  ],
  webhooks: [
    {
      name: "lists only A's webhooks and their deliveries (admins), FORBIDDEN for agents",
      async run(role) {
        const response = await asA(role, `{ result: webhooks { __typename ... on DomainError { code } ... on QueryWebhooksSuccess { data { id url events deliveries(first: 50) { totalCount edges { node { id } } } } } } }`);
        expect(response.errors).toBeUndefined();
        if (role === 'agent') return expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: 'FORBIDDEN' });
        expect(ids(response.data.result.data)).toContain(a.webhook);
        expectNoneOfB(ids(response.data.result.data));
      },
    },
  ],

  // --- Mutation --------------------------------------------------------------------------------
  addContactEmail: [
    refusedMutation("on B's contact", 'addContactEmail', '$c: ID!', 'contactId: $c, email: "intruder@alpha.test"', () => ({ c: b.contact })),
    {
      name: "adds an address B's contact has to A's contact: addresses are per workspace, no CONFLICT across",
      changesA: true,
      async run(role) {
        const email = role === 'agent' ? b.otherContactEmail : b.contactAltEmail;
        const response = await asA(role, mutationDoc('addContactEmail', '$c: ID!, $e: String!', 'contactId: $c, email: $e', '... on Contact { id emails }'), { c: a.otherContact, e: email });
        expect(response.data.result).toMatchObject({ __typename: 'Contact', id: a.otherContact });
        expect(response.data.result.emails).toContain(email);
      },
    },
  ],
  addNote: [refusedMutation("on B's conversation", 'addNote', '$c: ID!', 'conversationId: $c, text: "psst"', () => ({ c: b.conversation }))],
  assignConversation: [
    refusedMutation("B's conversation to A's agent", 'assignConversation', '$c: ID!, $g: ID', 'conversationId: $c, agentId: $g', () => ({ c: b.conversation, g: a.agent })),
    refusedMutation("B's conversation to nobody (unassign)", 'assignConversation', '$c: ID!, $g: ID', 'conversationId: $c, agentId: $g', () => ({ c: b.conversation, g: null })),
    refusedMutation("A's conversation to B's agent", 'assignConversation', '$c: ID!, $g: ID', 'conversationId: $c, agentId: $g', () => ({ c: a.conversation, g: b.agent })),
  ],
  blockContact: [refusedMutation("B's contact", 'blockContact', '$c: ID!', 'contactId: $c', () => ({ c: b.contact }))],
  cancelOutboundEmail: [
    refusedMutation("B's queued email", 'cancelOutboundEmail', '$m: ID!', 'messageId: $m', () => ({ m: b.outboundEmail })),
    refusedMutation("B's inbound message", 'cancelOutboundEmail', '$m: ID!', 'messageId: $m', () => ({ m: b.message })),
  ],
  configurePlugin: [
    {
      name: "configures the plugin in A only: B's settings and state stay as they were (admins), FORBIDDEN for agents",
      changesA: true,
      async run(role) {
        const doc = mutationDoc('configurePlugin', '$s: JSON', 'name: "isolation-probe", enabled: true, settings: $s', '... on Plugin { name enabled settings }');
        const response = await asA(role, doc, { s: { note: `Alpha again as ${role}` } });
        if (role === 'agent') return expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: 'FORBIDDEN' });
        expect(response.data.result).toEqual({ __typename: 'Plugin', name: 'isolation-probe', enabled: true, settings: { note: 'Alpha again as admin' } });
      },
    },
    refusedMutation('a plugin this server did not load', 'configurePlugin', '', 'name: "no-such-plugin", enabled: true', () => ({}), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
  ],
  createAgent: [
    {
      name: "with the email of B's agent: creates A's own agent (admins), FORBIDDEN for agents",
      changesA: true,
      async run(role) {
        const response = await asA(role, mutationDoc('createAgent', '$e: String!', 'name: "Namesake", email: $e', '... on Agent { id email }'), { e: `agent@${b.domain}` });
        if (role === 'agent') return expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: 'FORBIDDEN' });
        expect(response.data.result).toMatchObject({ __typename: 'Agent', email: `agent@${b.domain}` });
        expectNoneOfB([response.data.result.id]);
      },
    },
  ],
  createApiToken: [
    refusedMutation("an agent token for B's agent", 'createApiToken', '$g: ID', 'name: "stolen", scope: AGENT, agentId: $g', () => ({ g: b.agent }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
    refusedMutation("an agent token for B's admin", 'createApiToken', '$g: ID', 'name: "stolen", scope: AGENT, agentId: $g', () => ({ g: b.admin }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
    refusedMutation("an ingest token naming B's agent", 'createApiToken', '$g: ID', 'name: "stolen", scope: INGEST, agentId: $g', () => ({ g: b.agent }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
  ],
  createContact: [
    {
      name: "with an address of B's contact: creates A's own contact, no CONFLICT across workspaces",
      changesA: true,
      async run(role) {
        const email = role === 'agent' ? b.blockedContactEmail : `fresh-${randomBytes(3).toString('hex')}@${b.domain}`;
        const response = await asA(role, mutationDoc('createContact', '$e: [String!]!', 'emails: $e', '... on Contact { id emails blocked }'), { e: [email] });
        expect(response.data.result).toMatchObject({ __typename: 'Contact', emails: [email], blocked: false });
        expectNoneOfB([response.data.result.id]);
      },
    },
  ],
  createInbox: [
    // Receiving addresses route mail across all workspaces, so one taken by B is a CONFLICT for A.
    refusedMutation("with B's receiving address", 'createInbox', '$i: InboxInput!', 'input: $i', () => ({ i: { name: 'Hijack', addresses: [b.ws.address] } }), { agent: 'FORBIDDEN', admin: 'CONFLICT' }),
  ],
  createSmartFolder: [
    {
      name: "with rules naming B's inbox and agent: A's own folder that matches none of B's conversations",
      changesA: true,
      async run(role) {
        const rules = { any: [{ field: 'INBOX', operator: 'IS', value: b.inbox }, { field: 'ASSIGNEE', operator: 'IS', value: b.agent }] };
        const response = await asA(role, mutationDoc('createSmartFolder', '$r: SmartFolderRuleInput!', 'name: "Peek", rules: $r', '... on SmartFolder { id count conversations { totalCount edges { node { id } } } }'), { r: rules });
        expect(response.data.result).toMatchObject({ __typename: 'SmartFolder', count: 0, conversations: { totalCount: 0, edges: [] } });
      },
    },
  ],
  createTag: [
    {
      name: "named like B's tag: creates A's own tag, names are unique per workspace only",
      changesA: true,
      async run(role) {
        const name = role === 'agent' ? b.tagName : b.spareTagName;
        const response = await asA(role, mutationDoc('createTag', '$n: String!', 'name: $n', '... on Tag { id name }'), { n: name });
        expect(response.data.result).toMatchObject({ __typename: 'Tag', name });
        expectNoneOfB([response.data.result.id]);
      },
    },
  ],
  createWebhook: [
    {
      name: "with the URL of B's webhook: A's own webhook, for A's events only (admins), FORBIDDEN for agents",
      changesA: true,
      async run(role) {
        const doc = mutationDoc('createWebhook', '$u: String!', 'url: $u, events: ["contact.merged"]', '... on CreatedWebhook { webhook { id url } }');
        const response = await asA(role, doc, { u: `https://hooks.${b.name.toLowerCase()}.example/deskql` });
        if (role === 'agent') return expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: 'FORBIDDEN' });
        expect(response.data.result.__typename).toBe('CreatedWebhook');
        expectNoneOfB([response.data.result.webhook.id]);
      },
    },
  ],
  deleteSmartFolder: [refusedMutation("B's folder", 'deleteSmartFolder', '$f: ID!', 'smartFolderId: $f', () => ({ f: b.smartFolder }))],
  deleteTag: [refusedMutation("B's tag", 'deleteTag', '$t: ID!', 'tagId: $t', () => ({ t: b.tag }))],
  deleteWebhook: [refusedMutation("B's webhook", 'deleteWebhook', '$w: ID!', 'webhookId: $w', () => ({ w: b.webhook }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' })],
  deliverEmail: [
    {
      name: "ingest token of A to B's address → NOT_FOUND, nothing stored in B",
      roles: ['ingest'],
      async run() {
        const raw = rawEmail({ from: 'mallory@evil.test', to: b.ws.address, subject: 'Smuggled', messageId: `smuggled-${randomBytes(3).toString('hex')}@evil.test` });
        const response = await asA('ingest', mutationDoc('deliverEmail', '$r: String!, $to: [String!]!', 'raw: $r, recipients: $to'), {
          r: Buffer.from(raw).toString('base64'),
          to: [b.ws.address, `billing@${b.domain}`],
        });
        expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: 'NOT_FOUND', field: 'recipients' });
      },
    },
    {
      name: "ingest token of A to A's and B's addresses → stored in A only, B's address reported unknown",
      roles: ['ingest'],
      changesA: true,
      async run() {
        const raw = rawEmail({ from: 'both@customer.test', to: `${a.ws.address}, ${b.ws.address}`, subject: 'To both', messageId: `both-${randomBytes(3).toString('hex')}@customer.test` });
        const report = await deliver(server, a.ws.ingestToken, raw, [a.ws.address, b.ws.address]);
        expect(report.unknownRecipients).toEqual([b.ws.address]);
        expect(report.deliveries.map((d: { inboxId: string }) => d.inboxId)).toEqual([a.inbox]);
      },
    },
    {
      name: "a reply to B's message (In-Reply-To) delivered to A opens a conversation in A, never threads into B",
      roles: ['ingest'],
      changesA: true,
      async run() {
        const raw = rawEmail({ from: SHARED_CUSTOMER, to: a.ws.address, subject: 'Re: your case', messageId: `re-${randomBytes(3).toString('hex')}@customer.test`, inReplyTo: b.rfcMessageId, references: [b.rfcMessageId] });
        const report = await deliver(server, a.ws.ingestToken, raw, [a.ws.address]);
        expect(report.deliveries).toHaveLength(1);
        expect(report.deliveries[0]).toMatchObject({ inboxId: a.inbox, openedConversation: true });
        expectNoneOfB([report.deliveries[0].conversationId]);
      },
    },
  ],
  followConversation: [refusedMutation("B's conversation", 'followConversation', '$c: ID!', 'conversationId: $c', () => ({ c: b.conversation }))],
  markConversationRead: [refusedMutation("B's conversation", 'markConversationRead', '$c: ID!', 'conversationId: $c', () => ({ c: b.otherConversation }))],
  markConversationUnread: [refusedMutation("B's conversation", 'markConversationUnread', '$c: ID!', 'conversationId: $c', () => ({ c: b.conversation }))],
  markNotSpam: [refusedMutation("B's spam conversation (a blocked contact's)", 'markNotSpam', '$c: ID!', 'conversationId: $c', () => ({ c: b.spamConversation }))],
  markSpam: [
    refusedMutation("B's conversation", 'markSpam', '$c: ID!', 'conversationId: $c', () => ({ c: b.conversation })),
    {
      name: "A's own conversation teaches A's filter only: the same mail to B scores the same before and after",
      changesA: true,
      changesB: true,
      async run(role) {
        const hex = randomBytes(4).toString('hex');
        const mail = (to: string, n: number) =>
          rawEmail({ from: `promo-${hex}@deals.test`, to, subject: `Offer zq${hex} wk${hex}`, messageId: `offer-${n}-${hex}@deals.test`, text: `Buy vx${hex} now, only today: yq${hex} for everyone.` });
        const scoreOf = async (world: World, n: number) => {
          const report = await deliver(server, world.ws.ingestToken, mail(world.ws.address, n), [world.ws.address]);
          const { node } = await server.gql(world.ws.adminToken, `query($id: ID!) { node(id: $id) { ... on Message { spam { score } } } }`, { id: report.deliveries[0].messageId });
          return { score: node.spam.score as number, conversation: report.deliveries[0].conversationId as string };
        };
        const bBefore = await scoreOf(b, 1);
        const aBefore = await scoreOf(a, 2);
        const marked = await asA(role, mutationDoc('markSpam', '$c: ID!', 'conversationId: $c', '... on Conversation { spam spamReason }'), { c: aBefore.conversation });
        expect(marked.data.result).toMatchObject({ __typename: 'Conversation', spam: true, spamReason: 'AGENT' });
        // A's filter learned the mail (else this case would prove nothing); B's did not.
        expect((await scoreOf(a, 3)).score).toBeGreaterThan(aBefore.score);
        expect((await scoreOf(b, 4)).score).toBe(bBefore.score);
      },
    },
  ],
  mergeContacts: [
    refusedMutation("B's contact into A's", 'mergeContacts', '$k: ID!, $m: ID!', 'contactId: $k, mergedContactId: $m', () => ({ k: a.contact, m: b.contact })),
    refusedMutation("A's contact into B's", 'mergeContacts', '$k: ID!, $m: ID!', 'contactId: $k, mergedContactId: $m', () => ({ k: b.contact, m: a.contact })),
    refusedMutation("two of B's contacts", 'mergeContacts', '$k: ID!, $m: ID!', 'contactId: $k, mergedContactId: $m', () => ({ k: b.contact, m: b.otherContact })),
  ],
  moveConversation: [
    refusedMutation("B's conversation to A's inbox", 'moveConversation', '$c: ID!, $i: ID!', 'conversationId: $c, inboxId: $i', () => ({ c: b.conversation, i: a.inbox })),
    refusedMutation("A's conversation to B's inbox", 'moveConversation', '$c: ID!, $i: ID!', 'conversationId: $c, inboxId: $i', () => ({ c: a.conversation, i: b.inbox })),
    refusedMutation("B's conversation to B's other inbox", 'moveConversation', '$c: ID!, $i: ID!', 'conversationId: $c, inboxId: $i', () => ({ c: b.conversation, i: b.secondInbox })),
  ],
  releaseOutboundEmail: [
    refusedMutation("B's queued email, now", 'releaseOutboundEmail', '$m: ID!', 'messageId: $m', () => ({ m: b.outboundEmail })),
    refusedMutation("B's queued email, rescheduled", 'releaseOutboundEmail', '$m: ID!', 'messageId: $m, sendAt: "2030-01-01T00:00:00.000Z"', () => ({ m: b.outboundEmail })),
  ],
  removeContactEmail: [
    refusedMutation("from B's contact", 'removeContactEmail', '$c: ID!, $e: String!', 'contactId: $c, email: $e', () => ({ c: b.contact, e: b.contactAltEmail })),
  ],
  renameTag: [refusedMutation("B's tag", 'renameTag', '$t: ID!', 'tagId: $t, name: "Renamed by Alpha"', () => ({ t: b.tag }))],
  replyToConversation: [
    refusedMutation("on B's conversation", 'replyToConversation', '$c: ID!', 'conversationId: $c, text: "Hello from Alpha", status: CLOSED', () => ({ c: b.conversation })),
  ],
  revokeApiToken: [
    refusedMutation("B's agent token", 'revokeApiToken', '$t: ID!', 'tokenId: $t', () => ({ t: b.agentApiToken }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
    refusedMutation("B's ingest token", 'revokeApiToken', '$t: ID!', 'tokenId: $t', () => ({ t: b.ingestApiToken }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
  ],
  rotateWebhookSecret: [
    refusedMutation("of B's webhook", 'rotateWebhookSecret', '$w: ID!', 'webhookId: $w', () => ({ w: b.webhook }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
  ],
  setConversationPriority: [
    refusedMutation("of B's conversation", 'setConversationPriority', '$c: ID!', 'conversationId: $c, priority: URGENT', () => ({ c: b.conversation })),
  ],
  setSpamThreshold: [
    {
      name: "sets A's threshold only (admins), FORBIDDEN for agents",
      changesA: true,
      async run(role) {
        const doc = mutationDoc('setSpamThreshold', '$t: Float', 'threshold: $t', '... on SpamSettings { threshold }');
        const response = await asA(role, doc, { t: 0.9 });
        if (role === 'agent') return expect(response.data.result).toMatchObject({ __typename: 'DomainError', code: 'FORBIDDEN' });
        expect(response.data.result).toEqual({ __typename: 'SpamSettings', threshold: 0.9 });
        expect((await server.gql(b.ws.agentToken, `{ spamSettings { threshold } }`)).spamSettings.threshold).toBe(1);
        await asA(role, doc, { t: 1 });
      },
    },
  ],
  setConversationStatus: [
    refusedMutation("of B's conversation", 'setConversationStatus', '$c: ID!', 'conversationId: $c, status: CLOSED', () => ({ c: b.conversation })),
  ],
  startConversations: [
    refusedMutation("from B's inbox", 'startConversations', '$i: ID!', 'inboxId: $i, to: ["someone@customer.test"], subject: "Hello", text: "Hi"', () => ({ i: b.inbox })),
    {
      name: "to B's customer from A's inbox: A's own conversation and contact, nothing in B",
      changesA: true,
      async run(role) {
        const response = await asA(
          role,
          mutationDoc('startConversations', '$i: ID!, $to: [String!]!', 'inboxId: $i, to: $to, subject: "Hello from Alpha", text: "Hi"', '... on MutationStartConversationsSuccess { data { id inbox { id } contact { id emails } } }'),
          { i: a.inbox, to: [b.otherContactEmail] },
        );
        expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
        const [started] = response.data.result.data;
        expect(started.inbox.id).toBe(a.inbox);
        expectNoneOfB([started.id, started.contact.id]);
      },
    },
  ],
  tagContact: [
    refusedMutation("B's contact with A's tag", 'tagContact', '$c: ID!, $t: ID!', 'contactId: $c, tagId: $t', () => ({ c: b.contact, t: a.spareTag })),
    refusedMutation("A's contact with B's tag", 'tagContact', '$c: ID!, $t: ID!', 'contactId: $c, tagId: $t', () => ({ c: a.contact, t: b.spareTag })),
  ],
  tagConversation: [
    refusedMutation("B's conversation with A's tag", 'tagConversation', '$c: ID!, $t: ID!', 'conversationId: $c, tagId: $t', () => ({ c: b.conversation, t: a.spareTag })),
    refusedMutation("A's conversation with B's tag", 'tagConversation', '$c: ID!, $t: ID!', 'conversationId: $c, tagId: $t', () => ({ c: a.conversation, t: b.spareTag })),
  ],
  unblockContact: [refusedMutation("B's blocked contact", 'unblockContact', '$c: ID!', 'contactId: $c', () => ({ c: b.blockedContact }))],
  unfollowConversation: [refusedMutation("B's conversation", 'unfollowConversation', '$c: ID!', 'conversationId: $c', () => ({ c: b.conversation }))],
  untagContact: [
    refusedMutation("B's tag from B's contact", 'untagContact', '$c: ID!, $t: ID!', 'contactId: $c, tagId: $t', () => ({ c: b.contact, t: b.tag })),
    refusedMutation("B's tag from A's contact", 'untagContact', '$c: ID!, $t: ID!', 'contactId: $c, tagId: $t', () => ({ c: a.contact, t: b.tag })),
  ],
  untagConversation: [
    refusedMutation("B's tag from B's conversation", 'untagConversation', '$c: ID!, $t: ID!', 'conversationId: $c, tagId: $t', () => ({ c: b.conversation, t: b.tag })),
    refusedMutation("B's tag from A's conversation", 'untagConversation', '$c: ID!, $t: ID!', 'conversationId: $c, tagId: $t', () => ({ c: a.conversation, t: b.tag })),
  ],
  updateAgent: [
    refusedMutation("promoting B's agent", 'updateAgent', '$g: ID!', 'agentId: $g, role: ADMIN, name: "Promoted by Alpha"', () => ({ g: b.agent }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
    refusedMutation("demoting B's admin", 'updateAgent', '$g: ID!', 'agentId: $g, role: AGENT', () => ({ g: b.admin }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
  ],
  updateContact: [refusedMutation("B's contact", 'updateContact', '$c: ID!', 'contactId: $c, name: "Renamed by Alpha"', () => ({ c: b.contact }))],
  updateInbox: [
    refusedMutation("B's inbox", 'updateInbox', '$i: ID!', 'inboxId: $i, input: { name: "Hijacked", signature: "Alpha was here" }', () => ({ i: b.inbox }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
    refusedMutation("A's inbox taking B's address", 'updateInbox', '$i: ID!, $in: InboxInput!', 'inboxId: $i, input: $in', () => ({ i: a.inbox, in: { addresses: [a.ws.address, b.ws.address] } }), { agent: 'FORBIDDEN', admin: 'CONFLICT' }),
  ],
  updateWebhook: [
    refusedMutation("B's webhook, pointing it at A", 'updateWebhook', '$w: ID!', 'webhookId: $w, url: "https://hooks.alpha.example/stolen", events: ["message.received"]', () => ({ w: b.webhook }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
    refusedMutation("B's webhook, pausing it", 'updateWebhook', '$w: ID!', 'webhookId: $w, active: false', () => ({ w: b.webhook }), { agent: 'FORBIDDEN', admin: 'NOT_FOUND' }),
  ],
  updateSmartFolder: [
    refusedMutation("B's folder", 'updateSmartFolder', '$f: ID!', 'smartFolderId: $f, name: "Renamed by Alpha", rules: { field: STATUS, operator: IS, value: "CLOSED" }', () => ({ f: b.smartFolder })),
  ],

  // --- Subscription ----------------------------------------------------------------------------
  conversationChanged: [
    refusedSubscription("filtered by B's smart folder → NOT_FOUND", `subscription($f: ConversationFilter) { conversationChanged(filter: $f) { event } }`, () => ({ f: { smartFolderId: b.smartFolder } })),
    {
      name: "unfiltered, or filtered by B's inbox, tag or agent: never hears of B's changes",
      changesB: true,
      async run(role) {
        const doc = `subscription($f: ConversationFilter) { conversationChanged(filter: $f) { event inView conversation { id subject } } }`;
        const watches = [undefined, { inboxId: b.inbox }, { tagIds: [b.tag] }, { assigneeId: b.agent, contactId: b.contact }].map((f) =>
          watch(tokenOf(a, role), doc, { f }),
        );
        const mine = (e: any) => e.data?.conversationChanged?.conversation?.id === a.conversation;
        await untilListening(watches, mine);
        await bActivity();
        // Events arrive in order: once A's sentinel is in, anything of B's would have been too.
        const seen = watches.map((w) => w.events.length);
        await server.gql(a.ws.agentToken, `mutation($c: ID!) { setConversationStatus(conversationId: $c, status: WAITING_ON_CUSTOMER) { __typename } }`, { c: a.conversation });
        await server.gql(a.ws.agentToken, `mutation($c: ID!) { setConversationStatus(conversationId: $c, status: WAITING_ON_AGENT) { __typename } }`, { c: a.conversation });
        const sentinel = (e: any) => mine(e) && e.data.conversationChanged.event === 'conversation.statusChanged';
        await Promise.all(watches.map((w, i) => w.waitFor(sentinel, seen[i])));
        for (const w of watches) {
          const conversations = w.events.map((e) => e.data.conversationChanged.conversation.id);
          expectNoneOfB(conversations);
          expect(conversations.every((id: string) => id === a.conversation)).toBe(true);
          expectNothingOfB(JSON.stringify(w.events));
        }
        // Filters naming B's IDs match nothing in A: A's change arrives, but never in view.
        for (const w of watches.slice(1)) expect(w.events.every((e) => e.data.conversationChanged.inView === false)).toBe(true);
      },
    },
  ],
  messageAdded: [
    refusedSubscription("on B's conversation → NOT_FOUND", `subscription($c: ID!) { messageAdded(conversationId: $c) { id text } }`, () => ({ c: b.conversation })),
    {
      name: "on A's conversation: only its own messages while B's conversations fill up",
      changesB: true,
      async run(role) {
        const w = watch(tokenOf(a, role), `subscription($c: ID!) { messageAdded(conversationId: $c) { id kind text } }`, { c: a.conversation });
        const notes = await untilListening([w], (e, note) => e.data?.messageAdded?.id === note);
        await bActivity();
        const sentinel = await aNote('sentinel');
        await w.waitFor((e) => e.data?.messageAdded?.id === sentinel);
        const received = w.events.map((e) => e.data.messageAdded.id);
        expect(received.at(-1)).toBe(sentinel);
        expect(received.filter((id: string) => !notes.includes(id) && id !== sentinel)).toEqual([]);
        expectNothingOfB(JSON.stringify(w.events));
      },
    },
  ],
  outboundEmailChanged: [
    refusedSubscription("for B's conversation → NOT_FOUND", `subscription($c: ID) { outboundEmailChanged(conversationId: $c) { state } }`, () => ({ c: b.conversation })),
    {
      name: "unfiltered: only A's outbox, while B's emails are queued, released and cancelled",
      changesB: true,
      async run(role) {
        const w = watch(tokenOf(a, role), `subscription { outboundEmailChanged { state message { id } } }`);
        const queued = (attempt: number) =>
          server
            .gql(a.ws.agentToken, `mutation($c: ID!, $t: String!) { replyToConversation(conversationId: $c, text: $t, sendAt: "2099-01-01T00:00:00.000Z") { ... on Message { id } } }`, {
              c: a.otherConversation,
              t: `Alpha later ${attempt}`,
            })
            .then((r) => r.replyToConversation.id as string);
        const mine = await untilListening([w], (e, id) => e.data?.outboundEmailChanged?.message?.id === id, queued);
        const fromB = await bActivity();
        await server.gql(a.ws.agentToken, `mutation($m: ID!) { cancelOutboundEmail(messageId: $m) { __typename } }`, { m: mine.at(-1) });
        await w.waitFor((e) => e.data?.outboundEmailChanged?.state === 'CANCELLED');
        const messages = w.events.map((e) => e.data.outboundEmailChanged.message.id);
        expect(messages.filter((id: string) => !mine.includes(id))).toEqual([]);
        expect(messages).not.toContain(fromB.outboundEmail);
        expectNothingOfB(JSON.stringify(w.events));
      },
    },
  ],
  smartFolderCounts: [
    {
      name: "counts only A's folders and A's conversations while B's folders and conversations change",
      changesB: true,
      async run(role) {
        const w = watch(tokenOf(a, role), `subscription { smartFolderCounts { count smartFolder { id name } } }`);
        const initial = await w.waitFor(() => true);
        const countOf = (event: any) => event.data.smartFolderCounts.find((c: any) => c.smartFolder.id === a.smartFolder)?.count;
        const before = countOf(initial);
        await bActivity();
        // A new conversation in A with "isolation" in its subject moves A's count by exactly one.
        await deliver(server, a.ws.ingestToken, rawEmail({ from: 'counter@customer.test', to: a.ws.address, subject: 'Isolation counter', messageId: `count-${randomBytes(3).toString('hex')}@customer.test` }), [a.ws.address]);
        await w.waitFor((e) => countOf(e) === before + 1);
        const folders = (await server.gql(a.ws.agentToken, `{ smartFolders { id count } }`)).smartFolders as Array<{ id: string; count: number }>;
        for (const event of w.events) {
          const shown = event.data.smartFolderCounts.map((c: any) => c.smartFolder.id);
          expectNoneOfB(shown);
          expect(ids(folders)).toEqual(expect.arrayContaining(shown));
          expect([before, before + 1]).toContain(countOf(event));
        }
        expect(w.events.at(-1).data.smartFolderCounts.map((c: any) => ({ id: c.smartFolder.id, count: c.count }))).toEqual(folders);
        expectNothingOfB(JSON.stringify(w.events));
      },
    },
  ],
};

describe('workspace isolation: A\'s agent and admin against B\'s IDs, field by field', () => {
  // The cases run one after the other, so each one's "after" is the next one's "before".
  let last: { a: Awaited<ReturnType<typeof snapshot>>; b: Awaited<ReturnType<typeof snapshot>> } | null = null;
  for (const [field, cases] of Object.entries(isolation)) {
    for (const testCase of cases) {
      for (const role of testCase.roles ?? (['agent', 'admin'] as const)) {
        it(`${field}: ${role} of A — ${testCase.name}`, async () => {
          const before = last ?? { a: await snapshot(a), b: await snapshot(b) };
          last = null;
          await testCase.run(role);
          const [afterA, afterB] = await Promise.all([snapshot(a), snapshot(b)]);
          if (!testCase.changesB) expect(afterB, "B's data changed").toEqual(before.b);
          if (!testCase.changesA && !testCase.changesB) expect(afterA, "A's data changed").toEqual(before.a);
          last = { a: afterA, b: afterB };
        });
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Every root field of the schema, as a minimal valid operation (for the token rules below).

type RootKind = 'query' | 'mutation' | 'subscription';
const rootTypes = { query: schema.getQueryType()!, mutation: schema.getMutationType()!, subscription: schema.getSubscriptionType()! };
const rootFields = (kind: RootKind) => Object.values(rootTypes[kind].getFields());
const allRootFields = () =>
  (Object.keys(rootTypes) as RootKind[]).flatMap((kind) => rootFields(kind).map((field) => ({ kind, field })));

function literal(type: GraphQLInputType, sampleId: string): string {
  if (isNonNullType(type)) return literal(type.ofType, sampleId);
  if (isListType(type)) return `[${literal(type.ofType, sampleId)}]`;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{ ${required.map((f) => `${f.name}: ${literal(f.type, sampleId)}`).join(', ')} }`;
  }
  if (isEnumType(type)) return type.getValues()[0]!.name;
  switch (type.name) {
    case 'ID':
      return JSON.stringify(sampleId);
    case 'Int':
    case 'Float':
      return '1';
    case 'Boolean':
      return 'false';
    case 'DateTime':
      return '"2026-01-01T00:00:00.000Z"';
    default:
      return '"eA=="';
  }
}

/** `kind { field(requiredArgs…) { __typename } }`, valid against the schema. */
function minimalOperation(kind: RootKind, field: GraphQLField<unknown, unknown>, sampleId: string): string {
  const args = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const argList = args.length ? `(${args.map((arg) => `${arg.name}: ${literal(arg.type, sampleId)}`).join(', ')})` : '';
  return `${kind} { ${field.name}${argList}${selectionOf(field.type)} }`;
}

/**
 * What to select so that the field is really resolved: a connection with only `__typename` is
 * answered by Pothos without calling its resolver (nothing is read), so ask for a real field.
 */
function selectionOf(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return ' { __typename }';
  const fields = named.getFields();
  if (fields.pageInfo) return ' { __typename pageInfo { hasNextPage } }';
  const leaf = Object.values(fields).find((f) => isLeafType(getNamedType(f.type)) && f.args.every((arg) => !isNonNullType(arg.type)));
  return leaf ? ` { __typename ${leaf.name} }` : ' { __typename }';
}

/** Calls a root field with the token: over HTTP, or over graphql-ws for subscriptions. */
function callRootField(token: string | null, kind: RootKind, field: GraphQLField<unknown, unknown>, sampleId = a.conversation) {
  const operation = minimalOperation(kind, field, sampleId);
  return kind === 'subscription' ? firstOf(token, operation) : send(token, operation);
}

async function expectEveryRootField(token: string | null, expected: (field: string) => Code | 'allowed') {
  const outcomes = await Promise.all(
    allRootFields().map(async ({ kind, field }) => {
      const want = expected(field.name);
      if (want === 'allowed') return null;
      const response = await callRootField(token, kind, field);
      return { field: field.name, want, got: errorCode(response), data: response.data?.[field.name] ?? null };
    }),
  );
  const checked = outcomes.filter((o) => o !== null);
  expect(checked.filter((o) => o.got !== o.want || o.data !== null)).toEqual([]);
  return checked.length;
}

describe('token rules', () => {
  const ingestOnly = ['deliverEmail', 'receivingAddresses'];

  it('without a token, every root field is UNAUTHENTICATED (queries, mutations, and subscriptions over graphql-ws)', async () => {
    const checked = await expectEveryRootField(null, () => 'UNAUTHENTICATED');
    expect(checked).toBe(allRootFields().length);
  });

  it('without a token, introspection still answers', async () => {
    const response = await send(null, `{ __typename __schema { queryType { name } mutationType { name } subscriptionType { name } } }`);
    expect(response).toEqual({
      data: { __typename: 'Query', __schema: { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' }, subscriptionType: { name: 'Subscription' } } },
    });
  });

  it('an unknown token, or an Authorization header that is not a bearer token, is UNAUTHENTICATED everywhere', async () => {
    await expectEveryRootField(`dq_agt_${randomBytes(24).toString('base64url')}`, () => 'UNAUTHENTICATED');
    for (const authorization of [`Basic ${Buffer.from('admin:admin').toString('base64')}`, 'Bearer', a.ws.agentToken]) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: '{ viewer { agent { id } } }' }),
      });
      const body = (await response.json()) as GraphQLResponse;
      responses.push(JSON.stringify(body));
      expect(errorCode(body), authorization).toBe('UNAUTHENTICATED');
    }
  });

  it('a revoked agent token and a revoked ingest token are UNAUTHENTICATED everywhere, at once', async () => {
    const issue = async (scope: 'AGENT' | 'INGEST') => {
      const created = await server.gql(a.ws.adminToken, `mutation($s: TokenScope!, $g: ID) { createApiToken(name: "short-lived", scope: $s, agentId: $g) { ... on CreatedApiToken { secret token { id } } } }`, {
        s: scope,
        g: scope === 'AGENT' ? a.agent : null,
      });
      return created.createApiToken as { secret: string; token: { id: string } };
    };
    const agentToken = await issue('AGENT');
    const ingestToken = await issue('INGEST');
    // Both work, and so are in the identity cache, before they are revoked.
    expect((await server.gql(agentToken.secret, `{ viewer { agent { id } } }`)).viewer.agent.id).toBe(a.agent);
    expect((await server.gql(ingestToken.secret, `{ receivingAddresses { address } }`)).receivingAddresses.length).toBeGreaterThan(0);
    for (const token of [agentToken, ingestToken]) {
      const revoked = await server.gql(a.ws.adminToken, `mutation($t: ID!) { revokeApiToken(tokenId: $t) { ... on ApiToken { revokedAt } } }`, { t: token.token.id });
      expect(revoked.revokeApiToken.revokedAt).toEqual(expect.any(String));
    }
    await expectEveryRootField(agentToken.secret, () => 'UNAUTHENTICATED');
    await expectEveryRootField(ingestToken.secret, () => 'UNAUTHENTICATED');
  });

  it('an ingest token may call only deliverEmail and receivingAddresses: FORBIDDEN everywhere else', async () => {
    const checked = await expectEveryRootField(a.ws.ingestToken, (field) => (ingestOnly.includes(field) ? 'allowed' : 'FORBIDDEN'));
    expect(checked).toBe(allRootFields().length - ingestOnly.length);
    const addresses = await send(a.ws.ingestToken, `{ receivingAddresses { address } }`);
    expect(addresses.data.receivingAddresses.map((r: { address: string }) => r.address)).toContain(a.ws.address);
    const report = await deliver(server, a.ws.ingestToken, rawEmail({ from: 'ingest@customer.test', to: a.ws.address, subject: 'Ingest works', messageId: `ingest-${randomBytes(3).toString('hex')}@customer.test` }), [a.ws.address]);
    expect(report.deliveries).toHaveLength(1);
  });

  it('agent and admin tokens may not call deliverEmail or receivingAddresses: FORBIDDEN', async () => {
    for (const token of [a.ws.agentToken, a.ws.adminToken]) {
      const checked = await expectEveryRootField(token, (field) => (ingestOnly.includes(field) ? 'FORBIDDEN' : 'allowed'));
      expect(checked).toBe(ingestOnly.length);
    }
  });

  it('a subscription open with a token that is then revoked is cut off before its next event', async () => {
    const created = await server.gql(a.ws.adminToken, `mutation($g: ID) { createApiToken(name: "live", scope: AGENT, agentId: $g) { ... on CreatedApiToken { secret token { id } } } }`, { g: a.agent });
    const { secret, token } = created.createApiToken;
    const doc = `subscription($c: ID!) { messageAdded(conversationId: $c) { id } }`;
    const doomed = watch(secret, doc, { c: a.conversation });
    const control = watch(a.ws.agentToken, doc, { c: a.conversation });
    await untilListening([doomed, control], (e, note) => e.data?.messageAdded?.id === note);
    const heard = doomed.events.length;
    await server.gql(a.ws.adminToken, `mutation($t: ID!) { revokeApiToken(tokenId: $t) { __typename } }`, { t: token.id });
    const second = await aNote('after revocation');
    await control.waitFor((e) => e.data?.messageAdded?.id === second);
    expect((await doomed.failure()).close?.code).toBe(4401);
    expect(doomed.events).toHaveLength(heard);
  });
});

// ---------------------------------------------------------------------------------------------

describe('admin-only operations', () => {
  const typed = (response: GraphQLResponse, field: string) => {
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data[field];
  };
  const forbidden = (response: GraphQLResponse, field: string) =>
    expect(typed(response, field)).toMatchObject({ __typename: 'DomainError', code: 'FORBIDDEN' });
  const unique = () => randomBytes(3).toString('hex');

  it('agents: createAgent and updateAgent refuse plain agents and work for admins; role changes hold at once', async () => {
    const before = await snapshot(a);
    const email = `casey-${unique()}@${a.domain}`;
    const create = `mutation($e: String!) { createAgent(name: "Casey", email: $e, role: AGENT) { __typename ... on DomainError { code } ... on Agent { id role } } }`;
    forbidden(await send(a.ws.agentToken, create, { e: email }), 'createAgent');
    expect(await snapshot(a)).toEqual(before);
    const casey = typed(await send(a.ws.adminToken, create, { e: email }), 'createAgent');
    expect(casey).toMatchObject({ __typename: 'Agent', role: 'AGENT' });

    const update = `mutation($g: ID!, $r: AgentRole, $n: String) { updateAgent(agentId: $g, role: $r, name: $n) { __typename ... on DomainError { code } ... on Agent { role name } } }`;
    forbidden(await send(a.ws.agentToken, update, { g: casey.id, r: 'ADMIN' }), 'updateAgent');
    forbidden(await send(a.ws.agentToken, update, { g: a.agent, r: 'ADMIN' }), 'updateAgent');
    expect((await server.gql(a.ws.adminToken, `query($id: ID!) { node(id: $id) { ... on Agent { role name } } }`, { id: casey.id })).node).toEqual({ role: 'AGENT', name: 'Casey' });
    expect(typed(await send(a.ws.adminToken, update, { g: casey.id, r: 'ADMIN', n: 'Casey Admin' }), 'updateAgent')).toEqual({ __typename: 'Agent', role: 'ADMIN', name: 'Casey Admin' });

    // Casey, now an admin, uses admin rights; demoted, Casey loses them with the very next request.
    const token = await server.gql(a.ws.adminToken, `mutation($g: ID) { createApiToken(name: "casey", scope: AGENT, agentId: $g) { ... on CreatedApiToken { secret } } }`, { g: casey.id });
    const caseyToken = token.createApiToken.secret as string;
    const list = `{ apiTokens { __typename ... on DomainError { code } } }`;
    expect(typed(await send(caseyToken, list), 'apiTokens').__typename).toBe('QueryApiTokensSuccess');
    expect(typed(await send(a.ws.adminToken, update, { g: casey.id, r: 'AGENT' }), 'updateAgent')).toMatchObject({ role: 'AGENT' });
    forbidden(await send(caseyToken, list), 'apiTokens');
    // …and promoted again, gains them at once.
    typed(await send(a.ws.adminToken, update, { g: casey.id, r: 'ADMIN' }), 'updateAgent');
    expect(typed(await send(caseyToken, list), 'apiTokens').__typename).toBe('QueryApiTokensSuccess');
  });

  it('tokens: createApiToken, revokeApiToken and apiTokens refuse plain agents and work for admins', async () => {
    const create = `mutation($s: TokenScope!, $g: ID) { createApiToken(name: "ops", scope: $s, agentId: $g) { __typename ... on DomainError { code } ... on CreatedApiToken { secret token { id scope agent { id } } } } }`;
    const list = `{ apiTokens { __typename ... on DomainError { code } ... on QueryApiTokensSuccess { data { id revokedAt } } } }`;
    const before = await snapshot(a);
    forbidden(await send(a.ws.agentToken, create, { s: 'AGENT', g: a.agent }), 'createApiToken');
    forbidden(await send(a.ws.agentToken, create, { s: 'INGEST', g: null }), 'createApiToken');
    forbidden(await send(a.ws.agentToken, list), 'apiTokens');
    expect(await snapshot(a)).toEqual(before);

    const agentToken = typed(await send(a.ws.adminToken, create, { s: 'AGENT', g: a.agent }), 'createApiToken');
    expect(agentToken.token).toMatchObject({ scope: 'AGENT', agent: { id: a.agent } });
    expect((await server.gql(agentToken.secret, `{ viewer { agent { id } } }`)).viewer.agent.id).toBe(a.agent);
    const ingestToken = typed(await send(a.ws.adminToken, create, { s: 'INGEST', g: null }), 'createApiToken');
    expect(ingestToken.token).toMatchObject({ scope: 'INGEST', agent: null });
    expect((await server.gql(ingestToken.secret, `{ receivingAddresses { address } }`)).receivingAddresses.length).toBeGreaterThan(0);
    const listed = typed(await send(a.ws.adminToken, list), 'apiTokens');
    expect(ids(listed.data)).toEqual(expect.arrayContaining([agentToken.token.id, ingestToken.token.id]));

    // Reading a token by node(id:) is as admin-only as listing them.
    const node = `query($id: ID!) { node(id: $id) { ... on ApiToken { id name prefix } } }`;
    expect(errorCode(await send(a.ws.agentToken, node, { id: agentToken.token.id }))).toBe('FORBIDDEN');
    expect((await server.gql(a.ws.adminToken, node, { id: agentToken.token.id })).node).toMatchObject({ id: agentToken.token.id, name: 'ops' });

    const revoke = `mutation($t: ID!) { revokeApiToken(tokenId: $t) { __typename ... on DomainError { code } ... on ApiToken { revokedAt } } }`;
    forbidden(await send(a.ws.agentToken, revoke, { t: agentToken.token.id }), 'revokeApiToken');
    forbidden(await send(a.ws.agentToken, revoke, { t: a.ingestApiToken }), 'revokeApiToken');
    expect((await server.gql(agentToken.secret, `{ viewer { agent { id } } }`)).viewer.agent.id).toBe(a.agent);
    expect(typed(await send(a.ws.adminToken, revoke, { t: agentToken.token.id }), 'revokeApiToken').revokedAt).toEqual(expect.any(String));
    expect(errorCode(await send(agentToken.secret, `{ viewer { agent { id } } }`))).toBe('UNAUTHENTICATED');
  });

  it('inboxes: createInbox and updateInbox refuse plain agents and work for admins', async () => {
    const suffix = unique();
    const input = { name: `Sales ${suffix}`, addresses: [`sales-${suffix}@${a.domain}`], casePrefix: 'SAL' };
    const create = `mutation($i: InboxInput!) { createInbox(input: $i) { __typename ... on DomainError { code } ... on Inbox { id name addresses signature } } }`;
    const before = await snapshot(a);
    forbidden(await send(a.ws.agentToken, create, { i: input }), 'createInbox');
    const update = `mutation($id: ID!, $i: InboxInput!) { updateInbox(inboxId: $id, input: $i) { __typename ... on DomainError { code } ... on Inbox { id name addresses signature } } }`;
    forbidden(await send(a.ws.agentToken, update, { id: a.inbox, i: { signature: 'Agent was here', addresses: [`taken-${suffix}@${a.domain}`] } }), 'updateInbox');
    expect(await snapshot(a)).toEqual(before);

    const inbox = typed(await send(a.ws.adminToken, create, { i: input }), 'createInbox');
    expect(inbox).toMatchObject({ __typename: 'Inbox', name: input.name, addresses: input.addresses });
    const updated = typed(await send(a.ws.adminToken, update, { id: inbox.id, i: { signature: '-- Sales', addresses: [`sales2-${suffix}@${a.domain}`] } }), 'updateInbox');
    expect(updated).toMatchObject({ signature: '-- Sales', addresses: [`sales2-${suffix}@${a.domain}`] });
  });
});

// ---------------------------------------------------------------------------------------------

describe('errors', () => {
  it('an unexpected error is masked over HTTP and graphql-ws: no message, stack or internals', async () => {
    // Force a fault the server cannot expect: a smart folder whose stored rules are not a rule tree.
    const c = await server.createWorkspace('Corrupt');
    const created = await server.gql(c.agentToken, `mutation { createSmartFolder(name: "Broken", rules: { field: SUBJECT, operator: CONTAINS, value: "x" }) { ... on SmartFolder { id } } }`);
    const rawId = Buffer.from(created.createSmartFolder.id, 'base64').toString().split(':')[1]!;
    await server.app.database.db.smartFolder.update({ where: { id: rawId }, data: { rules: 'corrupt-rules-internal-detail' } });

    const checkMasked = (response: GraphQLResponse) => {
      expect(response.errors).toHaveLength(1);
      const error = response.errors![0]!;
      expect(error.message).toBe('Unexpected error.');
      expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(Object.keys(error.extensions ?? {}).filter((k) => !['code', 'unexpected'].includes(k))).toEqual([]);
      expect(JSON.stringify(response)).not.toMatch(/corrupt|TypeError|operator|stack|\.ts:|\.js:|node_modules/i);
    };
    checkMasked(await send(c.agentToken, `{ smartFolders { name rules { field } } }`));
    checkMasked(await firstOf(c.agentToken, `subscription { smartFolderCounts { count smartFolder { rules { field } } } }`));
  });

  it('expected errors carry only their message and code', async () => {
    const query = await send(a.ws.agentToken, conversationsDoc, { f: { smartFolderId: b.smartFolder } });
    expect(query.errors).toHaveLength(1);
    expect(Object.keys(query.errors![0]!).sort()).toEqual(['extensions', 'locations', 'message', 'path']);
    expect(query.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    const subscription = await firstOf(a.ws.agentToken, `subscription($c: ID!) { messageAdded(conversationId: $c) { id } }`, { c: b.conversation });
    expect(subscription.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
  });

  it('no response of this suite carried a stack trace, a file path or a database error', () => {
    expect(responses.length).toBeGreaterThan(100);
    const leaks = responses.filter((r) => /\bat \S+ \(|node_modules|\/src\/|\.ts:\d+|prisma|Invalid `|SQLITE|duplicate key|violates|"stack"|originalError/i.test(r));
    expect(leaks).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('coverage of the isolation suite', () => {
  it('has an isolation case for every root Query, Mutation and Subscription field, and none for fields that are gone', () => {
    const inSchema = allRootFields().map(({ field }) => field.name);
    const missing = inSchema.filter((name) => !(isolation[name]?.length));
    const stale = Object.keys(isolation).filter((name) => !inSchema.includes(name));
    expect(missing, 'root fields without an isolation case: add one to `isolation` in security.test.ts').toEqual([]);
    expect(stale, 'isolation cases for fields the schema no longer has').toEqual([]);
  });
});
