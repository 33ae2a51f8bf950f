import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';

/**
 * A typed GraphQL client for code outside the server: frontends, scripts,
 * out-of-process plugins, the SMTP ingest daemon. Queries and mutations go
 * over HTTP, subscriptions over graphql-ws on the same path; the API token
 * travels as `Authorization: Bearer` and as the `authorization` connection
 * parameter. Documents are typed: `ConversationsDocument` and the others
 * below are generated from the server's committed schema.graphql, and any
 * other `TypedDocumentNode` (your own codegen's) works the same way.
 */

export * from './generated/graphql.js';
export { globalId, parseGlobalId } from '../ids.js';
export type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export interface DeskqlClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. Subscriptions use it with ws:// or wss://. */
  url: string;
  /** An API token, or a function giving one (called for each request and each WebSocket connection). */
  token?: string | (() => string | Promise<string>);
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** A WebSocket class for subscriptions. @default globalThis.WebSocket, else the `ws` package (Node 20) */
  webSocketImpl?: unknown;
  /** How often graphql-ws reconnects a dropped subscription connection. @default 5 */
  retryAttempts?: number;
  /** Extra HTTP headers for every request. */
  headers?: Record<string, string>;
}

/** Variables are optional exactly when the operation has no required ones. */
export type VariablesOf<V> = {} extends V ? [variables?: V] : [variables: V];

export interface DeskqlClient {
  /** Runs a query or mutation; resolves with its data, or rejects with a {@link DeskqlRequestError}. */
  request<R, V>(document: TypedDocumentNode<R, V>, ...variables: VariablesOf<V>): Promise<R>;
  /**
   * Starts a subscription; each result's data arrives through the iterator.
   * Leaving the `for await` loop (or calling `return()`) ends it.
   */
  subscribe<R, V>(document: TypedDocumentNode<R, V>, ...variables: VariablesOf<V>): AsyncIterableIterator<R>;
  /** Closes the subscription connection, if one was opened. */
  close(): Promise<void>;
}

/** The server answered with GraphQL errors (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND…) or not with GraphQL at all. */
export class DeskqlRequestError extends Error {
  override readonly name = 'DeskqlRequestError';
  constructor(
    message: string,
    readonly errors: readonly GraphQLFormattedError[],
    /** The HTTP status, for requests over HTTP. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
  /** `extensions.code` of the first error, e.g. UNAUTHENTICATED. */
  get code(): string | null {
    return (this.errors[0]?.extensions?.code as string | undefined) ?? null;
  }
}

/** A mutation answered with its `DomainError` member; see {@link unwrap}. */
export class DeskqlDomainError extends Error {
  override readonly name = 'DeskqlDomainError';
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID_INPUT' | 'FORBIDDEN' | 'CONFLICT',
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

type DomainErrorShape = { __typename: 'DomainError'; code?: unknown; message?: unknown; field?: unknown };

/**
 * Mutations (and admin-only queries) return a union of their result and
 * `DomainError`. `unwrap` returns the result, narrowed, or throws the error
 * as a {@link DeskqlDomainError}. Select `__typename` and the DomainError's
 * `code message field` (the generated documents do).
 */
export function unwrap<T extends { __typename?: string }>(result: T): Exclude<T, { __typename?: 'DomainError' }> {
  if (result.__typename === 'DomainError') {
    const error = result as unknown as DomainErrorShape;
    throw new DeskqlDomainError(error.code as DeskqlDomainError['code'], String(error.message ?? 'DomainError'), (error.field as string | null) ?? null);
  }
  return result as Exclude<T, { __typename?: 'DomainError' }>;
}

const printed = new WeakMap<object, string>();
function queryText(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

export function createClient(options: DeskqlClientOptions): DeskqlClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const token = async () => (typeof options.token === 'function' ? await options.token() : options.token);
  const bearer = async (): Promise<Record<string, string>> => {
    const value = await token();
    return value ? { authorization: `Bearer ${value}` } : {};
  };
  let ws: Promise<WsClient> | null = null;

  const wsClient = () =>
    (ws ??= (async () => {
      const impl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket ?? (await import('ws')).default;
      return createWsClient({
        url: options.url.replace(/^http/, 'ws'),
        webSocketImpl: impl,
        lazy: true,
        retryAttempts: options.retryAttempts ?? 5,
        connectionParams: async () => (await bearer()) as Record<string, unknown>,
      });
    })());

  return {
    async request(document, ...[variables]) {
      const response = await doFetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers, ...(await bearer()) },
        body: JSON.stringify({ query: queryText(document as DocumentNode), variables: variables ?? {} }),
      });
      let body: { data?: unknown; errors?: GraphQLFormattedError[] };
      try {
        body = (await response.json()) as typeof body;
      } catch {
        throw new DeskqlRequestError(`The server answered HTTP ${response.status} without GraphQL.`, [], response.status);
      }
      if (body.errors?.length) {
        throw new DeskqlRequestError(body.errors.map((e) => e.message).join('; '), body.errors, response.status);
      }
      if (body.data === undefined || body.data === null) {
        throw new DeskqlRequestError(`The server answered HTTP ${response.status} without data.`, [], response.status);
      }
      return body.data as never;
    },
    subscribe<R, V>(document: TypedDocumentNode<R, V>, ...[variables]: VariablesOf<V>): AsyncIterableIterator<R> {
      let results: AsyncIterableIterator<{ data?: unknown; errors?: readonly GraphQLFormattedError[] }> | null = null;
      let done = false;
      const iterator: AsyncIterableIterator<R> = {
        async next() {
          if (done) return { done: true, value: undefined };
          results ??= (await wsClient()).iterate({
            query: queryText(document as DocumentNode),
            variables: (variables ?? {}) as Record<string, unknown>,
          }) as AsyncIterableIterator<{ data?: unknown; errors?: readonly GraphQLFormattedError[] }>;
          let next: IteratorResult<{ data?: unknown; errors?: readonly GraphQLFormattedError[] }>;
          try {
            next = await results.next();
          } catch (error) {
            done = true;
            // graphql-ws fails an operation with its GraphQL errors, or with the socket's close event.
            if (Array.isArray(error)) throw new DeskqlRequestError(error.map((e) => e.message).join('; '), error);
            const close = error as { code?: number; reason?: string };
            if (typeof close?.code === 'number') throw new DeskqlRequestError(`The connection closed: ${close.code} ${close.reason ?? ''}`.trim(), []);
            throw error;
          }
          if (next.done) {
            done = true;
            return { done: true, value: undefined };
          }
          if (next.value.errors?.length) {
            await iterator.return!();
            throw new DeskqlRequestError(next.value.errors.map((e) => e.message).join('; '), next.value.errors);
          }
          return { done: false, value: next.value.data as R };
        },
        async return() {
          done = true;
          await results?.return?.();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    async close() {
      if (ws) await (await ws).dispose();
      ws = null;
    },
  };
}
