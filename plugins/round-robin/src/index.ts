import { definePlugin, sameId } from '@deskql/sdk';
import { availableAgents, nextAgent, settingsSchema } from './turns.js';

/**
 * round-robin: each new conversation of the chosen inboxes goes to the next
 * available agent in turn. Conversations already assigned (by a person or
 * another plugin) and spam are left alone.
 */
export default definePlugin({
  name: 'round-robin',
  version: '0.1.0',
  description: 'Assigns new conversations of chosen inboxes to available agents in turn.',
  settings: settingsSchema,
  setup(ctx) {
    ctx.on('conversation.created', async (event, { settings, read, actions, store, log }) => {
      const conversation = await read.conversation(event.conversationId);
      if (conversation.assigneeId || conversation.spam) return;
      const inbox = conversation.inbox;
      const chosen =
        settings.inboxes.length === 0 ||
        settings.inboxes.some((entry) => sameId('Inbox', inbox.id, entry) || entry.toLowerCase() === inbox.name.toLowerCase());
      if (!chosen) return;
      const agents = await read.agents();
      const agent = nextAgent(availableAgents(agents, settings), agents, await store.get<string>('last'));
      if (!agent) {
        log.warn('no agent is available; the conversation stays unassigned', { conversation: conversation.caseNumber });
        return;
      }
      await actions.assign({ conversationId: conversation.id, agentId: agent.id });
      await store.set('last', agent.id);
    });
  },
});

export { settingsSchema, type Settings } from './turns.js';
