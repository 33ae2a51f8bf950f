import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { definePlugin, type PluginContext, type Plugin } from '../src/index.js';
import type { ConversationStatus, DeskqlEvents } from '../src/events.js';

// Each negative case is a `@ts-expect-error`: if the line it marks ever compiles,
// the type check (and so this test file) fails.

describe('ctx.on', () => {
  test('fixes the payload type by the event name', () => {
    definePlugin({
      name: 'payloads',
      version: '1.0.0',
      setup(ctx) {
        ctx.on('message.received', (event) => {
          expectTypeOf(event).toEqualTypeOf<DeskqlEvents['message.received']>();
          expectTypeOf(event.fromAddress).toBeString();
          expectTypeOf(event.openedConversation).toBeBoolean();
        });
        ctx.on('conversation.statusChanged', (event) => {
          expectTypeOf(event.to).toEqualTypeOf<ConversationStatus>();
        });
        ctx.on('conversation.assigned', (event) => {
          expectTypeOf(event.assigneeId).toEqualTypeOf<string | null>();
        });
        ctx.on('message.failed', (event) => {
          expectTypeOf(event.error).toBeString();
        });
        ctx.on('conversation.markedSpam', (event) => {
          expectTypeOf(event.actor.type).toEqualTypeOf<'agent' | 'plugin' | 'customer' | 'system'>();
        });
      },
    });
  });

  test('refuses an event name that is not in the map', () => {
    definePlugin({
      name: 'wrong-event',
      version: '1.0.0',
      setup(ctx) {
        // @ts-expect-error 'message.recieved' is not an event
        ctx.on('message.recieved', () => {});
        // @ts-expect-error events are <entity>.<verb> in the past tense
        ctx.on('conversation.create', () => {});
      },
    });
  });

  test('refuses a payload field the event does not have', () => {
    definePlugin({
      name: 'wrong-field',
      version: '1.0.0',
      setup(ctx) {
        ctx.on('conversation.created', (event) => {
          // @ts-expect-error conversation.created has no fromAddress (message.received has)
          void event.fromAddress;
        });
        ctx.on('conversation.tagged', (event) => {
          // @ts-expect-error tagName is a string
          const count: number = event.tagName;
          void count;
        });
      },
    });
  });

  test('refuses a handler typed for another payload', () => {
    const onTagged = (_event: DeskqlEvents['conversation.tagged']) => {};
    definePlugin({
      name: 'wrong-handler',
      version: '1.0.0',
      setup(ctx) {
        // @ts-expect-error a conversation.tagged handler cannot handle message.received
        ctx.on('message.received', onTagged);
        ctx.on('conversation.tagged', onTagged);
      },
    });
  });
});

describe('settings', () => {
  test('ctx.settings is the output of the settings schema', () => {
    const plugin = definePlugin({
      name: 'typed-settings',
      version: '1.0.0',
      settings: z.object({ tag: z.string(), limit: z.number().default(3) }),
      setup(ctx) {
        ctx.on('conversation.created', (_event, { settings }) => {
          expectTypeOf(settings).toEqualTypeOf<{ tag: string; limit: number }>();
          // @ts-expect-error not a setting
          void settings.tags;
        });
      },
    });
    expectTypeOf(plugin).toEqualTypeOf<Plugin<{ tag: string; limit: number }>>();
  });

  test('without a schema the settings are an empty object', () => {
    definePlugin({
      name: 'no-settings',
      version: '1.0.0',
      setup(ctx) {
        ctx.on('conversation.created', (_event, { settings }) => {
          expectTypeOf(settings).toEqualTypeOf<Record<string, never>>();
        });
      },
    });
  });
});

describe('actions', () => {
  test('take typed inputs', () => {
    definePlugin({
      name: 'actions',
      version: '1.0.0',
      setup(ctx) {
        ctx.on('conversation.created', async (event, { actions, store, read }) => {
          await actions.tag({ conversationId: event.conversationId, tag: 'new' });
          await actions.setPriority({ conversationId: event.conversationId, priority: 'URGENT' });
          await actions.setStatus({ conversationId: event.conversationId, status: 'CLOSED' });
          await actions.assign({ conversationId: event.conversationId, agentId: null });
          expectTypeOf(await actions.reply({ conversationId: event.conversationId, text: 'Hi' })).toEqualTypeOf<{ messageId: string }>();
          expectTypeOf(await read.conversation(event.conversationId)).toHaveProperty('caseNumber');
          expectTypeOf(await store.setIfAbsent('k', { at: 1 })).toBeBoolean();

          // @ts-expect-error no such priority
          await actions.setPriority({ conversationId: event.conversationId, priority: 'HIGHEST' });
          // @ts-expect-error PENDING is WAITING_ON_AGENT in DeskQL's model
          await actions.setStatus({ conversationId: event.conversationId, status: 'PENDING' });
          // @ts-expect-error a reply needs its text
          await actions.reply({ conversationId: event.conversationId });
          // @ts-expect-error the store keeps JSON, not functions
          await store.set('k', () => 1);
        });
      },
    });
  });

  test('a handler context is typed by the settings', () => {
    expectTypeOf<PluginContext<{ a: string }>['settings']>().toEqualTypeOf<{ a: string }>();
  });
});
