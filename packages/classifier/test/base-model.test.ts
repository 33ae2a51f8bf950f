import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BASE_MODEL_FILE, baseModelInfo, loadBaseModel } from '../src/base-model.js';
import { classify, learn, tokenize } from '../src/index.js';
import { TOKENIZER_VERSION } from '../src/tokenize.js';
import packageJson from '../package.json' with { type: 'json' };

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('base model', () => {
  it('is shipped at the package root, small enough for the repository', () => {
    const file = join(packageRoot, BASE_MODEL_FILE);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).size).toBeLessThan(2 * 1024 * 1024);
    expect(packageJson.files).toContain(BASE_MODEL_FILE);
  });

  it('is found from dist/ as from src/ (both sit directly under the package root)', () => {
    for (const folder of ['src', 'dist']) {
      const moduleUrl = new URL(`file://${join(packageRoot, folder, 'base-model.js')}`);
      expect(fileURLToPath(new URL(`../${BASE_MODEL_FILE}`, moduleUrl))).toBe(join(packageRoot, BASE_MODEL_FILE));
    }
    expect(packageJson.exports['./base-model'].default).toBe('./dist/base-model.js');
  });

  it('matches this tokenizer and was trained on both classes', () => {
    const info = baseModelInfo();
    expect(info.tokenizerVersion).toBe(TOKENIZER_VERSION);
    expect(info.spamMessages).toBeGreaterThan(1000);
    expect(info.hamMessages).toBeGreaterThan(3000);
    expect(info.tokens).toBeGreaterThan(50_000);
  });

  it('returns a fresh copy each time', () => {
    const a = loadBaseModel();
    const b = loadBaseModel();
    learn(a, ['only-in-a'], 'spam');
    expect(a.tokens.has('only-in-a')).toBe(true);
    expect(b.tokens.has('only-in-a')).toBe(false);
    expect(b.spamMessages).toBe(a.spamMessages - 1);
  });

  it('tells typical spam from a typical customer message on day one', () => {
    const model = loadBaseModel();
    const spam = tokenize({
      subject: 'FREE!!! Lose 30 lbs in 30 days - GUARANTEED',
      from: 'Health Deals <deals4u@bestoffers.example>',
      html:
        '<html><body><font size="5" color="red"><b>AMAZING OFFER!</b></font><br>Our all natural formula ' +
        'burns fat while you sleep. Order now and receive a FREE bottle.<br><a href="http://203.0.113.50/order.html">CLICK HERE</a> ' +
        'to order today!<br><br>To be removed from our mailing list <a href="http://203.0.113.50/remove.html">click here</a>.</body></html>',
    });
    const ham = tokenize({
      subject: 'Re: build fails after upgrading to the new version',
      from: 'Paul Smith <paul@example.org>',
      text:
        'On Tue, I wrote:\n> the build fails with a linker error\n\nI tried again with a clean checkout and the ' +
        'same patch applied; it works now. The problem was an old header file left in /usr/local/include. ' +
        'Thanks for the pointer to the config script.\n\nPaul',
    });
    expect(classify(model, spam).verdict).toBe('spam');
    expect(classify(model, ham).verdict).toBe('ham');
  });
});
