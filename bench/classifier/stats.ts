import { rng, shuffle } from '../../packages/classifier/scripts/seeded-random.js';
import type { CorpusMessage, Folder } from './corpus.js';

export { rng, shuffle };

/** Seeded split stratified by corpus folder: `trainShare` of each folder goes to training. */
export function stratifiedSplit(messages: readonly CorpusMessage[], trainShare: number, seed: number): { train: CorpusMessage[]; test: CorpusMessage[] } {
  const random = rng(seed);
  const byFolder = new Map<Folder, CorpusMessage[]>();
  for (const m of messages) {
    const list = byFolder.get(m.folder) ?? [];
    list.push(m);
    byFolder.set(m.folder, list);
  }
  const train: CorpusMessage[] = [];
  const test: CorpusMessage[] = [];
  for (const list of byFolder.values()) {
    const shuffled = shuffle(list, random);
    const cut = Math.round(shuffled.length * trainShare);
    train.push(...shuffled.slice(0, cut));
    test.push(...shuffled.slice(cut));
  }
  return { train, test };
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** One scored test message. `spam` is the verdict counted as spam (unsure counts as not spam). */
export interface Outcome {
  label: 'spam' | 'ham';
  hard: boolean;
  score: number;
  verdict: 'spam' | 'unsure' | 'ham';
}

export interface Metrics {
  ham: number;
  hardHam: number;
  spam: number;
  fp: number;
  hardFp: number;
  fn: number;
  unsure: number;
  unsureHam: number;
  unsureSpam: number;
  fpRate: number;
  fnRate: number;
  f1: number;
  /** Lowest miss rate any score threshold reaches with FP ≤ 0.1% (threshold chosen on these outcomes: optimistic). */
  fnAtFp01: number;
}

export function metrics(outcomes: readonly Outcome[]): Metrics {
  const hams = outcomes.filter((o) => o.label === 'ham');
  const spams = outcomes.filter((o) => o.label === 'spam');
  const fp = hams.filter((o) => o.verdict === 'spam').length;
  const hardFp = hams.filter((o) => o.hard && o.verdict === 'spam').length;
  const fn = spams.filter((o) => o.verdict !== 'spam').length;
  const tp = spams.length - fn;
  const unsureHam = hams.filter((o) => o.verdict === 'unsure').length;
  const unsureSpam = spams.filter((o) => o.verdict === 'unsure').length;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = spams.length === 0 ? 0 : tp / spams.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  // Allowed false positives at 0.1%; the threshold must lie strictly above the next ham score.
  const allowed = Math.floor(hams.length * 0.001);
  const hamScores = hams.map((o) => o.score).sort((a, b) => b - a);
  const bar = hamScores[allowed] ?? Number.NEGATIVE_INFINITY;
  const caught = spams.filter((o) => o.score > bar).length;
  return {
    ham: hams.length,
    hardHam: hams.filter((o) => o.hard).length,
    spam: spams.length,
    fp,
    hardFp,
    fn,
    unsure: unsureHam + unsureSpam,
    unsureHam,
    unsureSpam,
    fpRate: hams.length === 0 ? 0 : fp / hams.length,
    fnRate: spams.length === 0 ? 0 : fn / spams.length,
    f1,
    fnAtFp01: spams.length === 0 ? 0 : (spams.length - caught) / spams.length,
  };
}

export const pct = (x: number, digits = 2): string => (100 * x).toFixed(digits);
export const ms = (x: number, digits = 2): string => x.toFixed(digits);
