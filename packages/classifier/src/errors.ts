/** Closed set of failure codes raised by the classifier package. */
export type ClassifierErrorCode =
  /** `parseModel`/`modelFromJSON` got something that is not a serialized model. */
  | 'INVALID_MODEL'
  /** The serialized model was written by a newer, incompatible format version. */
  | 'UNSUPPORTED_MODEL_VERSION'
  /** The shipped base model file is missing from the package folder. */
  | 'BASE_MODEL_MISSING';

/** The one error type of `@deskql/classifier`; switch on `code`, not on the message. */
export class ClassifierError extends Error {
  override readonly name = 'ClassifierError';
  readonly code: ClassifierErrorCode;

  constructor(code: ClassifierErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
