#!/usr/bin/env node
// The daemon: settings from the environment (config.ts), listens, stops gracefully on SIGTERM/SIGINT.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeSettings, loadConfig, type IngestConfig } from './config.js';
import { createIngestServer } from './create-ingest-server.js';
import { createLogger, type Logger } from './logger.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`deskql-smtp-ingest: SMTP daemon that delivers inbound mail to DeskQL.\n\nSettings (environment):\n${describeSettings()}`);
  process.exit(0);
}

let config: IngestConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const logger = createLogger(config.LOG_LEVEL);

let stopping: ((signal: string) => Promise<void>) | null = null;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) void stopping(signal);
    else process.exit(0); // nothing accepted yet, nothing to finish
  });
}

/** INGEST_TOKEN, else the token file, waiting for it: on a first `npm start` the server writes it a moment later. */
async function ingestTokens(logger: Logger): Promise<string[]> {
  if (config.INGEST_TOKEN) return config.INGEST_TOKEN;
  const file = config.INGEST_TOKEN_FILE;
  for (let attempt = 0; ; attempt++) {
    try {
      const tokens = (await readFile(file, 'utf8')).split(/[\s,]+/).filter(Boolean);
      if (tokens.length) return tokens;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (attempt === 0) logger.info('waiting for the ingest token file (the server writes it on its first start in embedded mode)', { file });
    else if (attempt % 60 === 0) logger.warn('still no ingest token: set INGEST_TOKEN, or start the DeskQL server in embedded mode', { file });
    await sleep(500);
  }
}

try {
  const tokens = await ingestTokens(logger);
  const ingest = createIngestServer({
    apiUrl: config.DESKQL_API_URL,
    ingestTokens: tokens,
    hostname: config.SMTP_HOSTNAME,
    maxMessageSize: config.MAX_MESSAGE_SIZE,
    maxRecipients: config.MAX_RECIPIENTS,
    maxConnections: config.MAX_CONNECTIONS,
    maxConnectionsPerClient: config.MAX_CONNECTIONS_PER_CLIENT,
    tls:
      config.TLS_KEY_FILE && config.TLS_CERT_FILE
        ? { key: await readFile(config.TLS_KEY_FILE), cert: await readFile(config.TLS_CERT_FILE) }
        : null,
    addressRefreshMs: config.ADDRESS_REFRESH_MS,
    addressMissRefreshMs: config.ADDRESS_MISS_REFRESH_MS,
    deliveryTimeoutMs: config.DELIVERY_TIMEOUT_MS,
    socketTimeoutMs: config.SOCKET_TIMEOUT_MS,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    logger,
  });
  const { port, host } = await ingest.listen(config.SMTP_PORT, config.SMTP_HOST);
  logger.info(`SMTP ingest listening on ${host}:${port}, delivering to ${config.DESKQL_API_URL}`, {
    workspaces: tokens.length,
    starttls: Boolean(config.TLS_KEY_FILE),
    max_size: config.MAX_MESSAGE_SIZE,
  });
  stopping = async (signal) => {
    stopping = async () => {}; // a second signal changes nothing; the shutdown timeout bounds the wait
    logger.info(`${signal}: stopping; transactions in flight finish first`);
    await ingest.close();
    logger.info('stopped');
    process.exit(0);
  };
} catch (error) {
  logger.error('cannot start', { reason: (error as Error).message });
  process.exit(1);
}
