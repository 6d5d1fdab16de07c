/**
 * How long the real-cluster scenarios wait. Bounds, not expectations: the figures that matter are
 * printed by each step and measured by the benchmark.
 */
/** Three members from nothing: scheduling, volume binding, image start, initdb, two clones. */
export const BOOTSTRAP_MS = 240_000;
/** A failover and the old member back as a streaming standby (a re-created pod included). */
export const RECOVERY_MS = 120_000;
/** The namespace deleted with everything in it (graceful termination of every pod). */
export const TEARDOWN_MS = 180_000;
