// The one module of this package that does I/O: it reads the base model shipped in the package
// folder, or the file DESKQL_SPAM_BASE_MODEL names (benchmarks). Everything else is pure.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ClassifierError } from './errors.js';
import { cloneModel, modelFromJSON, type SpamModel } from './model.js';
import { TOKENIZER_VERSION } from './tokenize.js';

/** File name of the shipped base model, at the package root. */
export const BASE_MODEL_FILE = 'base-model.json.gz';

/**
 * Environment variable naming an alternative base model file (same format, e.g. one trained on part
 * of a corpus so that the rest can be used to evaluate it). Read when the model is first loaded;
 * a relative path is resolved against the working directory.
 */
export const BASE_MODEL_ENV = 'DESKQL_SPAM_BASE_MODEL';

/** What the base model file holds besides the model. */
export interface BaseModelInfo {
  format: 'deskql-base-model';
  tokenizerVersion: number;
  /** Where the training mail came from. */
  corpus: string;
  /** The model's message totals (a message `trainUntilSeparated` learned several times counts each time). */
  spamMessages: number;
  hamMessages: number;
  tokens: number;
}

let cached: { path: string; info: BaseModelInfo; model: SpamModel } | undefined;

/**
 * The file named by DESKQL_SPAM_BASE_MODEL if set, else the shipped one: the package root is the
 * parent of src/ (tsx, vitest) and of dist/ (built), look there.
 */
function locate(): string {
  const override = process.env[BASE_MODEL_ENV]?.trim();
  if (override) {
    const path = resolve(override);
    if (!existsSync(path)) throw new ClassifierError('BASE_MODEL_MISSING', `Base model not found at ${path} (set by ${BASE_MODEL_ENV})`);
    return path;
  }
  const path = fileURLToPath(new URL(`../${BASE_MODEL_FILE}`, import.meta.url));
  if (!existsSync(path)) throw new ClassifierError('BASE_MODEL_MISSING', `Base model not found at ${path}; run the train-base-model script`);
  return path;
}

function load(): { info: BaseModelInfo; model: SpamModel } {
  const path = locate();
  if (cached?.path === path) return cached;
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
  cached = { path, info: info as BaseModelInfo, model };
  return cached;
}

/**
 * Synchronously loads the shipped base model (trained on the SpamAssassin public corpus), or the
 * file named by DESKQL_SPAM_BASE_MODEL, and returns a fresh copy that the caller owns: a new
 * workspace's filter works from day one and learns its own mail on top. The file is read and
 * parsed once per process (again only if the variable is changed to another file).
 */
export function loadBaseModel(): SpamModel {
  return cloneModel(load().model);
}

/** Describes the base model in use (corpus, message counts, tokenizer version) without copying it. */
export function baseModelInfo(): BaseModelInfo {
  return { ...load().info };
}
