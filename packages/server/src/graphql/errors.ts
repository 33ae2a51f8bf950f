import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { DomainError } from '../domain/shared/errors.js';

/**
 * Mutations return DomainError as part of their result type. Where a query or
 * subscription meets one, it becomes a GraphQL error carrying the same code
 * and field; anything unexpected stays masked ("Unexpected error.").
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: original.code, ...(original.field && { field: original.field }) },
    });
  }
  return yogaMaskError(error, message, isDev);
}
