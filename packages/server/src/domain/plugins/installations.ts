import type { StandardSchemaV1 } from '@deskql/sdk';
import type { Prisma } from '../../generated/sqlite/client.js';
import { assertAdmin, type Caller, type Deps } from '../shared/deps.js';
import { DomainError, invalid } from '../shared/errors.js';

/** What the domain needs to know of a loaded plugin. */
export interface KnownPlugin {
  name: string;
  settings?: StandardSchemaV1;
}

/** The plugins this server loaded (the plugin host implements it). */
export interface PluginCatalog {
  find(name: string): KnownPlugin | undefined;
  /** Called after a workspace's installations changed, so cached ones are reloaded. */
  installationsChanged(workspaceId: string): void;
}

export type SettingsCheck = { ok: true; value: unknown } | { ok: false; field: string; message: string };

/** Runs a plugin's settings schema; a plugin without one takes an empty object only. */
export async function checkSettings(plugin: KnownPlugin, settings: unknown): Promise<SettingsCheck> {
  if (!plugin.settings) {
    const empty = typeof settings === 'object' && settings !== null && !Array.isArray(settings) && Object.keys(settings).length === 0;
    return empty ? { ok: true, value: {} } : { ok: false, field: 'settings', message: `The plugin ${plugin.name} takes no settings.` };
  }
  const result = await plugin.settings['~standard'].validate(settings);
  if (!result.issues) return { ok: true, value: result.value };
  const issue = result.issues[0]!;
  const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment));
  return { ok: false, field: ['settings', ...path].join('.'), message: `${path.length ? `${path.join('.')}: ` : ''}${issue.message}` };
}

/** A JSON value as Prisma stores it; settings round-trip through JSON so nothing unserialisable gets in. */
function asJson(value: unknown, field: string): Prisma.InputJsonValue {
  try {
    const text = JSON.stringify(value ?? {});
    if (text.length > 65_536) throw invalid(field, `${field} must be at most 64 KiB of JSON.`);
    return JSON.parse(text) as Prisma.InputJsonValue;
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw invalid(field, `${field} must be JSON.`);
  }
}

/**
 * Enables or disables a plugin in the caller's workspace and sets its
 * settings, which must pass the plugin's schema (also when only enabling:
 * stored settings may predate the plugin's current version). Admins only.
 */
export async function configurePlugin(
  deps: Pick<Deps, 'db'>,
  catalog: PluginCatalog,
  caller: Caller,
  input: { plugin: string; enabled?: boolean | null; settings?: unknown },
) {
  assertAdmin(caller);
  const plugin = catalog.find(input.plugin);
  if (!plugin) throw new DomainError('NOT_FOUND', `No plugin "${input.plugin}" is loaded on this server.`, 'name');
  const key = { workspaceId_plugin: { workspaceId: caller.workspaceId, plugin: plugin.name } };
  const existing = await deps.db.pluginInstallation.findUnique({ where: key });
  const settings = input.settings !== undefined && input.settings !== null ? asJson(input.settings, 'settings') : (existing?.settings ?? {});
  const enabled = input.enabled ?? existing?.enabled ?? false;
  if (enabled || input.settings != null) {
    const check = await checkSettings(plugin, settings);
    if (!check.ok) throw invalid(check.field, check.message);
  }
  const installation = await deps.db.pluginInstallation.upsert({
    where: key,
    create: { workspaceId: caller.workspaceId, plugin: plugin.name, enabled, settings: settings as Prisma.InputJsonValue },
    update: { enabled, settings: settings as Prisma.InputJsonValue },
  });
  catalog.installationsChanged(caller.workspaceId);
  return installation;
}

/** The enabled installations of a workspace, for the host. */
export function enabledInstallations(deps: Pick<Deps, 'db'>, workspaceId: string) {
  return deps.db.pluginInstallation.findMany({ where: { workspaceId, enabled: true } });
}
