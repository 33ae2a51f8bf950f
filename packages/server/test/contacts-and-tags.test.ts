import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

let server: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.createWorkspace('Contacts');
});
afterAll(() => server?.close());

const contactFields = `id name emails blocked tags { name } conversations { totalCount edges { node { subject spam } } }`;
const gql = (query: string, variables?: Record<string, unknown>) => server.gql(ws.agentToken, query, variables);

async function mail(from: string, subject: string) {
  const report = await deliver(server, ws.ingestToken, rawEmail({ from, to: ws.address, subject, messageId: `${subject.replace(/\W/g, '')}-${Math.random()}@c.test` }), [ws.address]);
  return report.deliveries[0].conversationId as string;
}

async function contactOf(conversationId: string) {
  return (await gql(`query($id: ID!) { node(id: $id) { ... on Conversation { contact { ${contactFields} } } } }`, { id: conversationId })).node.contact;
}

async function createTag(name: string) {
  const result = (await gql(`mutation($n: String!) { createTag(name: $n) { __typename ... on Tag { id name } ... on DomainError { code field message } } }`, { n: name })).createTag;
  return result;
}

describe('contacts', () => {
  it('are created from the first mail and reused for the next, with all their conversations', async () => {
    await mail('Eva Lund <eva@lund.test>', 'First');
    const second = await mail('eva@LUND.test', 'Second');
    const contact = await contactOf(second);
    expect(contact).toMatchObject({ name: 'Eva Lund', emails: ['eva@lund.test'], blocked: false });
    expect(contact.conversations.totalCount).toBe(2);
  });

  it('are listed and searched by name or address, ignoring case', async () => {
    await mail('Frida Kahlo <frida@art.test>', 'Paint');
    const search = async (q: string | null) =>
      (await gql(`query($q: String) { contacts(first: 10, search: $q) { totalCount edges { node { name emails } } } }`, { q })).contacts;
    expect((await search('KAHLO')).edges.map((e: any) => e.node.name)).toEqual(['Frida Kahlo']);
    expect((await search('art.test')).totalCount).toBe(1);
    expect((await search(null)).totalCount).toBeGreaterThanOrEqual(2);
  });

  it('can have several addresses, unique per workspace', async () => {
    const c = await contactOf(await mail('gus@one.test', 'Addresses'));
    const added = (await gql(`mutation($c: ID!) { addContactEmail(contactId: $c, email: "Gus@Two.test") { ... on Contact { emails } } }`, { c: c.id })).addContactEmail;
    expect(added.emails).toEqual(['gus@one.test', 'gus@two.test']);
    // Mail from the second address lands on the same contact.
    expect((await contactOf(await mail('gus@two.test', 'From second'))).id).toBe(c.id);
    const other = await contactOf(await mail('hal@one.test', 'Other'));
    const taken = (await gql(`mutation($c: ID!) { addContactEmail(contactId: $c, email: "gus@two.test") { ... on DomainError { code field } } }`, { c: other.id })).addContactEmail;
    expect(taken).toEqual({ code: 'CONFLICT', field: 'email' });
    const bad = (await gql(`mutation($c: ID!) { addContactEmail(contactId: $c, email: "not an address") { ... on DomainError { code field } } }`, { c: other.id })).addContactEmail;
    expect(bad).toEqual({ code: 'INVALID_INPUT', field: 'email' });
    const removed = (await gql(`mutation($c: ID!) { removeContactEmail(contactId: $c, email: "gus@one.test") { ... on Contact { emails } } }`, { c: c.id })).removeContactEmail;
    expect(removed.emails).toEqual(['gus@two.test']);
    const last = (await gql(`mutation($c: ID!) { removeContactEmail(contactId: $c, email: "gus@two.test") { ... on DomainError { code } } }`, { c: c.id })).removeContactEmail;
    expect(last).toEqual({ code: 'INVALID_INPUT' });
  });

  it('merge: addresses, tags and conversations move, the merged contact is gone', async () => {
    const keep = await contactOf(await mail('Ines <ines@work.test>', 'Work question'));
    const merged = await contactOf(await mail('ines.private@home.test', 'Home question'));
    const vip = await createTag('VIP merge');
    await gql(`mutation($c: ID!, $t: ID!) { tagContact(contactId: $c, tagId: $t) { __typename } }`, { c: merged.id, t: vip.id });
    const result = (await gql(`mutation($k: ID!, $m: ID!) { mergeContacts(contactId: $k, mergedContactId: $m) { ... on Contact { ${contactFields} } } }`, { k: keep.id, m: merged.id })).mergeContacts;
    expect(result.emails.sort()).toEqual(['ines.private@home.test', 'ines@work.test']);
    expect(result.tags).toEqual([{ name: 'VIP merge' }]);
    expect(result.conversations.totalCount).toBe(2);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: merged.id })).node).toBeNull();
    expect((await contactOf(await mail('ines.private@home.test', 'After merge'))).id).toBe(keep.id);
    const self = (await gql(`mutation($k: ID!) { mergeContacts(contactId: $k, mergedContactId: $k) { ... on DomainError { code field } } }`, { k: keep.id })).mergeContacts;
    expect(self).toEqual({ code: 'INVALID_INPUT', field: 'mergedContactId' });
  });

  it('block keeps new mail out of every list (stored as spam); unblock restores the flow', async () => {
    const first = await mail('spammy@block.test', 'Before block');
    const contact = await contactOf(first);
    const blocked = (await gql(`mutation($c: ID!) { blockContact(contactId: $c) { ... on Contact { blocked } } }`, { c: contact.id })).blockContact;
    expect(blocked.blocked).toBe(true);
    const during = await mail('spammy@block.test', 'While blocked');
    const inList = async (id: string, filter = {}) =>
      (await gql(`query($f: ConversationFilter) { conversations(first: 200, filter: $f) { edges { node { id } } } }`, { f: filter })).conversations.edges.some((e: any) => e.node.id === id);
    expect(await inList(during)).toBe(false);
    expect(await inList(during, { spam: true })).toBe(true);
    await gql(`mutation($c: ID!) { unblockContact(contactId: $c) { __typename } }`, { c: contact.id });
    const after = await mail('spammy@block.test', 'After unblock');
    expect(await inList(after)).toBe(true);
    const view = await contactOf(after);
    expect(view.blocked).toBe(false);
  });
});

describe('tags', () => {
  it('are created, renamed and deleted; names are unique ignoring case', async () => {
    const tag = await createTag('Returns X');
    expect(tag.__typename).toBe('Tag');
    expect(await createTag('returns x')).toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect(await createTag('  ')).toMatchObject({ code: 'INVALID_INPUT', field: 'name' });
    const renamed = (await gql(`mutation($t: ID!) { renameTag(tagId: $t, name: "Returns Y") { ... on Tag { name } } }`, { t: tag.id })).renameTag;
    expect(renamed.name).toBe('Returns Y');
    const conversation = await mail('tagged@t.test', 'Tag me');
    await gql(`mutation($c: ID!, $t: ID!) { tagConversation(conversationId: $c, tagId: $t) { __typename } }`, { c: conversation, t: tag.id });
    const contact = await contactOf(conversation);
    await gql(`mutation($c: ID!, $t: ID!) { tagContact(contactId: $c, tagId: $t) { __typename } }`, { c: contact.id, t: tag.id });
    expect((await contactOf(conversation)).tags).toEqual([{ name: 'Returns Y' }]);
    const deleted = (await gql(`mutation($t: ID!) { deleteTag(tagId: $t) { ... on Deleted { id } } }`, { t: tag.id })).deleteTag;
    expect(deleted.id).toBe(tag.id);
    const after = (await gql(`query($id: ID!) { node(id: $id) { ... on Conversation { tags { id } contact { tags { id } } } } }`, { id: conversation })).node;
    expect(after).toEqual({ tags: [], contact: { tags: [] } });
    const again = (await gql(`mutation($t: ID!) { deleteTag(tagId: $t) { ... on DomainError { code } } }`, { t: tag.id })).deleteTag;
    expect(again).toEqual({ code: 'NOT_FOUND' });
  });
});
