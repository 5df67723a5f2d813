/**
 * A `fetch` that always ends: each request is aborted when the caller's
 * signal aborts, or when no data (headers or body bytes) arrives for
 * `idleTimeoutMs`. Discovery reads a repo's configs through it, so a
 * stalled server cannot leave `loadModel(url)` pending forever.
 *
 * Browser-safe.
 */
import type { FetchLike } from './downloader';

/** A {@link FetchLike} plus what made it give up, if anything. */
export interface BoundedFetch {
  readonly fetch: FetchLike;
  /** The URL of the request dropped for idleness, once one was. */
  readonly idleUrl: string | undefined;
}

export function boundedFetch(inner: FetchLike, signal: AbortSignal | undefined, idleTimeoutMs: number): BoundedFetch {
  let idleUrl: string | undefined;
  const fetch: FetchLike = async (input, init) => {
    const attempt = new AbortController();
    const onAbort = (): void => attempt.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        idleUrl = input;
        attempt.abort(new Error(`no data for ${idleTimeoutMs} ms`));
      }, idleTimeoutMs);
    };
    arm();
    let res: Response;
    try {
      res = await inner(input, { ...init, signal: attempt.signal });
    } catch (error) {
      stop();
      throw error;
    }
    clearTimeout(timer);
    if (!res.body) {
      stop();
      return res;
    }
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          arm(); // only while waiting for the server: a slow reader is not an idle server
          const { done, value } = await reader.read();
          clearTimeout(timer);
          if (done) {
            stop();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          stop();
          controller.error(error);
        }
      },
      cancel(reason) {
        stop();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return {
    fetch,
    get idleUrl() {
      return idleUrl;
    },
  };
}
