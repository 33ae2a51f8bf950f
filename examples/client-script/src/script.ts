import {
  ConversationChangedDocument,
  ConversationsDocument,
  createClient,
  ReplyToConversationDocument,
  SmartFoldersDocument,
  unwrap,
} from '@deskql/sdk/client';

export interface ScriptOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** An agent's API token. */
  token: string;
  /** Reply with this text to the conversation that has waited longest. */
  reply?: string;
  /** Follow this smart folder (by name) live until `signal` aborts. */
  follow?: string;
  signal?: AbortSignal;
  /** Where lines go. @default console.log */
  print?: (line: string) => void;
}

/**
 * Lists the conversations waiting on an agent (what other help desks call
 * "pending"), replies to the one that has waited longest, and follows a smart
 * folder live over a subscription.
 */
export async function runScript(options: ScriptOptions): Promise<void> {
  const print = options.print ?? console.log;
  const client = createClient({ url: options.url, token: options.token });
  try {
    // 1. Typed query: variables and result come from the generated document.
    const { conversations } = await client.request(ConversationsDocument, { filter: { status: ['WAITING_ON_AGENT'] }, first: 50 });
    print(`${conversations.totalCount} conversation(s) waiting on an agent`);
    for (const { node } of conversations.edges) {
      print(`  ${node.caseNumber}  ${node.subject}  (${node.contact.name || node.contact.emails[0]})`);
    }

    // 2. Typed mutation: unwrap() returns the Message or throws the DomainError.
    const oldest = conversations.edges.at(-1)?.node;
    if (options.reply && oldest) {
      const { replyToConversation } = await client.request(ReplyToConversationDocument, { conversationId: oldest.id, text: options.reply });
      const message = unwrap(replyToConversation);
      print(`Replied to ${oldest.caseNumber}: "${message.subject}" (${message.deliveryState?.toLowerCase()})`);
    }

    // 3. Subscription over graphql-ws, filtered to one smart folder.
    if (options.follow) {
      const { smartFolders } = await client.request(SmartFoldersDocument);
      const folder = smartFolders.find((f) => f.name.toLowerCase() === options.follow!.toLowerCase());
      if (!folder) throw new Error(`No smart folder named "${options.follow}"; there are: ${smartFolders.map((f) => f.name).join(', ')}`);
      print(`Following "${folder.name}" (${folder.count} now); Ctrl-C to stop`);
      const changes = client.subscribe(ConversationChangedDocument, { filter: { smartFolderId: folder.id } });
      const stop = () => void changes.return?.();
      options.signal?.addEventListener('abort', stop, { once: true });
      try {
        for await (const { conversationChanged: change } of changes) {
          const where = change.inView ? 'in the folder' : 'left the folder';
          print(`  ${change.event}: ${change.conversation.caseNumber} ${change.conversation.subject} (${where})`);
        }
      } finally {
        options.signal?.removeEventListener('abort', stop);
      }
    }
  } finally {
    await client.close();
  }
}
