import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

let server: TestServer;
let ws: TestWorkspace;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.createWorkspace('Conversations');
});
afterAll(() => server?.close());

/** Opens a conversation by delivering a customer email; returns its global ID. */
async function open(from = `customer${++seq}@example.com`, subject = `Question ${seq}`) {
  const report = await deliver(server, ws.ingestToken, rawEmail({ from, to: ws.address, subject, messageId: `m${++seq}@example.com` }), [ws.address]);
  return report.deliveries[0].conversationId as string;
}

const fields = `id number caseNumber subject status priority unread followedByMe
  inbox { id name } assignee { id name } followers { id } tags { id name } contact { id emails }
  messages { totalCount edges { node { kind direction text subject author { id } to { address } inReplyTo messageId references } } }`;

async function get(id: string, token = ws.agentToken) {
  return (await server.gql(token, `query($id: ID!) { node(id: $id) { ... on Conversation { ${fields} } } }`, { id })).node;
}

async function mutate(name: string, args: Record<string, unknown>, token = ws.agentToken) {
  const params = Object.keys(args).map((k) => `${k}: $${k}`).join(', ');
  const types: Record<string, string> = {
    conversationId: 'ID!', status: 'ConversationStatus!', agentId: 'ID', priority: 'Priority!', inboxId: 'ID!', tagId: 'ID!', text: 'String!',
  };
  const decl = Object.keys(args).map((k) => `$${k}: ${types[k]}`).join(', ');
  const result = await server.gql(token, `mutation(${decl}) { ${name}(${params}) { __typename ... on DomainError { code message field } } }`, args);
  return result[name];
}

async function createTag(name: string) {
  return (await server.gql(ws.agentToken, `mutation($n: String!) { createTag(name: $n) { ... on Tag { id } } }`, { n: name })).createTag.id as string;
}

const systemTexts = (c: any) => c.messages.edges.filter((e: any) => e.node.kind === 'SYSTEM').map((e: any) => e.node.text);

describe('status automaton', () => {
  it('moves WAITING_ON_AGENT → WAITING_ON_CUSTOMER on a reply, keeps it on a note, and back on a customer message', async () => {
    const id = await open('auto@example.com', 'Status flow');
    expect((await get(id)).status).toBe('WAITING_ON_AGENT');

    expect(await mutate('addNote', { conversationId: id, text: 'Checking the warehouse' })).toMatchObject({ __typename: 'Message' });
    expect((await get(id)).status).toBe('WAITING_ON_AGENT');

    expect(await mutate('replyToConversation', { conversationId: id, text: 'It ships tomorrow' })).toMatchObject({ __typename: 'Message' });
    const afterReply = await get(id);
    expect(afterReply.status).toBe('WAITING_ON_CUSTOMER');
    const reply = afterReply.messages.edges.map((e: any) => e.node).find((m: any) => m.kind === 'EMAIL' && m.direction === 'OUTBOUND');
    expect(reply.subject).toBe(`Re: Status flow [#${afterReply.caseNumber}]`);
    expect(reply.to).toEqual([{ address: 'auto@example.com' }]);
    expect(reply.inReplyTo).toBe(afterReply.messages.edges[0].node.messageId);
    expect(reply.author.id).toBeTruthy();

    // The customer answers the reply: it threads back and returns to the agents.
    await deliver(server, ws.ingestToken, rawEmail({ from: 'auto@example.com', to: ws.address, subject: reply.subject, messageId: 'auto-2@example.com', inReplyTo: reply.messageId }), [ws.address]);
    const afterCustomer = await get(id);
    expect(afterCustomer.status).toBe('WAITING_ON_AGENT');
    expect(systemTexts(afterCustomer)).toEqual([
      'Status changed from WAITING_ON_AGENT to WAITING_ON_CUSTOMER',
      'Status changed from WAITING_ON_CUSTOMER to WAITING_ON_AGENT',
    ]);
  });

  it('reopens a CLOSED conversation when the customer writes, and lets agents set any status by hand', async () => {
    const id = await open('closed@example.com', 'Closing');
    for (const status of ['CLOSED', 'WAITING_ON_CUSTOMER', 'WAITING_ON_AGENT', 'CLOSED']) {
      expect(await mutate('setConversationStatus', { conversationId: id, status })).toMatchObject({ __typename: 'Conversation' });
      expect((await get(id)).status).toBe(status);
    }
    const { caseNumber } = await get(id);
    await deliver(server, ws.ingestToken, rawEmail({ from: 'closed@example.com', to: ws.address, subject: `Again [#${caseNumber}]`, messageId: 'closed-2@example.com' }), [ws.address]);
    expect((await get(id)).status).toBe('WAITING_ON_AGENT');
  });

  it('records no change when the status is set to what it already is', async () => {
    const id = await open();
    await mutate('setConversationStatus', { conversationId: id, status: 'WAITING_ON_AGENT' });
    expect(systemTexts(await get(id))).toEqual([]);
  });
});

describe('working a conversation', () => {
  it('assigns, reassigns and unassigns, leaving timeline entries', async () => {
    const id = await open();
    const agentGid = (await server.gql(ws.agentToken, `{ viewer { agent { id } } }`)).viewer.agent.id;
    expect(await mutate('assignConversation', { conversationId: id, agentId: agentGid })).toMatchObject({ __typename: 'Conversation' });
    expect((await get(id)).assignee).toMatchObject({ id: agentGid, name: 'Agent' });
    await mutate('assignConversation', { conversationId: id, agentId: null });
    const c = await get(id);
    expect(c.assignee).toBeNull();
    expect(systemTexts(c)).toEqual(['Assigned to Agent', 'Unassigned']);
  });

  it('follows and unfollows per agent', async () => {
    const id = await open();
    await mutate('followConversation', { conversationId: id });
    expect(await get(id)).toMatchObject({ followedByMe: true });
    expect(await get(id, ws.adminToken)).toMatchObject({ followedByMe: false });
    expect((await get(id)).followers).toHaveLength(1);
    await mutate('unfollowConversation', { conversationId: id });
    expect(await get(id)).toMatchObject({ followedByMe: false, followers: [] });
  });

  it('sets priority, moves between inboxes and tags with several tags', async () => {
    const id = await open();
    await mutate('setConversationPriority', { conversationId: id, priority: 'URGENT' });
    const other = await server.gql(ws.adminToken, `mutation { createInbox(input: { name: "Billing", addresses: ["billing-${seq}@conv.test"], casePrefix: "BIL" }) { ... on Inbox { id } } }`);
    await mutate('moveConversation', { conversationId: id, inboxId: other.createInbox.id });
    const [a, b] = [await createTag(`Alpha ${seq}`), await createTag(`Beta ${seq}`)];
    await mutate('tagConversation', { conversationId: id, tagId: a });
    await mutate('tagConversation', { conversationId: id, tagId: b });
    await mutate('tagConversation', { conversationId: id, tagId: b }); // idempotent
    await mutate('untagConversation', { conversationId: id, tagId: a });
    const c = await get(id);
    expect(c).toMatchObject({ priority: 'URGENT', inbox: { name: 'Billing' }, caseNumber: `BIL-${c.number}` });
    expect(c.tags.map((t: any) => t.id)).toEqual([b]);
    expect(systemTexts(c)).toEqual([
      'Priority changed from NORMAL to URGENT',
      'Moved from Support to Billing',
      `Tagged Alpha ${seq}`,
      `Tagged Beta ${seq}`,
      `Tag Alpha ${seq} removed`,
    ]);
  });

  it('keeps read state per agent: new customer mail is unread for everyone, and an agent can mark it unread again', async () => {
    const id = await open('reader@example.com', 'Read me');
    expect(await get(id)).toMatchObject({ unread: true });
    await mutate('markConversationRead', { conversationId: id });
    expect(await get(id)).toMatchObject({ unread: false });
    expect(await get(id, ws.adminToken)).toMatchObject({ unread: true });
    await mutate('markConversationUnread', { conversationId: id });
    expect(await get(id)).toMatchObject({ unread: true });
    await mutate('markConversationRead', { conversationId: id });
    await mutate('markConversationRead', { conversationId: id }, ws.adminToken);
    const { caseNumber } = await get(id);
    await deliver(server, ws.ingestToken, rawEmail({ from: 'reader@example.com', to: ws.address, subject: `More [#${caseNumber}]`, messageId: 'reader-2@example.com' }), [ws.address]);
    expect(await get(id)).toMatchObject({ unread: true });
    expect(await get(id, ws.adminToken)).toMatchObject({ unread: true });
    // The author of a reply has read it; the others have not.
    await mutate('markConversationRead', { conversationId: id }, ws.adminToken);
    await mutate('replyToConversation', { conversationId: id, text: 'Done' });
    expect(await get(id)).toMatchObject({ unread: false });
    expect(await get(id, ws.adminToken)).toMatchObject({ unread: true });
  });

  it('answers bad input with typed errors', async () => {
    const id = await open();
    expect(await mutate('addNote', { conversationId: id, text: '   ' })).toMatchObject({ code: 'INVALID_INPUT', field: 'text' });
    expect(await mutate('addNote', { conversationId: 'bm9wZQ==', text: 'x' })).toMatchObject({ code: 'INVALID_INPUT', field: 'conversationId' });
    const tagId = await createTag(`Gamma ${seq}`);
    expect(await mutate('setConversationPriority', { conversationId: tagId, priority: 'LOW' })).toMatchObject({ code: 'INVALID_INPUT' });
    const missing = Buffer.from('Conversation:doesnotexist').toString('base64');
    expect(await mutate('setConversationStatus', { conversationId: missing, status: 'CLOSED' })).toMatchObject({ code: 'NOT_FOUND' });
    const unknownEnum = await server.request(ws.agentToken, `mutation { setConversationStatus(conversationId: "${id}", status: PENDING) { __typename } }`);
    expect(unknownEnum.errors?.[0]?.message).toMatch(/PENDING/);
  });
});

describe('conversation lists', () => {
  let listWs: TestWorkspace;
  let ids: Record<string, string>;
  let agentGid: string;
  const list = async (filter: Record<string, unknown>, token = listWs.agentToken, page = 'first: 50') =>
    (await server.gql(token, `query($f: ConversationFilter) { conversations(${page}, filter: $f) { totalCount pageInfo { hasNextPage endCursor } edges { node { id subject } } } }`, { f: filter })).conversations;
  const subjects = (c: any) => c.edges.map((e: any) => e.node.subject).sort();

  beforeAll(async () => {
    listWs = await server.createWorkspace('Lists');
    ids = {};
    for (const [from, subject] of [
      ['Anna Berg <anna@shop.test>', 'Refund for order 7'],
      ['bob@shop.test', 'Delivery late'],
      ['Chris Ødegaard <chris@other.test>', 'Invoice copy'],
      ['dana@shop.test', 'Refund again'],
    ]) {
      const r = await deliver(server, listWs.ingestToken, rawEmail({ from: from!, to: listWs.address, subject: subject!, messageId: `${subject}@list` }), [listWs.address]);
      ids[subject!] = r.deliveries[0].conversationId;
    }
    agentGid = (await server.gql(listWs.agentToken, `{ viewer { agent { id } } }`)).viewer.agent.id;
    const call = (q: string, v: Record<string, unknown>) => server.gql(listWs.agentToken, q, v);
    await call(`mutation($c: ID!, $a: ID) { assignConversation(conversationId: $c, agentId: $a) { __typename } }`, { c: ids['Delivery late'], a: agentGid });
    await call(`mutation($c: ID!) { setConversationStatus(conversationId: $c, status: CLOSED) { __typename } }`, { c: ids['Invoice copy'] });
    await call(`mutation($c: ID!) { followConversation(conversationId: $c) { __typename } }`, { c: ids['Refund again'] });
    await call(`mutation($c: ID!) { markConversationRead(conversationId: $c) { __typename } }`, { c: ids['Refund for order 7'] });
    const tag = (await call(`mutation { createTag(name: "Refunds") { ... on Tag { id } } }`, {})).createTag.id;
    await call(`mutation($c: ID!, $t: ID!) { tagConversation(conversationId: $c, tagId: $t) { __typename } }`, { c: ids['Refund for order 7'], t: tag });
    await call(`mutation($c: ID!, $t: ID!) { tagConversation(conversationId: $c, tagId: $t) { __typename } }`, { c: ids['Refund again'], t: tag });
    ids.tag = tag;
  });

  it('lists newest activity first with a total count and cursor pagination', async () => {
    const all = await list({});
    expect(all.totalCount).toBe(4);
    expect(all.edges.map((e: any) => e.node.subject)).toEqual(['Refund again', 'Invoice copy', 'Delivery late', 'Refund for order 7']);
    const first = await list({}, listWs.agentToken, 'first: 3');
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await list({}, listWs.agentToken, `first: 3, after: "${first.pageInfo.endCursor}"`);
    expect(rest.edges.map((e: any) => e.node.subject)).toEqual(['Refund for order 7']);
    expect(rest.totalCount).toBe(4);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by inbox, status, tags, assignee, follower, unread, contact and text', async () => {
    expect(subjects(await list({ inboxId: listWs.inboxId }))).toHaveLength(4);
    expect(subjects(await list({ status: ['CLOSED'] }))).toEqual(['Invoice copy']);
    expect(subjects(await list({ status: ['WAITING_ON_AGENT', 'WAITING_ON_CUSTOMER'] }))).toHaveLength(3);
    expect(subjects(await list({ tagIds: [ids.tag] }))).toEqual(['Refund again', 'Refund for order 7']);
    expect(subjects(await list({ assignee: 'ME' }))).toEqual(['Delivery late']);
    expect(subjects(await list({ assignee: 'ME' }, listWs.adminToken))).toEqual([]);
    expect(subjects(await list({ assignee: 'UNASSIGNED' }))).toHaveLength(3);
    expect(subjects(await list({ assignee: 'ANYONE' }))).toHaveLength(4);
    expect(subjects(await list({ assigneeId: agentGid }))).toEqual(['Delivery late']);
    expect(subjects(await list({ followedByMe: true }))).toEqual(['Refund again']);
    expect(subjects(await list({ unreadByMe: true }))).toEqual(['Delivery late', 'Invoice copy', 'Refund again']);
    expect(subjects(await list({ search: 'REFUND' }))).toEqual(['Refund again', 'Refund for order 7']);
    expect(subjects(await list({ search: 'anna ber' }))).toEqual(['Refund for order 7']);
    expect(subjects(await list({ search: 'other.test' }))).toEqual(['Invoice copy']);
    expect(subjects(await list({ search: 'ødegaard' }))).toEqual(['Invoice copy']);
    const contactId = (await get(ids['Delivery late']!, listWs.agentToken)).contact.id;
    expect(subjects(await list({ contactId }))).toEqual(['Delivery late']);
    expect(subjects(await list({ tagIds: [ids.tag], followedByMe: true, search: 'again' }))).toEqual(['Refund again']);
  });

  it('reports a bad filter ID as a typed error', async () => {
    const result = await server.request(listWs.agentToken, `{ conversations(filter: { inboxId: "garbage" }) { totalCount } }`);
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT', field: 'filter.inboxId' } });
    expect(JSON.stringify(result)).not.toMatch(/at .*\.ts/);
  });
});
