/**
 * A pod's status as the kubelet's status manager writes it: phase, conditions with transition times
 * that change only when the condition flips, addresses, container statuses.
 */
import type { ContainerStatus, PodStatus } from './kube';

export interface PodObservation {
  readonly podIP?: string;
  readonly hostIP: string;
  readonly startTime: string;
  /** Every container has been started at least once (a restarting one still counts as running). */
  readonly allContainersCreated: boolean;
  readonly containerStatuses: readonly ContainerStatus[];
  readonly message?: string;
}

type Condition = NonNullable<PodStatus['conditions']>[number];

export function podStatus(observation: PodObservation, previous: PodStatus | undefined, now: string): PodStatus {
  const allReady = observation.allContainersCreated && observation.containerStatuses.every((c) => c.ready);
  const condition = (type: string, value: boolean): Condition => {
    const status = value ? 'True' : 'False';
    const before = previous?.conditions?.find((c) => c.type === type);
    return { type, status, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
  };
  return {
    phase: observation.allContainersCreated ? 'Running' : 'Pending',
    conditions: [
      condition('Initialized', true),
      condition('Ready', allReady),
      condition('ContainersReady', allReady),
      condition('PodScheduled', true),
    ],
    hostIP: observation.hostIP,
    ...(observation.podIP ? { podIP: observation.podIP, podIPs: [{ ip: observation.podIP }] } : {}),
    startTime: observation.startTime,
    ...(observation.message ? { message: observation.message } : {}),
    containerStatuses: [...observation.containerStatuses],
  };
}
