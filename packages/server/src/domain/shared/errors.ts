/**
 * The closed set of failures the domain reports. Each transport maps them in
 * one table: GraphQL (graphql/errors.ts) returns them as typed results, the
 * ingest daemon maps them to SMTP replies.
 */
export const domainErrorCodes = [
  /** The thing named does not exist in the caller's workspace. */
  'NOT_FOUND',
  /** The input is malformed or breaks a rule; `field` names the culprit. */
  'INVALID_INPUT',
  /** The caller may not do this (an agent asking for an admin's operation). */
  'FORBIDDEN',
  /** The change clashes with existing data (a name or address already taken). */
  'CONFLICT',
] as const;

export type DomainErrorCode = (typeof domainErrorCodes)[number];

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input field the error is about, as a dotted path (e.g. `rules.all.0.value`). */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} "${id}" does not exist.`);
export const invalid = (field: string, message: string) => new DomainError('INVALID_INPUT', message, field);

/** Trims a required text input and refuses it when empty or too long. */
export function requiredText(field: string, value: string, maxLength = 200): string {
  const trimmed = value.trim();
  if (!trimmed) throw invalid(field, `${field} must not be empty.`);
  if (trimmed.length > maxLength) throw invalid(field, `${field} must be at most ${maxLength} characters.`);
  return trimmed;
}

const emailPattern = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;

/** Lowercases and checks an email address. */
export function normalizeEmail(field: string, value: string): string {
  const address = value.trim().toLowerCase();
  if (!emailPattern.test(address)) throw invalid(field, `"${value}" is not a valid email address.`);
  return address;
}

/** True for Prisma's unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}
