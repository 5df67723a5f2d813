/**
 * A `fetch` for a repo's small files (configs, tokenizer files, existence
 * checks) that tries again the way the downloader does: after a network
 * failure, a retryable status (5xx, 429, ...) or a body cut short. Discovery
 * reads every config through it, so a flaky server that drops a connection
 * or answers 500 once does not end `loadModel(url)` before the download even
 * starts. Bodies are read whole (the files are small) so a cut is seen here,
 * where it can be retried, instead of as a broken JSON file later.
 *
 * Browser-safe.
 */
import type { FetchLike } from './downloader';
import { backoffDelay, isRetryableStatus, sleep as defaultSleep, type BackoffOptions, type Sleep } from './retry';

/** Options of {@link retryingFetch}. */
export interface RetryingFetchOptions {
  /** Attempts after the first. */
  readonly retries: number;
  readonly backoff: BackoffOptions;
  /** Aborting ends the waits between attempts (the request itself is the inner fetch's business). */
  readonly signal?: AbortSignal;
  readonly sleep?: Sleep;
  /** True when a failure must not be retried (e.g. the server stalled: waiting again would only double the wait). */
  readonly isFinal?: (error: unknown) => boolean;
}

/** Wraps `inner` so that each request is retried per `options`; see the module comment. */
export function retryingFetch(inner: FetchLike, options: RetryingFetchOptions): FetchLike {
  const sleep = options.sleep ?? defaultSleep;
  return async (input, init) => {
    // Bytes of a GET body received before a cut: the next attempt asks for the rest with `Range`,
    // as the downloader does, instead of starting the file again from byte 0.
    let received: Uint8Array[] = [];
    let receivedBytes = 0;
    let first: Response | undefined;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= options.retries;
      const wait = (retryAfter?: string | null): Promise<void> =>
        sleep(backoffDelay(attempt + 1, options.backoff, retryAfter), options.signal);
      const resuming = receivedBytes > 0;
      const headers = new Headers(init?.headers);
      if (resuming) headers.set('Range', `bytes=${receivedBytes}-`);
      let res: Response;
      try {
        res = await inner(input, { ...init, headers });
      } catch (error) {
        if (last || options.signal?.aborted || options.isFinal?.(error)) throw error;
        await wait();
        continue;
      }
      if (isRetryableStatus(res.status) && !last) {
        await res.body?.cancel().catch(() => undefined);
        await wait(res.headers.get('retry-after'));
        continue;
      }
      if (resuming && !continues(res, receivedBytes)) {
        // The server ignored the Range (or answered another one): start over with its whole answer.
        received = [];
        receivedBytes = 0;
        first = undefined;
        if (res.status === 206) {
          await res.body?.cancel().catch(() => undefined);
          if (last) throw new Error(`${input}: the server answered a Range request with the wrong part`);
          continue;
        }
      }
      if (!res.ok || !res.body || (init?.method ?? 'GET') === 'HEAD') return res;
      first ??= res;
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          received.push(value);
          receivedBytes += value.byteLength;
        }
      } catch (error) {
        // The connection was cut in the middle of the body.
        if (last || options.signal?.aborted || options.isFinal?.(error)) throw error;
        await wait();
        continue;
      }
      if (receivedBytes < declaredLength(first) && !last) {
        await wait();
        continue;
      }
      return new Response(concat(received, receivedBytes), { status: first.status, statusText: first.statusText, headers: first.headers });
    }
  };
}

/** A `206` whose Content-Range starts where the received bytes end. */
function continues(res: Response, from: number): boolean {
  if (res.status !== 206) return false;
  const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  return m !== null && Number(m[1]) === from;
}

/** The declared length of the whole body (of the first, full answer), or 0 when it is unknown or was decompressed on the way. */
function declaredLength(res: Response): number {
  const encoding = res.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return 0;
  const declared = Number(res.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(declared) ? declared : 0;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
