// Calibrates the server's scoring options (SERVER_CLASSIFY_OPTIONS in
// packages/server/src/domain/spam/spam-filter.ts) by 5-fold cross-validation on the TRAINING part of the
// seeded 70/30 split only (the test part is never parsed here).
//
//   npm run build -w @deskql/classifier && npm run build -w @deskql/server && npx tsx bench/classifier/server-cv.ts
//
// The library's defaults were calibrated on every token of a message; a cold workspace scores only the
// base model's content tokens (words, subject, links, HTML traits, attachments), where text words are most
// of the evidence, so the server needs its own settings. Per fold, what the server would run with a base
// model trained on the other four folds: learned and pruned exactly as train-base-model.ts does
// (packages/classifier/scripts/base-model-training.ts), restricted to the server's content tokens
// (its own contentPart: a cold workspace, no own counts, no near-copies, no threshold); the held-out
// messages parsed with the server's parseEmail and tokenized with its spamTokens (from packages/server/dist).
// Each held-out message is classified once per grid point of the scoring options (Robinson's s for
// words and for prefixed tokens, minDeviation); the verdict for each spam cutoff and evidence minimum
// follows from its score and significant-token count. Three seeded fold assignments (SEED+1..SEED+3, as
// cv.ts). FP = ham called spam; FN = spam not called spam (the server has no unsure state: unsure stays in
// the inbox, so it counts as missed).
//
// The rule: among the settings where one agent's markSpam makes the mail's new subject words, link hosts
// and sender name count (a token learned once as spam, never as ham, is significant: the filter visibly
// learns from a single decision, as the issue promises), the fewest `FN + 20 × FP` (totals over the
// assignments): a customer mail in Spam is lost until someone looks there, a spam in the inbox costs an
// agent a click (the workspace's spamThreshold lets a deployment choose another trade-off along the
// frontier printed below).
import { cpus, loadavg } from 'node:os';
import { classify, DEFAULT_CLASSIFY_OPTIONS, TOKENIZER_VERSION } from '@deskql/classifier';
import { FOLD_SEEDS, FOLDS } from './cv.js';
import { serverBaseModel, serverFilter, trainingItemsBothWays } from './server-spam.js';
import { pct, rng, shuffle } from './stats.js';

/** How much worse a ham sent to Spam is than a spam left in the inbox (the selection rule above). */
const FP_COST = 20;
const GRID = {
  minDeviation: [0.4, 0.45],
  wordStrength: [0.25, 0.5, 1, 2],
  strength: [0.03, 0.1, 0.3, 1],
  minSpamEvidence: [0, 2, 3, 5],
  spamCutoff: [0.55, 0.6, 0.65, 0.7, 0.8],
};
const log = (...parts: unknown[]): void => console.error('[server-cv]', ...parts);

const { SERVER_CLASSIFY_OPTIONS } = serverFilter;

/** One grid point: the options the score depends on, and the two that only turn a score into a verdict. */
interface Setting {
  minDeviation: number;
  wordStrength: number;
  strength: number;
  minSpamEvidence: number;
  spamCutoff: number;
}
const scoring = GRID.minDeviation.flatMap((minDeviation) =>
  GRID.wordStrength.flatMap((wordStrength) => GRID.strength.map((strength) => ({ minDeviation, wordStrength, strength }))),
);
const settings: Setting[] = scoring.flatMap((s) =>
  GRID.minSpamEvidence.flatMap((minSpamEvidence) => GRID.spamCutoff.map((spamCutoff) => ({ ...s, minSpamEvidence, spamCutoff }))),
);
/** Robinson's f(w) of a prefixed token learned once as spam and never as ham (x = 0.5) clears minDeviation. */
const learnsFromOneMark = (s: Setting): boolean => (0.5 * s.strength + 1) / (s.strength + 1) - 0.5 >= s.minDeviation;
const key = (s: Setting): string => `${s.minDeviation}/${s.wordStrength}/${s.strength}/${s.minSpamEvidence}/${s.spamCutoff}`;
const server: Setting = {
  minDeviation: SERVER_CLASSIFY_OPTIONS.minDeviation ?? Number.NaN,
  wordStrength: SERVER_CLASSIFY_OPTIONS.wordStrength ?? Number.NaN,
  strength: SERVER_CLASSIFY_OPTIONS.strength ?? Number.NaN,
  minSpamEvidence: SERVER_CLASSIFY_OPTIONS.minSpamEvidence ?? 0,
  spamCutoff: SERVER_CLASSIFY_OPTIONS.spamCutoff ?? Number.NaN,
};
/** What the server ran before this calibration (the library defaults and an evidence minimum of 5), for comparison. */
const { minDeviation, wordStrength, strength, spamCutoff } = DEFAULT_CLASSIFY_OPTIONS;
const before: Setting = { minDeviation, wordStrength, strength, spamCutoff, minSpamEvidence: 5 };
if (!settings.some((s) => key(s) === key(server))) throw new Error(`the server's options ${key(server)} are not on the grid`);

const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const items = await trainingItemsBothWays(log);
const tokenizedAt = performance.now();
const hams = items.filter((m) => m.label === 'ham').length;
const spams = items.length - hams;
log(`${items.length} training messages (${hams} ham, ${spams} spam) tokenized in ${((tokenizedAt - started) / 1000).toFixed(1)} s`);

interface Counts {
  fp: number[];
  hardFp: number;
  fn: number[];
}
const counts = new Map<string, Counts>(settings.map((s) => [key(s), { fp: FOLD_SEEDS.map(() => 0), hardFp: 0, fn: FOLD_SEEDS.map(() => 0) }]));
FOLD_SEEDS.forEach((seed, assignment) => {
  const order = shuffle(items, rng(seed));
  for (let k = 0; k < FOLDS; k++) {
    const model = serverBaseModel(order.filter((_, i) => i % FOLDS !== k));
    order.forEach((m, i) => {
      if (i % FOLDS !== k) return;
      for (const s of scoring) {
        const { score, significantTokens, knownSender } = classify(model, m.serverTokens, { ...s, minSpamEvidence: 0 });
        for (const minSpamEvidence of GRID.minSpamEvidence) {
          for (const spamCutoff of GRID.spamCutoff) {
            const spam = score >= spamCutoff && significantTokens >= minSpamEvidence && !knownSender;
            if (spam === (m.label === 'spam')) continue;
            const c = counts.get(key({ ...s, minSpamEvidence, spamCutoff }))!;
            if (spam) {
              c.fp[assignment]! += 1;
              if (m.hard) c.hardFp += 1;
            } else c.fn[assignment]! += 1;
          }
        }
      }
    });
    log(`fold seed ${seed}, fold ${k + 1}/${FOLDS} done`);
  }
});

// ---- report ---------------------------------------------------------------------------------
const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const rows = settings.map((s) => {
  const c = counts.get(key(s))!;
  return { s, fp: total(c.fp), fn: total(c.fn), hardFp: c.hardFp, c, cost: total(c.fn) + FP_COST * total(c.fp) };
});
const byCost = rows.filter((row) => learnsFromOneMark(row.s)).sort((a, b) => a.cost - b.cost || a.fp - b.fp);
const chosen = byCost[0]!;
const frontier = [...rows]
  .sort((a, b) => a.fp - b.fp || a.fn - b.fn)
  .filter((row, i, sorted) => sorted.slice(0, i).every((other) => other.fn > row.fn));
const line = (row: (typeof rows)[number], note = ''): string =>
  `| ${row.s.minDeviation} | ${row.s.wordStrength} | ${row.s.strength}${learnsFromOneMark(row.s) ? '' : ' ⁽¹⁾'} | ${row.s.minSpamEvidence} | ${row.s.spamCutoff} | ${row.c.fp.join(' / ')} | ${row.fp} (${pct(row.fp / FOLD_SEEDS.length / hams)}) | ${row.hardFp} | ${row.c.fn.join(' / ')} | ${row.fn} (${pct(row.fn / FOLD_SEEDS.length / spams)}) | ${row.cost} | ${note} |`;
const header = [
  '| minDeviation | wordStrength | strength | minSpamEvidence | spamCutoff | FP per assignment | FP total (mean % of ham) | hard-ham FP | FN per assignment | FN total (mean % of spam) | FN + 20 FP | |',
  '|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---|',
];
const find = (s: Setting) => rows.find((row) => key(row.s) === key(s));
const lines: string[] = [];
lines.push(
  `Server scoring options by 5-fold CV on the training part (${items.length} messages: ${hams} ham, ${spams} spam), fold seeds ${FOLD_SEEDS.join(', ')}; a cold workspace's model per fold (base model pruned as shipped, content tokens only, the server's parsing and tokens); ${settings.length} grid points. FP = ham called spam, FN = spam not called spam. Rule: fewest FN + ${FP_COST} × FP among the settings that learn from one markSpam.`,
);
lines.push('');
lines.push('Chosen, the server today, and what it ran before:');
lines.push('');
lines.push(...header);
lines.push(line(chosen, '**chosen**'));
const serverRow = find(server)!;
if (key(server) !== key(chosen.s)) lines.push(line(serverRow, 'server today'));
const beforeRow = find(before);
if (beforeRow && key(before) !== key(server)) lines.push(line(beforeRow, 'before: library defaults, evidence minimum 5'));
lines.push('');
lines.push('⁽¹⁾ one markSpam does not make a new token count (not eligible).');
lines.push('');
lines.push('The next ten by the rule:');
lines.push('');
lines.push(...header);
for (const row of byCost.slice(1, 11)) lines.push(line(row));
lines.push('');
lines.push('Frontier over the whole grid (no other grid point has both fewer or as many FP and fewer FN), fewest FP first:');
lines.push('');
lines.push(...header);
for (const row of frontier) lines.push(line(row, key(row.s) === key(chosen.s) ? 'chosen' : ''));
lines.push('');
lines.push(
  `Run on ${cpus().length} cores, Node ${process.version}, tokenizer v${TOKENIZER_VERSION}: ${((performance.now() - started) / 1000).toFixed(0)} s (tokenizing ${((tokenizedAt - started) / 1000).toFixed(0)} s); load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end.`,
);
if (key(server) !== key(chosen.s)) lines.push(`\nThe server's SERVER_CLASSIFY_OPTIONS (${key(server)}) differ from the chosen setting (${key(chosen.s)}).`);
console.log(lines.join('\n'));
process.exit(0);
