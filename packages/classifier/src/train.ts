import { classify, DEFAULT_CLASSIFY_OPTIONS, type ClassifyOptions } from './classify.js';
import { learn, unlearn, type Label, type SpamModel } from './model.js';

/** One labelled message for batch training: its tokens (from `tokenize`) and its label. */
export interface TrainingItem {
  readonly tokens: readonly string[];
  readonly label: Label;
}

/** How `trainUntilSeparated` decides what to learn. */
export interface TrainUntilSeparatedOptions {
  /**
   * Thick threshold: a spam is learned while its score is below `spamCutoff + margin`, a ham
   * while its score is above `hamCutoff − margin` (the cutoffs of `classifyOptions`).
   * @default 0.3 (with the default cutoffs: spam is relearned below 0.85, ham above 0.15)
   */
  margin?: number;
  /**
   * Passes over the items at most (after the `learnAllFirst` pass); training stops earlier after a
   * pass that learned nothing.
   * @default 2
   */
  maxPasses?: number;
  /**
   * How many times one item may be learned over all passes (1: train-on-error only; more
   * reinforces the messages the model keeps getting wrong).
   * @default 3
   */
  maxLearnsPerItem?: number;
  /**
   * Learn every item once first (train-everything), then, pass by pass, learn again the ones still
   * inside the margin. Without it, training starts from `model` as given (pure train-on-error).
   * @default true
   */
  learnAllFirst?: boolean;
  /** Scoring options (cutoffs, strengths) used to score each item before deciding. */
  classifyOptions?: ClassifyOptions;
}

/** What `trainUntilSeparated` did. */
export interface TrainUntilSeparatedResult {
  /** Passes made (a pass that learned nothing ends training and is counted). */
  passes: number;
  /** `learn` calls made. */
  learned: number;
  /** Items learned at least once. */
  distinctLearned: number;
}

/**
 * Batch training with a thick threshold (train on or near error, "TONE", as in CRM114/OSBF and
 * DSPAM), for building a model from a labelled corpus such as the shipped base model. By default
 * every item is learned once, then up to `maxPasses` passes in item order score each item by the
 * model without its own learning (leave-one-out: unlearn, classify, relearn) and learn it once
 * more if its score is on the wrong side of, or within `margin` of, its cutoff, at most
 * `maxLearnsPerItem` times in all: the messages the counts do not yet separate weigh more.
 * (From an empty model, `learnAllFirst: false`, it is pure train-on-error; on the SpamAssassin
 * corpus that was much worse in cross-validation, see bench/RESULTS.md.) Learns into `model` in
 * place with `learn`, so a message learned n times counts as n messages of its class; one
 * `learn`/`unlearn` still costs O(its tokens). Deterministic for a given item order.
 */
export function trainUntilSeparated(model: SpamModel, items: readonly TrainingItem[], options: TrainUntilSeparatedOptions = {}): TrainUntilSeparatedResult {
  const margin = options.margin ?? 0.3;
  const maxPasses = options.maxPasses ?? 2;
  const maxLearns = options.maxLearnsPerItem ?? 3;
  const classifyOptions = options.classifyOptions ?? {};
  const spamBar = (classifyOptions.spamCutoff ?? DEFAULT_CLASSIFY_OPTIONS.spamCutoff) + margin;
  const hamBar = (classifyOptions.hamCutoff ?? DEFAULT_CLASSIFY_OPTIONS.hamCutoff) - margin;
  const learns = new Uint32Array(items.length);
  let learned = 0;
  if (options.learnAllFirst ?? true) {
    items.forEach((item, i) => {
      learn(model, item.tokens, item.label);
      learns[i] = 1;
      learned += 1;
    });
  }
  let passes = 0;
  while (passes < maxPasses) {
    passes += 1;
    let thisPass = 0;
    items.forEach((item, i) => {
      if ((learns[i] ?? 0) >= maxLearns) return;
      // Scored without its own earlier learning (leave-one-out), else an item learned once always looks separated.
      const own = learns[i] ?? 0;
      for (let n = 0; n < own; n++) unlearn(model, item.tokens, item.label);
      const { score } = classify(model, item.tokens, classifyOptions);
      for (let n = 0; n < own; n++) learn(model, item.tokens, item.label);
      const inside = item.label === 'spam' ? score < spamBar : score > hamBar;
      if (!inside) return;
      learn(model, item.tokens, item.label);
      learns[i] = (learns[i] ?? 0) + 1;
      thisPass += 1;
    });
    learned += thisPass;
    if (thisPass === 0) break;
  }
  let distinctLearned = 0;
  for (const n of learns) if (n > 0) distinctLearned += 1;
  return { passes, learned, distinctLearned };
}
