// How the classifier's default scoring parameters were chosen: 5-fold cross-validation on the
// TRAINING part of the split only (the test part is never read here), repeated with three fold
// assignments (seeds SEED+1..SEED+3) so that one or two unlucky ham do not decide alone.
//
//   npx tsx bench/classifier/calibrate.ts [--train-all]   # imports the classifier's source; no build needed
//
// The fold models are trained as the shipped base model is (trainUntilSeparated with its defaults,
// which score with the default ClassifyOptions while training); --train-all learns every message
// once instead (how the defaults were calibrated before trainUntilSeparated). The fold models are
// trained once and every grid point scores with them.
//
// For every (strength, wordStrength, minDeviation) on the grid, each training message is scored by a
// model trained on the other four folds, in each repetition. For each config the spam cutoff is the
// lowest candidate that keeps cross-validated false positives at or below 0.1% of the ham (the
// tolerance of the "FN at FP <= 0.1%" figure), summed over the repetitions; the config with the
// fewest missed spam at its cutoff wins. Ties go to the larger cutoff (more ham protection). A known
// sender (see ClassifyOptions.knownSenderHam) is never called spam, so its score does not count
// against a cutoff. Tokenizer features were chosen with bench/classifier/cv.ts the same way.
import type { ClassifyOptions, SpamModel } from '../../packages/classifier/src/index.js';
import { DEFAULT_CLASSIFY_OPTIONS } from '../../packages/classifier/src/index.js';
import { crossValidate, FOLD_SEEDS, fnAtFp, foldModels, learnAll, trainingItems, type CvItem, type Scored } from './cv.js';
import { pct } from './stats.js';

const REPEATS = FOLD_SEEDS;
const CUTOFFS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999];
const GRID: ClassifyOptions[] = [];
for (const strength of [0.01, 0.02, 0.03, 0.05, 0.1, 0.2]) {
  for (const wordStrength of [1, 2, 3]) {
    for (const minDeviation of [0.35, 0.4, 0.42, 0.45, 0.47]) GRID.push({ strength, wordStrength, minDeviation });
  }
}

const runs: { items: CvItem[]; models: SpamModel[] }[] = [];
for (const seed of REPEATS) {
  const items = await trainingItems(seed);
  runs.push({ items, models: process.argv.includes('--train-all') ? foldModels(items, undefined, learnAll) : foldModels(items) });
}
const order = runs[0]?.items ?? [];

interface Row { options: ClassifyOptions; cutoff: number; fp: number; hardFp: number; fn: number; criterion: number }
const rows: Row[] = [];
const hams = order.filter((m) => m.label === 'ham').length;
const spams = order.length - hams;
const MAX_CV_FP = Math.floor(hams * REPEATS.length * 0.001);
const scoresOf = new Map<ClassifyOptions, Scored[]>();
for (const options of GRID) {
  const scored = runs.flatMap((run) => crossValidate(run.items, options, undefined, run.models));
  scoresOf.set(options, scored);
  // cv.ts's threshold-free criterion: mean over 0..5 allowed FP of the fewest spam missed, per assignment, averaged.
  const criterion = runs.reduce((sum, run, r) => {
    const part = scored.slice(r * run.items.length, (r + 1) * run.items.length);
    return sum + [0, 1, 2, 3, 4, 5].reduce((t, k) => t + fnAtFp(part, k).fn, 0) / 6;
  }, 0) / runs.length;
  let best: Row | undefined;
  for (const cutoff of CUTOFFS) {
    const fp = scored.filter((s) => s.m.label === 'ham' && s.score >= cutoff).length;
    if (fp > MAX_CV_FP) continue;
    best = { options, criterion, cutoff, fp, hardFp: scored.filter((s) => s.m.hard && s.score >= cutoff).length, fn: scored.filter((s) => s.m.label === 'spam' && s.score < cutoff).length };
    break;
  }
  if (best) rows.push(best);
}
rows.sort((a, b) => a.fn - b.fn || b.cutoff - a.cutoff);
console.log(`5-fold CV x ${REPEATS.length} fold assignments on ${order.length} training messages (${hams} ham, ${spams} spam); cutoff = lowest with CV FP <= ${MAX_CV_FP} (summed over repetitions)`);
console.log('strength wordStrength minDeviation | cutoff | CV FP (hard) | CV FN | cv.ts criterion (mean FN@FP≤0..5)');
const isDefault = (r: Row): boolean =>
  r.options.strength === DEFAULT_CLASSIFY_OPTIONS.strength && r.options.wordStrength === DEFAULT_CLASSIFY_OPTIONS.wordStrength && r.options.minDeviation === DEFAULT_CLASSIFY_OPTIONS.minDeviation;
for (const r of rows.filter((r, i) => i < 15 || isDefault(r))) {
  console.log(`${r.options.strength} ${r.options.wordStrength} ${r.options.minDeviation}${isDefault(r) ? ' (current defaults)' : ''} | ${r.cutoff} | ${r.fp} (${r.hardFp}) | ${r.fn} = ${pct(r.fn / (spams * REPEATS.length))}% | ${pct(r.criterion / spams)}%`);
}
const byCriterion = [...rows].sort((a, b) => a.criterion - b.criterion);
console.log('best by the cv.ts criterion:', byCriterion.slice(0, 5).map((r) => `${r.options.strength} ${r.options.wordStrength} ${r.options.minDeviation}: ${pct(r.criterion / spams)}%`).join(', '));

// Where the winner's and the current defaults' scores fall, to place the ham cutoff (below it: ham; between: unsure).
for (const winner of [rows[0], rows.find(isDefault)]) {
  if (!winner) continue;
  const scored = scoresOf.get(winner.options) ?? [];
  console.log(`\n${winner === rows[0] ? 'winner' : 'current defaults'} ${JSON.stringify(winner.options)}, spam cutoff ${winner.cutoff}`);
  console.log('top CV ham:', scored.filter((s) => s.m.label === 'ham').sort((a, b) => b.score - a.score).slice(0, 5).map((s) => `${s.m.id} ${s.score.toFixed(4)}`).join(', '));
  const zero = CUTOFFS.find((c) => !scored.some((s) => s.m.label === 'ham' && s.score >= c));
  if (zero !== undefined) console.log(`zero CV FP needs cutoff ${zero}: CV FN ${pct(scored.filter((s) => s.m.label === 'spam' && s.score < zero).length / (spams * REPEATS.length))}%`);
  else console.log('no candidate cutoff gives zero CV FP');
  for (const hamCutoff of [0.1, 0.2, 0.3, 0.4, 0.45, 0.5]) {
    const hamAsHam = scored.filter((s) => s.m.label === 'ham' && s.score <= hamCutoff).length;
    const spamAsHam = scored.filter((s) => s.m.label === 'spam' && s.score <= hamCutoff).length;
    console.log(`ham cutoff ${hamCutoff}: ham called ham ${pct(hamAsHam / (hams * REPEATS.length))}%, spam called ham ${pct(spamAsHam / (spams * REPEATS.length))}%, unsure ${scored.filter((s) => s.score > hamCutoff && s.score < winner.cutoff).length}`);
  }
}
