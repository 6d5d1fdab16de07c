// The standby's side of the API-outage failsafe (see decide.ts, whileApiUnreachable). A member confirms a
// primary only when it cannot reach the API itself: a member that can reach it may be about to take the
// lease, and its confirmation would let the old primary serve on beside the new one.
import type { Observation } from './types';

export interface FailsafeAnswer {
  readonly confirm: boolean;
  readonly reason: string;
}

export function answerFailsafe(o: Observation | null, from: string, knownHolder: string | null): FailsafeAnswer {
  if (!o) return { confirm: false, reason: 'no observation yet' };
  if (o.lease.kind !== 'unreachable') return { confirm: false, reason: 'this member reaches the Kubernetes API' };
  if (from !== knownHolder) return { confirm: false, reason: `the last lease holder seen here is ${knownHolder ?? 'nobody'}, not ${from}` };
  return { confirm: true, reason: `confirming ${from}: the API is unreachable here too` };
}
