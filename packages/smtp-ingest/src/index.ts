// The public API of @deskql/smtp-ingest: the factory, its options, and the reply table.
export { createIngestServer, type IngestServer, type IngestServerOptions } from './create-ingest-server.js';
export { loadConfig, type IngestConfig } from './config.js';
export { createLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
export { replies, type SmtpReply, type ReplyName } from './reply-codes.js';
export { IngestSmtpServer } from './smtp-listener.js';
