import { ClassifierError } from './errors.js';

/** What a message is (or was decided to be). */
export type Label = 'spam' | 'ham';

/** Per-token evidence: in how many learned spam and ham messages it occurred, and when last. */
export interface TokenStats {
  spam: number;
  ham: number;
  /** The model `generation` at which a message containing this token was last learned. */
  lastSeen: number;
}

/**
 * A sparse Bayesian spam model: token → counts, plus message totals. A plain value: `learn` and
 * `unlearn` mutate it in place (cost proportional to the message's tokens), `serializeModel`
 * turns it into a string that `parseModel` restores exactly.
 */
export interface SpamModel {
  /** Spam messages learned (minus unlearned). */
  spamMessages: number;
  /** Ham messages learned (minus unlearned). */
  hamMessages: number;
  /** Counts `learn` calls; drives token staleness for `pruneModel`. */
  generation: number;
  readonly tokens: Map<string, TokenStats>;
}

/** The JSON shape of a serialized model (format version 1). */
export interface SerializedSpamModel {
  format: 'deskql-spam-model';
  version: 1;
  spamMessages: number;
  hamMessages: number;
  generation: number;
  /** Token strings, in model order. */
  tokens: string[];
  /** Flat triples per token: spam count, ham count, lastSeen. */
  counts: number[];
}

const FORMAT = 'deskql-spam-model';

/** Creates an empty model. */
export function createModel(): SpamModel {
  return { spamMessages: 0, hamMessages: 0, generation: 0, tokens: new Map() };
}

/** Deep copy of a model (e.g. to learn into a copy of the shared base model). */
export function cloneModel(model: SpamModel): SpamModel {
  const tokens = new Map<string, TokenStats>();
  for (const [token, s] of model.tokens) tokens.set(token, { spam: s.spam, ham: s.ham, lastSeen: s.lastSeen });
  return { spamMessages: model.spamMessages, hamMessages: model.hamMessages, generation: model.generation, tokens };
}

/**
 * Learns one message's tokens as `label`, in place. Each distinct token counts once per message.
 * Costs O(tokens), whatever the model size.
 */
export function learn(model: SpamModel, tokens: Iterable<string>, label: Label): void {
  model.generation += 1;
  const generation = model.generation;
  if (label === 'spam') model.spamMessages += 1;
  else model.hamMessages += 1;
  for (const token of new Set(tokens)) {
    let stats = model.tokens.get(token);
    if (stats === undefined) {
      stats = { spam: 0, ham: 0, lastSeen: generation };
      model.tokens.set(token, stats);
    }
    stats[label] += 1;
    stats.lastSeen = generation;
  }
}

/**
 * Removes one message previously learned as `label` (an agent reversed the decision), in place:
 * the exact inverse of `learn` on all counts. Counts never go below zero (a token pruned since is
 * skipped); a token whose counts both reach zero is deleted. `generation`/`lastSeen` are not rewound.
 */
export function unlearn(model: SpamModel, tokens: Iterable<string>, label: Label): void {
  if (label === 'spam') model.spamMessages = Math.max(0, model.spamMessages - 1);
  else model.hamMessages = Math.max(0, model.hamMessages - 1);
  for (const token of new Set(tokens)) {
    const stats = model.tokens.get(token);
    if (stats === undefined) continue;
    stats[label] = Math.max(0, stats[label] - 1);
    if (stats.spam === 0 && stats.ham === 0) model.tokens.delete(token);
  }
}

/** Which tokens `pruneModel` drops. */
export interface PruneOptions {
  /**
   * Tokens seen in fewer than `minMessages` messages (spam + ham) are dropped once stale.
   * @default 2
   */
  minMessages?: number;
  /**
   * A token is stale when no message containing it was learned in the last `maxAge` generations
   * (learn calls). 0 makes every rare token stale.
   * @default 5000
   */
  maxAge?: number;
  /**
   * Hard cap on the number of tokens kept; beyond it, the least seen (then least recent) tokens go.
   * @default Infinity
   */
  maxTokens?: number;
}

/** Result of a prune. */
export interface PruneResult {
  removed: number;
  remaining: number;
}

/**
 * Drops rare, stale tokens (and, with `maxTokens`, the least useful ones) in place, so that the
 * model stays small enough for a database row. Message totals are unchanged.
 */
export function pruneModel(model: SpamModel, options: PruneOptions = {}): PruneResult {
  const minMessages = options.minMessages ?? 2;
  const maxAge = options.maxAge ?? 5000;
  const maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const before = model.tokens.size;
  for (const [token, s] of model.tokens) {
    if (s.spam + s.ham < minMessages && model.generation - s.lastSeen >= maxAge) model.tokens.delete(token);
  }
  if (model.tokens.size > maxTokens) {
    const ranked = [...model.tokens].sort(([ta, a], [tb, b]) => a.spam + a.ham - (b.spam + b.ham) || a.lastSeen - b.lastSeen || (ta < tb ? -1 : ta > tb ? 1 : 0));
    const excess = model.tokens.size - Math.max(0, Math.floor(maxTokens));
    for (let i = 0; i < excess; i++) {
      const entry = ranked[i];
      if (entry) model.tokens.delete(entry[0]);
    }
  }
  return { removed: before - model.tokens.size, remaining: model.tokens.size };
}

/** The model as a JSON-ready object (compact columnar layout). */
export function modelToJSON(model: SpamModel): SerializedSpamModel {
  const tokens: string[] = [];
  const counts: number[] = [];
  for (const [token, s] of model.tokens) {
    tokens.push(token);
    counts.push(s.spam, s.ham, s.lastSeen);
  }
  return { format: FORMAT, version: 1, spamMessages: model.spamMessages, hamMessages: model.hamMessages, generation: model.generation, tokens, counts };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Rebuilds a model from `modelToJSON` output (e.g. after `JSON.parse`); throws `ClassifierError` on bad input. */
export function modelFromJSON(json: unknown): SpamModel {
  if (typeof json !== 'object' || json === null) throw new ClassifierError('INVALID_MODEL', 'A serialized model must be an object');
  const o = json as Partial<Record<keyof SerializedSpamModel, unknown>>;
  if (o.format !== FORMAT) throw new ClassifierError('INVALID_MODEL', `Not a serialized spam model (format ${JSON.stringify(o.format)})`);
  if (o.version !== 1) throw new ClassifierError('UNSUPPORTED_MODEL_VERSION', `Unsupported spam model version ${JSON.stringify(o.version)}`);
  if (!isCount(o.spamMessages) || !isCount(o.hamMessages) || !isCount(o.generation)) {
    throw new ClassifierError('INVALID_MODEL', 'Model totals must be non-negative integers');
  }
  const tokens = o.tokens;
  const counts = o.counts;
  if (!Array.isArray(tokens) || !Array.isArray(counts) || counts.length !== tokens.length * 3) {
    throw new ClassifierError('INVALID_MODEL', 'Model tokens and counts do not match');
  }
  const map = new Map<string, TokenStats>();
  for (let i = 0; i < tokens.length; i++) {
    const token: unknown = tokens[i];
    const spam: unknown = counts[3 * i];
    const ham: unknown = counts[3 * i + 1];
    const lastSeen: unknown = counts[3 * i + 2];
    if (typeof token !== 'string' || !isCount(spam) || !isCount(ham) || !isCount(lastSeen)) {
      throw new ClassifierError('INVALID_MODEL', `Bad entry at index ${i}`);
    }
    map.set(token, { spam, ham, lastSeen });
  }
  if (map.size !== tokens.length) throw new ClassifierError('INVALID_MODEL', 'Duplicate tokens in model');
  return { spamMessages: o.spamMessages, hamMessages: o.hamMessages, generation: o.generation, tokens: map };
}

/** Serializes a model to a JSON string; `parseModel(serializeModel(m))` is identical to `m`. */
export function serializeModel(model: SpamModel): string {
  return JSON.stringify(modelToJSON(model));
}

/** Parses `serializeModel` output; throws `ClassifierError` (`INVALID_MODEL`, …) on bad input. */
export function parseModel(text: string): SpamModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ClassifierError('INVALID_MODEL', 'Serialized model is not valid JSON', { cause });
  }
  return modelFromJSON(json);
}
