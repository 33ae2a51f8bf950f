/**
 * Every setting of the ingest daemon, read once from the environment at start.
 * Nothing else in this package reads process.env.
 *
 * A small typed parser instead of zod: zod is not a dependency of this package,
 * and the settings are a flat list of strings, integers and one enum.
 */

/** One environment variable: how to read it, its default and what it means. */
interface Setting<T> {
  readonly description: string;
  /** The default as written in the environment; undefined when the setting is optional. */
  readonly fallback: string | undefined;
  /** Turns the text into a value, or throws an Error whose message says what is wrong. */
  parse(text: string): T;
}

function text(description: string, fallback: string): Setting<string>;
function text(description: string): Setting<string | undefined>;
function text(description: string, fallback?: string): Setting<string | undefined> {
  return { description, fallback, parse: (value) => value };
}

function integer(description: string, fallback: number, min: number, max: number): Setting<number> {
  return {
    description,
    fallback: String(fallback),
    parse(value) {
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
        throw new Error(`must be a whole number from ${min} to ${max}`);
      }
      return Number(value);
    },
  };
}

const sizeUnits: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** A byte count: `26214400`, `25M`, `512K` (binary units; a trailing B is allowed). */
function bytes(description: string, fallback: string): Setting<number> {
  return {
    description,
    fallback,
    parse(value) {
      const match = /^(\d+)\s*([KMG]?)i?B?$/i.exec(value.trim());
      const size = match ? Number(match[1]) * sizeUnits[match[2]!.toUpperCase()]! : NaN;
      if (!Number.isSafeInteger(size) || size < 1024) throw new Error('must be a size of at least 1K, such as 26214400, 512K or 25M');
      return size;
    },
  };
}

function oneOf<const T extends string>(description: string, values: readonly T[], fallback: T): Setting<T> {
  return {
    description,
    fallback,
    parse(value) {
      if (!values.includes(value as T)) throw new Error(`must be one of ${values.join(', ')}`);
      return value as T;
    },
  };
}

function httpUrl(description: string, fallback: string): Setting<string> {
  return {
    description,
    fallback,
    parse(value) {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new Error('must be an http:// or https:// URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must be an http:// or https:// URL');
      return url.toString();
    },
  };
}

/** A comma-separated list of tokens; empty entries are dropped. */
function tokenList(description: string): Setting<string[] | undefined> {
  return {
    description,
    fallback: undefined,
    parse(value) {
      const tokens = value.split(',').map((token) => token.trim()).filter(Boolean);
      if (tokens.length === 0) throw new Error('must name at least one token');
      return tokens;
    },
  };
}

export const settings = {
  DESKQL_API_URL: httpUrl('The DeskQL GraphQL endpoint that deliverEmail and receivingAddresses are sent to.', 'http://127.0.0.1:4000/graphql'),
  INGEST_TOKEN: tokenList(
    'Ingest token(s) of the workspaces this daemon receives for, comma-separated. When unset, the token is read from INGEST_TOKEN_FILE.',
  ),
  INGEST_TOKEN_FILE: text(
    'File holding the ingest token (one or more, comma- or newline-separated), read when INGEST_TOKEN is unset. The server writes it on its first start in embedded mode; the daemon waits for it.',
    './data/ingest-token',
  ),
  SMTP_HOST: text('Address the SMTP daemon listens on.', '127.0.0.1'),
  SMTP_PORT: integer('Port the SMTP daemon listens on.', 2525, 0, 65535),
  SMTP_HOSTNAME: text('Name in the greeting and EHLO reply (default: the machine host name).'),
  MAX_MESSAGE_SIZE: bytes('Largest message accepted, advertised as SIZE; larger ones get 552.', '25M'),
  MAX_RECIPIENTS: integer('Recipients accepted per message; more get 452 (the sender sends them in another transaction).', 100, 1, 100_000),
  MAX_CONNECTIONS: integer('Connections open at once, over all clients; more get 421.', 200, 1, 100_000),
  MAX_CONNECTIONS_PER_CLIENT: integer(
    "Connections open at once from one client IP address; more get 421. Keep it at or above Postfix's default_destination_concurrency_limit (20).",
    20,
    1,
    100_000,
  ),
  TLS_KEY_FILE: text('PEM private key for STARTTLS. STARTTLS is offered only when both TLS files are set.'),
  TLS_CERT_FILE: text('PEM certificate (chain) for STARTTLS.'),
  ADDRESS_REFRESH_MS: integer('How often the receiving addresses are fetched from the server.', 5000, 100, 3_600_000),
  ADDRESS_MISS_REFRESH_MS: integer(
    'A RCPT for an address not in the list waits for a fresh fetch before it gets 550; such fetches start at most this often (bounds what a dictionary attack costs the server).',
    1000,
    0,
    3_600_000,
  ),
  DELIVERY_TIMEOUT_MS: integer('How long deliverEmail may take before the message is answered 451 (the sender retries).', 60_000, 100, 600_000),
  SOCKET_TIMEOUT_MS: integer('Idle time after which a client connection is closed.', 60_000, 1000, 3_600_000),
  SHUTDOWN_TIMEOUT_MS: integer(
    'On SIGTERM: how long transactions in flight may take to finish before their connections are closed (they get no 250, so the sender retries).',
    30_000,
    0,
    600_000,
  ),
  LOG_LEVEL: oneOf('How much to log; info logs one line per message.', ['debug', 'info', 'warn', 'error'] as const, 'info'),
} as const;

type Settings = typeof settings;
export type IngestConfig = { readonly [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never };

/** Reads and checks every setting; throws one Error listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): IngestConfig {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(settings) as Array<[string, Setting<unknown>]>) {
    const raw = env[name]?.trim() ? env[name] : setting.fallback;
    if (raw === undefined) {
      config[name] = undefined;
      continue;
    }
    try {
      config[name] = setting.parse(raw);
    } catch (error) {
      problems.push(`  ${name}=${JSON.stringify(raw)}: ${(error as Error).message}`);
    }
  }
  if (Boolean(config.TLS_KEY_FILE) !== Boolean(config.TLS_CERT_FILE)) {
    problems.push('  TLS_KEY_FILE and TLS_CERT_FILE: set both to offer STARTTLS, or neither');
  }
  if (problems.length) throw new Error(`Invalid smtp-ingest configuration:\n${problems.join('\n')}`);
  return config as IngestConfig;
}

/** The settings as text, for `--help` and the README. */
export function describeSettings(): string {
  return Object.entries(settings as Record<string, Setting<unknown>>)
    .map(([name, s]) => `  ${name}${s.fallback === undefined ? '' : ` (default ${s.fallback})`}\n      ${s.description}`)
    .join('\n');
}
