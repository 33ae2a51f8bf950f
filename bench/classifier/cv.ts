// Development harness: 5-fold cross-validation on the TRAINING part of the split only (the test
// part is never parsed here), to measure tokenizer features and scoring options one at a time.
//
//   npx tsx bench/classifier/cv.ts [variant-name ...] [--fold-seed=N]   # default: every variant, 3 fold assignments
//
// It imports the classifier's source (no build needed) and caches the parsed training messages in
// the OS temp directory. Each variant is a token filter (ablation of one tokenizer feature) and/or
// classify options. Every training message is scored by a model trained on the other four folds,
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
import { classify, createModel, learn, tokenize, type ClassifyOptions, type MailForClassification, type SpamModel } from '../../packages/classifier/src/index.js';
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
    items.push({ id: m.id, label: m.label, hard: m.hard, tokens: tokenize(mail, { trustedHosts: TRUSTED_HOSTS }) });
  }
  if (dirty) writeFileSync(cacheFile, JSON.stringify(cache));
  return shuffle(items, rng(seed));
}


export interface Scored {
  m: CvItem;
  score: number;
}

/** The fold models: model k is trained on every item outside fold k. */
export function foldModels(order: readonly CvItem[], filter?: (token: string) => boolean): SpamModel[] {
  const models: SpamModel[] = [];
  for (let k = 0; k < FOLDS; k++) {
    const model = createModel();
    order.forEach((m, i) => {
      if (i % FOLDS !== k) learn(model, filter ? m.tokens.filter(filter) : m.tokens, m.label);
    });
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
  for (const v of VARIANTS) {
    if (wanted.size > 0 && !wanted.has(v.name)) continue;
    const parts: string[] = [];
    let total = 0;
    for (const run of runs) {
      const scored = crossValidate(run, v.options ?? {}, v.filter);
      const mean = [0, 1, 2, 3, 4, 5].reduce((sum, k) => sum + fnAtFp(scored, k).fn, 0) / 6;
      total += mean;
      const top = scored.filter((s) => s.m.label === 'ham').sort((x, y) => y.score - x.score).slice(0, 3);
      parts.push(`${pct(fnAtFp(scored, 0).fn / spams)} / ${pct(fnAtFp(scored, 2).fn / spams)} / ${pct(mean / spams)} (${top.map((s) => `${s.m.hard ? 'H' : 'e'}${s.score.toFixed(3)}`).join(' ')})`);
    }
    console.log(`${v.name} | ${parts.join(' | ')} | ${pct(total / runs.length / spams)}%`);
  }
}
