import type { AddressInfo } from 'node:net';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { createAddressBook, normalizeAddress } from './address-book.js';
import { createDeskqlClient, type Delivery, type ServerAnswer } from './deskql-client.js';
import { silentLogger, type Logger } from './logger.js';
import { enhancedCodeByReplyCode, replies, replyNameFor, smtpError } from './reply-codes.js';
import { IngestSmtpServer } from './smtp-listener.js';

export interface IngestServerOptions {
  /** The DeskQL GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  apiUrl: string;
  /** Ingest tokens, one per workspace this daemon receives for (receiving addresses are unique across workspaces). */
  ingestTokens: readonly string[];
  /** Name in the greeting and the EHLO reply. @default os.hostname() */
  hostname?: string;
  /** Largest message in bytes, advertised as SIZE; larger ones get 552. @default 26214400 (25 MiB) */
  maxMessageSize?: number;
  /** Recipients per message; more get 452. @default 100 */
  maxRecipients?: number;
  /** Connections at once over all clients. @default 200 */
  maxConnections?: number;
  /** Connections at once from one IP address; more get 421. @default 20 */
  maxConnectionsPerClient?: number;
  /** Key and certificate (PEM) for STARTTLS; without them STARTTLS is neither offered nor accepted. */
  tls?: { key: string | Buffer; cert: string | Buffer } | null;
  /** How often the receiving addresses are fetched. @default 5000 */
  addressRefreshMs?: number;
  /** A RCPT for an address not in the list waits for a fresh fetch; misses start one at most this often. @default 1000 */
  addressMissRefreshMs?: number;
  /** How long deliverEmail may take before the message gets 451. @default 60000 */
  deliveryTimeoutMs?: number;
  /** Idle time before a client connection is closed. @default 60000 */
  socketTimeoutMs?: number;
  /** On close(): how long transactions in flight may take to finish. @default 30000 */
  shutdownTimeoutMs?: number;
  /** @default a logger that logs nothing */
  logger?: Logger;
}

export interface IngestServer {
  /** Starts listening and polling the receiving addresses. Port 0 picks a free port. */
  listen(port: number, host?: string): Promise<{ port: number; host: string }>;
  /**
   * Graceful stop: accepts no new connection or transaction, lets transactions in
   * flight finish (their 250 means stored), closes idle connections with 421, and
   * after `shutdownTimeoutMs` closes the rest (those get no 250; the sender retries).
   */
  close(): Promise<void>;
  /** Resolves once the receiving addresses have been fetched (RCPT answers 451 until then). */
  ready(): Promise<void>;
}

/**
 * The SMTP ingest daemon: accepts mail for the receiving addresses of the
 * workspaces behind its ingest tokens and hands each message to DeskQL's
 * deliverEmail before answering. It never answers 250 before the server has
 * committed the message, so a 250 means durable, and anything else leaves the
 * message with the sender, who retries; the server stores a message delivered
 * twice once. It never listens by itself (main.ts does).
 */
export function createIngestServer(options: IngestServerOptions): IngestServer {
  const logger = options.logger ?? silentLogger;
  const maxPerClient = options.maxConnectionsPerClient ?? 20;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
  if (options.ingestTokens.length === 0) throw new Error('createIngestServer needs at least one ingest token.');

  const shutdown = new AbortController();
  const client = createDeskqlClient({ url: options.apiUrl, timeoutMs: options.deliveryTimeoutMs ?? 60_000, signal: shutdown.signal });
  const addressBook = createAddressBook({
    client,
    tokens: [...new Set(options.ingestTokens)],
    refreshMs: options.addressRefreshMs ?? 5000,
    missRefreshMs: options.addressMissRefreshMs ?? 1000,
    lookupWaitMs: 3000,
    logger,
  });

  /** Per session: the token each accepted recipient of the current transaction goes to. */
  const recipientTokens = new Map<string, Map<string, string>>();
  /** Sessions between MAIL FROM and the reply to DATA (what shutdown waits for). */
  const transactions = new Set<string>();
  const connectionsPerClient = new Map<string, number>();
  const countedSessions = new Map<string, string>();
  const deliveries = new Set<Promise<unknown>>();
  let closing: Promise<void> | null = null;

  const smtp = new IngestSmtpServer(
    {
      ...(options.hostname && { name: options.hostname }),
      banner: 'DeskQL ingest',
      size: options.maxMessageSize ?? 25 * 1024 * 1024,
      rejectOversized: true,
      maxRecipients: options.maxRecipients ?? 100,
      maxClients: options.maxConnections ?? 200,
      authOptional: true,
      disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      hideSTARTTLS: !options.tls,
      ...(options.tls && { key: options.tls.key, cert: options.tls.cert }),
      hideENHANCEDSTATUSCODES: false,
      // The reverse DNS lookup of every client delays its greeting (up to 1.5 s) and we do not use the name.
      disableReverseLookup: true,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
      closeTimeout: shutdownTimeoutMs,
      logger: false,

      onConnect(session, callback) {
        if (closing) return callback(smtpError('shuttingDown'));
        const ip = session.remoteAddress;
        const open = connectionsPerClient.get(ip) ?? 0;
        if (open >= maxPerClient) {
          logger.warn('too many connections from one client', { client: ip, open });
          return callback(smtpError('tooManyConnections'));
        }
        connectionsPerClient.set(ip, open + 1);
        countedSessions.set(session.id, ip);
        callback();
      },

      onClose(session) {
        const ip = countedSessions.get(session.id);
        if (ip !== undefined) {
          countedSessions.delete(session.id);
          const open = (connectionsPerClient.get(ip) ?? 1) - 1;
          if (open > 0) connectionsPerClient.set(ip, open);
          else connectionsPerClient.delete(ip);
        }
        recipientTokens.delete(session.id);
        transactions.delete(session.id);
      },

      onMailFrom(_address, session, callback) {
        if (closing) return callback(smtpError('shuttingDown'));
        transactions.add(session.id);
        recipientTokens.set(session.id, new Map());
        callback();
      },

      onRcptTo(address, session, callback) {
        addressBook.lookup(address.address).then(
          (route) => {
            if (route.kind === 'known') {
              recipientTokens.get(session.id)?.set(normalizeAddress(address.address), route.token);
              return callback();
            }
            if (route.kind === 'unknown') logger.info('unknown recipient', { session: session.id, rcpt: address.address });
            callback(smtpError(route.kind === 'unknown' ? 'unknownRecipient' : 'addressesUnavailable'));
          },
          (error: unknown) => {
            logger.error('recipient check failed', { session: session.id, reason: (error as Error).message });
            callback(smtpError('addressesUnavailable'));
          },
        );
      },

      onData(stream, session, callback) {
        const started = performance.now();
        const work = receiveAndDeliver(stream, session).then(
          (text) => callback(null, text),
          (error: Error) => callback(error),
        );
        deliveries.add(work);
        void work.finally(() => {
          deliveries.delete(work);
          transactions.delete(session.id);
          logger.debug('transaction done', { session: session.id, ms: Math.round(performance.now() - started) });
          // While shutting down, a connection is closed as soon as its transaction is answered.
          if (closing) setImmediate(() => closeConnection(session.id));
        });
      },
    },
    enhancedCodeByReplyCode,
  );

  smtp.on('error', (error: Error & { code?: string }) => {
    const quiet = error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ETIMEDOUT';
    logger[quiet ? 'debug' : 'warn']('smtp connection error', { code: error.code, reason: error.message });
  });

  async function receiveAndDeliver(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    let length = 0;
    // Throws when the client goes away before the final dot: nothing partial is ever delivered.
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (stream.sizeExceeded) continue;
      chunks.push(chunk);
      length += chunk.length;
    }
    if (stream.sizeExceeded) throw smtpError('tooLarge');
    const raw = Buffer.concat(chunks, length);

    const tokens = recipientTokens.get(session.id) ?? new Map<string, string>();
    const groups = new Map<string, string[]>();
    for (const { address } of session.envelope.rcptTo) {
      const key = normalizeAddress(address);
      let token = tokens.get(key);
      if (!token) {
        const route = await addressBook.lookup(key);
        if (route.kind !== 'known') continue;
        token = route.token;
      }
      groups.set(token, [...(groups.get(token) ?? []), address]);
    }
    if (groups.size === 0) throw smtpError('NOT_FOUND');

    // MAIL FROM:<> (a bounce or an auto-reply) arrives as the empty address.
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
    const started = performance.now();
    const answers = await Promise.all([...groups].map(([token, recipients]) => client.deliverEmail(token, raw, { mailFrom, recipients })));
    const ms = Math.round(performance.now() - started);
    const fields = { session: session.id, from: mailFrom === '' ? '<>' : (mailFrom ?? ''), rcpt: session.envelope.rcptTo.length, bytes: length, ms };

    const failures = answers.filter((answer): answer is Failure => answer.kind !== 'stored');
    const reports = answers.flatMap((answer) => (answer.kind === 'stored' ? [answer.report] : []));
    // A temporary failure anywhere: the sender retries the whole message, and what was stored is deduplicated.
    // Only when nothing was stored does a permanent failure become the answer.
    const deciding = failures.find((answer) => replies[replyNameFor(answer)].code < 500) ?? (reports.length ? undefined : failures[0]);
    if (deciding) {
      const name = replyNameFor(deciding);
      const temporary = replies[name].code < 500;
      logger[temporary ? 'warn' : 'info']('not stored', { ...fields, reply: replies[name].code, reason: describe(deciding) });
      throw smtpError(name, temporary ? undefined : deciding.message);
    }
    for (const answer of failures) logger.info('some recipients not stored', { ...fields, reason: describe(answer) });
    const stored = reports.flatMap((report) => report.deliveries);
    const unknown = reports.flatMap((report) => report.unknownRecipients);
    const parseProblem = reports.find((report) => report.parseProblem)?.parseProblem ?? undefined;
    logger.info('stored', {
      ...fields,
      messages: stored.map((d) => d.messageId).join(','),
      duplicate: stored.every((d) => d.duplicate),
      ...(unknown.length && { unknown: unknown.join(',') }),
      ...(parseProblem && { malformed: parseProblem }),
    });
    return `${replies.stored.text}: ${storedText(stored)}`;
  }

  function closeConnection(id: string) {
    for (const connection of smtp.connections) if (connection.id === id) sayGoodbye(connection);
  }

  function sayGoodbye(connection: SMTPConnection) {
    connection.send(replies.shuttingDown.code, replies.shuttingDown.text);
    connection.close();
  }

  return {
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        smtp.server.once('error', onError);
        smtp.listen(port, host, () => {
          smtp.server.off('error', onError);
          addressBook.start();
          resolve({ port: (smtp.server.address() as AddressInfo).port, host });
        });
      });
    },

    ready: () => addressBook.ready(),

    close() {
      closing ??= (async () => {
        addressBook.stop();
        const allClosed = new Promise<void>((resolve) => smtp.server.close(() => resolve()));
        for (const connection of smtp.connections) if (!transactions.has(connection.id)) sayGoodbye(connection);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          allClosed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), shutdownTimeoutMs))),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          logger.warn('shutdown timeout: closing the remaining connections', { connections: smtp.connections.size });
          shutdown.abort();
          for (const connection of smtp.connections) sayGoodbye(connection);
        }
        await Promise.allSettled([...deliveries]);
        // smtp-server destroys half-closed sockets after a few seconds; do not wait longer than that.
        await Promise.race([allClosed, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      })();
      return closing;
    },
  };
}

type Failure = Exclude<ServerAnswer, { kind: 'stored' }>;

function describe(answer: Failure): string {
  return `${answer.kind === 'domain-error' ? answer.code : answer.kind}: ${answer.message}`;
}

/** "stored as <id>", "already stored as <id>" per inbox; at most five, so the reply line stays short. */
function storedText(deliveries: Delivery[]): string {
  const shown = deliveries.slice(0, 5).map((d) => `${d.duplicate ? 'already stored' : 'stored'} as ${d.messageId}`);
  return shown.join(', ') + (deliveries.length > 5 ? ` and ${deliveries.length - 5} more` : '');
}
