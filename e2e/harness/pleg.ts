/**
 * The kubelet learns that a container exited on its own (crash, kill from outside) only at its next
 * PLEG relist, once a second (pkg/kubelet/pleg/generic.go, relistPeriod); only then does it record the
 * exit and restart the container. Exits the kubelet caused itself are known at once.
 */
export const RELIST_PERIOD_MS = 1000;

/** The wait from `exitedAt` to the next relist of a kubelet whose relist loop started at `epoch`. */
export function untilNextRelist(epoch: number, exitedAt: number, periodMs = RELIST_PERIOD_MS): number {
  const sinceEpoch = exitedAt - epoch;
  return Math.ceil(sinceEpoch / periodMs) * periodMs - sinceEpoch;
}
