/**
 * Errors of the Photopea adapter. Each `message` is written for the designer
 * who reads it in the panel: what happened and what to do.
 *
 * They are not `StippleError`s: core's error codes are a closed list of
 * engine failures, and these are host conditions (Photopea silent, no
 * document, no selection). `code` is stable for programs to switch on.
 */

/** Why a Photopea call failed. */
export type PhotopeaErrorCode =
  /** Photopea did not answer in time (or this page is not inside Photopea). */
  | 'TIMEOUT'
  /** No document is open in Photopea. */
  | 'NO_DOCUMENT'
  /** A masked edit was asked for, but nothing is selected. */
  | 'NO_SELECTION'
  /** The document is too large to read whole, and nothing is selected to crop to. */
  | 'TOO_LARGE'
  /** A script failed inside Photopea (its message is kept in `detail`). */
  | 'SCRIPT'
  /** Photopea answered with something the adapter did not expect. */
  | 'PROTOCOL'
  /** The client was closed while calls were pending. */
  | 'CLOSED';

export class PhotopeaError extends Error {
  readonly code: PhotopeaErrorCode;
  /** Technical detail (e.g. the script's own error message), for logs. */
  readonly detail: string | undefined;
  constructor(code: PhotopeaErrorCode, message: string, options: { detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.detail = options.detail;
  }
}

/** Photopea did not answer within `timeoutMs`. */
export class PhotopeaTimeoutError extends PhotopeaError {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number) {
    super('TIMEOUT', message);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A masked edit without a selection. `wholeImage` lists what can run on the
 * whole image instead, so the panel can offer it.
 */
export class NoSelectionError extends PhotopeaError {
  readonly wholeImage: readonly string[];
  constructor(message: string, wholeImage: readonly string[]) {
    super('NO_SELECTION', message);
    this.wholeImage = wholeImage;
  }
}

/** True when `e` is a {@link PhotopeaError} with `code` (or any code when omitted). */
export function isPhotopeaError(e: unknown, code?: PhotopeaErrorCode): e is PhotopeaError {
  return e instanceof PhotopeaError && (code === undefined || e.code === code);
}

/** `ms` in seconds for a message: "20 s", "0.1 s". */
export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
