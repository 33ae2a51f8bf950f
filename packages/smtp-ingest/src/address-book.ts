import { setTimeout as sleep } from 'node:timers/promises';
import type { DeskqlClient } from './deskql-client.js';
import type { Logger } from './logger.js';

/** Where a RCPT address goes: the ingest token of its workspace, or why not. */
export type AddressLookup = { kind: 'known'; token: string } | { kind: 'unknown' } | { kind: 'unavailable' };

export interface AddressBookOptions {
  client: DeskqlClient;
  /** One ingest token per workspace the daemon receives for. */
  tokens: readonly string[];
  /** Poll period. */
  refreshMs: number;
  /** Misses start at most one fetch per this time. */
  missRefreshMs: number;
  /** How long a miss may wait for a fresh list before it is "unavailable". */
  lookupWaitMs: number;
  logger: Logger;
}

export interface AddressBook {
  /** Starts polling (the first fetch at once). */
  start(): void;
  stop(): void;
  lookup(address: string): Promise<AddressLookup>;
  /** Fetches now (or joins the fetch in flight); true when every token's list was fetched. */
  refresh(): Promise<boolean>;
  /** Resolves after the first complete fetch. */
  ready(): Promise<void>;
  readonly size: number;
}

export const normalizeAddress = (address: string) => address.trim().toLowerCase();

/**
 * The receiving addresses of the workspaces behind the ingest tokens, kept
 * fresh by polling `receivingAddresses`. An address in the list is accepted at
 * once. An address not in it is judged only by a list fetched after the RCPT
 * arrived: the miss waits for the next fetch, and misses start at most one
 * fetch per `missRefreshMs` (shared by every miss waiting), so unknown
 * addresses cannot flood the server; the wait also slows a dictionary attack,
 * as Postfix's error sleep does. An address added a moment ago is therefore
 * never bounced, and when no fresh list can be had the answer is "unavailable"
 * (451), never "unknown" (550).
 */
export function createAddressBook(options: AddressBookOptions): AddressBook {
  const { client, tokens, logger } = options;
  let routes = new Map<string, string>();
  /** Per token, its last fetched list (kept when a later fetch of that token fails). */
  const lists = new Map<string, string[]>();
  /** When the fetch behind the current complete list started (0: none yet). */
  let listFetchedFrom = 0;
  /** When the last fetch that failed started. */
  let failedFetchFrom = 0;
  let attemptAt = 0;
  let inFlight: Promise<boolean> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let healthy: boolean | null = null;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));

  async function fetchAll(): Promise<boolean> {
    const startedAt = (attemptAt = Date.now());
    const results = await Promise.all(tokens.map(async (token) => ({ token, answer: await client.receivingAddresses(token) })));
    const failures: string[] = [];
    for (const { token, answer } of results) {
      if (answer.kind === 'addresses') lists.set(token, answer.addresses.map((a) => normalizeAddress(a.address)));
      else failures.push(`${answer.kind}: ${answer.message}`);
      if (answer.kind === 'unauthenticated') logger.error('DeskQL refused an ingest token; check INGEST_TOKEN', { reason: answer.message });
    }
    const next = new Map<string, string>();
    for (const [token, addresses] of lists) for (const address of addresses) next.set(address, token);
    const changed = next.size !== routes.size || [...next].some(([address, token]) => routes.get(address) !== token);
    routes = next;
    const ok = failures.length === 0;
    if (ok) {
      listFetchedFrom = startedAt;
      resolveReady();
    } else {
      failedFetchFrom = startedAt;
    }
    if (ok !== healthy || changed) {
      if (ok) logger.info('receiving addresses loaded', { addresses: routes.size, workspaces: tokens.length });
      else logger.warn('cannot fetch the receiving addresses; retrying', { reason: failures[0], every_ms: options.refreshMs });
    }
    healthy = ok;
    return ok;
  }

  function refresh(): Promise<boolean> {
    inFlight ??= fetchAll()
      .catch((error: unknown) => {
        logger.error('address refresh failed', { reason: (error as Error).message });
        return false;
      })
      .finally(() => (inFlight = null));
    return inFlight;
  }

  function schedule() {
    if (!running) return;
    timer = setTimeout(() => void refresh().finally(schedule), options.refreshMs);
    timer.unref();
  }

  async function within(promise: Promise<unknown>, ms: number) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  return {
    start() {
      if (running) return;
      running = true;
      void refresh().finally(schedule);
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
    },
    refresh,
    ready: () => readyPromise,
    get size() {
      return routes.size;
    },
    async lookup(address) {
      const key = normalizeAddress(address);
      const arrived = Date.now();
      const deadline = arrived + options.lookupWaitMs;
      for (;;) {
        const token = routes.get(key);
        if (token) return { kind: 'known', token };
        if (listFetchedFrom >= arrived) return { kind: 'unknown' };
        const wait = deadline - Date.now();
        if (failedFetchFrom >= arrived || wait <= 0) return { kind: 'unavailable' };
        if (inFlight) await within(inFlight, wait);
        else if (Date.now() - attemptAt >= options.missRefreshMs) await within(refresh(), wait);
        else await sleep(Math.min(attemptAt + options.missRefreshMs - Date.now(), wait));
      }
    },
  };
}
