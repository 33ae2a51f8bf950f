import { z } from 'zod';

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** Largest mail source deliverEmail takes unless DESKQL_MAX_MESSAGE_SIZE (or AppOptions.maxMessageBytes) says otherwise: 25 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 25 * SIZE_UNITS.M!;

/** Every setting of the server, read once from the environment at start. Nothing else reads process.env. */
const configSchema = z.object({
  DATABASE_URL: z
    .string()
    .default('file:./data/deskql.db')
    .describe('A `file:` SQLite path (embedded default) or a `postgres://` URL.'),
  HOST: z.string().default('127.0.0.1').describe('Address the HTTP/WebSocket server listens on.'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  REDIS_URL: z
    .string()
    .optional()
    .describe('When set, events travel over Redis so several server instances share subscriptions.'),
  SMTP_URL: z
    .string()
    .optional()
    .describe('The relay outbound mail goes through, e.g. smtp://user:pass@relay:587; without it replies stay queued.'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DESKQL_PLUGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((s) => s.trim()).filter(Boolean))
    .describe('Plugin modules to load, comma-separated: package names (@deskql/plugin-auto-tag) or file paths.'),
  DESKQL_PLUGIN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe("How long a plugin's setup and each handler call may run before it is reported and abandoned."),
  DESKQL_MAX_MESSAGE_SIZE: z
    .string()
    .default(String(DEFAULT_MAX_MESSAGE_BYTES))
    .transform((value, ctx) => {
      const match = /^(\d+)\s*([KMG]?)i?B?$/i.exec(value.trim());
      const size = match ? Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]! : NaN;
      if (!Number.isSafeInteger(size) || size < 1024) {
        ctx.addIssue({ code: 'custom', message: 'must be a size of at least 1K, such as 26214400, 512K or 25M' });
        return z.NEVER;
      }
      return size;
    })
    .describe("Largest mail source deliverEmail takes: keep it at least the SMTP ingest daemon's MAX_MESSAGE_SIZE (both default to 25M)."),
  DESKQL_WEBHOOK_ALLOW_PRIVATE_NETWORKS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe('Let webhooks call loopback and private addresses (single-tenant installs, local plugins).'),
});

export type ServerConfig = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid DeskQL server configuration:\n${problems}`);
  }
  return parsed.data;
}
