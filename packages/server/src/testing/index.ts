import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp, type App, type AppOptions } from '../app.js';
import type { EventBus } from '../events/bus.js';
import { createWorkspace } from '../domain/workspaces/workspaces.js';
import { issueToken } from '../domain/tokens/tokens.js';

/**
 * Test support for DeskQL's own suites and for plugins: a real server on a
 * fresh database (a temporary SQLite file, or a new PostgreSQL database when
 * DESKQL_TEST_DATABASE_URL is a postgres:// URL), listening on a free port.
 */

export interface TestDatabase {
  url: string;
  provider: 'sqlite' | 'postgresql';
  drop(): Promise<void>;
}

/** The PostgreSQL server the suites should use, if any. */
export function testPostgresUrl(): string | null {
  const url = process.env.DESKQL_TEST_DATABASE_URL;
  return url && /^postgres(ql)?:\/\//.test(url) ? url : null;
}

/** Creates an empty database: a temporary SQLite file, or a new database on the test PostgreSQL server. */
export async function createTestDatabase(provider: 'sqlite' | 'postgresql' = testPostgresUrl() ? 'postgresql' : 'sqlite'): Promise<TestDatabase> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'deskql-test-'));
    return { url: `file:${join(dir, 'test.db')}`, provider, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const serverUrl = testPostgresUrl();
  if (!serverUrl) throw new Error('Set DESKQL_TEST_DATABASE_URL to a postgres:// URL to run PostgreSQL suites.');
  const name = `deskql_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    provider,
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
  database: TestDatabase;
  /** Sends a GraphQL request over HTTP with the given bearer token. */
  request<T = any>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Like request, but fails on GraphQL errors and returns data. */
  gql<T = any>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<T>;
  /** A graphql-ws client authenticated with the token (closed with the server). */
  wsClient(token: string): Client;
  /** A new workspace with an admin token, an agent token, an ingest token and one inbox. */
  createWorkspace(name?: string): Promise<TestWorkspace>;
  close(): Promise<void>;
}

export interface TestWorkspace {
  workspaceId: string;
  adminId: string;
  agentId: string;
  adminToken: string;
  agentToken: string;
  ingestToken: string;
  inboxId: string;
  /** The inbox's receiving address. */
  address: string;
}

export interface TestServerOptions {
  /** Defaults to a fresh test database, dropped on close. */
  database?: TestDatabase;
  events?: EventBus;
  /** Called with every SQL statement the server runs (see AppOptions.onQuery). */
  onQuery?: (sql: string) => void;
  /** The outbound SMTP relay (e.g. a recording SMTP server on loopback) and outbox tuning. */
  smtp?: AppOptions['smtp'];
  /** Apply migrations on start (default true); a second server on an already migrated database can skip it. */
  migrate?: boolean;
  outbox?: AppOptions['outbox'];
  /** Plugins to load (definitions or module specifiers); enable them per workspace with enablePlugin. */
  plugins?: AppOptions['plugins'];
  /** @default 10000, as in production */
  pluginTimeoutMs?: number;
  /** Webhook tuning; loopback endpoints are allowed here (allowPrivateNetworks defaults to true). */
  webhooks?: AppOptions['webhooks'];
  /** Where plugin faults and webhook failures are reported. @default console */
  logger?: AppOptions['logger'];
  /** Largest mail source deliverEmail takes (see AppOptions.maxMessageBytes). */
  maxMessageBytes?: number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const app = await createApp({ databaseUrl: database.url, events: options.events, graphiql: false, onQuery: options.onQuery, smtp: options.smtp, outbox: options.outbox, migrate: options.migrate, plugins: options.plugins, pluginTimeoutMs: options.pluginTimeoutMs, webhooks: { allowPrivateNetworks: true, ...options.webhooks }, logger: options.logger, maxMessageBytes: options.maxMessageBytes });
  const { url, port } = await app.listen(0);
  const clients: Client[] = [];
  let workspaces = 0;

  const request = async (token: string | null, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse;
  };

  const server: TestServer = {
    app,
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    database,
    request,
    async gql(token, query, variables) {
      const result = await request(token, query, variables);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    wsClient(token) {
      const client = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async createWorkspace(name = `Workspace ${++workspaces}`) {
      const db = app.database.db;
      const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomBytes(3).toString('hex')}`;
      const created = await createWorkspace(db, { name, admin: { name: 'Admin', email: `admin@${slug}.test` } });
      const agent = await db.agent.create({
        data: { workspaceId: created.workspace.id, name: 'Agent', email: `agent@${slug}.test`, role: 'AGENT' },
      });
      const agentToken = await issueToken(db, { workspaceId: created.workspace.id, name: 'agent', scope: 'AGENT', agentId: agent.id });
      const ingestToken = await issueToken(db, { workspaceId: created.workspace.id, name: 'ingest', scope: 'INGEST', agentId: null });
      const address = `support@${slug}.test`;
      const inbox = await server.gql(created.token, `mutation($input: InboxInput!) { createInbox(input: $input) { ... on Inbox { id } ... on DomainError { message } } }`, {
        input: { name: 'Support', addresses: [address], casePrefix: 'SUP', senderName: `${name} Support` },
      });
      return {
        workspaceId: created.workspace.id,
        adminId: created.admin.id,
        agentId: agent.id,
        adminToken: created.token,
        agentToken: agentToken.secret,
        ingestToken: ingestToken.secret,
        inboxId: inbox.createInbox.id,
        address,
      };
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.close();
      if (!options.database) await database.drop();
    },
  };
  return server;
}

/** Builds a raw RFC 5322 message for tests. */
export function rawEmail(fields: {
  from: string;
  to: string;
  subject: string;
  text?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  cc?: string;
  headers?: Record<string, string>;
}): string {
  const lines = [
    `From: ${fields.from}`,
    `To: ${fields.to}`,
    ...(fields.cc ? [`Cc: ${fields.cc}`] : []),
    `Subject: ${fields.subject}`,
    `Date: ${new Date().toUTCString()}`,
    ...(fields.messageId ? [`Message-ID: <${fields.messageId}>`] : []),
    ...(fields.inReplyTo ? [`In-Reply-To: <${fields.inReplyTo}>`] : []),
    ...(fields.references ? [`References: ${fields.references.map((r) => `<${r}>`).join(' ')}`] : []),
    ...Object.entries(fields.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    fields.text ?? 'Hello',
    '',
  ];
  return lines.join('\r\n');
}

/** Delivers a raw email through the deliverEmail mutation, as the ingest daemon does. */
export async function deliver(server: TestServer, ingestToken: string, raw: string, recipients: string[]) {
  const result = await server.request(
    ingestToken,
    `mutation($raw: String!, $recipients: [String!]!) {
      deliverEmail(raw: $raw, recipients: $recipients) {
        ... on DeliveryReport { parseProblem unknownRecipients deliveries { inboxId conversationId messageId duplicate openedConversation } }
        ... on DomainError { code message field }
      }
    }`,
    { raw: Buffer.from(raw).toString('base64'), recipients },
  );
  if (result.errors) throw new Error(`deliverEmail failed: ${JSON.stringify(result.errors)}`);
  return result.data.deliverEmail;
}

/**
 * Enables a plugin in the workspace with these settings, as its admin does over
 * GraphQL (`configurePlugin`); throws on a DomainError (settings the plugin's
 * schema refuses, a plugin the server did not load). After mail or a mutation,
 * `await server.app.plugins.idle()` waits until the handlers it triggered are done.
 */
export async function enablePlugin(server: TestServer, workspace: Pick<TestWorkspace, 'adminToken'>, name: string, settings: unknown = {}) {
  const { configurePlugin } = await server.gql(
    workspace.adminToken,
    `mutation($name: String!, $settings: JSON) {
      configurePlugin(name: $name, enabled: true, settings: $settings) {
        __typename ... on Plugin { name enabled settings } ... on DomainError { code message field }
      }
    }`,
    { name, settings },
  );
  if (configurePlugin.__typename !== 'Plugin') throw new Error(`configurePlugin(${name}) failed: ${JSON.stringify(configurePlugin)}`);
  return configurePlugin as { name: string; enabled: boolean; settings: unknown };
}
