import { definePlugin } from '@deskql/sdk';
import { z } from 'zod';

/**
 * A starter plugin: mail from the domains of your important customers gets a
 * tag and a higher priority. Copy this folder, rename it, and change what the
 * handler does; README.md walks through it.
 */
export default definePlugin({
  // What admins enable, and what the timeline shows as the author of the plugin's changes.
  name: 'vip-mail',
  version: '0.1.0',
  description: 'Tags and prioritises mail from the domains of important customers.',

  // Each workspace configures the plugin over GraphQL; the server checks the settings with this schema.
  settings: z.object({
    domains: z.array(z.string().toLowerCase()).min(1),
    tag: z.string().default('VIP'),
    priority: z.enum(['LOW', 'NORMAL', 'HIGH', 'URGENT']).default('HIGH'),
  }),

  // Runs once at server start: register one handler per event you care about.
  setup(ctx) {
    // `event` is typed by its name: message.received carries fromAddress, subject, conversationId…
    ctx.on('message.received', async (event, { settings, actions, log }) => {
      const domain = event.fromAddress.split('@')[1]?.toLowerCase();
      if (!domain || !settings.domains.includes(domain)) return;
      await actions.tag({ conversationId: event.conversationId, tag: settings.tag });
      await actions.setPriority({ conversationId: event.conversationId, priority: settings.priority });
      log.info('VIP mail', { from: event.fromAddress });
    });
  },
});
