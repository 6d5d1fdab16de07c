/**
 * The kubelet's crash-loop back-off: a container that exits is restarted at once the first time,
 * then after 10 s, 20 s, 40 s … capped at 300 s; a container that ran for 10 minutes starts over.
 */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
export const BACKOFF_RESET_AFTER_MS = 600_000;

export class RestartBackoff {
  private restartsSinceReset = 0;

  /** The wait before restarting a container that ran from `startedAt` to `exitedAt` (ms). */
  next(startedAt: number, exitedAt: number): number {
    if (exitedAt - startedAt >= BACKOFF_RESET_AFTER_MS) this.restartsSinceReset = 0;
    const n = this.restartsSinceReset++;
    return n === 0 ? 0 : Math.min(BACKOFF_INITIAL_MS * 2 ** (n - 1), BACKOFF_MAX_MS);
  }
}
