/**
 * What the load generators record during a trial. Times are milliseconds on one clock (the benchmark
 * process's `now()`, epoch based and monotonic), so faults, acknowledgements and cluster events compare.
 */
import { performance } from 'node:perf_hooks';

/**
 * Epoch milliseconds that never go backwards: the monotonic clock, anchored to the wall clock once, so
 * the times compare with the agents' and the cluster components' log timestamps (performance.timeOrigin can be off
 * the wall clock by a hundred milliseconds and more).
 */
const WALL_ANCHOR = Date.now();
const MONOTONIC_ANCHOR = performance.now();

export function now(): number {
  return WALL_ANCHOR + (performance.now() - MONOTONIC_ANCHOR);
}

/** A write through Service `<name>` that the server acknowledged (its COMMIT returned). */
export interface AckedWrite {
  readonly id: number;
  readonly sentAt: number;
  readonly at: number;
  /** The pod that served it: `inet_server_addr()` mapped to a pod name. */
  readonly pod: string;
}

/** A write attempt that failed (connect error, refused, reset, timeout, read-only...). */
export interface FailedWrite {
  readonly id: number;
  readonly sentAt: number;
  readonly at: number;
  readonly error: string;
}

/** A probe write that a pod, addressed directly, acknowledged. */
export interface ProbeAck {
  readonly pod: string;
  readonly at: number;
}

/** Everything the metrics are computed from: one trial of one fault. */
export interface TrialLog {
  /** When the fault was injected. */
  readonly faultAt: number;
  /** The primary before the fault. */
  readonly oldPrimary: string;
  /** The primary once the cluster was healthy again. */
  readonly finalPrimary: string;
  /** The writer's acknowledged writes, in the order they were sent. */
  readonly writes: readonly AckedWrite[];
  readonly failures: readonly FailedWrite[];
  readonly probes: readonly ProbeAck[];
  /**
   * The ids of this trial found on the final primary after everything settled; null when the trial
   * never settled (nothing trustworthy to count against).
   */
  readonly presentIds: readonly number[] | null;
  /** When the pod the fault hit was back (restarted, recreated, reconnected); null when it never left. */
  readonly backAt: number | null;
  /** When pg_stat_replication on the final primary first showed that pod streaming after it was back. */
  readonly rejoinedAt: number | null;
}
