import {
  AddNoteDocument,
  ConversationChangedDocument,
  ConversationDocument,
  ConversationsDocument,
  createClient,
  DeliverEmailDocument,
  DeskqlDomainError,
  DeskqlRequestError,
  globalId,
  ReplyToConversationDocument,
  SmartFolderCountsDocument,
  unwrap,
  ViewerDocument,
} from '@deskql/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

/** The SDK's typed client (@deskql/sdk/client) against a real server: HTTP and graphql-ws, with tokens. */

let server: TestServer;
let ws: TestWorkspace;
const clients: Array<ReturnType<typeof createClient>> = [];
const client = (token: string | (() => string) | undefined) => {
  const c = createClient({ url: server.url, token, retryAttempts: 0 });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.createWorkspace('Client');
  // Short test mails must reach the inbox whatever the shipped spam filter thinks of them.
  await server.gql(ws.adminToken, `mutation { setSpamThreshold(threshold: 1) { __typename } }`);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
});

async function deliverWith(ingestToken: string, subject: string, messageId: string) {
  const ingest = client(ingestToken);
  const raw = Buffer.from(rawEmail({ from: 'reader@example.com', to: ws.address, subject, messageId, text: 'Hi, could you tell me when my order ships? Thanks, Reader' })).toString('base64');
  const report = unwrap((await ingest.request(DeliverEmailDocument, { raw, recipients: [ws.address] })).deliverEmail);
  return report.deliveries[0]!.conversationId;
}

describe('@deskql/sdk/client', () => {
  it('runs typed queries and mutations with the token, and unwraps DomainErrors', async () => {
    const agent = client(() => ws.agentToken);
    expect((await agent.request(ViewerDocument)).viewer.agent.id).toBe(globalId('Agent', ws.agentId));

    const id = await deliverWith(ws.ingestToken, 'Question about my order', 'typed-1@example.com');
    const page = await agent.request(ConversationsDocument, { filter: { status: ['WAITING_ON_AGENT'] }, first: 10 });
    expect(page.conversations.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ id, subject: 'Question about my order', status: 'WAITING_ON_AGENT', contact: expect.objectContaining({ emails: ['reader@example.com'] }) }),
    ]);

    const reply = unwrap((await agent.request(ReplyToConversationDocument, { conversationId: id, text: 'Typed answer' })).replyToConversation);
    expect(reply).toMatchObject({ __typename: 'Message', kind: 'EMAIL', direction: 'OUTBOUND', deliveryState: 'QUEUED' });
    const { node } = await agent.request(ConversationDocument, { id });
    expect(node?.__typename === 'Conversation' && node.status).toBe('WAITING_ON_CUSTOMER');

    const refused = await agent.request(AddNoteDocument, { conversationId: globalId('Conversation', 'nope'), text: 'x' });
    expect(() => unwrap(refused.addNote)).toThrow(DeskqlDomainError);
    expect(refused.addNote).toMatchObject({ __typename: 'DomainError', code: 'NOT_FOUND' });
  });

  it('rejects with the server\'s error code when the token is missing or wrong', async () => {
    for (const token of [undefined, 'dq_agt_wrong']) {
      const error = await client(token).request(ViewerDocument).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeskqlRequestError);
      expect((error as DeskqlRequestError).code).toBe('UNAUTHENTICATED');
    }
  });

  it('follows a list live over graphql-ws', async () => {
    const agent = client(ws.agentToken);
    const folder = await server.gql(ws.agentToken, `mutation { createSmartFolder(name: "Live", rules: { field: SUBJECT, operator: CONTAINS, value: "live" }) { ... on SmartFolder { id } } }`);
    const counts = agent.subscribe(SmartFolderCountsDocument);
    const first = await counts.next();
    expect(first.value!.smartFolderCounts).toEqual([{ count: 0, smartFolder: { id: folder.createSmartFolder.id, name: 'Live' } }]);

    const changes = agent.subscribe(ConversationChangedDocument, { filter: { smartFolderId: folder.createSmartFolder.id } });
    const next = changes.next();
    // graphql-ws has no "subscribed" acknowledgement: deliver until the subscription hears it.
    let heard: Awaited<typeof next> | undefined;
    for (let attempt = 0; !heard && attempt < 20; attempt++) {
      await deliverWith(ws.ingestToken, `A live one ${attempt}`, `live-${attempt}@example.com`);
      heard = await Promise.race([next, new Promise<undefined>((resolve) => setTimeout(resolve, 250))]);
    }
    expect(heard!.value!.conversationChanged).toMatchObject({ event: 'conversation.created', inView: true });
    expect(heard!.value!.conversationChanged.conversation.subject).toMatch(/^A live one/);
    const counted = await counts.next();
    expect(counted.value!.smartFolderCounts[0]!.count).toBeGreaterThan(0);
    await changes.return!();
    await counts.return!();
  });

  it('rejects a subscription the server refuses', async () => {
    const agent = client(ws.agentToken);
    const refused = agent.subscribe(ConversationChangedDocument, { filter: { smartFolderId: globalId('SmartFolder', 'nope') } });
    const error = await refused.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeskqlRequestError);
    expect((error as DeskqlRequestError).code).toBe('NOT_FOUND');
  });
});
