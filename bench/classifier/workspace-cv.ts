// Decides which of its own tokens a workspace's filter reads, by cross-validation on the TRAINING part
// of the seeded 70/30 split only (the test part is never parsed here).
//
//   npm run build -w @deskql/classifier && npm run build -w @deskql/server && npx tsx bench/classifier/workspace-cv.ts
//
// server-cv.ts scores a cold workspace; this one follows a workspace as its agents work. For each of
// three seeded 5-fold assignments (as cv.ts), a base model is learned and pruned as shipped on four folds
// (its content part, as the server reads it) and the fifth fold's messages arrive one by one in a
// seeded order at a fresh workspace. Each is scored with the server's own code (`effectiveModel`,
// `SERVER_CLASSIFY_OPTIONS`, from packages/server/dist) on the base model plus the workspace's own
// counts so far, then the agent acts as in server-config.ts: (b) fixes a wrong outcome (markSpam
// learns the mail as spam, markNotSpam as ham); (c) as (b), and answers every ham, which the server
// learns as ham if it scored above AUTO_LEARN_HAM_ABOVE (compared: every answered mail, and other
// bars). The own counts hold every token, as the server's SpamTokenCount does; the rules compared
// are which of them the score reads: content tokens only (the server), or also the delivery tokens
// (headers, Received hops, sender address) once the workspace has learned N spam and N ham.
// Near-copies, blocked contacts and threading are left out: they act the same under every rule.
// FP = ham called spam, FN = spam not called spam; totals over the three assignments.
import { cpus, loadavg } from 'node:os';
import { classify, createModel, isContentToken, learn, TOKENIZER_VERSION, type SpamModel } from '@deskql/classifier';
import { FOLD_SEEDS, FOLDS } from './cv.js';
import { AUTO_LEARN_HAM_ABOVE, serverBaseModel, serverFilter, trainingItemsBothWays, type OwnRow } from './server-spam.js';
import { pct, rng, shuffle } from './stats.js';

const log = (...parts: unknown[]): void => console.error('[workspace-cv]', ...parts);
const { effectiveModel, SERVER_CLASSIFY_OPTIONS } = serverFilter;
const cutoff = SERVER_CLASSIFY_OPTIONS.spamCutoff ?? Number.NaN;

interface Rule {
  name: string;
  /** Own delivery tokens are read once the workspace has learned this many spam and this many ham. */
  deliveryAfter: number;
}
const RULES: Rule[] = [
  { name: 'content tokens only (the server)', deliveryAfter: Number.POSITIVE_INFINITY },
  ...[20, 50, 100].map((n) => ({ name: `own delivery tokens too, after ${n} spam and ${n} ham`, deliveryAfter: n })),
];
const MODES = [
  { name: '(b) agent fixes wrong outcomes', answersHam: false, learnAbove: Number.NEGATIVE_INFINITY },
  { name: '(c) agent fixes, and answers ham: every answered mail learned', answersHam: true, learnAbove: Number.NEGATIVE_INFINITY },
  ...[0.05, 0.15, 0.3, 0.45].map((x) => ({
    name: `(c) … answered mail learned only if it scored above ${x}${x === AUTO_LEARN_HAM_ABOVE ? ' (the server)' : ''}`,
    answersHam: true,
    learnAbove: x,
  })),
];
if (!MODES.some((mode) => mode.learnAbove === AUTO_LEARN_HAM_ABOVE)) throw new Error(`the server's AUTO_LEARN_HAM_ABOVE (${AUTO_LEARN_HAM_ABOVE}) is not among the modes`);

const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const items = await trainingItemsBothWays(log);
const hams = items.filter((m) => m.label === 'ham').length;
const spams = items.length - hams;

/** The workspace's own rows for these tokens, as the server's ownTokenCounts query returns them. */
function ownRows(own: SpamModel, tokens: readonly string[]): OwnRow[] {
  const rows: OwnRow[] = [];
  for (const token of tokens) {
    const stats = own.tokens.get(token);
    if (stats) rows.push({ token, spam: stats.spam, ham: stats.ham });
  }
  return rows;
}

const results = RULES.map(() => MODES.map(() => ({ fp: 0, fn: 0, learnedSpam: 0, learnedHam: 0, switchedOn: 0 })));
for (const seed of FOLD_SEEDS) {
  const order = shuffle(items, rng(seed));
  for (let k = 0; k < FOLDS; k++) {
    const base = serverBaseModel(order.filter((_, i) => i % FOLDS !== k));
    const arriving = shuffle(order.filter((_, i) => i % FOLDS === k), rng(seed * FOLDS + k));
    RULES.forEach((rule, r) =>
      MODES.forEach((mode, md) => {
        const own = createModel();
        const tally = results[r]![md]!;
        let switched = false;
        for (const m of arriving) {
          const deliveryOn = own.spamMessages >= rule.deliveryAfter && own.hamMessages >= rule.deliveryAfter;
          if (deliveryOn && !switched) {
            switched = true;
            tally.switchedOn += 1;
          }
          const read = deliveryOn ? m.serverTokens : m.serverTokens.filter(isContentToken);
          const model = effectiveModel(base, own, ownRows(own, read), read);
          const score = classify(model, m.serverTokens, SERVER_CLASSIFY_OPTIONS).score;
          const spam = score >= cutoff;
          if (spam !== (m.label === 'spam')) {
            if (spam) tally.fp += 1;
            else tally.fn += 1;
            learn(own, m.serverTokens, m.label); // markSpam / markNotSpam
          } else if (mode.answersHam && m.label === 'ham' && score > mode.learnAbove) {
            learn(own, m.serverTokens, 'ham'); // the agent's reply teaches ham
          }
        }
        tally.learnedSpam += own.spamMessages;
        tally.learnedHam += own.hamMessages;
      }),
    );
    log(`fold seed ${seed}, fold ${k + 1}/${FOLDS} done`);
  }
}

const runs = FOLD_SEEDS.length * FOLDS;
const lines: string[] = [];
lines.push(
  `A workspace's own learning, 5-fold CV on the training part (${items.length} messages: ${hams} ham, ${spams} spam), fold seeds ${FOLD_SEEDS.join(', ')}; each fold's ${Math.round(items.length / FOLDS)} messages arrive at a fresh workspace whose base model was trained on the other four; server scoring (content part of the base model, SERVER_CLASSIFY_OPTIONS, spam at ≥ ${cutoff}). Totals over the three assignments.`,
);
lines.push('');
lines.push('| own tokens read | mode | FP (mean % of ham) | FN (mean % of spam) | FN + 20 FP | learned per workspace: spam / ham | workspaces where delivery tokens switched on |');
lines.push('|---|---|---:|---:|---:|---|---:|');
RULES.forEach((rule, r) =>
  MODES.forEach((mode, md) => {
    const t = results[r]![md]!;
    lines.push(
      `| ${rule.name} | ${mode.name} | ${t.fp} (${pct(t.fp / FOLD_SEEDS.length / hams)}) | ${t.fn} (${pct(t.fn / FOLD_SEEDS.length / spams)}) | ${t.fn + 20 * t.fp} | ${(t.learnedSpam / runs).toFixed(0)} / ${(t.learnedHam / runs).toFixed(0)} | ${rule.deliveryAfter === Number.POSITIVE_INFINITY ? '–' : `${t.switchedOn} of ${runs}`} |`,
    );
  }),
);
lines.push('');
lines.push(
  `Run on ${cpus().length} cores, Node ${process.version}, tokenizer v${TOKENIZER_VERSION}: ${((performance.now() - started) / 1000).toFixed(0)} s; load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end.`,
);
console.log(lines.join('\n'));
process.exit(0);
