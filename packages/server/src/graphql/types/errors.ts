import { DomainError, domainErrorCodes } from '../../domain/shared/errors.js';
import { builder } from '../builder.js';

// Expected failures are part of each mutation's result type (`... on DomainError`);
// anything else stays a masked GraphQL error without internals.

const ErrorCode = builder.enumType('ErrorCode', {
  values: Object.fromEntries(domainErrorCodes.map((code) => [code, { value: code }])) as Record<
    (typeof domainErrorCodes)[number],
    { value: (typeof domainErrorCodes)[number] }
  >,
});

const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A failure the client can act on.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(DomainError, {
  name: 'DomainError',
  description: 'An expected failure: something not found, invalid input, a forbidden operation or a conflict.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof DomainError,
  fields: (t) => ({
    code: t.field({ type: ErrorCode, resolve: (error) => error.code }),
    field: t.string({
      nullable: true,
      description: 'The input field at fault, as a dotted path such as `rules.all.0.value`.',
      resolve: (error) => error.field ?? null,
    }),
  }),
});

/** What a delete mutation returns: the ID of what is gone. */
export const Deleted = builder.objectRef<{ id: string }>('Deleted').implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});
