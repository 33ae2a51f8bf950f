import type net from 'node:net';
import type tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';

/**
 * smtp-server, with two changes to how a connection starts.
 *
 * 1. It greets at once. `SMTPConnection.init()` (smtp-server 3.21.6,
 *    dist/esm/smtp-connection.js) waits a fixed 100 ms before the greeting, to
 *    catch clients that talk before it (a spam heuristic for servers facing the
 *    internet). No option turns it off, and it caps a client that opens one
 *    connection per message at 10 messages/s. Our clients are mail servers
 *    relaying to us. The other start-up delay, the reverse DNS lookup of the
 *    client (up to 1.5 s when DNS is slow), is turned off with the
 *    `disableReverseLookup` option by createIngestServer.
 * 2. The enhanced status code of a reply sent from a handler's error comes from
 *    the reply table (reply-codes.ts), not from smtp-server's per-code default.
 *
 * `connect()` below is SMTPServer.connect() with init() inlined minus the timer;
 * test/smtp-session.test.ts measures the greeting so an upgrade that changes
 * this is noticed.
 */
export class IngestSmtpServer extends SMTPServer {
  readonly #enhancedCodes: ReadonlyMap<number, string>;

  constructor(options: SMTPServerOptions, enhancedCodes: ReadonlyMap<number, string>) {
    super(options);
    this.#enhancedCodes = enhancedCodes;
  }

  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new SMTPConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (error: Error) => this._onError(error));
    connection.on('connect', (data) => this._onClientConnect(data));

    const derive = connection._getEnhancedStatusCode.bind(connection);
    connection._getEnhancedStatusCode = (code, context) => {
      const derived = derive(code, context);
      // context is undefined exactly when a handler's error is sent (err.responseCode)
      return derived && context === undefined ? (this.#enhancedCodes.get(code) ?? derived) : derived;
    };

    connection._setListeners(() => {
      if (this.options.maxClients && this.connections.size > this.options.maxClients) {
        return connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
      }
      connection.connectionReady();
    });
  }
}
