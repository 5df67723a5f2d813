/**
 * When and how long to wait before trying a request again.
 *
 * Browser-safe.
 */

/** Waits `ms` milliseconds; rejects with the signal's reason when it is aborted first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A `setTimeout`-based {@link Sleep}. */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Retry timing. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  readonly baseDelayMs: number;
  /** Upper bound of any delay, in ms. */
  readonly maxDelayMs: number;
}

/**
 * Exponential backoff with jitter: `base * 2^(attempt-1)`, capped, scaled by
 * a random factor in [0.75, 1] so many clients that failed together do not
 * retry together. A server's `Retry-After` (seconds) raises the delay, within the cap.
 *
 * @param attempt 1 for the first retry.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, retryAfter?: string | null): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.25);
  const asked = retryAfter != null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : 0;
  return Math.min(options.maxDelayMs, Math.max(exponential, asked));
}

/**
 * True for HTTP statuses that may succeed when asked again: timeouts, rate
 * limits and server errors. Other 4xx answers (404, 403, ...) will not change.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
