import { describe, expect, it } from 'vitest';
import { logChiSquareQ } from '../src/classify.js';
import { classify, createModel, DEFAULT_CLASSIFY_OPTIONS, learn, tokenize, type MailForClassification, type SpamModel } from '../src/index.js';
import { loadBaseModel } from '../src/base-model.js';

/** Direct series for small arguments (underflows for large ones, which is why the code uses logs). */
function chi2Q(x2: number, v: number): number {
  const m = x2 / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < v / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}

/** A model where `spamWords` occur only in spam and `hamWords` only in ham. */
function separatedModel(messagesPerClass: number): SpamModel {
  const model = createModel();
  for (let i = 0; i < messagesPerClass; i++) {
    learn(model, ['viagra', 'winner', 'url:pills.example', `spam-unique-${i}`, 'shared'], 'spam');
    learn(model, ['invoice', 'ticket', 'from:addr:jane@customer.example', `ham-unique-${i}`, 'shared'], 'ham');
  }
  return model;
}

describe('chi-square in log space', () => {
  it('matches the direct series where that does not underflow', () => {
    for (const [x2, v] of [[2, 2], [10, 6], [50, 40], [300, 300], [1, 20]] as const) {
      expect(Math.exp(logChiSquareQ(x2, v))).toBeCloseTo(chi2Q(x2, v), 12);
    }
    expect(logChiSquareQ(0, 10)).toBe(0);
  });

  it('stays finite where the direct series underflows to 0', () => {
    expect(chi2Q(3000, 300)).toBe(0);
    const log = logChiSquareQ(3000, 300);
    expect(Number.isFinite(log)).toBe(true);
    expect(log).toBeLessThan(-700);
  });
});

describe('classify', () => {
  it('says unsure with score 0.5 when the model knows nothing', () => {
    const result = classify(createModel(), ['anything', 'at', 'all']);
    expect(result).toMatchObject({ score: 0.5, verdict: 'unsure', reasons: [], significantTokens: 0 });
  });

  it('separates clear spam from clear ham and explains why', () => {
    const model = separatedModel(30);
    const spam = classify(model, ['viagra', 'winner', 'url:pills.example', 'shared', 'unknown']);
    const ham = classify(model, ['invoice', 'ticket', 'shared']);
    expect(spam.verdict).toBe('spam');
    expect(spam.score).toBeGreaterThan(0.99);
    expect(ham.verdict).toBe('ham');
    expect(ham.score).toBeLessThan(0.01);
    expect(spam.reasons.map((r) => r.token).sort()).toEqual(['url:pills.example', 'viagra', 'winner']);
    expect(spam.reasons.every((r) => r.spamProbability > 0.9)).toBe(true);
    // 'shared' is evenly split and 'unknown' unseen: neither takes part.
    expect(spam.significantTokens).toBe(3);
  });

  it('does not underflow on very long messages', () => {
    const model = createModel();
    const spamWords = Array.from({ length: 5000 }, (_, i) => `s${i}`);
    const hamWords = Array.from({ length: 5000 }, (_, i) => `h${i}`);
    for (let i = 0; i < 25; i++) {
      learn(model, spamWords, 'spam');
      learn(model, hamWords, 'ham');
    }
    const spam = classify(model, spamWords, { maxTokens: 5000 });
    const ham = classify(model, hamWords, { maxTokens: 5000 });
    expect(spam.significantTokens).toBe(5000);
    expect(spam.score).toBe(1);
    expect(ham.score).toBe(0);
    const mixed = classify(model, [...spamWords.slice(0, 2500), ...hamWords.slice(0, 2500)], { maxTokens: 5000 });
    expect(mixed.score).toBeCloseTo(0.5, 6);
    expect(mixed.verdict).toBe('unsure');
  });

  it('never calls spam before the model has learned enough of each class', () => {
    const young = separatedModel(5);
    const result = classify(young, ['viagra', 'winner', 'url:pills.example']);
    expect(result.score).toBeGreaterThan(0.99);
    expect(result.verdict).toBe('unsure');
    expect(classify(young, ['viagra', 'winner', 'url:pills.example'], { minMessagesPerClass: 5 }).verdict).toBe('spam');
  });

  it('never calls a known sender spam', () => {
    const model = separatedModel(30);
    const spammy = ['viagra', 'winner', 'url:pills.example', 'casino', 'lottery', 'url:win.example'];
    for (let i = 0; i < 5; i++) learn(model, spammy, 'spam');
    const tokens = [...spammy, 'from:addr:jane@customer.example'];
    const result = classify(model, tokens);
    expect(result.knownSender).toBe(true);
    expect(result.score).toBeGreaterThanOrEqual(DEFAULT_CLASSIFY_OPTIONS.spamCutoff);
    expect(result.verdict).toBe('unsure');
    expect(classify(model, tokens, { knownSenderHam: 0 }).verdict).toBe('spam');
  });

  it('applies the cutoffs and limits the reasons', () => {
    const model = separatedModel(30);
    const tokens = ['viagra', 'winner', 'url:pills.example'];
    expect(classify(model, tokens, { spamCutoff: 1.01 }).verdict).toBe('unsure');
    expect(classify(model, tokens, { maxReasons: 1 }).reasons).toHaveLength(1);
    const reasons = classify(model, ['viagra', 'invoice', 'winner', 'ticket'], { maxReasons: 4 }).reasons;
    const strength = reasons.map((r) => Math.abs(r.spamProbability - 0.5));
    expect([...strength].sort((a, b) => b - a)).toEqual(strength);
  });

  it('does not modify the model', () => {
    const model = separatedModel(20);
    const before = JSON.stringify([...model.tokens]);
    classify(model, ['viagra', 'new-token']);
    expect(JSON.stringify([...model.tokens])).toBe(before);
  });
});

describe('learning from a reversed decision', () => {
  const customerLike = (name: string, extra: string): MailForClassification => ({
    subject: 'Problem with the list settings page',
    from: `"${name}" <${name.toLowerCase()}@mailbox-service.example>`,
    headers: [
      'Received: from relay7.mailbox-service.example (relay7.mailbox-service.example [198.51.100.44]) by mx.deskql.test with ESMTP; Tue, 3 Sep 2002 10:00:00 +0000',
      `Message-ID: <3D74A1B2.50607${name.length}9@mailbox-service.example>`,
      'Date: Tue, 03 Sep 2002 11:00:00 +0100',
      `Return-Path: <${name.toLowerCase()}@mailbox-service.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii; format=flowed',
    ].join('\r\n'),
    text:
      `Hi,\n\nI tried to update the mailing list settings on my account yesterday but the page kept ` +
      `timing out. Could you have a look at the logs? The account was created in 2001 and I use the ` +
      `same login for the wiki. ${extra}\n\nPlease confirm your details at http://account-review.verify-portal.example/confirm ` +
      `so that we can keep the account open.\n\nThanks,\n${name}\n`,
  });

  it('classifies a message ham, learns it as spam, then catches a near-copy', () => {
    const model = loadBaseModel();
    const first = tokenize(customerLike('Martin', 'It worked fine last week.'), { trustedHosts: ['deskql.test'] });
    const before = classify(model, first);
    expect(before.verdict).toBe('ham');

    learn(model, first, 'spam');
    const nearCopy = tokenize(customerLike('Sandra', 'Nothing changed on my side.'), { trustedHosts: ['deskql.test'] });
    const after = classify(model, nearCopy, { maxReasons: 50 });
    expect(after.verdict).toBe('spam');
    expect(after.reasons.some((r) => r.token.startsWith('url:') && r.spamProbability > 0.9)).toBe(true);
  });
});
