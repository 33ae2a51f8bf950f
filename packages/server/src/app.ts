import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse, type ExecutionArgs } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { maskError } from './graphql/errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './config.js';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { openDatabase, type Database } from './db/database.js';
import { applyMigrations } from './db/migrations.js';
import { createEventBus, type EventBus } from './events/bus.js';
import { identify, type GraphQLContext } from './graphql/context.js';
import { schema } from './graphql/schema.js';
import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { startSpamAutoLearning } from './domain/spam/auto-learn.js';
import { startOutbox, type Outbox, type OutboxOptions } from './outbox/worker.js';
import type { AnyPlugin } from '@deskql/sdk';
import { startPluginHost, type HostLogger, type PluginHost } from './plugin-host/host.js';
import { startWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherOptions } from './webhooks/dispatcher.js';

export interface AppOptions {
  databaseUrl: string;
  /** Defaults to an in-process bus. */
  events?: EventBus;
  /** Apply pending migrations before serving (default true). */
  migrate?: boolean;
  graphiql?: boolean;
  /**
   * Called with every SQL statement the database client runs (tests count them).
   * @default undefined — no query log is attached.
   */
  onQuery?: (sql: string) => void;
  /** The SMTP relay for outbound mail (a URL or nodemailer options); without it the outbox does not run. */
  smtp?: string | SMTPTransport.Options;
  /** Outbox tuning (tests shorten the retry delays). */
  outbox?: Omit<OutboxOptions, 'transport'>;
  /**
   * The plugins to load: definitions, or module specifiers to import (main.ts passes DESKQL_PLUGINS).
   * Each runs in the workspaces whose admins enable it. @default []
   */
  plugins?: ReadonlyArray<AnyPlugin | string>;
  /** How long a plugin's setup and each handler call may run. @default 10000 */
  pluginTimeoutMs?: number;
  /** Webhook delivery tuning (tests shorten the retry delays and allow loopback endpoints). */
  webhooks?: Omit<WebhookDispatcherOptions, 'logger'>;
  /** Where plugin faults and webhook failures are reported. @default console */
  logger?: HostLogger;
  /**
   * Largest mail source `deliverEmail` takes; requests are allowed to be as large as such a mail
   * base64-encoded. Keep it at least the SMTP daemon's MAX_MESSAGE_SIZE. @default 26214400 (25 MiB)
   */
  maxMessageBytes?: number;
}

export interface App {
  database: Database;
  events: EventBus;
  /** The outbox worker, when an SMTP relay is configured. */
  outbox: Outbox | null;
  /** The loaded plugins and the host running their handlers. */
  plugins: PluginHost;
  /** The webhook delivery loop. */
  webhooks: WebhookDispatcher;
  /** The HTTP server with GraphQL over HTTP and graphql-ws on /graphql; not listening yet. */
  server: Server;
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/** Builds the DeskQL server. It never listens by itself: main.ts and tests call listen(). */
export async function createApp(options: AppOptions): Promise<App> {
  if (options.migrate !== false) await applyMigrations(options.databaseUrl);
  const database = await openDatabase(options.databaseUrl, { onQuery: options.onQuery });
  const events = options.events ?? createEventBus();
  const deps = { db: database.db, events };
  const plugins = await startPluginHost(deps, { plugins: options.plugins ?? [], timeoutMs: options.pluginTimeoutMs, logger: options.logger });
  const webhooks = await startWebhookDispatcher(deps, { ...options.webhooks, logger: options.logger });
  const services = { ...deps, plugins, webhooks };

  const yoga = createYoga<{}, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ?? true,
    landingPage: false,
    maskedErrors: { maskError },
    // base64 takes 4 bytes for 3; the rest of a delivery (recipients, query) fits the extra MiB
    maxRequestBodySize: Math.ceil(((options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES) * 4) / 3) + 1024 * 1024,
    // Over graphql-ws there is no fetch Request (Yoga gets `req`); onSubscribe below identifies that caller.
    context: async ({ request }) => ({
      ...services,
      identity: request ? await identify(deps, request.headers.get('authorization')) : null,
    }),
  });

  // graphql-ws: the token is the connection parameter `authorization`, else the upgrade request's header.
  const wsAuthorization = (ctx: { connectionParams?: Readonly<Record<string, unknown>>; extra: { request: IncomingMessage } }) =>
    (ctx.connectionParams?.authorization as string | undefined) ??
    (ctx.connectionParams?.Authorization as string | undefined) ??
    ctx.extra.request.headers.authorization;

  const server = createServer(yoga);
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const wsCleanup = useServer(
    {
      execute: (args) => (args.rootValue as { execute(a: ExecutionArgs): unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe(a: ExecutionArgs): unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const authorization = wsAuthorization(ctx);
        const { schema, execute, subscribe, contextFactory, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const document = parse(params.query);
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const context = await contextFactory();
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: { ...context, ...services, identity: await identify(deps, authorization) },
          rootValue: { execute, subscribe },
        };
      },
      // A subscription outlives the token check made when it started: once its token is revoked,
      // its next event closes the connection (4401) instead of reaching the client.
      onNext: async (ctx, _id, _payload, args) => {
        if (!(args.contextValue as GraphQLContext).identity) return;
        if (await identify(deps, wsAuthorization(ctx))) return;
        ctx.extra.socket.close(4401, 'Unauthorized: the API token is no longer valid');
        return { errors: [{ message: 'The API token is no longer valid.', extensions: { code: 'UNAUTHENTICATED' } }] };
      },
    },
    wsServer,
  );

  const stopSpamAutoLearning = startSpamAutoLearning(deps);
  const outbox = options.smtp ? startOutbox(deps, { ...options.outbox, transport: createTransport(options.smtp) }) : null;

  return {
    database,
    events,
    outbox,
    plugins,
    webhooks,
    server,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          resolve({ port: address.port, url: `http://${host}:${address.port}/graphql` });
        });
      }),
    async close() {
      stopSpamAutoLearning();
      await outbox?.stop();
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await plugins.close();
      await webhooks.stop();
      await events.close();
      await database.close();
    },
  };
}
