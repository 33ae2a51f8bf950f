import { join } from 'node:path';
import { definePlugin, PluginActionError, type PluginContext } from '@deskql/sdk';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, enablePlugin, rawEmail, startTestServer, type TestServer, type TestWorkspace } from '../src/testing/index.js';

/**
 * The plugin host inside a started server: plugins are enabled per workspace
 * over GraphQL, triggered by delivered mail and by mutations, act through the
 * domain, and their faults (throws, hangs, garbage) are reported without ever
 * holding up mail or the API.
 */

// Long enough for the action-heavy handler on PostgreSQL, short enough to wait for a hang.
const TIMEOUT_MS = 2_000;
const seen: Array<{ plugin: string; event: string; workspaceId: string; conversationExists: boolean }> = [];
const refusedAfterTimeout: unknown[] = [];
let hangRelease: (() => void) | null = null;

/** Tags every new conversation by a setting, and records what it saw. */
const tagger = definePlugin({
  name: 'tagger',
  version: '1.2.3',
  description: 'Tags new conversations.',
  settings: z.object({ tag: z.string().min(1), priority: z.enum(['LOW', 'NORMAL', 'HIGH', 'URGENT']).default('NORMAL') }),
  setup(ctx) {
    ctx.on('conversation.created', async (event, { actions, read, settings, workspaceId }) => {
      // Hooks run after the change is committed: the conversation is there to read.
      const conversation = await read.conversation(event.conversationId);
      seen.push({ plugin: 'tagger', event: 'conversation.created', workspaceId, conversationExists: conversation.id === event.conversationId });
      await actions.tag({ conversationId: event.conversationId, tag: settings.tag });
      if (settings.priority !== 'NORMAL') await actions.setPriority({ conversationId: event.conversationId, priority: settings.priority });
    });
    // Its own tagging must not come back to it (no self-loops); someone else's does.
    ctx.on('conversation.tagged', async (event, { actions }) => {
      seen.push({ plugin: 'tagger', event: `tagged:${event.tagName}:${event.actor.type}`, workspaceId: event.workspaceId, conversationExists: true });
      if (event.tagName === 'loop') await actions.tag({ conversationId: event.conversationId, tag: 'loop' });
    });
  },
});

/** Misbehaves on purpose, as its subject line tells it to. */
const unruly = definePlugin({
  name: 'unruly',
  version: '0.0.1',
  setup(ctx) {
    ctx.on('message.received', async (event, { actions, signal }) => {
      if (event.subject.includes('throw')) throw new Error('unruly exploded');
      if (event.subject.includes('hang')) {
        await new Promise<void>((resolve) => (hangRelease = resolve));
        // Woken after its time is up: the host has closed its context.
        try {
          await actions.tag({ conversationId: event.conversationId, tag: 'too-late' });
        } catch (error) {
          refusedAfterTimeout.push({ aborted: signal.aborted, code: (error as PluginActionError).code, isActionError: error instanceof PluginActionError });
        }
        return;
      }
      if (event.subject.includes('garbage')) return { not: 'nothing' } as never;
      await actions.addNote({ conversationId: event.conversationId, text: `unruly saw "${event.subject}"` });
    });
  },
});

/** Calls every action, so each shows in the timeline as the plugin's. */
let actionLog: Array<{ action: string; ok: boolean; code?: string; field?: string }> = [];
let actionTarget: { foreignConversation?: string; agentId?: string } = {};
const actor = definePlugin({
  name: 'actor',
  version: '1.0.0',
  setup(ctx) {
    ctx.on('message.received', async (event, ctx) => {
      if (!event.subject.startsWith('Act')) return;
      const id = event.conversationId;
      const attempt = async (action: string, run: () => Promise<unknown>) => {
        try {
          await run();
          actionLog.push({ action, ok: true });
        } catch (error) {
          const e = error as PluginActionError;
          actionLog.push({ action, ok: false, code: e.code, field: e.field });
        }
      };
      await attempt('tag', () => ctx.actions.tag({ conversationId: id, tag: 'Acted' }));
      await attempt('tag-again', () => ctx.actions.tag({ conversationId: id, tag: 'acted' }));
      await attempt('assign', () => ctx.actions.assign({ conversationId: id, agentId: actionTarget.agentId! }));
      await attempt('setPriority', () => ctx.actions.setPriority({ conversationId: id, priority: 'HIGH' }));
      await attempt('addNote', () => ctx.actions.addNote({ conversationId: id, text: 'Noted by a plugin' }));
      await attempt('reply', () => ctx.actions.reply({ conversationId: id, text: 'Automatic answer', status: 'WAITING_ON_AGENT' }));
      await attempt('setStatus', () => ctx.actions.setStatus({ conversationId: id, status: 'CLOSED' }));
      await attempt('untag', () => ctx.actions.untag({ conversationId: id, tag: 'ACTED' }));
      await attempt('untag-absent', () => ctx.actions.untag({ conversationId: id, tag: 'never-there' }));
      await attempt('markSpam', () => ctx.actions.markSpam({ conversationId: id }));
      await attempt('markNotSpam', () => ctx.actions.markNotSpam({ conversationId: id }));
      // Garbage in: refused as INVALID_INPUT, not a database error.
      await attempt('bad-priority', () => ctx.actions.setPriority({ conversationId: id, priority: 'HIGHEST' as never }));
      await attempt('bad-id', () => ctx.actions.addNote({ conversationId: 42 as never, text: 'x' }));
      await attempt('bad-store', () => ctx.store.set('k', (() => 1) as never));
      // Another workspace's conversation does not exist for this plugin here.
      await attempt('foreign', () => ctx.actions.addNote({ conversationId: actionTarget.foreignConversation!, text: 'psst' }));
      await attempt('foreign-read', () => ctx.read.conversation(actionTarget.foreignConversation!));
    });
  },
});

/** Exercises the store. */
let storeResults: unknown[] = [];
const keeper = definePlugin({
  name: 'keeper',
  version: '1.0.0',
  setup(ctx) {
    ctx.on('message.received', async (event, { store }) => {
      if (!event.subject.startsWith('Keep')) return;
      storeResults.push({
        first: await store.setIfAbsent(`seen:${event.contactId}`, { at: event.subject }),
        value: await store.get(`seen:${event.contactId}`),
        count: await store.get<number>('count'),
      });
      await store.set('count', ((await store.get<number>('count')) ?? 0) + 1);
      await store.set('short', 'lived', { ttlSeconds: 0.2 });
      await store.set('null', null);
    });
  },
});

const brokenSetup = definePlugin({
  name: 'broken-setup',
  version: '1.0.0',
  setup() {
    throw new Error('cannot start');
  },
});

const slowSetup = definePlugin({
  name: 'slow-setup',
  version: '1.0.0',
  setup: () => new Promise(() => {}),
});

// A plugin module loaded by its path, as DESKQL_PLUGINS would name it.
const modulePath = join(import.meta.dirname, 'fixtures/greeter-plugin.mjs');

const logged: string[] = [];
let server: TestServer;
let ws: TestWorkspace;
let other: TestWorkspace;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer({
    plugins: [tagger, unruly, actor, keeper, brokenSetup, slowSetup, modulePath, '@deskql/plugin-that-does-not-exist'],
    pluginTimeoutMs: TIMEOUT_MS,
    logger: { info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) },
  });
  ws = await server.createWorkspace('Plugins');
  other = await server.createWorkspace('Other');
  // Short test mails must reach the inbox whatever the shipped spam filter thinks of them.
  for (const w of [ws, other]) await server.gql(w.adminToken, `mutation { setSpamThreshold(threshold: 1) { __typename } }`);
});
afterAll(() => server?.close());

async function mail(subject: string, workspace = ws, from = `customer${++seq}@example.com`) {
  const report = await deliver(
    server,
    workspace.ingestToken,
    rawEmail({ from, to: workspace.address, subject, messageId: `plugin-${++seq}@example.com` }),
    [workspace.address],
  );
  return report.deliveries[0].conversationId as string;
}

const settled = () => server.app.plugins.idle();

async function timeline(id: string, token = ws.agentToken) {
  const { node } = await server.gql(
    token,
    `query($id: ID!) { node(id: $id) { ... on Conversation {
      status priority spam tags { name } assignee { id }
      messages(first: 100) { edges { node { kind direction text authorPlugin author { id } } } }
    } } }`,
    { id },
  );
  return { ...node, messages: node.messages.edges.map((e: any) => e.node) };
}

const pluginsQuery = `{ plugins { __typename ... on DomainError { code }
  ... on QueryPluginsSuccess { data { name version description loadError events enabled settings settingsSchema
    health { status consecutiveFailures totalFailures lastSuccessAt lastFailureAt }
    faults(first: 10) { kind event message occurredAt conversation { id } } } } } }`;

async function plugin(name: string, token = ws.adminToken) {
  const { plugins } = await server.gql(token, pluginsQuery);
  return plugins.data.find((p: { name: string }) => p.name === name);
}

async function configure(variables: Record<string, unknown>, token = ws.adminToken) {
  const { configurePlugin } = await server.gql(
    token,
    `mutation($name: String!, $enabled: Boolean, $settings: JSON) {
      configurePlugin(name: $name, enabled: $enabled, settings: $settings) {
        __typename ... on DomainError { code field message } ... on Plugin { name enabled settings }
      }
    }`,
    variables,
  );
  return configurePlugin;
}

describe('configuration over GraphQL', () => {
  it('lists the loaded plugins with their version, events and settings schema, disabled until an admin enables them', async () => {
    const tag = await plugin('tagger');
    expect(tag).toMatchObject({
      version: '1.2.3',
      description: 'Tags new conversations.',
      loadError: null,
      events: ['conversation.created', 'conversation.tagged'],
      enabled: false,
      settings: null,
      health: { status: 'OK', consecutiveFailures: 0 },
      faults: [],
    });
    expect(tag.settingsSchema).toMatchObject({ type: 'object', properties: { tag: { type: 'string' } }, required: ['tag'] });
    expect(await plugin('greeter')).toMatchObject({ version: '2.0.0', loadError: null, events: ['conversation.created'] });
  });

  it('reports plugins that failed to load or to set up, and runs without them', async () => {
    expect(await plugin('broken-setup')).toMatchObject({ loadError: 'setup failed: Error: cannot start', health: { status: 'NOT_LOADED' }, events: [] });
    expect(await plugin('slow-setup')).toMatchObject({ loadError: `setup did not finish within ${TIMEOUT_MS} ms`, health: { status: 'NOT_LOADED' } });
    const missing = await plugin('@deskql/plugin-that-does-not-exist');
    expect(missing).toMatchObject({ version: null, health: { status: 'NOT_LOADED' } });
    expect(missing.loadError).toMatch(/Cannot find (package|module)/);
    expect(logged.some((line) => line.includes('[plugin broken-setup]') && line.includes('cannot start'))).toBe(true);
  });

  it('is for admins only: agents are FORBIDDEN to list or configure', async () => {
    expect((await server.gql(ws.agentToken, pluginsQuery)).plugins).toEqual({ __typename: 'DomainError', code: 'FORBIDDEN' });
    expect(await configure({ name: 'tagger', enabled: true, settings: { tag: 'x' } }, ws.agentToken)).toMatchObject({ code: 'FORBIDDEN' });
    expect((await plugin('tagger')).enabled).toBe(false);
  });

  it("validates settings with the plugin's schema, naming the field at fault", async () => {
    expect(await configure({ name: 'tagger', enabled: true, settings: { tag: '' } })).toMatchObject({
      __typename: 'DomainError',
      code: 'INVALID_INPUT',
      field: 'settings.tag',
    });
    expect(await configure({ name: 'tagger', enabled: true })).toMatchObject({ code: 'INVALID_INPUT', field: 'settings.tag' });
    expect(await configure({ name: 'unruly', enabled: true, settings: { surprise: 1 } })).toMatchObject({ code: 'INVALID_INPUT', field: 'settings' });
    expect(await configure({ name: 'nope', enabled: true })).toMatchObject({ code: 'NOT_FOUND', field: 'name' });
    expect(await configure({ name: 'broken-setup', enabled: true })).toMatchObject({ __typename: 'Plugin', enabled: true });
    expect(await configure({ name: 'tagger', enabled: true, settings: { tag: 'triage' } })).toEqual({
      __typename: 'Plugin',
      name: 'tagger',
      enabled: true,
      settings: { tag: 'triage' },
    });
  });
});

describe('running handlers', () => {
  beforeAll(async () => {
    for (const name of ['unruly', 'actor', 'keeper', 'greeter']) await enablePlugin(server, ws, name);
  });

  it('runs after the change is stored, acts through the domain, and shows in the timeline as the plugin', async () => {
    const id = await mail('Order question');
    await settled();
    const c = await timeline(id);
    expect(c.tags).toEqual([{ name: 'triage' }]);
    const byPlugins = c.messages.filter((m: any) => m.authorPlugin);
    expect(byPlugins).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'SYSTEM', text: 'Tagged triage', authorPlugin: 'tagger', author: null }),
        expect.objectContaining({ kind: 'NOTE', text: 'Hello from a module', authorPlugin: 'greeter' }),
        expect.objectContaining({ kind: 'NOTE', text: 'unruly saw "Order question"', authorPlugin: 'unruly' }),
      ]),
    );
    expect(seen).toContainEqual({ plugin: 'tagger', event: 'conversation.created', workspaceId: ws.workspaceId, conversationExists: true });
  });

  it('never receives the events its own actions caused, but does receive other actors\'', async () => {
    const id = await mail('Tag me');
    await settled();
    expect(seen.filter((s) => s.event.startsWith('tagged:triage'))).toEqual([]);
    const loopTag = await server.gql(ws.agentToken, `mutation { createTag(name: "loop") { ... on Tag { id } } }`);
    await server.gql(ws.agentToken, `mutation($c: ID!, $t: ID!) { tagConversation(conversationId: $c, tagId: $t) { __typename } }`, {
      c: id,
      t: loopTag.createTag.id,
    });
    await settled();
    expect(seen.filter((s) => s.event.startsWith('tagged:loop'))).toEqual([
      { plugin: 'tagger', event: 'tagged:loop:agent', workspaceId: ws.workspaceId, conversationExists: true },
    ]);
  });

  it('runs only in workspaces that enabled it, with that workspace\'s settings', async () => {
    const before = seen.length;
    const id = await mail('Elsewhere', other);
    await settled();
    expect(seen.slice(before).filter((s) => s.workspaceId === other.workspaceId)).toEqual([]);
    expect((await timeline(id, other.agentToken)).tags).toEqual([]);

    await enablePlugin(server, other, 'tagger', { tag: 'other-tag', priority: 'URGENT' });
    const second = await mail('Elsewhere again', other);
    await settled();
    const c = await timeline(second, other.agentToken);
    expect(c).toMatchObject({ tags: [{ name: 'other-tag' }], priority: 'URGENT' });
    expect((await plugin('tagger', other.adminToken)).settings).toEqual({ tag: 'other-tag', priority: 'URGENT' });
    expect((await plugin('tagger')).settings).toEqual({ tag: 'triage' });
  });

  it('stops running once disabled', async () => {
    expect(await configure({ name: 'greeter', enabled: false })).toMatchObject({ enabled: false });
    const id = await mail('After disabling');
    await settled();
    expect((await timeline(id)).messages.filter((m: any) => m.authorPlugin === 'greeter')).toEqual([]);
  });

  it('runs every action as the plugin, and refuses garbage and other workspaces\' data with typed errors', async () => {
    actionTarget = { foreignConversation: await mail('Foreign', other), agentId: ws.agentId };
    actionLog = [];
    const id = await mail('Act on this');
    await settled();
    expect(actionLog).toEqual([
      { action: 'tag', ok: true },
      { action: 'tag-again', ok: true },
      { action: 'assign', ok: true },
      { action: 'setPriority', ok: true },
      { action: 'addNote', ok: true },
      { action: 'reply', ok: true },
      { action: 'setStatus', ok: true },
      { action: 'untag', ok: true },
      { action: 'untag-absent', ok: true },
      { action: 'markSpam', ok: true },
      { action: 'markNotSpam', ok: true },
      { action: 'bad-priority', ok: false, code: 'INVALID_INPUT', field: 'priority' },
      { action: 'bad-id', ok: false, code: 'INVALID_INPUT', field: 'conversationId' },
      { action: 'bad-store', ok: false, code: 'INVALID_INPUT', field: 'value' },
      { action: 'foreign', ok: false, code: 'NOT_FOUND', field: undefined },
      { action: 'foreign-read', ok: false, code: 'NOT_FOUND', field: undefined },
    ]);
    const c = await timeline(id);
    expect(c).toMatchObject({ status: 'CLOSED', priority: 'HIGH', spam: false });
    expect(Buffer.from(c.assignee.id, 'base64').toString()).toBe(`Agent:${ws.agentId}`);
    expect(c.tags.map((t: any) => t.name)).toEqual(['triage']);
    const actorMessages = c.messages.filter((m: any) => m.authorPlugin === 'actor').map((m: any) => `${m.kind}: ${m.text.split('\n')[0]}`);
    expect(actorMessages).toEqual([
      'SYSTEM: Tagged Acted',
      'SYSTEM: Assigned to Agent',
      'SYSTEM: Priority changed from NORMAL to HIGH',
      'NOTE: Noted by a plugin',
      'EMAIL: Automatic answer',
      'SYSTEM: Status changed from WAITING_ON_AGENT to CLOSED',
      'SYSTEM: Tag Acted removed',
      'SYSTEM: Marked as spam',
      'SYSTEM: Marked as not spam',
    ]);
    expect((await timeline(actionTarget.foreignConversation!, other.agentToken)).messages.filter((m: any) => m.authorPlugin === 'actor')).toEqual([]);
  });

  it('keeps a key-value store per plugin and workspace: setIfAbsent once, expiry, JSON null', async () => {
    storeResults = [];
    await mail('Keep 1', ws, 'keeper@example.com');
    await mail('Keep 2', ws, 'keeper@example.com');
    await settled();
    expect(storeResults).toEqual([
      { first: true, value: { at: 'Keep 1' }, count: undefined },
      { first: false, value: { at: 'Keep 1' }, count: 1 },
    ]);
    const rows = await server.app.database.db.pluginStoreEntry.findMany({ where: { workspaceId: ws.workspaceId, plugin: 'keeper' }, orderBy: { key: 'asc' } });
    expect(rows.map((r) => [r.key, r.value])).toEqual([
      ['count', { v: 2 }],
      ['null', { v: null }],
      [expect.stringMatching(/^seen:/), { v: { at: 'Keep 1' } }],
      ['short', { v: 'lived' }],
    ]);
    expect(await server.app.database.db.pluginStoreEntry.count({ where: { workspaceId: other.workspaceId } })).toBe(0);
  });
});

describe('faults', () => {
  it('a handler that throws is logged and recorded; the mail is stored and the API answers', async () => {
    const id = await mail('Please throw');
    await settled();
    const unrulyPlugin = await plugin('unruly');
    expect(unrulyPlugin.health).toMatchObject({ status: 'FAILING', consecutiveFailures: 1, totalFailures: 1 });
    expect(unrulyPlugin.faults[0]).toMatchObject({ kind: 'THREW', event: 'message.received', message: 'Error: unruly exploded', conversation: { id } });
    expect(logged.some((line) => line.includes('[plugin unruly]') && line.includes('unruly exploded'))).toBe(true);
    // The other plugins ran as usual on the same mail.
    expect((await timeline(id)).tags).toEqual([{ name: 'triage' }]);
  });

  it('a handler that returns a value is reported as INVALID_RESULT', async () => {
    await mail('Some garbage');
    await settled();
    const unrulyPlugin = await plugin('unruly');
    expect(unrulyPlugin.health).toMatchObject({ status: 'FAILING', consecutiveFailures: 2, totalFailures: 2 });
    expect(unrulyPlugin.faults[0]).toMatchObject({ kind: 'INVALID_RESULT', message: 'the handler returned {"not":"nothing"} instead of nothing' });
  });

  it('a handler that hangs is abandoned after its time limit: reported, its later actions refused, its next event runs', async () => {
    const hung = await mail('Now hang');
    // The API answered while the handler still hangs: the mail is stored and readable.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hangRelease).not.toBeNull();
    expect((await timeline(hung)).messages[0]).toMatchObject({ kind: 'EMAIL', direction: 'INBOUND' });
    const next = await mail('And the next one');
    await settled();
    const unrulyPlugin = await plugin('unruly');
    expect(unrulyPlugin.faults[0]).toMatchObject({ kind: 'TIMED_OUT', message: `the handler did not finish within ${TIMEOUT_MS} ms`, conversation: { id: hung } });
    // The queue moved on: the next mail got its note, and the success ended the run of failures.
    expect((await timeline(next)).messages.map((m: any) => m.text)).toContain('unruly saw "And the next one"');
    expect(unrulyPlugin.health).toMatchObject({ status: 'OK', consecutiveFailures: 0, totalFailures: 3 });
    expect(unrulyPlugin.health.lastSuccessAt).toEqual(expect.any(String));

    hangRelease!();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(refusedAfterTimeout).toEqual([{ aborted: true, code: 'CANCELLED', isActionError: true }]);
    expect((await timeline(hung)).tags).toEqual([{ name: 'triage' }]);
  });

  it('stored settings that no longer validate are reported as INVALID_SETTINGS and the handler is skipped', async () => {
    await server.app.database.db.pluginInstallation.update({
      where: { workspaceId_plugin: { workspaceId: ws.workspaceId, plugin: 'tagger' } },
      data: { settings: { tag: 42 } },
    });
    server.app.plugins.installationsChanged(ws.workspaceId);
    const id = await mail('Old settings');
    await settled();
    expect((await timeline(id)).tags).toEqual([]);
    const tag = await plugin('tagger');
    expect(tag.health.status).toBe('FAILING');
    expect(tag.faults[0]).toMatchObject({ kind: 'INVALID_SETTINGS', event: 'conversation.created' });
    expect(tag.faults[0].message).toMatch(/^tag: .*reconfigure the plugin/);
  });

  it('keeps the latest 50 faults of an installation', async () => {
    const installation = await server.app.database.db.pluginInstallation.findUniqueOrThrow({
      where: { workspaceId_plugin: { workspaceId: ws.workspaceId, plugin: 'unruly' } },
    });
    for (let i = 0; i < 52; i++) await mail(`throw ${i}`);
    await settled();
    expect(await server.app.database.db.pluginFault.count({ where: { installationId: installation.id } })).toBe(50);
    expect((await plugin('unruly')).faults[0].message).toBe('Error: unruly exploded');
  });
});

describe('shutdown', () => {
  it('close() waits at most the time limit for a hanging handler, then aborts it', async () => {
    let aborted: boolean | null = null;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const hanging = definePlugin({
      name: 'hanging',
      version: '1.0.0',
      setup(ctx) {
        ctx.on('conversation.created', (_event, context: PluginContext<unknown>) => {
          started();
          return new Promise<void>((resolve) => context.signal.addEventListener('abort', () => ((aborted = true), resolve())));
        });
      },
    });
    const own = await startTestServer({ plugins: [hanging], pluginTimeoutMs: 1_000, logger: { info() {}, warn() {}, error() {} } });
    const w = await own.createWorkspace('Shutdown');
    await enablePlugin(own, w, 'hanging');
    await deliver(own, w.ingestToken, rawEmail({ from: 'a@example.com', to: w.address, subject: 'x', messageId: 'shutdown@example.com' }), [w.address]);
    await running;
    const closing = Date.now();
    // Closing while the handler still runs: it gets the time limit, then its signal is aborted.
    await own.app.close();
    expect(Date.now() - closing).toBeLessThan(3_000);
    expect(aborted).toBe(true);
    await own.database.drop();
  });
});
