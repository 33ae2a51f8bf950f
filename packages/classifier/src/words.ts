// natural is imported through its tokenizers subpath only: the package root loads database drivers
// and runs dotenv (PLATFORM-NOTES pitfall 8). RegexpTokenizer keeps Unicode, unlike WordTokenizer.
import tokenizers from 'natural/lib/natural/tokenizers/index.js';

type Emit = (token: string) => void;

const whitespace = new tokenizers.RegexpTokenizer({ pattern: /[\s\u00a0\u2000-\u200a\u2028\u2029\u3000]+/u });

/** Characters used to hide words from filters ("fr\u200bee"): removed before splitting. */
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060\ufeff]/gu;
const EDGE_JUNK = /^[^\p{L}\p{N}$€£¥]+|[^\p{L}\p{N}%]+$/gu;
/** Inner punctuation that does not belong to a word: split on it. Keeps . , ' - _ inside words and numbers. */
const INNER_SPLIT = /[^\p{L}\p{M}\p{N}$€£¥%.,'’\-_]+/u;
const IDEOGRAPHIC = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
const IDEOGRAPHIC_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]+/gu;
const HAS_LETTER = /\p{L}/u;
const HAS_DIGIT = /\p{N}/u;
const ONLY_DIGITS = /^\p{N}+$/u;
const ALL_UPPER = /^[^\p{Ll}]*\p{Lu}[^\p{Ll}]*$/u;

/** Longest word kept as itself; longer ones become a length-bucket token (SpamBayes' "skip" tokens). */
const MAX_WORD = 24;
/** Letter-digit mixes longer than this are ids or tracking codes: only their shape is kept. */
const MAX_MIXED = 12;

/** Splits text on whitespace (natural's RegexpTokenizer), after removing invisible characters. */
export function splitWhitespace(text: string): string[] {
  return whitespace.tokenize(text.replace(INVISIBLE, ''));
}

/** Digit shape of a number: "1,299.00" → "9,999.99"; long digit runs are written "9{n}". */
function numberShape(word: string): string {
  return word.replace(/\p{N}{5,}/gu, (run) => `9{${run.length}}`).replace(/\p{N}/gu, '9');
}

/**
 * Tokens of words, one chunk (no whitespace) at a time. Lower-cases, and keeps an all-caps word as
 * written too; numbers become `#` shapes unless they are short integers; CJK/Thai runs become
 * character bigrams (those scripts do not separate words); overlong words become
 * `#long-<first letter><length bucket>`. With `pairs`, adjacent plain words also give a
 * two-word token ("click here"); `break()` ends a phrase (at a link, say).
 */
export class WordTokenizer {
  private previous: string | undefined;

  constructor(
    private readonly prefix: string,
    private readonly emit: Emit,
    private readonly pairs: boolean,
  ) {}

  /** Ends the current phrase: the next word does not pair with the previous one. */
  break(): void {
    this.previous = undefined;
  }

  chunk(chunk: string): void {
    const core = chunk.replace(EDGE_JUNK, '');
    if (core === '') {
      this.break();
      return;
    }
    for (const raw of core.split(INNER_SPLIT)) {
      const part = raw.replace(EDGE_JUNK, '');
      if (part === '') continue;
      if (IDEOGRAPHIC.test(part)) {
        for (const run of part.match(IDEOGRAPHIC_RUN) ?? []) {
          if (IDEOGRAPHIC.test(run)) {
            this.break();
            const chars = Array.from(run);
            if (chars.length === 1) this.emit(this.prefix + run);
            for (let i = 0; i + 1 < chars.length; i++) this.emit(this.prefix + chars[i] + chars[i + 1]);
          } else {
            this.word(run.replace(EDGE_JUNK, ''));
          }
        }
        continue;
      }
      this.word(part);
    }
  }

  private word(part: string): void {
    const hasLetter = HAS_LETTER.test(part);
    const hasDigit = HAS_DIGIT.test(part);
    if (!hasLetter && !hasDigit) return;
    const lower = part.toLowerCase();
    if (!hasLetter) {
      // Short integers (years, counts) are words; longer numbers are phone numbers, prices and ids,
      // telling only by shape. Currency signs and separators stay in the shape.
      this.emit(this.prefix + (ONLY_DIGITS.test(part) && part.length <= 4 ? part : '#' + numberShape(lower)));
      this.break();
      return;
    }
    const length = Array.from(lower).length;
    if (length < 2) {
      this.break();
      return;
    }
    if (hasDigit && length > MAX_MIXED) {
      this.emit(this.prefix + '#id' + Math.min(40, Math.round(length / 4) * 4));
      this.break();
      return;
    }
    if (length > MAX_WORD) {
      this.emit(this.prefix + '#long-' + (Array.from(lower)[0] ?? '') + Math.min(100, Math.floor(length / 10) * 10));
      this.break();
      return;
    }
    this.emit(this.prefix + lower);
    // A shouted word is a different signal from the same word in lower case.
    if (length >= 3 && !hasDigit && ALL_UPPER.test(part)) this.emit(this.prefix + part);
    if (this.pairs && !hasDigit) {
      if (this.previous !== undefined) this.emit(this.prefix + this.previous + ' ' + lower);
      this.previous = lower;
    } else {
      this.break();
    }
  }
}

/** Tokens of a short free text (subject, display name, header value) with an origin prefix. */
export function textTokens(text: string, prefix: string, emit: Emit): void {
  const words = new WordTokenizer(prefix, emit, false);
  for (const chunk of splitWhitespace(text)) words.chunk(chunk);
}

/** Tokens of one chunk of a header value. */
export function wordTokens(chunk: string, prefix: string, emit: Emit): void {
  new WordTokenizer(prefix, emit, false).chunk(chunk);
}
