/**
 * Typed errors. Every error Stipple raises is a {@link StippleError}: it has a
 * stable `code` a program can switch on, and a `message` written for the
 * designer who sees it (what went wrong, and what to do about it).
 */

/** Stable machine-readable error codes. */
export type StippleErrorCode =
  | 'MODEL_FORMAT'
  | 'TOKENIZER_FORMAT'
  | 'SCHEDULER_CONFIG'
  | 'RUNTIME'
  | 'INVALID_INPUT'
  | 'IMAGE_FORMAT'
  | 'WRONG_MODEL_KIND'
  | 'CANCELLED'
  /** Model delivery (core/delivery): a download failed after its retries, or the server refused it. */
  | 'DOWNLOAD'
  /** Model delivery: a file's size or sha256 is not what the manifest says. */
  | 'INTEGRITY'
  /** Model delivery: not enough storage for the download. */
  | 'QUOTA'
  /** Model delivery: the model cache lacks a file or holds a damaged one. */
  | 'CACHE'
  /** The edit does not fit the backend's memory (e.g. the 4 GiB WASM heap) at this size. */
  | 'RESOURCE_LIMIT';

/** `error.message` when there is one, else the value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Base class of every error Stipple throws on purpose. */
export class StippleError extends Error {
  readonly code: StippleErrorCode;
  constructor(code: StippleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A model repo, one of its files, or an ONNX graph is not what Stipple expects.
 * `file` names the offending file (relative to the repo) and `expected` says what it should hold.
 */
export class ModelFormatError extends StippleError {
  readonly file: string;
  readonly expected: string;
  constructor(file: string, expected: string, detail?: string, options?: { cause?: unknown }) {
    super('MODEL_FORMAT', `${file}: expected ${expected}${detail ? ` (${detail})` : ''}.`, options);
    this.file = file;
    this.expected = expected;
  }
}

/** A tokenizer file is missing, not valid JSON, or lacks what CLIP needs. */
export class TokenizerFormatError extends StippleError {
  readonly file: string;
  constructor(file: string, expected: string, options?: { cause?: unknown }) {
    super('TOKENIZER_FORMAT', `${file}: expected ${expected}.`, options);
    this.file = file;
  }
}

/** A scheduler config asks for something the scheduler does not support. */
export class SchedulerConfigError extends StippleError {
  constructor(message: string) {
    super('SCHEDULER_CONFIG', message);
  }
}

/** ONNX Runtime failed to create a session or run one. */
export class RuntimeError extends StippleError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNTIME', message, options);
  }
}

/**
 * The edit does not fit what the backend can hold at this working size: the
 * model and its activations need more than the WASM heap (4 GiB per ONNX
 * Runtime instance, whatever the machine's RAM), the GPU's largest buffer, or
 * the machine's memory. Raised before weights are downloaded or sessions made
 * when the estimate says so, or when ONNX Runtime runs out of memory. The
 * message says what would work (a smaller size, another backend).
 */
export class ResourceLimitError extends StippleError {
  /** The backend that cannot hold the edit (`wasm`, `webgpu`, `native`). */
  readonly backend: string;
  /** The largest square working side that fits this backend, when known (0: none). */
  readonly maxSide: number | undefined;
  constructor(message: string, details: { backend: string; maxSide?: number }, options?: { cause?: unknown }) {
    super('RESOURCE_LIMIT', message, options);
    this.backend = details.backend;
    this.maxSide = details.maxSide;
  }
}

/** The user asked for an edit this model cannot do (e.g. `inpaint` on a 4-channel model). */
export class WrongModelKindError extends StippleError {
  constructor(message: string) {
    super('WRONG_MODEL_KIND', message);
  }
}

/** The job was cancelled through its AbortSignal. Nothing was written. */
export class CancelledError extends StippleError {
  constructor(message = 'The edit was cancelled. Nothing was changed.') {
    super('CANCELLED', message);
  }
}

/** Throws {@link CancelledError} when `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
