// Accuracy smoke test on half of the SpamAssassin public corpus (a dev dependency): train on 70%,
// test on 30%. The bounds are loose on purpose (the full benchmark is bench/classifier/run.ts); they
// catch a broken tokenizer or scorer, which drops far below them.
import { describe, expect, it } from 'vitest';
import { classify, createModel, learn, tokenize } from '../src/index.js';
import { CORPUS_TRUSTED_HOSTS, parseMail, readCorpus } from '../scripts/corpus.js';

describe('SpamAssassin corpus smoke test', () => {
  it('learns half the corpus and classifies held-out mail well', { timeout: 60_000 }, async () => {
    const sample = readCorpus().filter((_, i) => i % 2 === 0);
    const items = [];
    for (const m of sample) items.push({ label: m.label, hard: m.folder === 'hard-ham-1', tokens: tokenize(await parseMail(m.raw), { trustedHosts: CORPUS_TRUSTED_HOSTS }) });
    const train = items.filter((_, i) => i % 10 < 7);
    const test = items.filter((_, i) => i % 10 >= 7);
    const model = createModel();
    for (const m of train) learn(model, m.tokens, m.label);

    let fp = 0;
    let easyFp = 0;
    let fn = 0;
    let hams = 0;
    let spams = 0;
    for (const m of test) {
      const { verdict } = classify(model, m.tokens);
      if (m.label === 'ham') {
        hams++;
        if (verdict === 'spam') fp++;
        if (verdict === 'spam' && !m.hard) easyFp++;
      } else {
        spams++;
        if (verdict !== 'spam') fn++;
      }
    }
    console.log(`corpus smoke test: FP ${fp}/${hams} (${easyFp} not hard ham), FN ${fn}/${spams}`);
    expect(hams).toBeGreaterThan(500);
    expect(spams).toBeGreaterThan(200);
    // Half the training data of the benchmark: hard ham (commercial newsletters) suffers first.
    expect(easyFp / hams).toBeLessThanOrEqual(0.005);
    expect(fp / hams).toBeLessThanOrEqual(0.015);
    expect(fn / spams).toBeLessThanOrEqual(0.1);
  });
});
