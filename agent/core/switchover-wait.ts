// A switchover the primary cannot carry out yet (its target lags, is not running as a standby, or its
// agent does not answer) waits for the target, but not forever: a request that sits on the Lease with no
// Event leaves the person who asked with no answer and a primary that will move at some unforeseen
// moment. Pure: the observer feeds the clock, decide() reads the bound.

/**
 * How long the primary waits for a switchover's target to qualify before it refuses the request
 * (SwitchoverRejected, with the reason, and the annotation removed). Long enough for a standby that is
 * only briefly behind (a burst of writes, a restart) to catch up; shorter than the 60 s the CLI's
 * `switchover` waits by default, so the CLI reports the refusal rather than a timeout.
 */
export const SWITCHOVER_WAIT_LIMIT_MS = 30_000;

/** Times how long the primary has seen one switchover request on the Lease. */
export class SwitchoverClock {
  private target: string | null = null;
  private since = 0;

  /** `target`: the request on the Lease while this member holds it (null: none, or not the holder). */
  update(target: string | null, now: number): number | null {
    if (target !== this.target) {
      this.target = target;
      this.since = now;
    }
    return target === null ? null : now - this.since;
  }
}
