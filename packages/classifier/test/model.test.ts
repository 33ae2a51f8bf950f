import { describe, expect, it } from 'vitest';
import { rng } from '../scripts/seeded-random.js';
import {
  classify,
  ClassifierError,
  cloneModel,
  createModel,
  learn,
  modelFromJSON,
  modelToJSON,
  parseModel,
  pruneModel,
  serializeModel,
  unlearn,
  type Label,
  type SpamModel,
} from '../src/index.js';

// A vocabulary with integer-like, Unicode, prefixed and spaced tokens: the kinds that break
// object-keyed models (PLATFORM-NOTES pitfall 9).
const VOCABULARY = ['2002', '42', '0', '007', 'café', 'привет', '無料', 'subject:free', 'url:example.com', 'click here', '#$9.99', 'hdr:X-Mailer', '__proto__', 'constructor', ...Array.from({ length: 200 }, (_, i) => `w${i}`)];

function randomMessage(random: () => number): string[] {
  const n = 1 + Math.floor(random() * 40);
  return Array.from({ length: n }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)] as string);
}

/** Counts only: learn/unlearn are exact inverses on these (generation and lastSeen move forward). */
function counts(model: SpamModel): unknown {
  return { spam: model.spamMessages, ham: model.hamMessages, tokens: [...model.tokens].map(([t, s]) => [t, s.spam, s.ham]).sort() };
}

function randomModel(seed: number, messages: number): SpamModel {
  const random = rng(seed);
  const model = createModel();
  for (let i = 0; i < messages; i++) learn(model, randomMessage(random), random() < 0.4 ? 'spam' : 'ham');
  return model;
}

describe('learn / unlearn', () => {
  it('counts each distinct token once per message and the message once', () => {
    const model = createModel();
    learn(model, ['a', 'b', 'a', 'a'], 'spam');
    learn(model, ['a'], 'ham');
    expect(model.spamMessages).toBe(1);
    expect(model.hamMessages).toBe(1);
    expect(model.tokens.get('a')).toMatchObject({ spam: 1, ham: 1 });
    expect(model.tokens.get('b')).toMatchObject({ spam: 1, ham: 0 });
    expect(model.generation).toBe(2);
  });

  it('are exact inverses on counts (property, 300 random cases)', () => {
    const random = rng(7);
    for (let run = 0; run < 300; run++) {
      const model = randomModel(run, Math.floor(random() * 30));
      const before = counts(model);
      const message = randomMessage(random);
      const label: Label = random() < 0.5 ? 'spam' : 'ham';
      learn(model, message, label);
      expect(counts(model)).not.toEqual(before);
      unlearn(model, message, label);
      expect(counts(model)).toEqual(before);
    }
  });

  it('moves a message from one class to the other when the decision is reversed', () => {
    const model = randomModel(3, 50);
    const message = ['refund', 'order', 'url:shop.example'];
    learn(model, message, 'spam');
    const asSpam = model.tokens.get('refund');
    expect(asSpam).toMatchObject({ spam: 1, ham: 0 });
    unlearn(model, message, 'spam');
    learn(model, message, 'ham');
    expect(model.tokens.get('refund')).toMatchObject({ spam: 0, ham: 1 });
  });

  it('deletes tokens whose counts reach zero and never goes below zero', () => {
    const model = createModel();
    learn(model, ['x', 'y'], 'spam');
    unlearn(model, ['x', 'y'], 'spam');
    expect(model.tokens.size).toBe(0);
    expect(model.spamMessages).toBe(0);
    unlearn(model, ['x', 'never-seen'], 'ham');
    expect(model.hamMessages).toBe(0);
    expect(model.tokens.size).toBe(0);
  });
});

describe('serialization', () => {
  it('round-trips exactly, token order and integer-like tokens included', () => {
    const model = randomModel(11, 200);
    const text = serializeModel(model);
    const restored = parseModel(text);
    expect(serializeModel(restored)).toBe(text);
    expect([...restored.tokens.keys()]).toEqual([...model.tokens.keys()]);
    expect(restored.tokens.get('__proto__')).toEqual(model.tokens.get('__proto__'));
    expect(restored).toEqual(model);
    const message = ['2002', '42', 'café', 'w1', 'w2'];
    expect(classify(restored, message, { minMessagesPerClass: 0 })).toEqual(classify(model, message, { minMessagesPerClass: 0 }));
  });

  it('survives JSON.stringify/parse of modelToJSON, and learning continues after restore', () => {
    const model = randomModel(12, 100);
    const restored = modelFromJSON(JSON.parse(JSON.stringify(modelToJSON(model))));
    learn(model, ['new', '2002'], 'spam');
    learn(restored, ['new', '2002'], 'spam');
    expect(serializeModel(restored)).toBe(serializeModel(model));
  });

  it('rejects malformed input with a typed error', () => {
    const good = modelToJSON(randomModel(13, 5));
    const cases: [unknown, string][] = [
      [null, 'INVALID_MODEL'],
      [{ ...good, format: 'other' }, 'INVALID_MODEL'],
      [{ ...good, version: 2 }, 'UNSUPPORTED_MODEL_VERSION'],
      [{ ...good, counts: good.counts.slice(1) }, 'INVALID_MODEL'],
      [{ ...good, counts: good.counts.map((c, i) => (i === 0 ? -1 : c)) }, 'INVALID_MODEL'],
      [{ ...good, tokens: [...good.tokens.slice(0, -1), good.tokens[0]] }, 'INVALID_MODEL'],
      [{ ...good, spamMessages: 1.5 }, 'INVALID_MODEL'],
    ];
    for (const [input, code] of cases) {
      expect(() => modelFromJSON(input)).toThrow(ClassifierError);
      try {
        modelFromJSON(input);
      } catch (error) {
        expect((error as ClassifierError).code).toBe(code);
      }
    }
    expect(() => parseModel('{not json')).toThrow(/not valid JSON/);
  });

  it('clones deeply', () => {
    const model = randomModel(14, 20);
    const copy = cloneModel(model);
    learn(copy, ['w1'], 'spam');
    expect(serializeModel(copy)).not.toBe(serializeModel(model));
  });
});

describe('pruneModel', () => {
  function agedModel(): SpamModel {
    const model = createModel();
    learn(model, ['common', 'rare-old'], 'ham'); // generation 1
    learn(model, ['common', 'twice-old'], 'spam'); // 2
    learn(model, ['twice-old'], 'spam'); // 3
    for (let i = 0; i < 10; i++) learn(model, ['common', `filler${i}`], i % 2 ? 'spam' : 'ham'); // 4..13
    learn(model, ['rare-new'], 'ham'); // 14
    return model;
  }

  it('drops rare tokens once they are stale, keeps frequent and recent ones', () => {
    const model = agedModel();
    const result = pruneModel(model, { minMessages: 2, maxAge: 5 });
    expect(model.tokens.has('rare-old')).toBe(false);
    expect(model.tokens.has('filler0')).toBe(false);
    expect(model.tokens.has('filler9')).toBe(true); // seen 1 generation ago
    expect(model.tokens.has('rare-new')).toBe(true);
    expect(model.tokens.has('twice-old')).toBe(true);
    expect(model.tokens.has('common')).toBe(true);
    expect(result.remaining).toBe(model.tokens.size);
    expect(result.removed).toBeGreaterThan(0);
    expect(model.spamMessages + model.hamMessages).toBe(14);
  });

  it('caps the vocabulary, keeping the most seen tokens', () => {
    const model = agedModel();
    pruneModel(model, { maxAge: Number.POSITIVE_INFINITY, maxTokens: 2 });
    expect([...model.tokens.keys()].sort()).toEqual(['common', 'twice-old']);
  });

  it('keeps a pruned model usable and serializable', () => {
    const model = randomModel(15, 300);
    pruneModel(model, { minMessages: 3, maxAge: 0 });
    expect([...model.tokens.values()].every((s) => s.spam + s.ham >= 3)).toBe(true);
    expect(parseModel(serializeModel(model))).toEqual(model);
  });
});
