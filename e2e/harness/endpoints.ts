/**
 * Which pods a Service port sends a new connection to, as the EndpointSlice controller and
 * kube-proxy decide it: pods of the Service's namespace whose labels match its selector, with an
 * address, Ready and not terminating (any running pod with publishNotReadyAddresses); the targetPort
 * resolved by name against the pod's containers.
 */
import { LabelSelector } from '../apiserver/label-selector';
import type { Pod, Service } from './kube';

export interface Endpoint {
  readonly pod: string;
  readonly address: string;
  readonly port: number;
}

type ServicePort = NonNullable<NonNullable<Service['spec']>['ports']>[number];

export function serviceEndpoints(service: Service, port: ServicePort, pods: readonly Pod[]): Endpoint[] {
  const selector = service.spec?.selector;
  // A Service without a selector has manually managed endpoints, which the rendered output never uses.
  if (!selector || Object.keys(selector).length === 0) return [];
  const matcher = LabelSelector.fromMap(selector);
  const endpoints: Endpoint[] = [];
  for (const pod of pods) {
    if (pod.metadata?.namespace !== service.metadata?.namespace || !matcher.matches(pod.metadata?.labels)) continue;
    if (!pod.status?.podIP || pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') continue;
    const serving = service.spec?.publishNotReadyAddresses || (isReady(pod) && !pod.metadata?.deletionTimestamp);
    if (!serving) continue;
    const target = targetPort(port, pod);
    if (target !== undefined) endpoints.push({ pod: pod.metadata?.name ?? '', address: pod.status.podIP, port: target });
  }
  return endpoints;
}

export function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A named targetPort that no container of the pod declares leaves the pod out, as in Kubernetes. */
function targetPort(port: ServicePort, pod: Pod): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const container of pod.spec?.containers ?? []) {
    const match = (container.ports ?? []).find((p) => p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
    if (match) return match.containerPort;
  }
  return undefined;
}
