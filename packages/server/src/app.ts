import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse, type ExecutionArgs } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { maskError } from './graphql/errors.js';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { openDatabase, type Database } from './db/database.js';
import { applyMigrations } from './db/migrations.js';
import { createEventBus, type EventBus } from './events/bus.js';
import { identify, type GraphQLContext } from './graphql/context.js';
import { schema } from './graphql/schema.js';

export interface AppOptions {
  databaseUrl: string;
  /** Defaults to an in-process bus. */
  events?: EventBus;
  /** Apply pending migrations before serving (default true). */
  migrate?: boolean;
  graphiql?: boolean;
}

export interface App {
  database: Database;
  events: EventBus;
  /** The HTTP server with GraphQL over HTTP and graphql-ws on /graphql; not listening yet. */
  server: Server;
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/** Builds the DeskQL server. It never listens by itself: main.ts and tests call listen(). */
export async function createApp(options: AppOptions): Promise<App> {
  if (options.migrate !== false) await applyMigrations(options.databaseUrl);
  const database = await openDatabase(options.databaseUrl);
  const events = options.events ?? createEventBus();
  const deps = { db: database.db, events };

  const yoga = createYoga<{}, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ?? true,
    landingPage: false,
    maskedErrors: { maskError },
    context: async ({ request }) => ({ ...deps, identity: await identify(deps, request.headers.get('authorization')) }),
  });

  const server = createServer(yoga);
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const wsCleanup = useServer(
    {
      execute: (args) => (args.rootValue as { execute(a: ExecutionArgs): unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe(a: ExecutionArgs): unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const authorization =
          (ctx.connectionParams?.authorization as string | undefined) ??
          (ctx.connectionParams?.Authorization as string | undefined) ??
          ctx.extra.request.headers.authorization;
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
          contextValue: { ...context, ...deps, identity: await identify(deps, authorization) },
          rootValue: { execute, subscribe },
        };
      },
    },
    wsServer,
  );

  return {
    database,
    events,
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
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await events.close();
      await database.close();
    },
  };
}
