import { definePlugin } from '@deskql/sdk';
import { bodyText, compileRules, matchingTags, settingsSchema, type Settings } from './rules.js';

/**
 * auto-tag: rules on a customer mail's subject, body and sender add tags, the
 * help desk's "automatic labelling" and "filters". A rule matches on any of
 * its keywords (whole words, ignoring case) or its regular expression.
 */
export default definePlugin({
  name: 'auto-tag',
  version: '0.1.0',
  description: 'Adds tags to conversations by keyword or regular-expression rules on subject, body and sender.',
  settings: settingsSchema,
  setup(ctx) {
    const compiled = new WeakMap<Settings, ReturnType<typeof compileRules>>();
    ctx.on('message.received', async (event, { settings, read, actions }) => {
      if (settings.on === 'new-conversations' && !event.openedConversation) return;
      if (settings.rules.length === 0) return;
      let rules = compiled.get(settings);
      if (!rules) compiled.set(settings, (rules = compileRules(settings.rules)));
      const message = await read.message(event.messageId);
      const sender = message.from ? `${message.from.name ?? ''} <${message.from.address}>` : event.fromAddress;
      for (const tag of matchingTags(rules, { subject: message.subject ?? event.subject, body: bodyText(message), sender })) {
        await actions.tag({ conversationId: event.conversationId, tag });
      }
    });
  },
});

export { settingsSchema, type Settings } from './rules.js';
