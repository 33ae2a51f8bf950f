// Calibrates the server's MIN_SPAM_EVIDENCE (packages/server/src/domain/spam/spam-filter.ts: a spam
// verdict needs at least that many significant tokens) by 5-fold cross-validation on the TRAINING part
// of the seeded 70/30 split only (the test part is never parsed here).
//
//   npm run build -w @deskql/classifier && npm run build -w @deskql/server && npx tsx bench/classifier/evidence-cv.ts
//
// Per fold, what the server would run with a base model trained on the other four folds: the model is
// learned and pruned exactly as train-base-model.ts does (packages/classifier/scripts/base-model-training.ts:
// its parser, the corpus's trusted hosts, its pruning), then restricted to the server's "transferable" content tokens
// (a cold workspace: no own counts, no near-copies, no threshold); the held-out messages are parsed
// with the server's parseEmail and tokenized with its spamTokens (both from packages/server/dist, no
// trusted hosts), and classified with the library defaults and each minSpamEvidence below.
// FP = ham called spam; FN = spam not called spam (unsure counts as missed). Three seeded fold
// assignments (SEED+1..SEED+3, fold = position % 5 after a seeded shuffle, as cv.ts and calibrate.ts).
// Every training message is parsed and tokenized once (both ways) and reused by the 15 fold models.
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { classify, createModel, TOKENIZER_VERSION, type SpamModel } from '@deskql/classifier';
import { TOKENIZER_VERSION as SOURCE_TOKENIZER_VERSION } from '../../packages/classifier/src/tokenize.js';
import { baseModelTokens, learnAsBaseModel, pruneAsBaseModel } from '../../packages/classifier/scripts/base-model-training.js';
import { FOLD_SEEDS, FOLDS } from './cv.js';
import { SEED, TRAIN_SHARE } from './config.js';
import { loadCorpus } from './corpus.js';
import { pct, rng, shuffle, stratifiedSplit } from './stats.js';

const VALUES = [0, 1, 2, 3, 4, 5, 6, 8];
/** Two-part rules also tried: the server's minimum, or fewer significant tokens when the score is very high. */
const RELAXED = [1, 2, 3, 4].flatMap((tokens) => [0.9, 0.99, 0.999].map((score) => ({ tokens, score })));
const log = (...parts: unknown[]): void => console.error('[evidence-cv]', ...parts);

// The server's parser, tokens, content restriction and current minimum, from its dist/ (as the SMTP
// daemon's server runs, and as server-config.ts loads them).
if (TOKENIZER_VERSION !== SOURCE_TOKENIZER_VERSION) {
  throw new Error(`@deskql/classifier dist/ tokenizes v${TOKENIZER_VERSION}, src/ v${SOURCE_TOKENIZER_VERSION}: run npm run build -w @deskql/classifier`);
}
const dist = dirname(createRequire(import.meta.url).resolve('@deskql/server'));
const internal = async <T>(path: string) => (await import(pathToFileURL(join(dist, path)).href)) as T;
const { parseEmail } = await internal<{ parseEmail(raw: Buffer): Promise<unknown> }>('domain/mail/inbound-email.js');
const { spamTokens } = await internal<{ spamTokens(email: unknown): string[] }>('domain/spam/spam-features.js');
const { contentPart, MIN_SPAM_EVIDENCE } = await internal<{
  contentPart?(model: SpamModel): SpamModel;
  MIN_SPAM_EVIDENCE?: number;
}>('domain/spam/spam-filter.js');
if (!contentPart || MIN_SPAM_EVIDENCE === undefined) throw new Error('packages/server/dist is stale: run npm run build -w @deskql/server');
const CURRENT = MIN_SPAM_EVIDENCE;
if (!VALUES.includes(CURRENT)) {
  VALUES.push(CURRENT);
  VALUES.sort((a, b) => a - b);
}

interface Item {
  id: string;
  label: 'spam' | 'ham';
  hard: boolean;
  /** As train-base-model.ts learns it. */
  learnTokens: string[];
  /** As the server scores it. */
  serverTokens: string[];
}

const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const { messages } = loadCorpus();
const { train } = stratifiedSplit(messages, TRAIN_SHARE, SEED);
const items: Item[] = [];
for (const [i, m] of train.entries()) {
  if (i % 1000 === 0) log(`tokenizing ${i}/${train.length}`);
  items.push({ id: m.id, label: m.label, hard: m.hard, learnTokens: await baseModelTokens(m.raw), serverTokens: spamTokens(await parseEmail(m.raw)) });
}
const tokenizedAt = performance.now();
const hams = items.filter((m) => m.label === 'ham').length;
const spams = items.length - hams;
log(`${items.length} training messages (${hams} ham, ${spams} spam) tokenized in ${((tokenizedAt - started) / 1000).toFixed(1)} s`);

/** The server's view of a base model trained on these messages: pruned as shipped, content tokens only. */
function serverModel(learned: readonly Item[]): SpamModel {
  const model = createModel();
  learnAsBaseModel(model, learned.map((m) => ({ tokens: m.learnTokens, label: m.label })));
  pruneAsBaseModel(model);
  return contentPart!(model);
}

interface Counts {
  fp: number;
  hardFp: number;
  fn: number;
  unsureSpam: number;
}
const zero = (): Counts => ({ fp: 0, hardFp: 0, fn: 0, unsureSpam: 0 });
/** results[assignment][value] */
const results: Counts[][] = [];
/** Per relaxed rule: FP and FN summed over the assignments (scored once with minSpamEvidence 0). */
const relaxed = RELAXED.map(zero);
for (const seed of FOLD_SEEDS) {
  const order = shuffle(items, rng(seed));
  const perValue = VALUES.map(zero);
  for (let k = 0; k < FOLDS; k++) {
    const model = serverModel(order.filter((_, i) => i % FOLDS !== k));
    order.forEach((m, i) => {
      if (i % FOLDS !== k) return;
      const open = classify(model, m.serverTokens, { minSpamEvidence: 0 });
      RELAXED.forEach((rule, r) => {
        const spam = open.verdict === 'spam' && (open.significantTokens >= CURRENT || (open.significantTokens >= rule.tokens && open.score >= rule.score));
        if (m.label === 'ham' && spam) relaxed[r]!.fp++;
        if (m.label === 'spam' && !spam) relaxed[r]!.fn++;
      });
      VALUES.forEach((minSpamEvidence, v) => {
        const { verdict } = classify(model, m.serverTokens, { minSpamEvidence });
        const c = perValue[v]!;
        if (m.label === 'ham' && verdict === 'spam') {
          c.fp++;
          if (m.hard) c.hardFp++;
        }
        if (m.label === 'spam' && verdict !== 'spam') {
          c.fn++;
          if (verdict === 'unsure') c.unsureSpam++;
        }
      });
    });
    log(`fold seed ${seed}, fold ${k + 1}/${FOLDS} done`);
  }
  results.push(perValue);
}

// ---- report ---------------------------------------------------------------------------------
const sum = (v: number, pick: (c: Counts) => number): number => results.reduce((n, run) => n + pick(run[v]!), 0);
const avg = (v: number, pick: (c: Counts) => number): string => (sum(v, pick) / results.length).toFixed(1);
const cur = VALUES.indexOf(CURRENT);
const chosenIndex = VALUES.findIndex((_, v) => sum(v, (c) => c.fp) <= sum(cur, (c) => c.fp));
const chosen = VALUES[chosenIndex]!;

const lines: string[] = [];
lines.push(
  `minSpamEvidence by 5-fold CV on the training part (${items.length} messages: ${hams} ham, ${spams} spam), fold seeds ${FOLD_SEEDS.join(', ')}; server model per fold (base model pruned as shipped, transferable tokens only, server tokens, library defaults). FP = ham called spam, FN = spam not called spam (unsure = missed).`,
);
lines.push('');
lines.push(`| minSpamEvidence | FP per assignment | FP total | FP mean (% of ham) | hard-ham FP total | FN per assignment | FN total | FN mean (% of spam) | of FN: unsure, total |`);
lines.push('|---|---|---|---|---|---|---|---|---|');
VALUES.forEach((value, v) => {
  const fpMean = sum(v, (c) => c.fp) / results.length;
  const fnMean = sum(v, (c) => c.fn) / results.length;
  lines.push(
    `| ${value}${value === CURRENT ? ' (server today)' : ''}${value === chosen ? ' ← chosen' : ''} | ${results.map((r) => r[v]!.fp).join(' / ')} | ${sum(v, (c) => c.fp)} | ${avg(v, (c) => c.fp)} (${pct(fpMean / hams)}) | ${sum(v, (c) => c.hardFp)} | ${results.map((r) => r[v]!.fn).join(' / ')} | ${sum(v, (c) => c.fn)} | ${avg(v, (c) => c.fn)} (${pct(fnMean / spams)}) | ${sum(v, (c) => c.unsureSpam)} |`,
  );
});
lines.push('');
lines.push(
  `Smallest value whose cross-validated FP (summed over the ${results.length} assignments) is no larger than with ${CURRENT}: ${chosen} (FP ${sum(chosenIndex, (c) => c.fp)} vs ${sum(cur, (c) => c.fp)}, FN ${sum(chosenIndex, (c) => c.fn)} vs ${sum(cur, (c) => c.fn)}).`,
);
lines.push('');
lines.push(`Two-part rules: a spam verdict with ${CURRENT} significant tokens, or with fewer when the score is very high (totals over the assignments):`);
lines.push('');
lines.push('| rule | FP total | FN total | FN mean (% of spam) |');
lines.push('|---|---|---|---|');
RELAXED.forEach((rule, r) => {
  const c = relaxed[r]!;
  lines.push(`| ≥ ${CURRENT}, or ≥ ${rule.tokens} with score ≥ ${rule.score} | ${c.fp} | ${c.fn} | ${pct(c.fn / results.length / spams)} |`);
});
lines.push(
  `Run on ${cpus().length} cores, Node ${process.version}, tokenizer v${TOKENIZER_VERSION}: ${((performance.now() - started) / 1000).toFixed(0)} s (tokenizing ${((tokenizedAt - started) / 1000).toFixed(0)} s); load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end.`,
);
console.log(lines.join('\n'));
process.exit(0);
