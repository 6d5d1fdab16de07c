/** How long a DELETE leaves an object to its kubelet, as the pod strategy's CheckGracefulDelete decides. */
import { KubeObject } from './objects';
import { ResourceType } from './resources';

const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/** 0 means: remove the object now. */
export function gracePeriodSeconds(type: ResourceType, object: KubeObject, requested: number | undefined): number {
  if (!type.gracefulDeletion) return 0;
  const phase = (object.status as { phase?: string } | undefined)?.phase;
  // A pod that finished has no containers left to stop.
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const spec = object.spec as { terminationGracePeriodSeconds?: number } | undefined;
  const grace = requested ?? spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  // Kubernetes turns a negative grace period into the shortest graceful one.
  return grace < 0 ? 1 : grace;
}
