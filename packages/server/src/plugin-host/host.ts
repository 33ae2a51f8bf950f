import type { AnyPlugin, DeskqlEvents, EventHandler, EventName, PluginLogger } from '@deskql/sdk';
import { checkSettings, enabledInstallations, type PluginCatalog, type SettingsCheck } from '../domain/plugins/installations.js';
import { recordPluginFault, recordPluginSuccess, type PluginFaultInput } from '../domain/plugins/health.js';
import { sweepExpiredStoreEntries } from '../domain/plugins/store.js';
import type { Deps } from '../domain/shared/deps.js';
import type { PluginFaultKind } from '../generated/sqlite/enums.js';
import { createPluginContext } from './context.js';
import { importPlugin, pluginShapeProblem } from './load.js';

/** Where the host reports plugin faults and plugins log. `console` is one. */
export interface HostLogger {
  info(message: string, ...data: unknown[]): void;
  warn(message: string, ...data: unknown[]): void;
  error(message: string, ...data: unknown[]): void;
}

export interface PluginHostOptions {
  /** Plugin definitions, or module specifiers to import (package names or file paths). */
  plugins: ReadonlyArray<AnyPlugin | string>;
  /**
   * How long `setup` and each handler call may run. A handler past it is
   * reported (TIMED_OUT), its signal aborted and its actions refused; the
   * plugin's next event runs at once. @default 10000
   */
  timeoutMs?: number;
  /** @default console */
  logger?: HostLogger;
  /** How long a workspace's installations are cached; changes made on this instance apply at once. @default 5000 */
  installationCacheMs?: number;
}

/** A plugin as the API shows it. */
export interface LoadedPluginInfo {
  name: string;
  version: string | null;
  description: string | null;
  /** The module specifier it was loaded from, when it came from the configuration. */
  source: string | null;
  /** Why the plugin does not run on this server (it failed to import or its setup failed). */
  loadError: string | null;
  /** The settings' JSON Schema, when the settings schema can describe itself (zod 4 can). */
  settingsJsonSchema: Record<string, unknown> | null;
  /** The events it handles. */
  events: EventName[];
}

export interface PluginHost extends PluginCatalog {
  list(): LoadedPluginInfo[];
  info(name: string): LoadedPluginInfo | undefined;
  /** Resolves once every handler call under way has finished (tests use it). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Loaded {
  info: LoadedPluginInfo;
  definition: AnyPlugin | null;
  handlers: Map<EventName, Array<EventHandler<EventName, unknown>>>;
}

type Installation = Awaited<ReturnType<typeof enabledInstallations>>[number];
type Outcome = { ok: true } | { ok: false; kind: PluginFaultKind; message: string };

const SUCCESS_WRITE_INTERVAL_MS = 60_000;
const SWEEP_INTERVAL_MS = 3_600_000;

class Timeout extends Error {}

/** Runs `work` with a time limit; the work keeps running past it, but nobody waits for it any more. */
async function withTimeout<T>(work: () => T | Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const running = Promise.resolve().then(work);
  running.catch(() => {});
  try {
    return await Promise.race([running, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`);

/**
 * The plugin host: loads the configured plugins, runs their setup, and calls
 * their handlers for the events of the workspaces that enabled them.
 *
 * Handlers run after the change is committed (they read the bus, which only
 * carries committed changes) and never on the caller's path: the bus listener
 * only queues work, so a slow, hanging or failing plugin cannot block or lose
 * a message or an API call. Per plugin and workspace, handlers run one at a
 * time in event order; each call gets a time limit, and any fault (throw,
 * rejection, time-out, a returned value, settings that no longer validate) is
 * logged and recorded in the installation's health.
 */
export async function startPluginHost(deps: Deps, options: PluginHostOptions): Promise<PluginHost> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const logger = options.logger ?? console;
  const cacheMs = options.installationCacheMs ?? 5_000;
  const loaded = new Map<string, Loaded>();

  const pluginLogger = (name: string, workspaceId?: string): PluginLogger => {
    const prefix = `[plugin ${name}]${workspaceId ? ` [workspace ${workspaceId}]` : ''}`;
    const line = (level: 'info' | 'warn' | 'error') => (message: string, data?: Record<string, unknown>) =>
      data === undefined ? logger[level](`${prefix} ${message}`) : logger[level](`${prefix} ${message}`, data);
    return { info: line('info'), warn: line('warn'), error: line('error') };
  };

  for (const entry of options.plugins) {
    const source = typeof entry === 'string' ? entry : null;
    let definition: AnyPlugin;
    try {
      definition = typeof entry === 'string' ? await importPlugin(entry) : entry;
      const problem = pluginShapeProblem(definition);
      if (problem) throw new Error(`not a plugin: ${problem}`);
    } catch (error) {
      const name = source ?? String((entry as { name?: unknown })?.name ?? 'unnamed');
      logger.error(`[plugin ${name}] failed to load: ${describe(error)}`);
      loaded.set(name, {
        info: { name, version: null, description: null, source, loadError: describe(error), settingsJsonSchema: null, events: [] },
        definition: null,
        handlers: new Map(),
      });
      continue;
    }
    const info: LoadedPluginInfo = {
      name: definition.name,
      version: definition.version,
      description: definition.description ?? null,
      source,
      loadError: null,
      settingsJsonSchema: settingsJsonSchema(definition),
      events: [],
    };
    if (loaded.has(definition.name)) {
      logger.error(`[plugin ${definition.name}] is listed twice; the second one (${source ?? 'given directly'}) is ignored`);
      continue;
    }
    const handlers = new Map<EventName, Array<EventHandler<EventName, unknown>>>();
    let setupDone = false;
    try {
      await withTimeout(
        () =>
          definition.setup({
            plugin: definition.name,
            log: pluginLogger(definition.name),
            on<K extends EventName>(event: K, handler: EventHandler<K, unknown>) {
              if (setupDone) throw new Error('Register handlers in setup, not later.');
              if (typeof handler !== 'function') throw new TypeError(`The handler for ${event} is not a function.`);
              handlers.set(event, [...(handlers.get(event) ?? []), handler as EventHandler<EventName, unknown>]);
            },
          }),
        timeoutMs,
      );
    } catch (error) {
      info.loadError = error instanceof Timeout ? `setup did not finish within ${timeoutMs} ms` : `setup failed: ${describe(error)}`;
      logger.error(`[plugin ${definition.name}] ${info.loadError}; it will not run`);
      handlers.clear();
    }
    setupDone = true;
    info.events = [...handlers.keys()];
    loaded.set(definition.name, { info, definition, handlers });
  }

  // Installations per workspace, briefly cached: every event needs them.
  const installationCache = new Map<string, { expires: number; value: Promise<Map<string, Installation>> }>();
  const installationsOf = (workspaceId: string) => {
    const cached = installationCache.get(workspaceId);
    if (cached && cached.expires > Date.now()) return cached.value;
    const value = enabledInstallations(deps, workspaceId).then((rows) => new Map(rows.map((row) => [row.plugin, row])));
    value.catch(() => installationCache.delete(workspaceId));
    installationCache.set(workspaceId, { expires: Date.now() + cacheMs, value });
    return value;
  };
  // The settings' validation, redone only when the stored settings change.
  const settingsChecks = new Map<string, { settings: string; check: Promise<SettingsCheck> }>();
  const settingsOf = (plugin: Loaded, installation: Installation) => {
    const settings = JSON.stringify(installation.settings);
    const cached = settingsChecks.get(installation.id);
    if (cached?.settings === settings) return cached.check;
    const check = checkSettings({ name: plugin.info.name, settings: plugin.definition!.settings }, installation.settings).catch(
      (error): SettingsCheck => ({ ok: false, field: 'settings', message: `the settings schema threw: ${describe(error)}` }),
    );
    settingsChecks.set(installation.id, { settings, check });
    return check;
  };
  const lastSuccessWrite = new Map<string, number>();

  let closing = false;
  const running = new Set<AbortController>();
  const queues = new Map<string, Promise<void>>();
  const chain = (key: string, work: () => Promise<void>) => {
    const next = (queues.get(key) ?? Promise.resolve()).then(work).catch((error) => {
      logger.error(`plugin host: ${describe(error)}`);
    });
    queues.set(key, next);
    void next.finally(() => {
      if (queues.get(key) === next) queues.delete(key);
    });
  };

  async function record(plugin: Loaded, installation: Installation, event: EventName, payload: DeskqlEvents[EventName], outcome: Outcome) {
    const name = plugin.info.name;
    try {
      if (outcome.ok) {
        const last = lastSuccessWrite.get(installation.id) ?? 0;
        if (installation.consecutiveFailures > 0 || Date.now() - last > SUCCESS_WRITE_INTERVAL_MS) {
          await recordPluginSuccess(deps, installation.id);
          installation.consecutiveFailures = 0;
          lastSuccessWrite.set(installation.id, Date.now());
        }
        return;
      }
      logger.warn(`[plugin ${name}] [workspace ${installation.workspaceId}] ${event}: ${outcome.kind}: ${outcome.message}`);
      const fault: PluginFaultInput = {
        kind: outcome.kind,
        event,
        message: outcome.message,
        conversationId: 'conversationId' in payload ? payload.conversationId : null,
      };
      await recordPluginFault(deps, installation.id, fault);
      installation.consecutiveFailures++;
    } catch (error) {
      logger.error(`[plugin ${name}] could not record its health: ${describe(error)}`);
    }
  }

  async function callHandler(
    plugin: Loaded,
    installation: Installation,
    handler: EventHandler<EventName, unknown>,
    payload: DeskqlEvents[EventName],
    settings: unknown,
  ): Promise<Outcome> {
    const controller = new AbortController();
    running.add(controller);
    const ctx = createPluginContext(deps, {
      plugin: plugin.info.name,
      workspaceId: installation.workspaceId,
      settings,
      signal: controller.signal,
      log: pluginLogger(plugin.info.name, installation.workspaceId),
    });
    try {
      // Each plugin gets its own copy: a handler that changes the payload changes nobody else's.
      const result = await withTimeout(() => handler(structuredClone(payload), ctx), timeoutMs);
      if (result !== undefined) {
        return { ok: false, kind: 'INVALID_RESULT', message: `the handler returned ${JSON.stringify(result)?.slice(0, 200) ?? typeof result} instead of nothing` };
      }
      return { ok: true };
    } catch (error) {
      if (error instanceof Timeout) return { ok: false, kind: 'TIMED_OUT', message: `the handler did not finish within ${timeoutMs} ms` };
      return { ok: false, kind: 'THREW', message: describe(error) };
    } finally {
      controller.abort(new Error('The handler call is over.'));
      running.delete(controller);
    }
  }

  async function run(plugin: Loaded, installation: Installation, event: EventName, payload: DeskqlEvents[EventName]) {
    if (closing) return;
    const check = await settingsOf(plugin, installation);
    if (!check.ok) {
      await record(plugin, installation, event, payload, {
        ok: false,
        kind: 'INVALID_SETTINGS',
        message: `${check.message} (reconfigure the plugin in this workspace)`,
      });
      return;
    }
    for (const handler of plugin.handlers.get(event) ?? []) {
      if (closing) return;
      await record(plugin, installation, event, payload, await callHandler(plugin, installation, handler, payload, check.value));
    }
  }

  function dispatch(event: EventName, payload: DeskqlEvents[EventName]) {
    if (closing) return;
    const interested = [...loaded.values()].filter((p) => p.handlers.has(event));
    // One chain per workspace keeps event order while the installations load; the handlers then run in per-plugin chains.
    chain(`workspace:${payload.workspaceId}`, async () => {
      const installations = await installationsOf(payload.workspaceId);
      for (const plugin of interested) {
        const installation = installations.get(plugin.info.name);
        if (!installation) continue;
        const actor = 'actor' in payload ? payload.actor : null;
        if (actor?.type === 'plugin' && actor.plugin === plugin.info.name) continue;
        chain(`plugin:${plugin.info.name}:${payload.workspaceId}`, () => run(plugin, installation, event, payload));
      }
    });
  }

  const events = new Set([...loaded.values()].flatMap((p) => [...p.handlers.keys()]));
  const unsubscribe = [...events].map((event) => deps.events.on(event, (payload) => dispatch(event, payload)));

  const sweep = () =>
    void sweepExpiredStoreEntries(deps).catch((error) => logger.warn(`plugin host: store sweep failed: ${describe(error)}`));
  const sweeper = events.size > 0 ? setInterval(sweep, SWEEP_INTERVAL_MS) : null;
  sweeper?.unref();

  const idle = async () => {
    while (queues.size > 0) await Promise.all([...queues.values()]);
  };

  return {
    find: (name) => {
      const plugin = loaded.get(name);
      return plugin?.definition ? { name, settings: plugin.definition.settings } : undefined;
    },
    installationsChanged: (workspaceId) => installationCache.delete(workspaceId),
    list: () => [...loaded.values()].map((p) => p.info),
    info: (name) => loaded.get(name)?.info,
    idle,
    async close() {
      closing = true;
      for (const stop of unsubscribe) stop();
      if (sweeper) clearInterval(sweeper);
      // Calls under way get their time limit to finish; then their signals are aborted and their actions refused.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      for (const controller of running) controller.abort(new Error('The server is stopping.'));
    },
  };
}

function settingsJsonSchema(plugin: AnyPlugin): Record<string, unknown> | null {
  try {
    return plugin.settings?.['~standard'].jsonSchema?.input({ target: 'draft-2020-12' }) ?? null;
  } catch {
    return null;
  }
}
