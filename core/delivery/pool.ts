/**
 * Runs async tasks with at most `limit` in flight. Browser-safe.
 */

/**
 * Calls `task` for every item, at most `limit` at a time, and waits for all
 * of them to settle (so nothing still writes to the cache after this
 * returns). Rejects with the first error, after the others have settled.
 *
 * @param onFirstError called once when a task fails, e.g. to abort the
 *   others instead of letting them finish.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
  onFirstError?: (error: unknown) => void,
): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
          onFirstError?.(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
}
