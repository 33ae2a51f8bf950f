import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

/**
 * Smart folders through the API, as a frontend uses them: rules in, `count`
 * and a paginated `conversations` connection out, on a real database. The
 * server reports every SQL statement it runs, so the suite can also check that
 * a folder is counted and listed by queries compiled from its rules.
 */

let server: TestServer;
let statements: string[] | null = null;

beforeAll(async () => {
  server = await startTestServer({ onQuery: (sql) => statements?.push(sql) });
});
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

type Rule =
  | { all: Rule[] }
  | { any: Rule[] }
  | { field: string; operator?: string | null; value?: string | null };

const folderFields = `id name count rules { ...R all { ...R all { ...R } any { ...R } } any { ...R all { ...R } any { ...R } } }`;
const ruleFragment = `fragment R on SmartFolderRule { field operator value }`;

/** An ordinary customer mail, as a mail server hands it over (with Return-Path), so the spam filter lets it in. */
function customerEmail(fields: { from: string; to: string; subject: string }) {
  const sender = /<([^>]+)>/.exec(fields.from)?.[1] ?? fields.from;
  return rawEmail({
    ...fields,
    headers: { 'Return-Path': `<${sender}>` },
    text: `Hello,\n\nI am writing about my order (${fields.subject}). Could you please look into it?\n\nKind regards`,
  });
}

/** One workspace with helpers that talk to the API as its agent. */
function workspaceClient(ws: TestWorkspace) {
  const gql = <T = any>(query: string, variables?: Record<string, unknown>) => server.gql<T>(ws.agentToken, query, variables);
  const api = {
    ws,
    gql,
    request: (query: string, variables?: Record<string, unknown>) => server.request(ws.agentToken, query, variables),

    /** Delivers a new customer mail (an ordinary one, so the spam filter lets it in) and returns the conversation it opened. */
    async mail(from: string, subject: string, to = ws.address, expectSpam = false): Promise<string> {
      const report = await deliver(server, ws.ingestToken, customerEmail({ from, to, subject }), [to]);
      expect(report.deliveries?.[0]?.openedConversation, JSON.stringify(report)).toBe(true);
      const id = report.deliveries[0].conversationId;
      const { node } = await gql(`query($id: ID!) { node(id: $id) { ... on Conversation { spam } } }`, { id });
      expect(node.spam, `"${subject}" from ${from}: spam`).toBe(expectSpam);
      return id;
    },

    async contactOf(conversationId: string): Promise<string> {
      const data = await gql(`query($id: ID!) { node(id: $id) { ... on Conversation { contact { id } } } }`, { id: conversationId });
      return data.node.contact.id;
    },

    async createTag(name: string): Promise<string> {
      const data = await gql(`mutation($name: String!) { createTag(name: $name) { ... on Tag { id } ... on DomainError { code message } } }`, { name });
      expect(data.createTag.id, JSON.stringify(data)).toBeTruthy();
      return data.createTag.id;
    },

    async tag(conversationId: string, tagId: string, tagged = true) {
      const mutation = tagged ? 'tagConversation' : 'untagConversation';
      const data = await gql(
        `mutation($c: ID!, $t: ID!) { r: ${mutation}(conversationId: $c, tagId: $t) { __typename ... on DomainError { message } } }`,
        { c: conversationId, t: tagId },
      );
      expect(data.r.__typename, JSON.stringify(data)).toBe('Conversation');
    },

    async tagContact(contactId: string, tagId: string, tagged = true) {
      const mutation = tagged ? 'tagContact' : 'untagContact';
      const data = await gql(
        `mutation($c: ID!, $t: ID!) { r: ${mutation}(contactId: $c, tagId: $t) { __typename ... on DomainError { message } } }`,
        { c: contactId, t: tagId },
      );
      expect(data.r.__typename, JSON.stringify(data)).toBe('Contact');
    },

    /** createSmartFolder as a frontend calls it; returns the whole result union. */
    createFolderResult(name: string, rules: unknown) {
      return gql(
        `mutation($name: String!, $rules: SmartFolderRuleInput!) {
          createSmartFolder(name: $name, rules: $rules) {
            __typename
            ... on SmartFolder { ${folderFields} }
            ... on DomainError { code message field }
          }
        }
        ${ruleFragment}`,
        { name, rules },
      ).then((data) => data.createSmartFolder);
    },

    async createFolder(name: string, rules: Rule): Promise<string> {
      const result = await api.createFolderResult(name, rules);
      expect(result.__typename, JSON.stringify(result)).toBe('SmartFolder');
      return result.id;
    },

    async folder(id: string) {
      const data = await gql(`query($id: ID!) { node(id: $id) { ... on SmartFolder { ${folderFields} } } } ${ruleFragment}`, { id });
      return data.node;
    },

    /**
     * Reads a folder the way a frontend pages through it: `count`, then the
     * connection two at a time until hasNextPage is false. Checks that every
     * page agrees on totalCount, that no conversation repeats, and that the
     * pages together equal one big page. Returns the conversation IDs in order.
     */
    async folderContents(id: string): Promise<{ count: number; ids: string[] }> {
      const { node } = await gql(`query($id: ID!) { node(id: $id) { ... on SmartFolder { count } } }`, { id });
      const ids: string[] = [];
      let after: string | null = null;
      const activity: string[] = [];
      for (let page = 0; page < 100; page++) {
        const data: any = await gql(
          `query($id: ID!, $after: String) { node(id: $id) { ... on SmartFolder {
            conversations(first: 2, after: $after) {
              totalCount
              pageInfo { hasNextPage endCursor }
              edges { cursor node { id spam lastMessageAt } }
            }
          } } }`,
          { id, after },
        );
        const connection = data.node.conversations;
        expect(connection.totalCount).toBe(node.count);
        expect(connection.edges.length).toBeLessThanOrEqual(2);
        for (const edge of connection.edges) {
          expect(edge.node.spam).toBe(false);
          ids.push(edge.node.id);
          activity.push(edge.node.lastMessageAt);
        }
        if (!connection.pageInfo.hasNextPage) break;
        expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1).cursor);
        after = connection.pageInfo.endCursor;
      }
      expect(new Set(ids).size, 'no conversation appears on two pages').toBe(ids.length);
      expect([...activity].sort().reverse(), 'newest activity first').toEqual(activity);
      // Paging backwards from the end gives the same tail.
      const tail = await gql(
        `query($id: ID!) { node(id: $id) { ... on SmartFolder { conversations(last: 2) { totalCount edges { node { id } } } } } }`,
        { id },
      );
      expect(tail.node.conversations.totalCount).toBe(node.count);
      expect(tail.node.conversations.edges.map((e: any) => e.node.id)).toEqual(ids.slice(-2));
      const whole = await gql(
        `query($id: ID!) { node(id: $id) { ... on SmartFolder { conversations(first: 200) { totalCount edges { node { id } } } } } }`,
        { id },
      );
      expect(whole.node.conversations.edges.map((e: any) => e.node.id)).toEqual(ids);
      // The conversation list filtered by the folder is the same view.
      const list = await gql(
        `query($id: ID!) { conversations(first: 200, filter: { smartFolderId: $id }) { totalCount edges { node { id } } } }`,
        { id },
      );
      expect(list.conversations.totalCount).toBe(node.count);
      expect(list.conversations.edges.map((e: any) => e.node.id)).toEqual(ids);
      return { count: node.count, ids };
    },

    /** Asserts a folder holds exactly these conversations (count, totalCount and pages). */
    async expectFolder(id: string, expected: string[], label = '') {
      const { count, ids } = await api.folderContents(id);
      expect([...ids].sort(), label).toEqual([...expected].sort());
      expect(count, label).toBe(expected.length);
    },
  };
  return api;
}

type Api = ReturnType<typeof workspaceClient>;

async function setStatus(api: Api, conversationId: string, status: string) {
  const data = await api.gql(
    `mutation($c: ID!, $s: ConversationStatus!) { r: setConversationStatus(conversationId: $c, status: $s) { __typename } }`,
    { c: conversationId, s: status },
  );
  expect(data.r.__typename).toBe('Conversation');
}

async function setPriority(api: Api, conversationId: string, priority: string) {
  const data = await api.gql(
    `mutation($c: ID!, $p: Priority!) { r: setConversationPriority(conversationId: $c, priority: $p) { __typename } }`,
    { c: conversationId, p: priority },
  );
  expect(data.r.__typename).toBe('Conversation');
}

async function assign(api: Api, conversationId: string, agentId: string | null) {
  const data = await api.gql(
    `mutation($c: ID!, $a: ID) { r: assignConversation(conversationId: $c, agentId: $a) { __typename ... on Conversation { assignee { id } } } }`,
    { c: conversationId, a: agentId },
  );
  expect(data.r.assignee?.id ?? null).toBe(agentId);
}

const cond = (field: string, operator: string, value?: string | null): Rule => ({ field, operator, value });

/** Every DomainError must be typed and readable: no stack trace, no masked "Unexpected error". */
function expectCleanMessage(message: string) {
  expect(message).not.toMatch(/\n\s+at /);
  expect(message).not.toMatch(/Unexpected error/i);
  expect(message).not.toMatch(/prisma/i);
}

describe("the product brief's seed examples", () => {
  let api: Api;
  let returns: string;
  let followUp: string;
  const c = {} as Record<'anna' | 'annaOld' | 'bo' | 'carl' | 'dora' | 'eve', string>;

  beforeAll(async () => {
    api = workspaceClient(await createWorkspace('Seed examples'));
    c.annaOld = await api.mail('Anna Berg <anna@super-important-customer.dk>', 'Wrong size');
    c.anna = await api.mail('Anna Berg <anna@super-important-customer.dk>', 'Another wrong size');
    c.bo = await api.mail('Bo <BO@Super-Important-Customer.DK>', 'Delivery date');
    c.carl = await api.mail('Carl <carl@ordinary-customer.dk>', 'Refund, please');
    c.dora = await api.mail('Dora <dora@elsewhere.example>', 'Missing parcel');
    // Not an important customer: the text is there, but after another domain label.
    c.eve = await api.mail('Eve <eve@not-super-important-customer.dk>', 'Wrong colour');
    returns = await api.createTag('Returns');
    followUp = await api.createTag('Follow-up');
  });

  it('a folder of conversations tagged "Returns"', async () => {
    const folder = await api.createFolder('Returns', cond('CONVERSATION_TAG', 'IS', 'Returns'));
    await api.expectFolder(folder, []);
    for (const id of [c.annaOld, c.carl, c.eve]) await api.tag(id, returns);
    await api.tag(c.dora, followUp);
    await api.expectFolder(folder, [c.annaOld, c.carl, c.eve]);
  });

  it('a folder of contacts whose email contains "@super-important-customer.dk"', async () => {
    const folder = await api.createFolder('Important customers', cond('CONTACT_EMAIL', 'CONTAINS', '@super-important-customer.dk'));
    await api.expectFolder(folder, [c.annaOld, c.anna, c.bo]);
    // A second address of an existing contact brings their conversations into the folder.
    const dora = await api.contactOf(c.dora);
    const added = await api.gql(
      `mutation($id: ID!) { addContactEmail(contactId: $id, email: "Dora@Super-Important-Customer.dk") { __typename ... on Contact { emails } } }`,
      { id: dora },
    );
    expect(added.addContactEmail.emails).toContain('dora@super-important-customer.dk');
    await api.expectFolder(folder, [c.annaOld, c.anna, c.bo, c.dora]);
    // The folder follows the rule, not a snapshot: the newest mail of an important customer is at the top.
    const newest = await api.mail('anna@super-important-customer.dk', 'Yet another question');
    const { ids } = await api.folderContents(folder);
    expect(ids[0]).toBe(newest);
    expect(ids).toHaveLength(5);
    // Undo the extra address so the other examples stay simple.
    const removed = await api.gql(
      `mutation($id: ID!) { removeContactEmail(contactId: $id, email: "dora@super-important-customer.dk") { __typename } }`,
      { id: dora },
    );
    expect(removed.removeContactEmail.__typename).toBe('Contact');
    await api.expectFolder(folder, [c.annaOld, c.anna, c.bo, newest]);
  });

  it('a temporary "Follow-up" tag: tagged conversations appear and leave when untagged', async () => {
    const folder = await api.createFolder('Follow-up', cond('CONVERSATION_TAG', 'IS', 'follow-up'));
    await api.expectFolder(folder, [c.dora]);
    await api.tag(c.bo, followUp);
    await api.expectFolder(folder, [c.dora, c.bo]);
    await api.tag(c.bo, followUp, false);
    await api.expectFolder(folder, [c.dora]);
    await api.tag(c.dora, followUp, false);
    await api.expectFolder(folder, []);
  });

  it('a mix: an important customer AND (Returns OR Follow-up)', async () => {
    const folder = await api.createFolder('Important returns and follow-ups', {
      all: [
        cond('CONTACT_EMAIL', 'CONTAINS', '@super-important-customer.dk'),
        { any: [cond('CONVERSATION_TAG', 'IS', 'Returns'), cond('CONVERSATION_TAG', 'IS', 'Follow-up')] },
      ],
    });
    // annaOld carries Returns; carl and eve carry Returns but are not important customers.
    await api.expectFolder(folder, [c.annaOld]);
    await api.tag(c.bo, followUp);
    await api.expectFolder(folder, [c.annaOld, c.bo]);
    await api.tag(c.annaOld, returns, false);
    await api.expectFolder(folder, [c.bo]);
    await api.tag(c.bo, followUp, false);
    await api.expectFolder(folder, []);

    const listed = await api.folder(folder);
    expect(listed.rules).toMatchObject({
      all: [
        { field: 'CONTACT_EMAIL', operator: 'CONTAINS', value: '@super-important-customer.dk' },
        { any: [{ field: 'CONVERSATION_TAG', value: 'Returns' }, { field: 'CONVERSATION_TAG', value: 'Follow-up' }] },
      ],
    });
  });

  it('lists every folder with its count', async () => {
    const data = await api.gql(`{ smartFolders { name count position conversations(first: 1) { totalCount } } }`);
    expect(data.smartFolders.map((f: any) => f.name)).toEqual([
      'Returns',
      'Important customers',
      'Follow-up',
      'Important returns and follow-ups',
    ]);
    expect(data.smartFolders.map((f: any) => f.position)).toEqual([0, 1, 2, 3]);
    for (const f of data.smartFolders) expect(f.conversations.totalCount).toBe(f.count);
    expect(data.smartFolders.map((f: any) => f.count)).toEqual([2, 4, 0, 0]);
  });
});

describe('every field and operator', () => {
  let api: Api;
  /** A: Maria, B: Tom, C: Åse, D: info@ (no name), S: spam that would match almost everything. */
  const c = {} as Record<'A' | 'B' | 'C' | 'D' | 'S', string>;
  let inbox1: string;
  let inbox2: string;
  let agent: string;
  let admin: string;

  beforeAll(async () => {
    const ws = await createWorkspace('Fields');
    api = workspaceClient(ws);
    const salesAddress = ws.address.replace('support@', 'sales@');
    const created = await server.gql(
      ws.adminToken,
      `mutation($input: InboxInput!) { createInbox(input: $input) { ... on Inbox { id } ... on DomainError { message } } }`,
      { input: { name: 'Sales', addresses: [salesAddress], casePrefix: 'SAL', senderName: 'Sales' } },
    );
    inbox2 = created.createInbox.id;
    const agents = await api.gql(`{ agents { id email } viewer { agent { id } } }`);
    agent = agents.viewer.agent.id;
    admin = agents.agents.find((a: any) => a.id !== agent).id;

    c.A = await api.mail('Maria Jensen <maria@alpha.dk>', 'Broken lamp');
    c.B = await api.mail('Tom Hansen <tom@beta.com>', 'Invoice question');
    c.C = await api.mail('ase@gamma.dk', 'LAMP shade missing', salesAddress);
    c.D = await api.mail('info@delta.org', 'Where is my order?', salesAddress);
    const inboxes = await api.gql(`query($id: ID!) { node(id: $id) { ... on Conversation { inbox { id } } } }`, { id: c.A });
    inbox1 = inboxes.node.inbox.id;

    const renamed = await api.gql(`mutation($id: ID!) { updateContact(contactId: $id, name: "Åse Øster") { ... on Contact { name } } }`, {
      id: await api.contactOf(c.C),
    });
    expect(renamed.updateContact.name).toBe('Åse Øster');

    const returns = await api.createTag('Returns');
    const followUp = await api.createTag('Follow-up');
    const vip = await api.createTag('VIP');
    const wholesale = await api.createTag('Wholesale');
    await api.tag(c.A, returns);
    await api.tag(c.C, followUp);
    await api.tag(c.D, returns);
    await api.tag(c.D, followUp);
    await api.tagContact(await api.contactOf(c.A), vip);
    await api.tagContact(await api.contactOf(c.C), wholesale);

    await assign(api, c.A, agent);
    await assign(api, c.C, admin);
    await setPriority(api, c.A, 'HIGH');
    await setPriority(api, c.C, 'LOW');
    await setPriority(api, c.D, 'URGENT');
    await setStatus(api, c.B, 'CLOSED');
    await setStatus(api, c.C, 'WAITING_ON_CUSTOMER');

    // Spam: mail from a blocked contact. It carries the subject, tags and
    // addresses many rules below look for, so any leak of spam shows.
    const spammer = await api.gql(
      `mutation { createContact(name: "Maria Jensen", emails: ["maria.spam@alpha.dk"]) { ... on Contact { id } ... on DomainError { message } } }`,
    );
    const blocked = await api.gql(`mutation($id: ID!) { blockContact(contactId: $id) { ... on Contact { blocked } } }`, {
      id: spammer.createContact.id,
    });
    expect(blocked.blockContact.blocked).toBe(true);
    c.S = await api.mail('Maria Jensen <maria.spam@alpha.dk>', 'Broken lamp', ws.address, true);
    await api.tag(c.S, returns);
    await api.tagContact(spammer.createContact.id, vip);
    const spam = await api.gql(`{ conversations(filter: { spam: true }) { edges { node { id spam } } } }`);
    expect(spam.conversations.edges.map((e: any) => e.node.id)).toEqual([c.S]);
  });

  const cases: Array<[string, () => Rule, Array<keyof typeof c>]> = [
    // Conversation tags: A Returns; C Follow-up; D Returns + Follow-up; B none.
    ['CONVERSATION_TAG IS', () => cond('CONVERSATION_TAG', 'IS', 'returns'), ['A', 'D']],
    ['CONVERSATION_TAG IS_NOT (incl. untagged)', () => cond('CONVERSATION_TAG', 'IS_NOT', 'RETURNS'), ['B', 'C']],
    ['CONVERSATION_TAG CONTAINS', () => cond('CONVERSATION_TAG', 'CONTAINS', 'FOLLOW'), ['C', 'D']],
    ['CONVERSATION_TAG DOES_NOT_CONTAIN', () => cond('CONVERSATION_TAG', 'DOES_NOT_CONTAIN', 'follow'), ['A', 'B']],
    ['CONVERSATION_TAG STARTS_WITH', () => cond('CONVERSATION_TAG', 'STARTS_WITH', 'Ret'), ['A', 'D']],
    ['CONVERSATION_TAG ENDS_WITH', () => cond('CONVERSATION_TAG', 'ENDS_WITH', '-UP'), ['C', 'D']],
    // Subjects: "Broken lamp", "Invoice question", "LAMP shade missing", "Where is my order?".
    ['SUBJECT IS', () => cond('SUBJECT', 'IS', 'broken LAMP'), ['A']],
    ['SUBJECT IS_NOT', () => cond('SUBJECT', 'IS_NOT', 'Broken Lamp'), ['B', 'C', 'D']],
    ['SUBJECT CONTAINS', () => cond('SUBJECT', 'CONTAINS', 'Lamp'), ['A', 'C']],
    ['SUBJECT DOES_NOT_CONTAIN', () => cond('SUBJECT', 'DOES_NOT_CONTAIN', 'lamp'), ['B', 'D']],
    ['SUBJECT STARTS_WITH', () => cond('SUBJECT', 'STARTS_WITH', 'WHERE is'), ['D']],
    ['SUBJECT ENDS_WITH', () => cond('SUBJECT', 'ENDS_WITH', 'Question'), ['B']],
    // Contact tags: Maria VIP, Åse Wholesale; Tom and info@ have none.
    ['CONTACT_TAG IS', () => cond('CONTACT_TAG', 'IS', 'vip'), ['A']],
    ['CONTACT_TAG IS_NOT (incl. contacts without tags)', () => cond('CONTACT_TAG', 'IS_NOT', 'VIP'), ['B', 'C', 'D']],
    ['CONTACT_TAG CONTAINS', () => cond('CONTACT_TAG', 'CONTAINS', 'SALE'), ['C']],
    ['CONTACT_TAG DOES_NOT_CONTAIN (incl. contacts without tags)', () => cond('CONTACT_TAG', 'DOES_NOT_CONTAIN', 'sale'), ['A', 'B', 'D']],
    ['CONTACT_TAG STARTS_WITH', () => cond('CONTACT_TAG', 'STARTS_WITH', 'whole'), ['C']],
    ['CONTACT_TAG ENDS_WITH', () => cond('CONTACT_TAG', 'ENDS_WITH', 'IP'), ['A']],
    // Contact emails: maria@alpha.dk, tom@beta.com, ase@gamma.dk, info@delta.org.
    ['CONTACT_EMAIL IS', () => cond('CONTACT_EMAIL', 'IS', 'MARIA@Alpha.dk'), ['A']],
    ['CONTACT_EMAIL IS_NOT', () => cond('CONTACT_EMAIL', 'IS_NOT', 'maria@alpha.dk'), ['B', 'C', 'D']],
    ['CONTACT_EMAIL CONTAINS', () => cond('CONTACT_EMAIL', 'CONTAINS', '.DK'), ['A', 'C']],
    ['CONTACT_EMAIL DOES_NOT_CONTAIN', () => cond('CONTACT_EMAIL', 'DOES_NOT_CONTAIN', '.dk'), ['B', 'D']],
    ['CONTACT_EMAIL STARTS_WITH', () => cond('CONTACT_EMAIL', 'STARTS_WITH', 'Info@'), ['D']],
    ['CONTACT_EMAIL ENDS_WITH', () => cond('CONTACT_EMAIL', 'ENDS_WITH', '.COM'), ['B']],
    // Contact names: "Maria Jensen", "Tom Hansen", "Åse Øster", "" (info@).
    ['CONTACT_NAME IS', () => cond('CONTACT_NAME', 'IS', 'maria jensen'), ['A']],
    ['CONTACT_NAME IS_NOT (incl. a contact without a name)', () => cond('CONTACT_NAME', 'IS_NOT', 'Maria Jensen'), ['B', 'C', 'D']],
    ['CONTACT_NAME CONTAINS (non-ASCII, any case)', () => cond('CONTACT_NAME', 'CONTAINS', 'ØSTER'), ['C']],
    ['CONTACT_NAME DOES_NOT_CONTAIN', () => cond('CONTACT_NAME', 'DOES_NOT_CONTAIN', 'SEN'), ['C', 'D']],
    ['CONTACT_NAME STARTS_WITH', () => cond('CONTACT_NAME', 'STARTS_WITH', 'åse'), ['C']],
    ['CONTACT_NAME ENDS_WITH', () => cond('CONTACT_NAME', 'ENDS_WITH', 'sen'), ['A', 'B']],
    // Statuses: A and D WAITING_ON_AGENT, B CLOSED, C WAITING_ON_CUSTOMER.
    ['STATUS IS', () => cond('STATUS', 'IS', 'CLOSED'), ['B']],
    ['STATUS IS_NOT', () => cond('STATUS', 'IS_NOT', 'WAITING_ON_AGENT'), ['B', 'C']],
    // Inboxes: A and B in Support, C and D in Sales.
    ['INBOX IS', () => cond('INBOX', 'IS', inbox2), ['C', 'D']],
    ['INBOX IS_NOT', () => cond('INBOX', 'IS_NOT', inbox1), ['C', 'D']],
    // Assignees: A the agent, C the admin, B and D nobody.
    ['ASSIGNEE IS', () => cond('ASSIGNEE', 'IS', agent), ['A']],
    ['ASSIGNEE IS_NOT (incl. unassigned)', () => cond('ASSIGNEE', 'IS_NOT', agent), ['B', 'C', 'D']],
    ['ASSIGNEE IS unassigned (empty value)', () => cond('ASSIGNEE', 'IS', ''), ['B', 'D']],
    ['ASSIGNEE IS unassigned (no value)', () => ({ field: 'ASSIGNEE', operator: 'IS' }), ['B', 'D']],
    ['ASSIGNEE IS_NOT unassigned', () => cond('ASSIGNEE', 'IS_NOT', null), ['A', 'C']],
    // Priorities: A HIGH, B NORMAL, C LOW, D URGENT.
    ['PRIORITY IS', () => cond('PRIORITY', 'IS', 'HIGH'), ['A']],
    ['PRIORITY IS_NOT', () => cond('PRIORITY', 'IS_NOT', 'NORMAL'), ['A', 'C', 'D']],
    // Groups.
    [
      'all of (any of lamp/Returns) and a .dk address',
      () => ({
        all: [{ any: [cond('SUBJECT', 'CONTAINS', 'lamp'), cond('CONVERSATION_TAG', 'IS', 'Returns')] }, cond('CONTACT_EMAIL', 'ENDS_WITH', '.dk')],
      }),
      ['A', 'C'],
    ],
    [
      'any of (closed and unassigned) or (urgent in Sales)',
      () => ({
        any: [
          { all: [cond('STATUS', 'IS', 'CLOSED'), cond('ASSIGNEE', 'IS', '')] },
          { all: [cond('PRIORITY', 'IS', 'URGENT'), cond('INBOX', 'IS', inbox2)] },
        ],
      }),
      ['B', 'D'],
    ],
    [
      'three levels deep',
      () => ({
        all: [
          { any: [{ all: [cond('SUBJECT', 'CONTAINS', 'lamp'), cond('PRIORITY', 'IS', 'LOW')] }, cond('CONTACT_NAME', 'STARTS_WITH', 'maria')] },
          cond('CONVERSATION_TAG', 'IS_NOT', 'follow-up'),
        ],
      }),
      ['A'],
    ],
    ['a single-condition group', () => ({ any: [cond('PRIORITY', 'IS', 'LOW')] }), ['C']],
    ['a condition and its negation match nothing', () => ({ all: [cond('SUBJECT', 'CONTAINS', 'lamp'), cond('SUBJECT', 'DOES_NOT_CONTAIN', 'LAMP')] }), []],
  ];

  it.each(cases)('%s', async (label, rule, expected) => {
    const folder = await api.createFolder(label, rule());
    await api.expectFolder(folder, expected.map((k) => c[k]), label);
  });

  it('returns the rules as given, with INBOX and ASSIGNEE values as global IDs', async () => {
    const rules = { all: [cond('INBOX', 'IS', inbox2), cond('ASSIGNEE', 'IS_NOT', agent), cond('ASSIGNEE', 'IS', '')] };
    const created = await api.createFolderResult('IDs', rules);
    expect(created.rules).toEqual({
      field: null,
      operator: null,
      value: null,
      any: null,
      all: [
        { field: 'INBOX', operator: 'IS', value: inbox2, all: null, any: null },
        { field: 'ASSIGNEE', operator: 'IS_NOT', value: agent, all: null, any: null },
        { field: 'ASSIGNEE', operator: 'IS', value: null, all: null, any: null },
      ],
    });
  });

  it('follows changes to the conversations it matches', async () => {
    const folder = await api.createFolder('Urgent and unassigned', { all: [cond('PRIORITY', 'IS', 'URGENT'), cond('ASSIGNEE', 'IS', '')] });
    await api.expectFolder(folder, [c.D]);
    await setPriority(api, c.B, 'URGENT');
    await api.expectFolder(folder, [c.B, c.D]);
    await assign(api, c.D, agent);
    await api.expectFolder(folder, [c.B]);
    await assign(api, c.D, null);
    await setPriority(api, c.B, 'NORMAL');
    await api.expectFolder(folder, [c.D]);
  });

  it('updates and deletes a folder', async () => {
    const folder = await api.createFolder('Lamps', cond('SUBJECT', 'CONTAINS', 'lamp'));
    const updated = await api.gql(
      `mutation($id: ID!) { updateSmartFolder(smartFolderId: $id, name: "Orders", rules: { field: SUBJECT, operator: CONTAINS, value: "ORDER" }) {
        __typename ... on SmartFolder { name count }
      } }`,
      { id: folder },
    );
    expect(updated.updateSmartFolder).toEqual({ __typename: 'SmartFolder', name: 'Orders', count: 1 });
    await api.expectFolder(folder, [c.D]);
    const renamedOnly = await api.gql(`mutation($id: ID!) { updateSmartFolder(smartFolderId: $id, name: "My orders") { ... on SmartFolder { name count } } }`, {
      id: folder,
    });
    expect(renamedOnly.updateSmartFolder).toEqual({ name: 'My orders', count: 1 });
    const deleted = await api.gql(`mutation($id: ID!) { deleteSmartFolder(smartFolderId: $id) { __typename ... on Deleted { id } } }`, { id: folder });
    expect(deleted.deleteSmartFolder).toEqual({ __typename: 'Deleted', id: folder });
    expect((await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: folder })).node).toBeNull();
    const again = await api.gql(`mutation($id: ID!) { deleteSmartFolder(smartFolderId: $id) { __typename ... on DomainError { code } } }`, { id: folder });
    expect(again.deleteSmartFolder).toEqual({ __typename: 'DomainError', code: 'NOT_FOUND' });
  });

  it("never shows another workspace's conversations or folders", async () => {
    const other = workspaceClient(await createWorkspace('Other fields'));
    const otherConversation = await other.mail('Maria Jensen <maria@alpha.dk>', 'Broken lamp');
    const folder = await api.createFolder('Every lamp', cond('SUBJECT', 'CONTAINS', 'lamp'));
    await api.expectFolder(folder, [c.A, c.C]);
    const otherFolder = await other.createFolder('Every lamp', cond('SUBJECT', 'CONTAINS', 'lamp'));
    await other.expectFolder(otherFolder, [otherConversation]);
    expect((await other.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: folder })).node).toBeNull();
    const foreign = await other.request(`query($id: ID!) { conversations(filter: { smartFolderId: $id }) { totalCount } }`, { id: folder });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('tags that folders match by name', () => {
  let api: Api;
  const c = {} as Record<'one' | 'two' | 'three', string>;
  let vip: string;

  beforeAll(async () => {
    api = workspaceClient(await createWorkspace('Tag lifecycle'));
    c.one = await api.mail('one@tags.test', 'First');
    c.two = await api.mail('two@tags.test', 'Second');
    c.three = await api.mail('three@tags.test', 'Third');
    vip = await api.createTag('VIP');
    await api.tag(c.one, vip);
    await api.tagContact(await api.contactOf(c.two), vip);
  });

  it('keeps folders working when the tag is renamed', async () => {
    const byConversation = await api.createFolder('VIP conversations', cond('CONVERSATION_TAG', 'IS', 'vip'));
    const byContact = await api.createFolder('Not VIP customers', { any: [{ all: [cond('CONTACT_TAG', 'IS_NOT', 'VIP')] }] });
    const unrelated = await api.createFolder('Second', cond('SUBJECT', 'IS', 'vip'));
    await api.expectFolder(byConversation, [c.one]);
    await api.expectFolder(byContact, [c.one, c.three]);

    const renamed = await api.gql(`mutation($id: ID!) { renameTag(tagId: $id, name: "Key account") { __typename ... on Tag { name } } }`, { id: vip });
    expect(renamed.renameTag).toEqual({ __typename: 'Tag', name: 'Key account' });

    await api.expectFolder(byConversation, [c.one]);
    await api.expectFolder(byContact, [c.one, c.three]);
    expect((await api.folder(byConversation)).rules).toMatchObject({ field: 'CONVERSATION_TAG', operator: 'IS', value: 'Key account' });
    expect((await api.folder(byContact)).rules.any[0].all[0]).toMatchObject({ field: 'CONTACT_TAG', operator: 'IS_NOT', value: 'Key account' });
    // Conditions on other fields that happen to hold the old name are not tag references.
    expect((await api.folder(unrelated)).rules).toMatchObject({ field: 'SUBJECT', value: 'vip' });

    // The folders follow the tag, not the old name: a new "VIP" tag is another tag.
    const newVip = await api.createTag('VIP');
    await api.tag(c.three, newVip);
    await api.expectFolder(byConversation, [c.one]);
    // Tagging with the renamed tag still works through the folder.
    await api.tag(c.two, vip);
    await api.expectFolder(byConversation, [c.one, c.two]);
    await api.tag(c.two, vip, false);
  });

  it('keeps folders answering when the tag is deleted', async () => {
    const doomed = await api.createTag('Temporary');
    await api.tag(c.one, doomed);
    await api.tag(c.two, doomed);
    const tagged = await api.createFolder('Temporary', cond('CONVERSATION_TAG', 'IS', 'temporary'));
    const untagged = await api.createFolder('Not temporary', cond('CONVERSATION_TAG', 'IS_NOT', 'Temporary'));
    await api.expectFolder(tagged, [c.one, c.two]);
    await api.expectFolder(untagged, [c.three]);

    const deleted = await api.gql(`mutation($id: ID!) { deleteTag(tagId: $id) { __typename } }`, { id: doomed });
    expect(deleted.deleteTag.__typename).toBe('Deleted');

    await api.expectFolder(tagged, []);
    await api.expectFolder(untagged, [c.one, c.two, c.three]);
    const conversation = await api.gql(`query($id: ID!) { node(id: $id) { ... on Conversation { tags { name } } } }`, { id: c.one });
    expect(conversation.node.tags.map((t: any) => t.name)).toEqual(['Key account']);
    const all = await api.gql(`{ smartFolders { name count } }`);
    expect(all.smartFolders.find((f: any) => f.name === 'Temporary')).toEqual({ name: 'Temporary', count: 0 });
  });
});

describe('validation', () => {
  let api: Api;
  beforeAll(async () => {
    api = workspaceClient(await createWorkspace('Validation'));
  });

  async function expectInvalid(rules: unknown, field: string, message: RegExp, name = 'Folder') {
    const result = await api.createFolderResult(name, rules);
    expect(result, JSON.stringify(result)).toMatchObject({ __typename: 'DomainError', code: 'INVALID_INPUT', field });
    expect(result.message).toMatch(message);
    expectCleanMessage(result.message);
  }

  it('refuses an unknown field as a GraphQL validation error', async () => {
    const inline = await api.request(`mutation { createSmartFolder(name: "X", rules: { field: COLOR, operator: IS, value: "red" }) { __typename } }`);
    expect(inline.data).toBeUndefined();
    expect(inline.errors?.[0]?.message).toMatch(/COLOR.*RuleField/);
    expect(inline.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const asVariable = await api.request(
      `mutation($rules: SmartFolderRuleInput!) { createSmartFolder(name: "X", rules: $rules) { __typename } }`,
      { rules: { all: [{ field: 'color', operator: 'IS', value: 'red' }] } },
    );
    expect(asVariable.data).toBeUndefined();
    expect(asVariable.errors?.[0]?.message).toMatch(/"color".*RuleField/);
    for (const error of [...inline.errors!, ...asVariable.errors!]) expectCleanMessage(error.message);
    expect((await api.gql(`{ smartFolders { id } }`)).smartFolders).toEqual([]);
  });

  it('refuses an operator that does not apply to the field, naming the node', async () => {
    await expectInvalid(cond('STATUS', 'CONTAINS', 'CLOSED'), 'rules.operator', /CONTAINS.*STATUS.*IS, IS_NOT/);
    await expectInvalid({ all: [cond('STATUS', 'CONTAINS', 'CLOSED')] }, 'rules.all.0.operator', /does not apply to STATUS/);
    const ids = await api.gql(`{ inboxes { id } viewer { agent { id } } }`);
    const values: Record<string, string> = { PRIORITY: 'HIGH', INBOX: ids.inboxes[0].id, ASSIGNEE: ids.viewer.agent.id };
    for (const field of ['PRIORITY', 'INBOX', 'ASSIGNEE']) {
      await expectInvalid(
        { any: [cond('SUBJECT', 'IS', 'ok'), { all: [cond(field, 'STARTS_WITH', values[field])] }] },
        'rules.any.1.all.0.operator',
        new RegExp(`does not apply to ${field}`),
      );
    }
    await expectInvalid({ field: 'SUBJECT', value: 'x' }, 'rules.operator', /SUBJECT/);
  });

  it('refuses an empty group', async () => {
    await expectInvalid({ all: [] }, 'rules.all', /at least one rule/);
    await expectInvalid({ all: [cond('SUBJECT', 'IS', 'x'), { any: [] }] }, 'rules.all.1.any', /at least one rule/);
    await expectInvalid({}, 'rules', /exactly one of/);
    await expectInvalid({ all: [cond('SUBJECT', 'IS', 'x')], any: [cond('SUBJECT', 'IS', 'y')] }, 'rules', /exactly one of/);
    await expectInvalid({ all: [{ ...cond('SUBJECT', 'IS', 'x'), any: [cond('SUBJECT', 'IS', 'y')] }] }, 'rules.all.0', /exactly one of/);
  });

  it('refuses a missing or blank value', async () => {
    await expectInvalid({ all: [{ field: 'SUBJECT', operator: 'CONTAINS' }] }, 'rules.all.0.value', /SUBJECT.*needs a value/);
    await expectInvalid(cond('CONVERSATION_TAG', 'IS', '   '), 'rules.value', /needs a value/);
    await expectInvalid(cond('STATUS', 'IS', null), 'rules.value', /needs a value/);
  });

  it('refuses unknown status and priority values, and IDs of the wrong type', async () => {
    await expectInvalid(cond('STATUS', 'IS', 'OPEN'), 'rules.value', /Unknown status "OPEN".*WAITING_ON_AGENT/);
    await expectInvalid({ any: [cond('PRIORITY', 'IS_NOT', 'CRITICAL')] }, 'rules.any.0.value', /Unknown priority "CRITICAL"/);
    await expectInvalid(cond('INBOX', 'IS', 'not-an-id'), 'rules.value', /not a valid ID/);
    const tag = await api.createTag('Some tag');
    await expectInvalid({ all: [cond('ASSIGNEE', 'IS', tag)] }, 'rules.all.0.value', /not the ID of a Agent/);
  });

  it('refuses an empty or blank folder name', async () => {
    await expectInvalid(cond('SUBJECT', 'IS', 'x'), 'name', /name must not be empty/, '');
    await expectInvalid(cond('SUBJECT', 'IS', 'x'), 'name', /name must not be empty/, '   ');
    const folder = await api.createFolder('Kept', cond('SUBJECT', 'IS', 'x'));
    const update = await api.gql(
      `mutation($id: ID!) { updateSmartFolder(smartFolderId: $id, name: " ", rules: { all: [] }) { __typename ... on DomainError { code field message } } }`,
      { id: folder },
    );
    expect(update.updateSmartFolder).toMatchObject({ __typename: 'DomainError', code: 'INVALID_INPUT' });
    expectCleanMessage(update.updateSmartFolder.message);
    const badRules = await api.gql(
      `mutation($id: ID!) { updateSmartFolder(smartFolderId: $id, rules: { any: [{ field: STATUS, operator: ENDS_WITH, value: "D" }] }) {
        __typename ... on DomainError { code field }
      } }`,
      { id: folder },
    );
    expect(badRules.updateSmartFolder).toEqual({ __typename: 'DomainError', code: 'INVALID_INPUT', field: 'rules.any.0.operator' });
    const unchanged = await api.folder(folder);
    expect(unchanged).toMatchObject({ name: 'Kept', rules: { field: 'SUBJECT', operator: 'IS', value: 'x' } });
  });

  it('refuses rules nested too deep or with too many conditions', async () => {
    let deep: Rule = cond('SUBJECT', 'IS', 'x');
    for (let i = 0; i < 8; i++) deep = { all: [deep] };
    const result = await api.createFolderResult('Deep', deep);
    expect(result).toMatchObject({ __typename: 'DomainError', code: 'INVALID_INPUT' });
    expect(result.message).toMatch(/nest at most/);
    const many = { any: Array.from({ length: 51 }, (_, i) => cond('SUBJECT', 'IS', `s${i}`)) };
    await expectInvalid(many, 'rules.any.50', /at most 50 conditions/);
  });

  it('stores nothing when a folder is refused', async () => {
    const data = await api.gql(`{ smartFolders { name } }`);
    expect(data.smartFolders.map((f: any) => f.name)).toEqual(['Kept']);
  });
});

describe('one database query per folder read', () => {
  let api: Api;
  let small: string;
  let large: string;

  /** Statements run while `work` runs, after a warm-up request so token authentication is cached. */
  async function record(work: () => Promise<unknown>): Promise<string[]> {
    await api.gql(`{ viewer { agent { id } } }`);
    statements = [];
    try {
      await work();
      return statements;
    } finally {
      statements = null;
    }
  }
  // A statement reading the Conversation table itself (not ConversationTag and friends), on SQLite or PostgreSQL.
  const onConversation = (sql: string) => /FROM\s+[`"]\w+[`"]\.[`"]Conversation[`"]/.test(sql);

  beforeAll(async () => {
    const ws = await createWorkspace('Query counting');
    api = workspaceClient(ws);
    const agent = (await api.gql(`{ viewer { agent { id } } }`)).viewer.agent.id;
    const returns = await api.createTag('Returns');
    const vip = await api.createTag('VIP');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = await api.mail(`Customer ${i} <c${i}@big.example.dk>`, `Order ${i} broken`);
      await api.tag(id, returns);
      if (i % 2 === 0) await api.tagContact(await api.contactOf(id), vip);
      if (i % 3 === 0) await assign(api, id, agent);
      ids.push(id);
    }
    const lonely = await api.mail('lonely@small.example', 'Just one');
    small = await api.createFolder('Small', cond('CONTACT_EMAIL', 'IS', 'lonely@small.example'));
    // Every field, nested three deep; matches the twelve order conversations.
    large = await api.createFolder('Large', {
      all: [
        { any: [cond('CONVERSATION_TAG', 'IS', 'returns'), cond('CONTACT_TAG', 'CONTAINS', 'vip')] },
        { any: [cond('SUBJECT', 'STARTS_WITH', 'order'), { all: [cond('CONTACT_NAME', 'ENDS_WITH', 'x'), cond('CONTACT_EMAIL', 'DOES_NOT_CONTAIN', 'y')] }] },
        cond('STATUS', 'IS_NOT', 'CLOSED'),
        cond('INBOX', 'IS', (await api.gql(`{ inboxes { id } }`)).inboxes[0].id),
        { any: [cond('ASSIGNEE', 'IS', ''), cond('ASSIGNEE', 'IS', agent)] },
        cond('PRIORITY', 'IS_NOT', 'LOW'),
        cond('CONTACT_EMAIL', 'ENDS_WITH', '.dk'),
        cond('SUBJECT', 'DOES_NOT_CONTAIN', 'refund'),
      ],
    });
    await api.expectFolder(small, [lonely]);
    await api.expectFolder(large, ids);
  });

  it('counts a folder with exactly one SQL statement on Conversation, whatever its rules', async () => {
    for (const folder of [small, large]) {
      const sql = await record(() => api.gql(`query($id: ID!) { node(id: $id) { ... on SmartFolder { count } } }`, { id: folder }));
      const counting = sql.filter(onConversation);
      expect(counting, sql.join('\n')).toHaveLength(1);
      expect(counting[0]).toMatch(/COUNT\(/i);
      // The rules are in that statement's WHERE, not applied afterwards.
      expect(sql.filter((s) => /ConversationTag|ContactEmail|ContactTag/.test(s) && !onConversation(s)), sql.join('\n')).toEqual([]);
    }
  });

  it('counts every folder of the list with one statement each', async () => {
    const sql = await record(() => api.gql(`{ smartFolders { count } }`));
    expect(sql.filter(onConversation)).toHaveLength(2);
  });

  it('lists a page with a fixed number of statements, independent of conditions and rows', async () => {
    const page = `query($id: ID!, $first: Int!) { node(id: $id) { ... on SmartFolder {
      count
      conversations(first: $first) {
        totalCount
        edges { node { id subject status priority caseNumber unread followedByMe tags { name } assignee { name } inbox { name } contact { name emails tags { name } } } }
      }
    } } }`;
    const runs: Array<{ label: string; rows: number; sql: string[] }> = [];
    for (const [label, folder, first] of [
      ['1 condition, 1 row', small, 10],
      ['13 conditions, 3 rows', large, 3],
      ['13 conditions, 12 rows', large, 50],
    ] as const) {
      let rows = 0;
      const sql = await record(async () => {
        const data = await api.gql(page, { id: folder, first });
        rows = data.node.conversations.edges.length;
        expect(data.node.conversations.totalCount).toBe(data.node.count);
      });
      runs.push({ label, rows, sql });
    }
    expect(runs.map((r) => r.rows)).toEqual([1, 3, 12]);
    for (const run of runs) {
      // count, the page and its totalCount: three statements on Conversation, never one per row.
      expect(run.sql.filter(onConversation), `${run.label}:\n${run.sql.join('\n')}`).toHaveLength(3);
    }
    const sizes = runs.map((r) => r.sql.length);
    expect(sizes, runs.map((r) => `${r.label}:\n${r.sql.join('\n')}`).join('\n\n')).toEqual([sizes[0], sizes[0], sizes[0]]);
  });

  it('filters the conversation list by a folder in the same single statement', async () => {
    const sql = await record(() =>
      api.gql(`query($id: ID!) { conversations(first: 5, filter: { smartFolderId: $id }) { totalCount edges { node { id } } } }`, { id: large }),
    );
    // The folder's rules are loaded from SmartFolder; the page and its total are one statement each.
    expect(sql.filter(onConversation)).toHaveLength(2);
  });
});
