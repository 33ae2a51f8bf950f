import { definePlugin, sameId } from '@deskql/sdk';
import { describeOpening, fill, isOpenAt, nextOpening, settingsSchema } from './hours.js';

/**
 * business-hours: a customer who writes while the team is away (outside the
 * opening hours of the configured time zone, or on a holiday) gets one
 * auto-reply per conversation, saying when the team is back. Mail a machine
 * sent (auto-replies, bounces, lists) and spam get none, so two robots cannot
 * answer each other.
 */
export default definePlugin({
  name: 'business-hours',
  version: '0.1.0',
  description: 'Outside business hours (time zone aware, holidays), sends an auto-reply once per conversation.',
  settings: settingsSchema,
  setup(ctx) {
    ctx.on('message.received', async (event, { settings, read, actions, store }) => {
      const now = new Date();
      if (isOpenAt(now, settings)) return;
      const message = await read.message(event.messageId);
      if (message.automated) return;
      const conversation = await read.conversation(event.conversationId);
      if (conversation.spam) return;
      const { inbox } = conversation;
      if (settings.inboxes.length > 0 && !settings.inboxes.some((e) => sameId('Inbox', inbox.id, e) || e.toLowerCase() === inbox.name.toLowerCase())) {
        return;
      }
      const key = `replied:${conversation.id}`;
      if (!(await store.setIfAbsent(key, now.toISOString()))) return;
      const text = fill(settings.message, {
        'contact.name': conversation.contact.name || conversation.contact.emails[0] || event.fromAddress,
        caseNumber: conversation.caseNumber,
        'inbox.name': inbox.name,
        subject: conversation.subject,
        nextOpening: describeOpening(nextOpening(now, settings), settings),
      });
      try {
        // An auto-reply answers nobody's question: the conversation stays with the agents.
        await actions.reply({ conversationId: conversation.id, text, status: conversation.status });
      } catch (error) {
        await store.delete(key);
        throw error;
      }
    });
  },
});

export { settingsSchema, type Settings } from './hours.js';
