export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

/** Calls fn until it resolves or the deadline passes; the last error is rethrown. */
export async function retryUntil<T>(fn: () => Promise<T>, deadlineMs: number, intervalMs: number,
  shouldRetry: (err: unknown) => boolean = () => true): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!shouldRetry(err) || Date.now() + intervalMs > end) throw err;
      await sleep(intervalMs);
    }
  }
}
