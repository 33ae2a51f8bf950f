import { describe, expect, it } from 'vitest';
import type { DomainErrorCode, ServerAnswer } from './deskql-client.js';
import { enhancedCodeByReplyCode, replies, replyNameFor, smtpError, type SmtpReply } from './reply-codes.js';

const failure = (kind: Exclude<ServerAnswer['kind'], 'stored' | 'domain-error'>): ServerAnswer => ({ kind, message: 'x' }) as ServerAnswer;
const domainError = (code: DomainErrorCode): ServerAnswer => ({ kind: 'domain-error', code, message: 'x', field: null });

describe('the reply table', () => {
  it('bounces (5xx) only what retrying cannot fix; everything about the server itself is 451', () => {
    const permanent = [domainError('NOT_FOUND'), domainError('INVALID_INPUT'), failure('too-large')];
    const temporary = [domainError('FORBIDDEN'), domainError('CONFLICT'), ...(['unauthenticated', 'overloaded', 'unreachable', 'timeout', 'server-error'] as const).map(failure)];
    expect(permanent.map((a) => replies[replyNameFor(a)].code)).toEqual([550, 554, 552]);
    expect(temporary.map((a) => `${replies[replyNameFor(a)].code} ${replies[replyNameFor(a)].enhanced}`)).toEqual(temporary.map(() => '451 4.3.0'));
    expect(replies[replyNameFor({ kind: 'stored', report: { deliveries: [], unknownRecipients: [], parseProblem: 'broken' } })].code).toBe(250);
  });

  it('gives each reply code one enhanced code, so smtp-server can be told which', () => {
    const seen = new Map<number, Set<string>>();
    for (const reply of Object.values(replies as Record<string, SmtpReply>)) {
      if (reply.code < 400 || reply.enhanced === null) continue;
      seen.set(reply.code, new Set([...(seen.get(reply.code) ?? []), reply.enhanced]));
      expect(reply.enhanced[0]).toBe(String(reply.code)[0]); // 4.x.x with 4xx, 5.x.x with 5xx
    }
    for (const [code, enhanced] of seen) expect([code, [...enhanced]]).toEqual([code, [enhancedCodeByReplyCode.get(code)]]);
  });

  it('makes errors smtp-server sends as the reply', () => {
    expect(smtpError('unknownRecipient')).toMatchObject({ responseCode: 550, message: replies.unknownRecipient.text });
    expect(smtpError('INVALID_INPUT', 'empty').message).toBe(`${replies.INVALID_INPUT.text} (empty)`);
  });
});
