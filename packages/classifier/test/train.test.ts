import { describe, expect, it } from 'vitest';
import { createModel, learn, trainUntilSeparated, type SpamModel, type TrainingItem } from '../src/index.js';

/**
 * 30 clear spam, 30 clear ham, then a spam written like ham and a spam made only of a token seen
 * nowhere else. Origin-prefixed tokens, so that one message is evidence (`strength`, not `wordStrength`).
 */
function corpus(): TrainingItem[] {
  const items: TrainingItem[] = [];
  for (let i = 0; i < 30; i++) {
    items.push({ tokens: ['subject:viagra', 'url:winner.example', `mid:spam-unique-${i}`], label: 'spam' });
    items.push({ tokens: ['subject:invoice', 'subject:ticket', 'subject:meeting', `mid:ham-unique-${i}`], label: 'ham' });
  }
  items.push({ tokens: ['subject:invoice', 'subject:ticket', 'mid:hard-unique'], label: 'spam' });
  items.push({ tokens: ['mid:lonely-unique'], label: 'spam' });
  return items;
}

function counts(model: SpamModel): unknown {
  return [model.spamMessages, model.hamMessages, [...model.tokens].map(([t, s]) => [t, s.spam, s.ham]).sort()];
}

describe('trainUntilSeparated', () => {
  it('learns everything once, then again the items the counts do not separate (scored leave-one-out)', () => {
    const model = createModel();
    const result = trainUntilSeparated(model, corpus());
    // Pass 1 and pass 2 each relearn the two hard spam; the 60 clear items stay at one learn.
    expect(result).toEqual({ passes: 2, learned: 62 + 4, distinctLearned: 62 });
    expect(model.spamMessages).toBe(30 + 3 + 3);
    expect(model.hamMessages).toBe(30);
    expect(model.tokens.get('mid:hard-unique')).toMatchObject({ spam: 3, ham: 0 });
    // Scored with its own learning included, this one would look separated (its only token is pure spam).
    expect(model.tokens.get('mid:lonely-unique')).toMatchObject({ spam: 3, ham: 0 });
    expect(model.tokens.get('subject:viagra')).toMatchObject({ spam: 30, ham: 0 });
    expect(model.tokens.get('subject:invoice')).toMatchObject({ spam: 3, ham: 30 });
    expect(model.tokens.get('mid:ham-unique-7')).toMatchObject({ spam: 0, ham: 1 });
  });

  it('with one learn per item is plain train-everything', () => {
    const items = corpus();
    const model = createModel();
    const result = trainUntilSeparated(model, items, { maxLearnsPerItem: 1 });
    expect(result.learned).toBe(items.length);
    const plain = createModel();
    for (const item of items) learn(plain, item.tokens, item.label);
    expect(counts(model)).toEqual(counts(plain));
  });

  it('a zero margin relearns only items on the wrong side of their cutoff', () => {
    const model = createModel();
    trainUntilSeparated(model, corpus(), { margin: 0 });
    // The lonely spam scores 0.5 without itself: unsure is not spam, so it is relearned too.
    expect(model.tokens.get('mid:hard-unique')?.spam).toBe(3);
    expect(model.tokens.get('mid:lonely-unique')?.spam).toBe(3);
    const wide = createModel();
    // A margin beyond the cutoffs relearns every item up to the limit.
    const result = trainUntilSeparated(wide, corpus(), { margin: 0.6, maxLearnsPerItem: 2, maxPasses: 5 });
    expect(result).toEqual({ passes: 2, learned: 62 * 2, distinctLearned: 62 });
  });

  it('from an empty model (train on error only) learns only what it does not yet get right', () => {
    const model = createModel();
    const result = trainUntilSeparated(model, corpus(), { learnAllFirst: false, maxLearnsPerItem: 1, maxPasses: 3 });
    // The first spam and ham (nothing known yet: 0.5), the spam written like ham, the lonely spam.
    expect(result.distinctLearned).toBe(4);
    expect(model.spamMessages + model.hamMessages).toBe(result.learned);
    // The clear spam after the first few are not learned: their shared tokens already decide.
    expect(model.tokens.get('subject:viagra')?.spam).toBe(1);
    expect(model.tokens.has('mid:spam-unique-29')).toBe(false);
  });

  it('is deterministic and leaves no trace of the leave-one-out scoring in the counts', () => {
    const a = createModel();
    const b = createModel();
    trainUntilSeparated(a, corpus());
    trainUntilSeparated(b, corpus());
    expect(counts(a)).toEqual(counts(b));
    expect(a.generation).toBe(b.generation);
    for (const [, s] of a.tokens) expect(s.spam + s.ham).toBeGreaterThan(0);
  });
});
