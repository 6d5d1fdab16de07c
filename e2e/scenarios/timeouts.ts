/**
 * How long scenarios wait. Generous against a slow CI machine, but each bounded, so a regression
 * fails in minutes, not at the suite's deadline.
 */

/** From the manifests applied to one primary and streaming replicas (initdb, clones, readiness). */
export const BOOTSTRAP_MS = 120_000;
/** From losing the primary to another member being primary and ready (a lease duration and margin). */
export const FAILOVER_MS = 60_000;
/** From the old primary's return to it streaming as a standby (rewind or clone). */
export const REJOIN_MS = 90_000;
