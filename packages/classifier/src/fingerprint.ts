/**
 * Near-copy detection for mail an agent marked as spam (in the spirit of
 * Rspamd's fuzzy hashes): a MinHash signature over word shingles of the text,
 * and band keys for locality-sensitive lookup. Two messages whose signatures
 * agree on most positions share most of their shingles (Jaccard similarity),
 * whatever sender, links or small edits differ. Bayes needs many examples to
 * trust a word; a campaign repeating itself needs only one.
 */

const HASHES = 24;
const ROWS_PER_BAND = 3;
const SHINGLE = 3;
/** Below this many words a message is too short to fingerprint reliably. */
export const MIN_FINGERPRINT_WORDS = 12;

export interface Fingerprint {
  /** MinHash values, one per hash function. */
  signature: number[];
  /** Band keys: messages sharing one are candidates for a similarity check. */
  bands: string[];
}

const SEEDS = Uint32Array.from({ length: HASHES }, (_, h) => (0x811c9dc5 ^ (h * 0x9e3779b1)) >>> 0);

/**
 * Lowers `signature` to the shingle's HASHES seeded FNV-1a hashes (each with a final avalanche so
 * nearby seeds give independent orders), all computed in one pass over its characters.
 */
function minHashInto(signature: Uint32Array, state: Uint32Array, shingle: string): void {
  state.set(SEEDS);
  for (let i = 0; i < shingle.length; i++) {
    const c = shingle.charCodeAt(i);
    for (let h = 0; h < HASHES; h++) state[h] = Math.imul(state[h]! ^ c, 0x01000193);
  }
  for (let h = 0; h < HASHES; h++) {
    let hash = state[h]!;
    hash ^= hash >>> 15;
    hash = Math.imul(hash, 0x2c1b3c6d) >>> 0;
    hash ^= hash >>> 12;
    hash >>>= 0;
    if (hash < signature[h]!) signature[h] = hash;
  }
}

/** Lowercased words of the text, with numbers, links and addresses (what campaigns vary) left out. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/https?:\/\/\S+|\S+@\S+/g, ' ')
    .split(/[^\p{L}]+/u)
    .filter((w) => w.length > 1);
}

/** The fingerprint of a message's subject and text, or null when it is too short to compare. */
export function fingerprint(subject: string, text: string): Fingerprint | null {
  const all = [...words(subject), ...words(text)];
  if (all.length < MIN_FINGERPRINT_WORDS) return null;
  const shingles = new Set<string>();
  for (let i = 0; i + SHINGLE <= all.length; i++) shingles.add(all.slice(i, i + SHINGLE).join(' '));
  const minima = new Uint32Array(HASHES).fill(0xffffffff);
  const state = new Uint32Array(HASHES);
  for (const shingle of shingles) minHashInto(minima, state, shingle);
  const signature = Array.from(minima);
  const bands: string[] = [];
  for (let b = 0; b < HASHES / ROWS_PER_BAND; b++) {
    bands.push(`${b}:${signature.slice(b * ROWS_PER_BAND, (b + 1) * ROWS_PER_BAND).map((v) => v.toString(36)).join('.')}`);
  }
  return { signature, bands };
}

/** Estimated Jaccard similarity of the shingle sets behind two signatures, 0..1. */
export function similarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}
