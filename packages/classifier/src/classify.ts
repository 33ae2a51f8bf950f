import type { SpamModel } from './model.js';

/** The three outcomes. `unsure` keeps the message visible, flagged for review. */
export type Verdict = 'ham' | 'unsure' | 'spam';

/** A token that took part in the decision, with its smoothed spam probability f(w). */
export interface Reason {
  token: string;
  /** Robinson's f(w), 0..1: above 0.5 the token points to spam, below to ham. */
  spamProbability: number;
}

/** Outcome of `classify`. */
export interface Classification {
  /** Fisher/Robinson combined spam probability, 0 (ham) … 1 (spam). 0.5 when nothing is known. */
  score: number;
  verdict: Verdict;
  /** The most decisive tokens, strongest first (at most `maxReasons`). */
  reasons: Reason[];
  /** How many significant tokens were combined. */
  significantTokens: number;
  /**
   * The sender's address was learned as ham at least `knownSenderHam` times and never as spam:
   * the verdict is then at most `unsure`, whatever the score.
   */
  knownSender: boolean;
}

/**
 * Scoring parameters. The defaults were chosen by 5-fold cross-validation (three fold assignments)
 * on the training part of the SpamAssassin corpus only (bench/classifier/calibrate.ts): the spam
 * cutoff is the lowest that kept cross-validated false positives at or below 0.1% of ham.
 */
export interface ClassifyOptions {
  /**
   * Robinson's s for header, sender, link and other origin-prefixed tokens: how much weight the
   * prior `x` has against a token's observed counts.
   * @default 0.03
   */
  strength?: number;
  /**
   * Robinson's s for words and word pairs of the message text (tokens without a `:` origin prefix).
   * Text words are many and individually weak, so they need more evidence than header and link tokens.
   * @default 2
   */
  wordStrength?: number;
  /**
   * Robinson's x: the assumed spam probability of a token never seen.
   * @default 0.5
   */
  unknownTokenProbability?: number;
  /**
   * Tokens with |f(w) − 0.5| below this are ignored (bogofilter's min_dev). High on purpose: only
   * tokens nearly exclusive to one class vote, so a few clear tokens outweigh many vague ones.
   * @default 0.45
   */
  minDeviation?: number;
  /**
   * At most this many significant tokens are combined, the most extreme first.
   * @default 150
   */
  maxTokens?: number;
  /**
   * Scores at or below this are `ham`.
   * @default 0.45
   */
  hamCutoff?: number;
  /**
   * Scores at or above this are `spam`; between the cutoffs, `unsure`. With `minDeviation` 0.45
   * scores are not squeezed towards 0 and 1 as with bogofilter's settings, so the cutoff is lower.
   * @default 0.55
   */
  spamCutoff?: number;
  /**
   * Until the model has learned this many messages of EACH class, nothing is called `spam`
   * (at most `unsure`): a fresh model must not throw customer mail away.
   * @default 20
   */
  minMessagesPerClass?: number;
  /**
   * A sender (`from:addr:` token) learned as ham this many times and never as spam is never
   * called `spam` (at most `unsure`): a correspondent of the help desk keeps reaching it. 0 disables.
   * @default 2
   */
  knownSenderHam?: number;
  /**
   * A `spam` verdict needs at least this many significant tokens (else `unsure`): one or two
   * strong tokens, such as a subject word or a link host, are little evidence to hide mail on.
   * @default 0 (off)
   */
  minSpamEvidence?: number;
  /**
   * How many reasons to return.
   * @default 12
   */
  maxReasons?: number;
}

export const DEFAULT_CLASSIFY_OPTIONS: Readonly<Required<ClassifyOptions>> = Object.freeze({
  strength: 0.03,
  wordStrength: 2,
  unknownTokenProbability: 0.5,
  minDeviation: 0.45,
  maxTokens: 150,
  hamCutoff: 0.45,
  spamCutoff: 0.55,
  minMessagesPerClass: 20,
  knownSenderHam: 2,
  minSpamEvidence: 0,
  maxReasons: 12,
});

/** Tokens the tokenizer gives the sender's address (see `fromTokens`). */
const SENDER_PREFIX = 'from:addr:';

/**
 * ln Q(χ², v) for even v: the upper tail of the chi-square distribution, summed in log space
 * (e^(−χ²/2) underflows long before the sum it belongs to is negligible).
 */
export function logChiSquareQ(chi2: number, dof: number): number {
  if (chi2 <= 0) return 0;
  const m = chi2 / 2;
  const logM = Math.log(m);
  let term = -m;
  let max = term;
  // Log-sum-exp with a running maximum.
  let sum = 1;
  for (let i = 1; i < dof / 2; i++) {
    term += logM - Math.log(i);
    if (term > max) {
      sum = sum * Math.exp(max - term) + 1;
      max = term;
    } else {
      sum += Math.exp(term - max);
    }
  }
  return Math.min(0, max + Math.log(sum));
}

/** Robinson's f(w) for a token with `spam`/`ham` message counts. */
function tokenProbability(spam: number, ham: number, spamMessages: number, hamMessages: number, s: number, x: number): number {
  const spamRatio = spam / Math.max(1, spamMessages);
  const hamRatio = ham / Math.max(1, hamMessages);
  const p = spamRatio + hamRatio === 0 ? x : spamRatio / (spamRatio + hamRatio);
  const n = spam + ham;
  return (s * x + n * p) / (s + n);
}

/**
 * Scores a message's tokens against the model: Robinson's f(w) per token, the tokens far enough
 * from 0.5 (at most `maxTokens`, the most extreme), combined with Fisher's inverse chi-square in
 * log space. Pure: the model is not modified. Costs O(tokens · log tokens).
 */
export function classify(model: SpamModel, tokens: Iterable<string>, options: ClassifyOptions = {}): Classification {
  const o = { ...DEFAULT_CLASSIFY_OPTIONS, ...options };
  const s = o.strength;
  const sw = o.wordStrength;
  const x = o.unknownTokenProbability;
  let knownSender = false;
  const candidates: Reason[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    if (seen.has(token)) continue;
    seen.add(token);
    const stats = model.tokens.get(token);
    if (stats === undefined) continue;
    if (o.knownSenderHam > 0 && stats.spam === 0 && stats.ham >= o.knownSenderHam && token.startsWith(SENDER_PREFIX)) knownSender = true;
    const f = tokenProbability(stats.spam, stats.ham, model.spamMessages, model.hamMessages, token.includes(':') ? s : sw, x);
    if (Math.abs(f - 0.5) >= o.minDeviation) candidates.push({ token, spamProbability: f });
  }
  candidates.sort((a, b) => Math.abs(b.spamProbability - 0.5) - Math.abs(a.spamProbability - 0.5) || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  const used = candidates.length > o.maxTokens ? candidates.slice(0, o.maxTokens) : candidates;

  let score = 0.5;
  if (used.length > 0) {
    let logHam = 0;
    let logSpam = 0;
    for (const { spamProbability: f } of used) {
      logHam += Math.log(f);
      logSpam += Math.log1p(-f);
    }
    const dof = 2 * used.length;
    // Q(-2 Σ ln f) is near 1 when the tokens look spammy; Q(-2 Σ ln(1-f)) near 1 when hammy.
    const qHam = Math.exp(logChiSquareQ(-2 * logHam, dof));
    const qSpam = Math.exp(logChiSquareQ(-2 * logSpam, dof));
    score = (1 + qHam - qSpam) / 2;
  }

  let verdict: Verdict = score >= o.spamCutoff ? 'spam' : score <= o.hamCutoff ? 'ham' : 'unsure';
  if (
    verdict === 'spam' &&
    (knownSender || used.length < o.minSpamEvidence || Math.min(model.spamMessages, model.hamMessages) < o.minMessagesPerClass)
  ) {
    verdict = 'unsure';
  }
  return { score, verdict, reasons: used.slice(0, o.maxReasons), significantTokens: used.length, knownSender };
}
