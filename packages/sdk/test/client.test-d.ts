import { describe, expectTypeOf, test } from 'vitest';
import {
  ConversationChangedDocument,
  ConversationsDocument,
  createClient,
  ReplyToConversationDocument,
  unwrap,
  ViewerDocument,
  type ConversationStatus,
  type ConversationsQuery,
} from '../src/client/index.js';
import type { WebhookEvent } from '../src/webhooks.js';

const client = createClient({ url: 'http://127.0.0.1:4000/graphql', token: 'dq_agt_x' });

describe('the typed client', () => {
  test('types results and variables by the document', async () => {
    const page = await client.request(ConversationsDocument, { filter: { status: ['WAITING_ON_AGENT'] }, first: 10 });
    expectTypeOf(page).toEqualTypeOf<ConversationsQuery>();
    expectTypeOf(page.conversations.edges[0]!.node.status).toEqualTypeOf<ConversationStatus>();
    expectTypeOf(page.conversations.edges[0]!.node.assignee).toEqualTypeOf<{ id: string; name: string } | null>();
    // Variables are optional where the operation has no required ones.
    await client.request(ViewerDocument);
    await client.request(ConversationsDocument);

    // @ts-expect-error PENDING is WAITING_ON_AGENT in DeskQL's model
    await client.request(ConversationsDocument, { filter: { status: ['PENDING'] } });
    // @ts-expect-error a reply needs its conversation and text
    await client.request(ReplyToConversationDocument);
    // @ts-expect-error no such field in the result
    void page.conversations.edges[0]!.node.body;
  });

  test('unwrap narrows a mutation result to its success member', async () => {
    const { replyToConversation } = await client.request(ReplyToConversationDocument, { conversationId: 'Q29udmVyc2F0aW9uOjE=', text: 'Hi' });
    // @ts-expect-error the union may be a DomainError, which has no id
    void replyToConversation.id;
    const message = unwrap(replyToConversation);
    expectTypeOf(message.__typename).toEqualTypeOf<'Message'>();
    expectTypeOf(message.id).toBeString();
  });

  test('subscriptions iterate typed results', async () => {
    for await (const change of client.subscribe(ConversationChangedDocument, { filter: { smartFolderId: 'x' } })) {
      expectTypeOf(change.conversationChanged.inView).toBeBoolean();
      expectTypeOf(change.conversationChanged.conversation.caseNumber).toBeString();
    }
  });
});

describe('webhook events', () => {
  test('narrow by type to the event map payload', () => {
    const handle = (event: WebhookEvent) => {
      switch (event.type) {
        case 'message.received':
          expectTypeOf(event.data.fromAddress).toBeString();
          break;
        case 'conversation.assigned':
          expectTypeOf(event.data.assigneeId).toEqualTypeOf<string | null>();
          // @ts-expect-error conversation.assigned carries no fromAddress
          void event.data.fromAddress;
          break;
      }
    };
    void handle;
    // @ts-expect-error not an event of the map
    const wrong: WebhookEvent['type'] = 'conversation.create';
    void wrong;
  });
});
