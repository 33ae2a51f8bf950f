// Development harness: 5-fold cross-validation on the TRAINING part of the split only (the test
// part is never parsed here), to measure tokenizer features and scoring options one at a time.
//
//   npx tsx bench/classifier/cv.ts [variant-name ...] [--fold-seed=N]   # default: every variant, 3 fold assignments
//
// It imports the classifier's source (no build needed) and caches the parsed training messages in
// the OS temp directory. Each variant is a token filter (ablation of one tokenizer feature), classify
// options and/or a training procedure (default: as the shipped base model, trainUntilSeparated;
// `train-all` learns every message once, as before). `--misses` prints the spam missed at FP ≤ 2. Every training message is scored by a model trained on the other four folds,
// with three seeded fold assignments (SEED+1..SEED+3, as calibrate.ts). Figures per assignment:
//   FN@FP0 / FN@FP≤2: the fewest spam missed by any cutoff keeping CV false positives at 0 / ≤ 2
//                     (2 = 0.1% of the 2,877 training ham);
//   mean FN@FP≤0..5:  the mean of those figures for 0, 1, … 5 false positives allowed (the
//                     criterion: the top few ham scores decide them all, so one figure is noisy);
//   top ham: the highest ham scores. The last column averages the criterion over the assignments.
// Features tried and dropped this way are listed in bench/RESULTS.md (## Classifier).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { classify, createModel, learn, pruneModel, tokenize, type ClassifyOptions, type MailForClassification, type SpamModel } from '../../packages/classifier/src/index.js';
import { trainUntilSeparated, type TrainUntilSeparatedOptions } from '../../packages/classifier/src/train.js';
import { TOKENIZER_VERSION } from '../../packages/classifier/src/tokenize.js';
import { loadCorpus, toMail } from './corpus.js';
import { SEED, TRAIN_SHARE, TRUSTED_HOSTS } from './config.js';
import { pct, rng, shuffle, stratifiedSplit } from './stats.js';

export const FOLDS = 5;
/** The three seeded fold assignments every CV here repeats over (the top few ham scores decide every cutoff, so one is noisy). */
export const FOLD_SEEDS = [SEED + 1, SEED + 2, SEED + 3];
/** Seed of the fold assignment (calibrate.ts uses SEED + 1); `--fold-seed=N` repeats the CV with other folds. */
const foldSeed = Number(process.argv.find((a) => a.startsWith('--fold-seed='))?.slice(12) ?? SEED + 1);

export interface CvItem {
  id: string;
  label: 'spam' | 'ham';
  hard: boolean;
  subject: string;
  tokens: string[];
}

/** The training part, parsed (cached) and tokenized with the current source, in a seeded CV order. */
export async function trainingItems(seed = foldSeed): Promise<CvItem[]> {
  const { messages } = loadCorpus();
  const { train } = stratifiedSplit(messages, TRAIN_SHARE, SEED);
  const cacheFile = join(tmpdir(), `deskql-cv-train-${SEED}.json`);
  let cache: Record<string, MailForClassification> = {};
  if (existsSync(cacheFile)) cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, MailForClassification>;
  let dirty = false;
  const items: CvItem[] = [];
  for (const m of train) {
    let mail = cache[m.id];
    if (mail === undefined) {
      mail = await toMail(m.raw);
      cache[m.id] = mail;
      dirty = true;
    }
    items.push({ id: m.id, label: m.label, hard: m.hard, subject: mail.subject ?? '', tokens: tokenize(mail, { trustedHosts: TRUSTED_HOSTS }) });
  }
  if (dirty) writeFileSync(cacheFile, JSON.stringify(cache));
  return shuffle(items, rng(seed));
}


export interface Scored {
  m: CvItem;
  score: number;
}

/** How a fold model learns its (filtered) training items. */
export type Trainer = (model: SpamModel, items: readonly CvItem[]) => void;
/** Every item learned once, in order (train everything: how models were trained before trainUntilSeparated). */
export const learnAll: Trainer = (model, items) => {
  for (const m of items) learn(model, m.tokens, m.label);
};

/** Train-on-or-near-error (thick threshold) with these options. */
const tone = (options: TrainUntilSeparatedOptions): Trainer => (model, items) => {
  trainUntilSeparated(model, items, options);
};
/** How the shipped base model is trained (scripts/base-model-training.ts): `trainUntilSeparated` with its defaults. */
export const baseModelTrainer: Trainer = tone({});

/** The fold models: model k is trained on every item outside fold k, as the base model is unless `train` says otherwise (and pruned as it is, with `prune`). */
export function foldModels(order: readonly CvItem[], filter?: (token: string) => boolean, train: Trainer = baseModelTrainer, prune = false): SpamModel[] {
  const models: SpamModel[] = [];
  for (let k = 0; k < FOLDS; k++) {
    const model = createModel();
    const items = order.filter((_, i) => i % FOLDS !== k).map((m) => (filter ? { ...m, tokens: m.tokens.filter(filter) } : m));
    train(model, items);
    // As packages/classifier/scripts/base-model-training.ts prunes the shipped model (MAX_TOKENS never binds here).
    if (prune) pruneModel(model, { minMessages: 2, maxAge: 0 });
    models.push(model);
  }
  return models;
}

/** Scores every item with a model trained on the other folds (pass `models` to reuse them across options). */
export function crossValidate(order: readonly CvItem[], options: ClassifyOptions, filter?: (token: string) => boolean, models = foldModels(order, filter)): Scored[] {
  return order.map((m, i) => {
    const c = classify(models[i % FOLDS] as SpamModel, filter ? m.tokens.filter(filter) : m.tokens, options);
    // A known sender is never called spam, so its score does not count against a cutoff.
    return { m, score: c.knownSender ? Math.min(c.score, 0.5) : c.score };
  });
}

/** Fewest spam missed by a cutoff that lets at most `allowedFp` ham through, and that cutoff. */
export function fnAtFp(scored: readonly Scored[], allowedFp: number): { fn: number; cutoff: number } {
  const ham = scored.filter((s) => s.m.label === 'ham').map((s) => s.score).sort((a, b) => b - a);
  const bar = ham[allowedFp] ?? Number.NEGATIVE_INFINITY;
  const fn = scored.filter((s) => s.m.label === 'spam' && !(s.score > bar)).length;
  return { fn, cutoff: bar };
}

interface Variant {
  name: string;
  options?: ClassifyOptions;
  filter?: (token: string) => boolean;
  /** Training procedure (default: as the shipped base model, `baseModelTrainer`). */
  train?: Trainer;
  /** Prune the fold models as the shipped base model is pruned. */
  prune?: boolean;
}


const without = (prefix: string) => (t: string): boolean => !t.startsWith(prefix);
const VARIANTS: Variant[] = [
  { name: 'current' },
  { name: 'no-pairs', filter: (t) => !(!t.includes(':') && t.includes(' ')) && !(t.startsWith('subject:') && t.slice(8).includes(' ')) },
  { name: 'no-hdr', filter: without('hdr:') },
  { name: 'no-h', filter: without('h:') },
  { name: 'no-rcvd', filter: without('rcvd:') },
  { name: 'no-align', filter: without('align:') },
  { name: 'no-url', filter: (t) => !t.startsWith('url:') && !t.startsWith('img:') },
  { name: 'no-html', filter: without('html:') },
  { name: 'no-hord', filter: without('hord:') },
  // Training procedure (bench/RESULTS.md, ## Classifier): train everything vs train on or near error.
  { name: 'pruned', prune: true },
  { name: 'train-all', train: learnAll },
  { name: 'train-all-pruned', train: learnAll, prune: true },
  ...[0.1, 0.2, 0.3, 0.4, 0.44].flatMap((margin): Variant[] => [
    // From an empty model: learn an item only while it is inside the margin (once, or up to 3 times).
    { name: `tone-${margin}`, train: tone({ margin, learnAllFirst: false, maxLearnsPerItem: 1, maxPasses: 3 }) },
    { name: `tone-${margin}-x3`, train: tone({ margin, learnAllFirst: false, maxLearnsPerItem: 3, maxPasses: 4 }) },
    // Learn everything, then learn again (up to xN times in all) the items still inside the margin, scored leave-one-out
    // (all+tone-0.3-x3 is trainUntilSeparated's defaults, i.e. `current`).
    ...[2, 3, 5].flatMap((times): Variant[] => {
      const train = tone({ margin, learnAllFirst: true, maxLearnsPerItem: times, maxPasses: times - 1 });
      return [
        { name: `all+tone-${margin}-x${times}`, train },
        { name: `all+tone-${margin}-x${times}-pruned`, train, prune: true },
      ];
    }),
  ]),
  // The best settings calibrate.ts found with base-model training (the fold models learn with the default options).
  ...([[0.1, 3, 0.42], [0.03, 1, 0.42], [0.05, 2, 0.45]] as const).map(([strength, wordStrength, minDeviation]): Variant => ({
    name: `options-s${strength}-w${wordStrength}-d${minDeviation}`,
    options: { strength, wordStrength, minDeviation },
  })),
];

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const wanted = new Set(process.argv.slice(2).filter((a) => !a.startsWith('--')));
  const seeds = process.argv.some((a) => a.startsWith('--fold-seed=')) ? [foldSeed] : FOLD_SEEDS;
  const t0 = performance.now();
  const runs: CvItem[][] = [];
  for (const seed of seeds) runs.push(await trainingItems(seed));
  const order = runs[0] ?? [];
  const hams = order.filter((m) => m.label === 'ham').length;
  const spams = order.length - hams;
  console.log(`tokenizer v${TOKENIZER_VERSION}: ${order.length} training messages (${hams} ham, ${spams} spam), fold seeds ${seeds.join(', ')}, ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log('variant | per fold assignment: FN@FP0 / FN@FP≤2 / mean FN@FP≤0..5 (top ham) | average of mean FN@FP≤0..5');
  const misses = process.argv.includes('--misses');
  for (const v of VARIANTS) {
    if (wanted.size > 0 && !wanted.has(v.name)) continue;
    const parts: string[] = [];
    let total = 0;
    for (const run of runs) {
      const models = foldModels(run, v.filter, v.train, v.prune);
      const scored = crossValidate(run, v.options ?? {}, v.filter, models);
      if (misses && run === runs[0]) printMisses(run, scored, models, v);
      const mean = [0, 1, 2, 3, 4, 5].reduce((sum, k) => sum + fnAtFp(scored, k).fn, 0) / 6;
      total += mean;
      const top = scored.filter((s) => s.m.label === 'ham').sort((x, y) => y.score - x.score).slice(0, 3);
      parts.push(`${pct(fnAtFp(scored, 0).fn / spams)} / ${pct(fnAtFp(scored, 2).fn / spams)} / ${pct(mean / spams)} (${top.map((s) => `${s.m.hard ? 'H' : 'e'}${s.score.toFixed(3)}`).join(' ')})`);
    }
    console.log(`${v.name} | ${parts.join(' | ')} | ${pct(total / runs.length / spams)}%`);
  }
}

/** `--misses`: the spam a cutoff allowing 2 CV false positives misses (first fold assignment), with their strongest tokens. */
function printMisses(run: readonly CvItem[], scored: readonly Scored[], models: readonly SpamModel[], v: Variant): void {
  const { cutoff } = fnAtFp(scored, 2);
  console.log(`\n${v.name}: spam missed at FP≤2 (cutoff ${cutoff.toFixed(4)})`);
  scored.forEach((s, i) => {
    if (s.m.label !== 'spam' || s.score > cutoff) return;
    const tokens = v.filter ? s.m.tokens.filter(v.filter) : s.m.tokens;
    const c = classify(models[i % FOLDS] as SpamModel, tokens, { ...v.options, maxReasons: 10 });
    const reasons = c.reasons.map((r) => `${r.token}=${r.spamProbability.toFixed(3)}`).join(', ');
    console.log(`${s.score.toFixed(3)} ${s.m.id} tokens ${tokens.length} significant ${c.significantTokens} known ${c.knownSender} | ${s.m.subject.slice(0, 60)} | ${reasons}`);
  });
  console.log('');
}
