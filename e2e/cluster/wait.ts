/** Small waiting helpers for the cluster's scripts. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than undefined, or throws `describe()` at the deadline. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, describe: () => string, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(describe());
    await sleep(intervalMs);
  }
}
