import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pluginNamePattern, type AnyPlugin } from '@deskql/sdk';

/** Why a value is not a plugin definition, or null when it is one. */
export function pluginShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'it is not an object made by definePlugin';
  const plugin = value as Record<string, unknown>;
  if (typeof plugin.name !== 'string' || !pluginNamePattern.test(plugin.name)) {
    return 'its name must be lowercase letters, digits and dashes';
  }
  if (typeof plugin.version !== 'string' || !plugin.version) return 'it has no version';
  if (typeof plugin.setup !== 'function') return 'it has no setup function';
  const settings = plugin.settings as { '~standard'?: { validate?: unknown } } | undefined;
  if (settings !== undefined && typeof settings?.['~standard']?.validate !== 'function') {
    return 'its settings are not a Standard Schema (zod 4, valibot, arktype)';
  }
  return null;
}

/**
 * Imports a plugin module named in the configuration: a package name
 * (`@deskql/plugin-auto-tag`, resolved from the server's install) or a file
 * path. Its default export, or its export named `plugin`, is the definition.
 */
export async function importPlugin(specifier: string): Promise<AnyPlugin> {
  const target = specifier.startsWith('.') || isAbsolute(specifier) ? pathToFileURL(resolve(specifier)).href : specifier;
  const module = (await import(target)) as { default?: unknown; plugin?: unknown };
  const candidate = module.default ?? module.plugin;
  const problem = pluginShapeProblem(candidate);
  if (problem) throw new Error(`${specifier} does not export a plugin: ${problem}.`);
  return candidate as AnyPlugin;
}
