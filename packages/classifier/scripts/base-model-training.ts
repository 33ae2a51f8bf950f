// How the shipped base model is trained: train-base-model.ts runs it on the whole corpus; the benches
// run it on the training part of their split, so that the rest can evaluate what the server ships.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createModel, modelToJSON, pruneModel, tokenize, trainUntilSeparated, type Label, type SpamModel } from '../src/index.js';
import type { BaseModelInfo } from '../src/base-model.js';
import { TOKENIZER_VERSION } from '../src/tokenize.js';
import { CORPUS_TRUSTED_HOSTS, parseMail } from './corpus.js';
import { rng, shuffle } from './seeded-random.js';

/** Tokens seen in a single message (63% of the vocabulary) are dropped; a workspace relearns its own. */
export const MIN_MESSAGES = 2;
/** Hard cap so the file stays under 2 MB even if the tokenizer grows. */
export const MAX_TOKENS = 250_000;

/** A corpus message's tokens as the base model learns them: the corpus parser, the collectors' hosts trusted. */
export async function baseModelTokens(raw: Buffer): Promise<string[]> {
  return tokenize(await parseMail(raw), { trustedHosts: CORPUS_TRUSTED_HOSTS });
}

/** Seed of the order in which the base model learns its messages (thick-threshold training depends on the order). */
export const TRAINING_ORDER_SEED = 20261123;

/**
 * Learns tokenized messages into `model` as the base model learns them: in a seeded mixed order
 * (the corpus comes sorted by folder), each once, then again those the counts do not separate yet
 * (`trainUntilSeparated` with its defaults, chosen by cross-validation: bench/classifier/cv.ts).
 */
export function learnAsBaseModel(model: SpamModel, items: readonly { tokens: readonly string[]; label: Label }[]): void {
  trainUntilSeparated(model, shuffle(items, rng(TRAINING_ORDER_SEED)));
}

/** Prunes a learned model in place as the shipped one is pruned; returns the vocabulary before pruning. */
export function pruneAsBaseModel(model: SpamModel): number {
  const vocabulary = model.tokens.size;
  pruneModel(model, { minMessages: MIN_MESSAGES, maxAge: 0, maxTokens: MAX_TOKENS });
  return vocabulary;
}

/** Learns and prunes a base model on these messages; `corpus` describes them in the file. */
export async function trainBaseModel(
  messages: Iterable<{ raw: Buffer; label: 'spam' | 'ham' }>,
  corpus: string,
): Promise<{ info: BaseModelInfo; model: SpamModel; vocabulary: number }> {
  const model = createModel();
  const items: { tokens: string[]; label: Label }[] = [];
  for (const message of messages) items.push({ tokens: await baseModelTokens(message.raw), label: message.label });
  learnAsBaseModel(model, items);
  const vocabulary = pruneAsBaseModel(model);
  const info: BaseModelInfo = {
    format: 'deskql-base-model',
    tokenizerVersion: TOKENIZER_VERSION,
    corpus,
    spamMessages: model.spamMessages,
    hamMessages: model.hamMessages,
    tokens: model.tokens.size,
  };
  return { info, model, vocabulary };
}

/** Writes a base model file (gzipped JSON, level 9); returns its size in bytes. */
export function writeBaseModel(file: string, trained: { info: BaseModelInfo; model: SpamModel }): number {
  const bytes = gzipSync(JSON.stringify({ ...trained.info, model: modelToJSON(trained.model) }), { level: 9 });
  writeFileSync(file, bytes);
  return bytes.length;
}
