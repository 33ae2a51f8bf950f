import type { JsonValue, PluginStore, StoreWriteOptions } from '@deskql/sdk';
import type { Prisma } from '../../generated/sqlite/client.js';
import type { Deps } from '../shared/deps.js';
import { invalid, isUniqueViolation } from '../shared/errors.js';

const MAX_KEY = 200;
const MAX_VALUE_BYTES = 65_536;

function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY) {
    throw invalid('key', `A store key is 1 to ${MAX_KEY} characters.`);
  }
  return key;
}

/** Plain JSON only: JSON.stringify would quietly drop functions and undefined, or turn a Date into a string. */
function isJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (typeof value !== 'object' || ![Object.prototype, null].includes(Object.getPrototypeOf(value))) return false;
  return Object.values(value).every((item) => isJson(item, depth + 1));
}

/** Values are kept as `{ v: value }`, so JSON null is a value like any other on both databases. */
function envelope(value: JsonValue): Prisma.InputJsonValue {
  if (!isJson(value)) throw invalid('value', 'A store value must be plain JSON: objects, arrays, strings, finite numbers, booleans, null.');
  const text = JSON.stringify({ v: value });
  if (Buffer.byteLength(text) > MAX_VALUE_BYTES) throw invalid('value', 'A store value is at most 64 KiB of JSON.');
  return JSON.parse(text) as Prisma.InputJsonValue;
}

function expiry(options: StoreWriteOptions | undefined): Date | null {
  const ttl = options?.ttlSeconds;
  if (ttl === undefined) return null;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) throw invalid('ttlSeconds', 'ttlSeconds must be a positive number.');
  return new Date(Date.now() + ttl * 1000);
}

const live = (now: Date) => ({ OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });

/** The key-value store of one plugin in one workspace. */
export function pluginStore(deps: Pick<Deps, 'db'>, scope: { workspaceId: string; plugin: string }): PluginStore {
  const id = (key: string) => ({ workspaceId_plugin_key: { ...scope, key: checkKey(key) } });
  return {
    async get<T extends JsonValue = JsonValue>(key: string) {
      const row = await deps.db.pluginStoreEntry.findUnique({ where: id(key) });
      if (!row || (row.expiresAt && row.expiresAt <= new Date())) return undefined;
      return (row.value as { v: T }).v;
    },
    async set(key, value, options) {
      const data = { value: envelope(value), expiresAt: expiry(options) };
      await deps.db.pluginStoreEntry.upsert({ where: id(key), create: { ...scope, key, ...data }, update: data });
    },
    async setIfAbsent(key, value, options) {
      const data = { value: envelope(value), expiresAt: expiry(options) };
      try {
        await deps.db.pluginStoreEntry.create({ data: { ...scope, key: checkKey(key), ...data } });
        return true;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      // Present: it only counts as absent once expired, and then only one writer may take it over.
      const now = new Date();
      const taken = await deps.db.pluginStoreEntry.updateMany({
        where: { ...scope, key, expiresAt: { lte: now } },
        data,
      });
      return taken.count === 1;
    },
    async delete(key) {
      const now = new Date();
      const present = await deps.db.pluginStoreEntry.count({ where: { ...scope, key: checkKey(key), ...live(now) } });
      await deps.db.pluginStoreEntry.deleteMany({ where: { ...scope, key } });
      return present > 0;
    },
  };
}

/** Deletes expired entries of every store (the host runs it now and then). */
export async function sweepExpiredStoreEntries(deps: Pick<Deps, 'db'>) {
  const { count } = await deps.db.pluginStoreEntry.deleteMany({ where: { expiresAt: { lte: new Date() } } });
  return count;
}
