// The standby's side of the API-outage failsafe (see decide.ts, whileApiUnreachable). A member confirms a
// primary only when it cannot reach the API itself: a member that can reach it may be about to take the
// lease, and its confirmation would let the old primary serve on beside the new one.
//
// "Cannot reach" includes a request of this member's that has waited API_STALL_MS without an answer: a
// hung API server (frozen, overloaded, a partition that drops packets) fails a request only after the
// client's whole timeout, and the primary's failsafe round must be confirmed before its renew deadline.
// Safe, because a member that confirms counts it as a sign of the holder's life and takes no lease for a
// lease duration after it (lease-clock.ts), however soon its own API requests succeed again.
import type { Observation } from './types';

/** How long one of this member's API requests must have waited before it counts the API as unreachable. */
export const API_STALL_MS = 1000;

export interface FailsafeAnswer {
  readonly confirm: boolean;
  readonly reason: string;
}

/** `apiStalledMs`: how long this member's oldest unanswered API request has waited (0: none waits). */
export function answerFailsafe(o: Observation | null, from: string, knownHolder: string | null, apiStalledMs = 0): FailsafeAnswer {
  if (!o) return { confirm: false, reason: 'no observation yet' };
  const stalled = apiStalledMs >= API_STALL_MS;
  if (o.lease.kind !== 'unreachable' && !stalled) return { confirm: false, reason: 'this member reaches the Kubernetes API' };
  if (from !== knownHolder) return { confirm: false, reason: `the last lease holder seen here is ${knownHolder ?? 'nobody'}, not ${from}` };
  if (o.lease.kind === 'unreachable') return { confirm: true, reason: `confirming ${from}: the API is unreachable here too` };
  return { confirm: true, reason: `confirming ${from}: this member's API request has had no answer for ${Math.round(apiStalledMs)} ms` };
}
