/**
 * The Baseline controls that keep a pod off its node's namespaces and processes.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
import { allContainers, shown } from '../pod-document';
import { IPodSecurityRule, violation } from '../rule';

export const noHostProcess: IPodSecurityRule = {
  id: 'noHostProcess',
  description: 'Windows HostProcess containers are not allowed (Baseline, "HostProcess").',
  check: ({ spec }) => {
    const field = 'securityContext.windowsOptions.hostProcess';
    const podValue = spec.securityContext?.windowsOptions?.hostProcess;
    return [
      ...(podValue ? [violation(undefined, `spec.${field}`, 'unset or false', shown(podValue))] : []),
      ...allContainers(spec)
        .filter(({ container }) => container.securityContext?.windowsOptions?.hostProcess)
        .map(({ label }) => violation(label, field, 'unset or false', 'true')),
    ];
  },
};

export const noHostNamespaces: IPodSecurityRule = {
  id: 'noHostNamespaces',
  description: 'The node\'s network, PID and IPC namespaces must not be shared (Baseline, "Host Namespaces").',
  check: ({ spec }) => (['hostNetwork', 'hostPID', 'hostIPC'] as const)
    .filter((field) => spec[field])
    .map((field) => violation(undefined, `spec.${field}`, 'unset or false', shown(spec[field]))),
};

export const noHostPorts: IPodSecurityRule = {
  id: 'noHostPorts',
  description: 'Containers must not bind ports of the node (Baseline, "Host Ports").',
  check: ({ spec }) => allContainers(spec).flatMap(({ label, container }) => (container.ports ?? [])
    .map((port, index) => [port.hostPort, index] as const)
    .filter(([hostPort]) => hostPort !== undefined && hostPort !== 0)
    .map(([hostPort, index]) => violation(label, `ports[${index}].hostPort`, 'unset or 0', shown(hostPort)))),
};

export const noHostPath: IPodSecurityRule = {
  id: 'noHostPath',
  description: 'Volumes must not mount the node\'s filesystem (Baseline, "HostPath Volumes").',
  check: ({ spec }) => (spec.volumes ?? [])
    .filter((volume) => volume.hostPath !== undefined)
    .map((volume) => violation(undefined, `spec.volumes["${volume.name}"].hostPath`, 'unset', shown(volume.hostPath))),
};
