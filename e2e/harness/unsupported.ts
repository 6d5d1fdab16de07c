/**
 * Pod spec features the harness does not implement. A rendered pod that uses one fails to start with
 * this message instead of running differently from a real cluster.
 */
import type { PodSpec } from './kube';

export function unsupportedFeatures(spec: PodSpec): string[] {
  const found: string[] = [];
  if (spec.initContainers?.length) found.push('initContainers');
  if (spec.ephemeralContainers?.length) found.push('ephemeralContainers');
  if (spec.shareProcessNamespace) found.push('shareProcessNamespace');
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) found.push('host namespaces');
  if (spec.readinessGates?.length) found.push('readinessGates');
  for (const container of spec.containers) {
    if (container.lifecycle) found.push(`containers[${container.name}].lifecycle`);
    if (container.stdin || container.tty) found.push(`containers[${container.name}].stdin/tty`);
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      if (probe?.grpc) found.push(`containers[${container.name}] grpc probe`);
    }
  }
  return found;
}
