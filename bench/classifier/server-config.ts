// What the server's spam filter does on the SpamAssassin corpus, as configured in production: the
// base model's content tokens + the workspace's own counts + near-copies of marked spam, and the
// server's rules around it (blocked contacts, known senders kept out of Spam, replies threaded into
// existing conversations). The shipped base model was trained on the whole corpus, so this trains
// one on the training part of run.ts's seeded 70/30 split (as train-base-model.ts does), points the
// server at it with DESKQL_SPAM_BASE_MODEL, and delivers the test part through the real path.
//
//   npm run build -w @deskql/classifier && npx tsx bench/classifier/server-config.ts [--no-write] [--limit N]
//
// Each test message, in a seeded order, is delivered with GraphQL deliverEmail over HTTP (ingest
// token, raw source in base64, as the SMTP daemon sends it) to a server started with
// startTestServer on a fresh SQLite file; where it landed is read back over GraphQL. Three workspaces:
// (a) cold: no feedback; (b) after each message an agent fixes a wrong outcome with markSpam /
// markNotSpam, which updates that workspace's counts (and blocks / unblocks the contact); (c) as (b),
// and the agent answers every ham by email (the server then learns it as ham). Scoring
// time is measured in-process with the server's own modules (dist/, not an API) on the same
// database state just before each delivery; the bench checks that it gives the score the server stored.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isContentToken } from '@deskql/classifier';
import { MIN_MESSAGES, trainBaseModel, writeBaseModel } from '../../packages/classifier/scripts/base-model-training.js';
import { SEED, TRAIN_SHARE } from './config.js';
import { loadCorpus, type CorpusMessage } from './corpus.js';
import { AUTO_LEARN_HAM_ABOVE, serverFilter, serverModule } from './server-spam.js';
import { metrics, ms, pct, quantile, rng, shuffle, stratifiedSplit, type Outcome } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flags = new Set(args);
const limit = args.includes('--limit') ? Number(args[args.indexOf('--limit') + 1]) : Number.POSITIVE_INFINITY;
const log = (...parts: unknown[]): void => console.error('[server-config]', ...parts);

// Set before anything loads the base model (the classifier reads it on first use, the server caches
// it for the life of the process).
const workDir = join(here, '..', '.work');
mkdirSync(workDir, { recursive: true });
const modelFile = join(workDir, 'base-model-split.json.gz');
process.env.DESKQL_SPAM_BASE_MODEL = modelFile;

const started = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const { messages } = loadCorpus();
const { train, test } = stratifiedSplit(messages, TRAIN_SHARE, SEED);
const trained = await trainBaseModel(
  train,
  `SpamAssassin public corpus, training part of bench/classifier's seeded (${SEED}) ${TRAIN_SHARE * 100}/${100 - TRAIN_SHARE * 100} split: ${train.length} of ${messages.length} messages`,
);
const modelBytes = writeBaseModel(modelFile, trained);
log(`base model on ${train.length} training messages: ${trained.vocabulary} tokens, ${trained.info.tokens} kept (≥${MIN_MESSAGES} messages), ${(modelBytes / 1e6).toFixed(2)} MB → ${modelFile}`);

// The server, and its scoring modules, from its dist/ (as the SMTP daemon's server runs).
const { startTestServer } = await import('@deskql/server/testing');
const { baseModelInfo } = await import('@deskql/classifier/base-model');
type Email = { from: { address: string } | null };
type Score = { score: number; verdict: 'ham' | 'unsure' | 'spam'; reasons: Array<{ token: string }>; significantTokens: number; knownSender: boolean };
const { parseEmail } = await serverModule<{ parseEmail(raw: Buffer): Promise<Email> }>('domain/mail/inbound-email.js');
const { spamFeatures } = await serverModule<{ spamFeatures(email: Email): unknown }>('domain/spam/spam-features.js');
const { scoreMails } = await serverModule<{ scoreMails(db: unknown, workspaceId: string, mails: unknown[]): Promise<Score[]> }>('domain/spam/spam-filter.js');
const { SERVER_CLASSIFY_OPTIONS: serverOptions } = serverFilter;
/** One mail through the server's scoring, as a batch of one. */
const scoreMail = async (database: unknown, workspaceId: string, features: unknown): Promise<Score> =>
  (await scoreMails(database, workspaceId, [features]))[0]!;

const server = await startTestServer();
const db = server.app.database.db;
const order = shuffle(test, rng(SEED + 3)).slice(0, limit);

type Feedback = 'none' | 'fix' | 'fix+reply';

interface Result {
  m: CorpusMessage;
  score: Score;
  inSpam: boolean;
  reason: string | null;
  opened: boolean;
  duplicate: boolean;
  sender: string | null;
  /** The same From address delivered earlier in this run. */
  seenSender: boolean;
  tokens: number;
  contentTokens: number;
}
interface Run {
  label: string;
  feedback: Feedback;
  results: Result[];
  errors: string[];
  parseMs: number[];
  featuresMs: number[];
  scoreMs: number[];
  deliverMs: number[];
  markMs: number[];
  replyMs: number[];
  markSpam: number;
  markNotSpam: number;
  replies: number;
  /** Replies to mail that scored above AUTO_LEARN_HAM_ABOVE, which the server learns as ham. */
  repliesLearned: number;
  /** Replies whose auto-learning had not finished after 5 s. */
  learnTimeouts: number;
  scoreMismatches: number;
}

const deliverQuery = `mutation IngestDeliverEmail($raw: String!, $recipients: [String!]!) {
  deliverEmail(raw: $raw, recipients: $recipients, encoding: BASE64) {
    __typename
    ... on DeliveryReport { deliveries { conversationId messageId duplicate openedConversation } }
    ... on DomainError { code message }
  }
}`;
const whereQuery = `query($c: ID!, $m: ID!) {
  c: node(id: $c) { ... on Conversation { spam spamReason } }
  m: node(id: $m) { ... on Message { spam { score } } }
}`;

async function retry<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch {
    return run(); // a loaded machine occasionally drops a keep-alive connection under fetch
  }
}

/** The database id inside a Relay global ID ("Message:<id>" in base64). */
const localId = (globalId: string): string => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;

async function runMode(label: string, feedback: Feedback): Promise<Run> {
  const ws = await server.createWorkspace(label);
  const run: Run = { label, feedback, results: [], errors: [], parseMs: [], featuresMs: [], scoreMs: [], deliverMs: [], markMs: [], replyMs: [], markSpam: 0, markNotSpam: 0, replies: 0, repliesLearned: 0, learnTimeouts: 0, scoreMismatches: 0 };
  const seen = new Set<string>();
  for (const [i, m] of order.entries()) {
    if (i % 250 === 0) log(`${label}: ${i}/${order.length}`);
    // The server's scoring, on the state the delivery below will see.
    let t = performance.now();
    const email = await parseEmail(m.raw);
    run.parseMs.push(performance.now() - t);
    t = performance.now();
    const features = spamFeatures(email) as { tokens: string[] };
    const t2 = performance.now();
    const score = await scoreMail(db, ws.workspaceId, features);
    run.featuresMs.push(t2 - t);
    run.scoreMs.push(performance.now() - t);
    const sender = email.from?.address?.toLowerCase() ?? null;

    t = performance.now();
    const delivered = await retry(() => server.request(ws.ingestToken, deliverQuery, { raw: m.raw.toString('base64'), recipients: [ws.address] }));
    run.deliverMs.push(performance.now() - t);
    const report = delivered.data?.deliverEmail;
    const delivery = report?.deliveries?.[0];
    if (!delivery) {
      run.errors.push(`${m.id}: ${JSON.stringify(delivered.errors ?? report)}`);
      continue;
    }
    const where = await retry(() => server.gql(ws.agentToken, whereQuery, { c: delivery.conversationId, m: delivery.messageId }));
    if (!delivery.duplicate && Math.abs((where.m.spam?.score ?? -1) - score.score) > 1e-9) run.scoreMismatches++;
    run.results.push({
      m,
      score,
      inSpam: where.c.spam,
      reason: where.c.spamReason,
      opened: delivery.openedConversation,
      duplicate: delivery.duplicate,
      sender,
      seenSender: sender !== null && seen.has(sender),
      tokens: features.tokens.length,
      contentTokens: features.tokens.filter(isContentToken).length,
    });
    if (sender) seen.add(sender);

    if (feedback !== 'none' && (m.label === 'spam') !== where.c.spam) {
      const mutation = m.label === 'spam' ? 'markSpam' : 'markNotSpam';
      t = performance.now();
      const marked = await retry(() =>
        server.gql(ws.agentToken, `mutation($c: ID!) { ${mutation}(conversationId: $c) { __typename ... on Conversation { spam } ... on DomainError { message } } }`, { c: delivery.conversationId }),
      );
      run.markMs.push(performance.now() - t);
      if (marked[mutation].spam !== (m.label === 'spam')) run.errors.push(`${m.id}: ${mutation} gave ${JSON.stringify(marked[mutation])}`);
      if (mutation === 'markSpam') run.markSpam++;
      else run.markNotSpam++;
    }
    if (feedback === 'fix+reply' && m.label === 'ham' && !delivery.duplicate) {
      // The agent answers: the server learns the conversation's inbound mail as ham in the
      // background (auto-learn on an agent's email reply) if it scored above AUTO_LEARN_HAM_ABOVE;
      // wait for it, as the next mail would.
      t = performance.now();
      const replied = await retry(() =>
        server.gql(ws.agentToken, `mutation($c: ID!, $text: String!) { replyToConversation(conversationId: $c, text: $text) { __typename ... on DomainError { message } } }`, {
          c: delivery.conversationId,
          text: 'Thanks, noted.',
        }),
      );
      run.replyMs.push(performance.now() - t);
      if (replied.replyToConversation.__typename !== 'Message') run.errors.push(`${m.id}: reply gave ${JSON.stringify(replied.replyToConversation)}`);
      run.replies++;
      if (score.score <= AUTO_LEARN_HAM_ABOVE) continue;
      run.repliesLearned++;
      const id = localId(delivery.messageId);
      const deadline = Date.now() + 5000;
      while ((await db.message.findUnique({ where: { id }, select: { spamLearnedAs: true } }))?.spamLearnedAs !== 'ham') {
        if (Date.now() > deadline) {
          run.learnTimeouts++;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }
  return run;
}

// Warm-up: the first scoring loads the base model (once per process), the first requests compile queries.
{
  const ws = await server.createWorkspace('Warm-up');
  for (const m of train.slice(0, 20)) {
    await scoreMail(db, ws.workspaceId, spamFeatures(await parseEmail(m.raw)));
    await retry(() => server.request(ws.ingestToken, deliverQuery, { raw: m.raw.toString('base64'), recipients: [ws.address] }));
  }
}
const runs = [
  await runMode('(a) cold, base model only', 'none'),
  await runMode('(b) agent fixes wrong outcomes', 'fix'),
  await runMode('(c) agent fixes, and answers ham', 'fix+reply'),
];
const cold = runs[0]!;
const info = baseModelInfo();
await server.close();
if (!info.corpus.includes('training part')) throw new Error(`the server did not load the split base model: ${info.corpus}`);

// ---- report ---------------------------------------------------------------------------------

const outcomes = (run: Run, pick: 'server' | 'filter'): Outcome[] =>
  run.results.map((r) => ({
    label: r.m.label,
    hard: r.m.hard,
    score: r.score.score,
    verdict: pick === 'filter' ? r.score.verdict : r.inSpam ? 'spam' : 'ham',
  }));
const count = (run: Run, test: (r: Result) => boolean): number => run.results.filter(test).length;
const nearCopy = (r: Result): boolean => r.score.reasons[0]?.token.startsWith('near-copy:') ?? false;
const q = (xs: number[]): string => `${ms(quantile(xs, 0.5))} / ${ms(quantile(xs, 0.99))}`;

const hamN = order.filter((m) => m.label === 'ham').length;
const hardN = order.filter((m) => m.hard).length;
const spamN = order.length - hamN;
const senders = new Set(cold.results.map((r) => r.sender).filter(Boolean));
const fromSeen = (label: 'spam' | 'ham'): number => count(cold, (r) => r.m.label === label && r.seenSender);

const lines: string[] = [];
lines.push('### Server configuration');
lines.push('');
lines.push(
  `Run ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores, Node ${process.version}, tokenizer v${trained.info.tokenizerVersion}; \`npx tsx bench/classifier/server-config.ts\` took ${((performance.now() - started) / 1000).toFixed(0)} s; load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end${Math.max(loadAtStart, loadavg()[0] ?? 0) > 2 ? ' (above 2, other jobs shared the cores: timings are pessimistic)' : ''}.`,
);
lines.push('');
lines.push(
  `What the server does, not the bare library. Base model: trained exactly as \`train-base-model.ts\` trains the shipped one, but on the training part of the split above only (${train.length} messages; ${trained.info.tokens} of ${trained.vocabulary} tokens kept, ${(modelBytes / 1e6).toFixed(2)} MB), loaded through \`DESKQL_SPAM_BASE_MODEL\`; the server uses its content tokens only, plus the workspace's own counts of content tokens, near-copies of marked spam, and its rules: a blocked contact's mail goes to Spam (BLOCKED); a contact with an earlier conversation outside Spam is never sent there by the filter; a reply threaded into a conversation stays where that conversation is. The ${order.length} test messages (${hamN} ham incl. ${hardN} hard ham, ${spamN} spam) are delivered one by one with GraphQL \`deliverEmail\` over HTTP (ingest token, base64 source, as the SMTP daemon does) in one seeded order (${SEED + 3}), each mode into a fresh workspace of one server (\`startTestServer\`, SQLite file); where each landed is read over GraphQL right after its delivery. FP = ham that landed in Spam; FN = spam that reached the inbox (the server has no unsure state: unsure means inbox, counted as missed). (a) no feedback; (b) after each message an agent fixes a wrong outcome with \`markSpam\` / \`markNotSpam\` over GraphQL (which learns it and blocks / unblocks the contact); (c) as (b), and the agent also answers every ham with \`replyToConversation\`, which makes the server learn it as ham if it scored above ${AUTO_LEARN_HAM_ABOVE} (auto-learn; the bench waits for it).`,
);
lines.push('');
lines.push('| mode | FP % (n) | hard-ham FP | FN % (n) | filter verdicts on spam: spam / unsure / ham | spam caught by: filter / near-copy / blocked contact | agent: markSpam / markNotSpam / replies |');
lines.push('|---|---|---|---|---|---|---|');
for (const run of runs) {
  const s = metrics(outcomes(run, 'server'));
  const spams = run.results.filter((r) => r.m.label === 'spam');
  const verdicts = (v: Score['verdict']): number => spams.filter((r) => r.score.verdict === v).length;
  const caught = spams.filter((r) => r.inSpam);
  const viaFilter = caught.filter((r) => r.reason === 'FILTER' && !nearCopy(r)).length;
  const viaCopy = caught.filter((r) => r.reason === 'FILTER' && nearCopy(r)).length;
  const viaBlock = caught.filter((r) => r.reason === 'BLOCKED').length;
  const other = caught.length - viaFilter - viaCopy - viaBlock;
  lines.push(
    `| ${run.label} | ${pct(s.fpRate)} (${s.fp}) | ${s.hardFp}/${s.hardHam} | ${pct(s.fnRate)} (${s.fn}) | ${verdicts('spam')} / ${verdicts('unsure')} / ${verdicts('ham')} | ${viaFilter} / ${viaCopy} / ${viaBlock}${other ? ` (+${other} threaded into Spam)` : ''} | ${run.feedback === 'none' ? '–' : `${run.markSpam} / ${run.markNotSpam} / ${run.replies}${run.replies ? ` (${run.repliesLearned} learned)` : ''}`} |`,
  );
}
lines.push('');
const f = metrics(outcomes(cold, 'filter'));
const cutoff = serverOptions.spamCutoff ?? Number.NaN;
const minEvidence = serverOptions.minSpamEvidence ?? 0;
const heldBack = (label: 'spam' | 'ham', why: (r: Result) => boolean): number =>
  count(cold, (r) => r.m.label === label && r.score.verdict === 'unsure' && r.score.score >= cutoff && why(r));
const fewTokens = (r: Result): boolean => r.score.significantTokens < minEvidence;
const missedLow = count(cold, (r) => r.m.label === 'spam' && r.score.verdict !== 'spam' && r.score.score < cutoff);
lines.push(
  `The filter's own verdicts in (a), before the server's rules: FP ${pct(f.fpRate)} % (${f.fp}, hard ham ${f.hardFp}), FN ${pct(f.fnRate)} % (${f.fn}, of which ${f.unsureSpam} unsure), unsure ham ${f.unsureHam}; FN at FP ≤ 0.1 % on its scores ${pct(f.fnAtFp01)} % (threshold chosen on these scores: optimistic). Of the missed spam, ${
    minEvidence > 0
      ? `${heldBack('spam', fewTokens)} scored ≥ ${cutoff} but had fewer than ${minEvidence} significant tokens (the server's minimum for a spam verdict; ${heldBack('ham', fewTokens)} ham were held back the same way), `
      : ''
  }${heldBack('spam', (r) => !fewTokens(r))} scored ≥ ${cutoff} but were held back as from a known sender, and ${missedLow} scored below ${cutoff}, the server's spam cutoff. The library row "same, pruned like the base model" above scores the same test messages with the whole pruned model and the library's defaults; the server differs in reading only its content tokens (the corpus's headers would describe its collectors' mail setup, not a help desk's), tokenizing without the corpus's trusted hosts, and scoring with its own options (\`SERVER_CLASSIFY_OPTIONS\`, cross-validated for that content view by \`server-cv.ts\`: ${JSON.stringify(serverOptions)}).`,
);
const kept = (run: Run, label: 'spam' | 'ham', why: (r: Result) => boolean): number =>
  count(run, (r) => r.m.label === label && r.score.verdict === 'spam' && !r.inSpam && why(r));
const known = (r: Result): boolean => r.opened && !r.duplicate;
const threaded = (r: Result): boolean => !r.opened || r.duplicate;
const keptByKnownSender = (label: 'spam' | 'ham'): number => runs.reduce((n, run) => n + kept(run, label, known), 0);
const ruleEffects = (run: Run): string => {
  const hamNoVerdict = count(run, (r) => r.m.label === 'ham' && r.inSpam && r.score.verdict !== 'spam');
  return `${run.label.slice(0, 3)} known sender ${kept(run, 'spam', known)} spam / ${kept(run, 'ham', known)} ham, threaded ${kept(run, 'spam', threaded)} spam / ${kept(run, 'ham', threaded)} ham, ham in Spam without a spam verdict ${hamNoVerdict}`;
};
lines.push(
  `Repeated senders: the test set has ${senders.size} distinct From addresses for ${cold.results.length} messages; in this order ${fromSeen('ham')} ham and ${fromSeen('spam')} spam come from an address delivered earlier, and ${count(cold, (r) => !r.opened)} messages thread into an earlier conversation (${count(cold, (r) => r.duplicate)} repeat a Message-ID). How often the server's rules overrode a spam verdict (mail kept in the inbox because the contact already had a conversation outside Spam, or because it threaded into one) and sent ham to Spam without one (blocked contact, or threaded into a Spam conversation): ${runs.map(ruleEffects).join('; ')}. ${
    keptByKnownSender('spam') + keptByKnownSender('ham') === 0
      ? 'So here the known-sender rule changes no outcome: a spammer whose first mail the filter catches has no conversation outside Spam, so its later mail is judged by the filter (and, once an agent marks one, blocked); the rule only acts on a sender with an earlier conversation in the inbox whose new mail the filter calls spam, which did not happen in this order.'
      : `Over the three modes the known-sender rule kept ${keptByKnownSender('spam')} spam in the inbox (counted in FN above) and ${keptByKnownSender('ham')} ham out of Spam (FP it avoided).`
  }`,
);
lines.push('');
const all = (pick: (run: Run) => number[]): number[] => runs.flatMap(pick);
lines.push(
  `Server time per message (median / p99 ms; (a), then (b), (c)): scoring ${runs.map((r) => q(r.scoreMs)).join(', ')}, of which tokenizing + fingerprint ${q(cold.featuresMs)} and the rest reading the workspace's counts of the message's content tokens (${quantile(cold.results.map((r) => r.contentTokens), 0.5)} of its ${quantile(cold.results.map((r) => r.tokens), 0.5)} tokens, median; one query with the tokens as a JSON parameter), the totals and fingerprint bands from SQLite, and classifying (a fraction of a millisecond: see "classify alone" above); parsing (mailparser, shared with storing) ${q(cold.parseMs)}; the whole \`deliverEmail\` request (parse, score, store, HTTP + GraphQL) ${runs.map((r) => q(r.deliverMs)).join(', ')}; \`markSpam\`/\`markNotSpam\` ${q(all((r) => r.markMs))}; \`replyToConversation\` ${q(runs[2]!.replyMs)}. Scores the bench computed equal the scores the server stored, for every message: ${runs.every((r) => r.scoreMismatches === 0) ? 'yes' : `NO (${runs.map((r) => r.scoreMismatches).join(' / ')} differ)`}.${runs.some((r) => r.learnTimeouts) ? ` Auto-learning not finished after 5 s: ${runs[2]!.learnTimeouts} replies.` : ''}${runs.some((r) => r.errors.length) ? ` Errors: ${runs.flatMap((r) => r.errors).slice(0, 3).join('; ')} (${runs.flatMap((r) => r.errors).length} in all).` : ''}`,
);

const report = lines.join('\n');
console.log(report);
if (!flags.has('--no-write') && order.length === test.length) writeSubsection(join(here, '..', 'RESULTS.md'), report);
process.exit(0);

/**
 * Writes the report between its markers, or, the first time, at the end of the `## Classifier`
 * section (before the next `## ` heading), leaving everything else as it is.
 */
function writeSubsection(file: string, body: string): void {
  const begin = '<!-- begin: server configuration, written by bench/classifier/server-config.ts -->';
  const end = '<!-- end: server configuration -->';
  const block = `${begin}\n${body}\n${end}\n`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  let next: string;
  if (from >= 0 && to > from) {
    next = current.slice(0, from) + block + current.slice(to + end.length).replace(/^\n/, '');
  } else {
    const section = current.search(/^## Classifier[ \t]*$/m);
    if (section < 0) {
      next = `${current.replace(/\n*$/, '\n\n')}## Classifier\n\n${block}`;
    } else {
      const after = current.slice(section + 1).search(/^## /m);
      const at = after < 0 ? current.length : section + 1 + after;
      next = `${current.slice(0, at).replace(/\n*$/, '\n\n')}${block}${at < current.length ? '\n' + current.slice(at) : ''}`;
    }
  }
  writeFileSync(file, next);
  log(`wrote the server configuration subsection in ${file}`);
}
