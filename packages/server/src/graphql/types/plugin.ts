import { configurePlugin } from '../../domain/plugins/installations.js';
import { assertAdmin } from '../../domain/shared/deps.js';
import { PluginFaultKind as PluginFaultKindValues } from '../../generated/sqlite/enums.js';
import type { PluginInstallation as InstallationRow } from '../../generated/sqlite/client.js';
import type { LoadedPluginInfo } from '../../plugin-host/host.js';
import { builder } from '../builder.js';
import { agentCaller, type GraphQLContext } from '../context.js';
import { Conversation } from './conversation.js';

// Plugins are the server's (listed in its configuration); whether one runs in a
// workspace, with which settings and how well, is the workspace's. Admins only.

interface PluginShape {
  info: LoadedPluginInfo;
  installation: InstallationRow | null;
}

const PluginHealthStatus = builder.enumType('PluginHealthStatus', {
  values: {
    OK: { description: 'The last handler call in this workspace succeeded, or none failed yet.' },
    FAILING: { description: 'The last handler call in this workspace failed; see `faults`.' },
    NOT_LOADED: { description: 'The server could not load the plugin or run its setup; see `loadError`. It runs nowhere.' },
  } as const,
});

const PluginFaultKind = builder.enumType(PluginFaultKindValues, {
  name: 'PluginFaultKind',
  description:
    'THREW: the handler threw or rejected. TIMED_OUT: it passed the time limit. INVALID_RESULT: it returned a value. INVALID_SETTINGS: the stored settings no longer pass the plugin schema.',
});

const PluginHealth = builder.objectRef<PluginShape>('PluginHealth').implement({
  description: "How the plugin's handlers fare in this workspace.",
  fields: (t) => ({
    status: t.field({
      type: PluginHealthStatus,
      resolve: ({ info, installation }) =>
        info.loadError ? 'NOT_LOADED' : (installation?.consecutiveFailures ?? 0) > 0 ? 'FAILING' : 'OK',
    }),
    consecutiveFailures: t.int({ resolve: ({ installation }) => installation?.consecutiveFailures ?? 0 }),
    totalFailures: t.int({ resolve: ({ installation }) => installation?.totalFailures ?? 0 }),
    lastSuccessAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Recorded at most once a minute while all goes well.',
      resolve: ({ installation }) => installation?.lastSuccessAt ?? null,
    }),
    lastFailureAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ installation }) => installation?.lastFailureAt ?? null }),
  }),
});

const PluginFault = builder.prismaObject('PluginFault', {
  description: 'A handler call that failed, newest first; the latest 50 are kept.',
  fields: (t) => ({
    kind: t.expose('kind', { type: PluginFaultKind }),
    event: t.exposeString('event', { description: 'The event being handled, e.g. message.received.' }),
    message: t.exposeString('message'),
    conversation: t.prismaField({
      type: Conversation,
      nullable: true,
      resolve: (query, fault, _args, ctx) =>
        fault.conversationId
          ? ctx.db.conversation.findFirst({ ...query, where: { id: fault.conversationId, workspaceId: agentCaller(ctx).workspaceId } })
          : null,
    }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

export const Plugin = builder.objectRef<PluginShape>('Plugin').implement({
  description: 'A plugin the server loaded (DESKQL_PLUGINS), as this workspace has it.',
  fields: (t) => ({
    name: t.string({ resolve: ({ info }) => info.name }),
    version: t.string({ nullable: true, description: 'Null when the module could not be imported.', resolve: ({ info }) => info.version }),
    description: t.string({ nullable: true, resolve: ({ info }) => info.description }),
    loadError: t.string({
      nullable: true,
      description: 'Why the plugin does not run on this server: its module failed to import or its setup failed.',
      resolve: ({ info }) => info.loadError,
    }),
    events: t.stringList({ description: 'The events it handles.', resolve: ({ info }) => info.events }),
    settingsSchema: t.field({
      type: 'JSON',
      nullable: true,
      description: "The settings' JSON Schema, when the plugin's schema can describe itself.",
      resolve: ({ info }) => info.settingsJsonSchema,
    }),
    enabled: t.boolean({ resolve: ({ installation }) => installation?.enabled ?? false }),
    settings: t.field({
      type: 'JSON',
      nullable: true,
      description: "This workspace's settings as last saved; null when never configured.",
      resolve: ({ installation }) => installation?.settings ?? null,
    }),
    health: t.field({ type: PluginHealth, resolve: (plugin) => plugin }),
    faults: t.prismaField({
      type: [PluginFault],
      args: { first: t.arg.int({ defaultValue: 20 }) },
      resolve: (query, { installation }, args, ctx) =>
        installation
          ? ctx.db.pluginFault.findMany({
              ...query,
              where: { installationId: installation.id },
              orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
              take: Math.max(0, Math.min(args.first, 50)),
            })
          : [],
    }),
  }),
});

async function pluginsOfWorkspace(ctx: GraphQLContext, workspaceId: string): Promise<PluginShape[]> {
  const installations = await ctx.db.pluginInstallation.findMany({ where: { workspaceId } });
  const byName = new Map(installations.map((i) => [i.plugin, i]));
  return ctx.plugins.list().map((info) => ({ info, installation: byName.get(info.name) ?? null }));
}

builder.queryField('plugins', (t) =>
  t.field({
    type: [Plugin],
    description: 'The plugins this server loaded, with their state in this workspace. Admins only.',
    errors: {},
    resolve: (_root, _args, ctx) => {
      const caller = agentCaller(ctx);
      assertAdmin(caller);
      return pluginsOfWorkspace(ctx, caller.workspaceId);
    },
  }),
);

builder.mutationField('configurePlugin', (t) =>
  t.field({
    type: Plugin,
    description:
      "Enables or disables a plugin in this workspace and sets its settings, which must pass the plugin's schema; arguments left out stay as they are. Admins only.",
    args: {
      name: t.arg.string(),
      enabled: t.arg.boolean({ required: false }),
      settings: t.arg({ type: 'JSON', required: false }),
    },
    errors: {},
    resolve: async (_root, args, ctx) => {
      const caller = agentCaller(ctx);
      const installation = await configurePlugin(ctx, ctx.plugins, caller, {
        plugin: args.name,
        enabled: args.enabled,
        settings: args.settings,
      });
      return { info: ctx.plugins.info(installation.plugin)!, installation };
    },
  }),
);
