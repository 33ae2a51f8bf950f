import { dirname, join } from 'node:path';
import { createApp } from './app.js';
import { sqliteFilePath } from './db/database.js';
import { loadConfig } from './config.js';
import { createRedisEventBus } from './events/redis-bus.js';
import { ensureDemoWorkspace } from './cli/seed.js';

/** Starts the DeskQL server with settings from the environment; stops cleanly on SIGTERM/SIGINT. */
export async function main() {
  const config = loadConfig();
  const events = config.REDIS_URL ? await createRedisEventBus(config.REDIS_URL) : undefined;
  const app = await createApp({
    databaseUrl: config.DATABASE_URL,
    smtp: config.SMTP_URL,
    events,
    plugins: config.DESKQL_PLUGINS,
    pluginTimeoutMs: config.DESKQL_PLUGIN_TIMEOUT_MS,
    webhooks: { allowPrivateNetworks: config.DESKQL_WEBHOOK_ALLOW_PRIVATE_NETWORKS },
    maxMessageBytes: config.DESKQL_MAX_MESSAGE_SIZE,
  });
  // Embedded mode: the demo ingest token goes next to the database, where the SMTP ingest daemon looks for it.
  const ingestTokenFile =
    app.database.provider === 'sqlite' ? join(dirname(sqliteFilePath(config.DATABASE_URL)), 'ingest-token') : undefined;
  const welcome = await ensureDemoWorkspace(app.database.db, { ingestTokenFile });
  const { url } = await app.listen(config.PORT, config.HOST);
  console.log(
    `DeskQL GraphQL API on ${url} (GraphiQL in a browser), database ${app.database.provider}, events ${config.REDIS_URL ? 'Redis' : 'in-process'}`,
  );
  if (welcome) console.log(welcome);
  if (!config.SMTP_URL) console.log('SMTP_URL is not set: replies are stored and stay queued until a relay is configured.');
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`${signal}: closing`);
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
