/**
 * @deskql/classifier — a pure, sparse Bayesian spam classifier for inbound mail.
 *
 * tokenize(mail) → learn/unlearn(model, tokens, label) → classify(model, tokens).
 * The model is a plain value: serializeModel/parseModel round-trip it exactly, pruneModel keeps it small.
 * The shipped base model lives in the `@deskql/classifier/base-model` subpath (the only file I/O).
 */
export { isContentToken, tokenize, TOKENIZER_VERSION, type TokenizeOptions } from './tokenize.js';
export type { AttachmentInfo, HeaderField, MailForClassification, MailHeaders, RawHeaderLine } from './mail.js';
export { RECIPIENT_SIDE_HEADERS } from './headers.js';
export {
  cloneModel,
  createModel,
  learn,
  modelFromJSON,
  modelToJSON,
  parseModel,
  pruneModel,
  serializeModel,
  unlearn,
  type Label,
  type PruneOptions,
  type PruneResult,
  type SerializedSpamModel,
  type SpamModel,
  type TokenStats,
} from './model.js';
export { classify, DEFAULT_CLASSIFY_OPTIONS, type Classification, type ClassifyOptions, type Reason, type Verdict } from './classify.js';
export { trainUntilSeparated, type TrainingItem, type TrainUntilSeparatedOptions, type TrainUntilSeparatedResult } from './train.js';
export { ClassifierError, type ClassifierErrorCode } from './errors.js';
export { fingerprint, similarity, MIN_FINGERPRINT_WORDS, type Fingerprint } from './fingerprint.js';
