// The one module of this package that does I/O: it reads the base model shipped in the package
// folder. Everything else is pure.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ClassifierError } from './errors.js';
import { cloneModel, modelFromJSON, type SpamModel } from './model.js';
import { TOKENIZER_VERSION } from './tokenize.js';

/** File name of the shipped base model, at the package root. */
export const BASE_MODEL_FILE = 'base-model.json.gz';

/** What the base model file holds besides the model. */
export interface BaseModelInfo {
  format: 'deskql-base-model';
  tokenizerVersion: number;
  /** Where the training mail came from. */
  corpus: string;
  spamMessages: number;
  hamMessages: number;
  tokens: number;
}

let cached: { info: BaseModelInfo; model: SpamModel } | undefined;

/** The package root is the parent of src/ (tsx, vitest) and of dist/ (built): look there. */
function locate(): string {
  const path = fileURLToPath(new URL(`../${BASE_MODEL_FILE}`, import.meta.url));
  if (!existsSync(path)) throw new ClassifierError('BASE_MODEL_MISSING', `Base model not found at ${path}; run the train-base-model script`);
  return path;
}

function load(): { info: BaseModelInfo; model: SpamModel } {
  if (cached) return cached;
  const path = locate();
  let json: { model?: unknown } & Partial<BaseModelInfo>;
  try {
    json = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as typeof json;
  } catch (cause) {
    throw new ClassifierError('INVALID_MODEL', `Base model at ${path} is not gzipped JSON`, { cause });
  }
  if (json.format !== 'deskql-base-model') throw new ClassifierError('INVALID_MODEL', `Not a base model file: ${path}`);
  if (json.tokenizerVersion !== TOKENIZER_VERSION) {
    throw new ClassifierError('UNSUPPORTED_MODEL_VERSION', `Base model was trained with tokenizer v${json.tokenizerVersion}, this build tokenizes v${TOKENIZER_VERSION}; retrain it`);
  }
  const model = modelFromJSON(json.model);
  const { model: _omitted, ...info } = json;
  cached = { info: info as BaseModelInfo, model };
  return cached;
}

/**
 * Synchronously loads the shipped base model (trained on the SpamAssassin public corpus) and
 * returns a fresh copy that the caller owns: a new workspace's filter works from day one and
 * learns its own mail on top. The file is read and parsed once per process.
 */
export function loadBaseModel(): SpamModel {
  return cloneModel(load().model);
}

/** Describes the shipped base model (corpus, message counts, tokenizer version) without copying it. */
export function baseModelInfo(): BaseModelInfo {
  return { ...load().info };
}
