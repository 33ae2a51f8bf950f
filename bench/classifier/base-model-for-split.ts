// A base model trained on part of the corpus, the way packages/classifier/scripts/train-base-model.ts
// trains the shipped one on all of it: same parser (mailparser via the script's corpus.ts), same
// trusted hosts, learn every message, then prune to tokens seen in MIN_MESSAGES messages, capped at
// MAX_TOKENS; same file format. The script runs at import, so its two constants are read from its
// source (and this fails loudly if they are ever renamed) rather than copied here.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createModel, learn, modelToJSON, pruneModel, tokenize, TOKENIZER_VERSION, type SpamModel } from '@deskql/classifier';
import type { BaseModelInfo } from '@deskql/classifier/base-model';
import { CORPUS_TRUSTED_HOSTS, parseMail } from '../../packages/classifier/scripts/corpus.js';
import { TOKENIZER_VERSION as SOURCE_TOKENIZER_VERSION } from '../../packages/classifier/src/tokenize.js';

const SCRIPT = fileURLToPath(new URL('../../packages/classifier/scripts/train-base-model.ts', import.meta.url));

function scriptConstant(name: string): number {
  const match = new RegExp(`const ${name} = ([\\d_]+);`).exec(readFileSync(SCRIPT, 'utf8'));
  if (!match) throw new Error(`${name} not found in ${SCRIPT}; update bench/classifier/base-model-for-split.ts`);
  return Number(match[1]!.replace(/_/g, ''));
}

export interface TrainedBaseModel {
  info: BaseModelInfo;
  model: SpamModel;
  /** Tokens before pruning. */
  vocabulary: number;
  minMessages: number;
  maxTokens: number;
}

/** A message's tokens as train-base-model.ts learns them: its parser, the corpus's trusted hosts. */
export async function baseModelTokens(raw: Buffer): Promise<string[]> {
  return tokenize(await parseMail(raw), { trustedHosts: CORPUS_TRUSTED_HOSTS });
}

/** Prunes a learned model in place as train-base-model.ts prunes the shipped one. */
export function pruneAsBaseModel(model: SpamModel): { vocabulary: number; minMessages: number; maxTokens: number } {
  const minMessages = scriptConstant('MIN_MESSAGES');
  const maxTokens = scriptConstant('MAX_TOKENS');
  const vocabulary = model.tokens.size;
  pruneModel(model, { minMessages, maxAge: 0, maxTokens });
  return { vocabulary, minMessages, maxTokens };
}

/** Trains and prunes a base model on these messages, exactly as train-base-model.ts does on the whole corpus. */
export async function trainBaseModel(messages: ReadonlyArray<{ raw: Buffer; label: 'spam' | 'ham' }>, corpus: string): Promise<TrainedBaseModel> {
  // The server tokenizes with the built package; a stale dist/ would tokenize differently from the source.
  if (TOKENIZER_VERSION !== SOURCE_TOKENIZER_VERSION) {
    throw new Error(`@deskql/classifier dist/ tokenizes v${TOKENIZER_VERSION}, src/ v${SOURCE_TOKENIZER_VERSION}: run npm run build -w @deskql/classifier`);
  }
  const model = createModel();
  for (const message of messages) learn(model, await baseModelTokens(message.raw), message.label);
  const { vocabulary, minMessages, maxTokens } = pruneAsBaseModel(model);
  const info: BaseModelInfo = {
    format: 'deskql-base-model',
    tokenizerVersion: TOKENIZER_VERSION,
    corpus,
    spamMessages: model.spamMessages,
    hamMessages: model.hamMessages,
    tokens: model.tokens.size,
  };
  return { info, model, vocabulary, minMessages, maxTokens };
}

/** Writes it in the shipped file's format (gzipped JSON, level 9); returns the size in bytes. */
export function writeBaseModel(file: string, trained: Pick<TrainedBaseModel, 'info' | 'model'>): number {
  const bytes = gzipSync(JSON.stringify({ ...trained.info, model: modelToJSON(trained.model) }), { level: 9 });
  writeFileSync(file, bytes);
  return bytes.length;
}
