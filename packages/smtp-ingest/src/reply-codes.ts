import type { ServerAnswer } from './deskql-client.js';

export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status code; null where none may be sent (before EHLO). */
  enhanced: string | null;
  text: string;
}

/**
 * Every reply the daemon decides, in one table. The first block maps each
 * answer of the server (ServerAnswer kinds and DomainError codes); the second
 * holds what the daemon decides without asking the server. A 4xx makes the
 * sender keep the message and retry; a 5xx makes it bounce.
 */
export const replies = {
  // deliverEmail's answers
  /** Stored, or stored before (a duplicate): durable in DeskQL. Malformed mail lands here too, raw and flagged. */
  stored: { code: 250, enhanced: '2.6.0', text: 'Ok' },
  /** None of the recipients has an inbox (any more). */
  NOT_FOUND: { code: 550, enhanced: '5.1.1', text: 'Recipient address rejected: no DeskQL inbox receives mail for it' },
  /** The server refused the content itself (an empty message). */
  INVALID_INPUT: { code: 554, enhanced: '5.6.0', text: 'Message refused by DeskQL' },
  /** The token may not deliver: a configuration problem, so keep the mail queued at the sender. */
  FORBIDDEN: { code: 451, enhanced: '4.3.0', text: 'DeskQL refused the delivery, try again later' },
  CONFLICT: { code: 451, enhanced: '4.3.0', text: 'DeskQL could not store the message now, try again later' },
  'too-large': { code: 552, enhanced: '5.3.4', text: 'Message too large for DeskQL' },
  unauthenticated: { code: 451, enhanced: '4.3.0', text: 'DeskQL refused the ingest token, try again later' },
  overloaded: { code: 451, enhanced: '4.3.0', text: 'DeskQL is overloaded, try again later' },
  unreachable: { code: 451, enhanced: '4.3.0', text: 'DeskQL is unavailable, try again later' },
  timeout: { code: 451, enhanced: '4.3.0', text: 'DeskQL did not answer in time, try again later' },
  'server-error': { code: 451, enhanced: '4.3.0', text: 'DeskQL failed to store the message, try again later' },

  // decided by the daemon
  /** RCPT for an address no inbox receives on, by an address list fetched recently. */
  unknownRecipient: { code: 550, enhanced: '5.1.1', text: 'Recipient address rejected: no DeskQL inbox receives mail for it' },
  /** RCPT while the address list cannot be fetched (or is stale): do not bounce what may be valid. */
  addressesUnavailable: { code: 451, enhanced: '4.3.0', text: 'Cannot check the recipient now, try again later' },
  /** SIZE= in MAIL FROM or the data over MAX_MESSAGE_SIZE (sent by smtp-server, `size` + `rejectOversized`). */
  tooLarge: { code: 552, enhanced: '5.3.4', text: 'Message exceeds fixed maximum message size' },
  /** More than MAX_RECIPIENTS (sent by smtp-server, `maxRecipients`); the sender sends the rest in another transaction. */
  tooManyRecipients: { code: 452, enhanced: '4.5.3', text: 'Too many recipients' },
  /** Over MAX_CONNECTIONS_PER_CLIENT; refused before the greeting, so without an enhanced code. */
  tooManyConnections: { code: 421, enhanced: null, text: 'Too many connections from your address, try again later' },
  /** After SIGTERM: no new transaction; idle connections are closed with this. */
  shuttingDown: { code: 421, enhanced: '4.3.2', text: 'Shutting down, try again later' },
} as const satisfies Record<string, SmtpReply>;

export type ReplyName = keyof typeof replies;

/** The table row for a server answer. */
export function replyNameFor(answer: ServerAnswer): ReplyName {
  return answer.kind === 'domain-error' ? answer.code : answer.kind;
}

/**
 * smtp-server derives the enhanced code from the reply code alone when our
 * handlers reply with an error; this lets the table decide it instead. One
 * code never carries two enhanced codes (a unit test checks the table).
 */
export const enhancedCodeByReplyCode: ReadonlyMap<number, string> = new Map(
  Object.values(replies as Record<string, SmtpReply>)
    .filter((reply) => reply.code >= 400 && reply.enhanced !== null)
    .map((reply) => [reply.code, reply.enhanced!]),
);

/** An Error smtp-server sends as this reply (`responseCode` + message). */
export function smtpError(name: ReplyName, detail?: string): Error & { responseCode: number } {
  const reply: SmtpReply = replies[name];
  const error = new Error(detail ? `${reply.text} (${detail})` : reply.text) as Error & { responseCode: number };
  error.responseCode = reply.code;
  return error;
}
