/**
 * The controls over what a container's processes may do: privileged mode, privilege escalation, the
 * user they run as, capabilities.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import { allContainers, isWindows, shown } from '../pod-document';
import { IPodSecurityRule, violation } from '../rule';

/** What Restricted lets a container add back after dropping ALL. */
const ADDABLE_CAPABILITIES = ['NET_BIND_SERVICE'];

export const noPrivileged: IPodSecurityRule = {
  id: 'noPrivileged',
  description: 'Privileged containers are not allowed (Baseline, "Privileged Containers").',
  check: ({ spec }) => allContainers(spec)
    .filter(({ container }) => container.securityContext?.privileged)
    .map(({ label, container }) => violation(label, 'securityContext.privileged', 'unset or false', shown(container.securityContext?.privileged))),
};

export const noPrivilegeEscalation: IPodSecurityRule = {
  id: 'noPrivilegeEscalation',
  description: 'Every container must set allowPrivilegeEscalation to false (Restricted, "Privilege Escalation"; not for Windows pods).',
  check: ({ spec }) => isWindows(spec) ? [] : allContainers(spec)
    .filter(({ container }) => container.securityContext?.allowPrivilegeEscalation !== false)
    .map(({ label, container }) => violation(label, 'securityContext.allowPrivilegeEscalation', 'false',
      shown(container.securityContext?.allowPrivilegeEscalation))),
};

export const runAsNonRoot: IPodSecurityRule = {
  id: 'runAsNonRoot',
  description: 'Containers must run as non-root users: runAsNonRoot true on the pod or on every container, and '
    + 'false nowhere (Restricted, "Running as Non-root").',
  check: ({ spec }) => {
    const podValue = spec.securityContext?.runAsNonRoot;
    const field = 'securityContext.runAsNonRoot';
    return [
      ...(podValue === false ? [violation(undefined, `spec.${field}`, 'true or unset', 'false')] : []),
      ...allContainers(spec).flatMap(({ label, container }) => {
        const value = container.securityContext?.runAsNonRoot;
        if (value === false) {
          return [violation(label, field, 'true or unset', 'false')];
        }
        return value === undefined && podValue !== true
          ? [violation(label, field, 'true (here or in the pod\'s securityContext)', 'unset')]
          : [];
      }),
    ];
  },
};

export const runAsNonZeroUser: IPodSecurityRule = {
  id: 'runAsNonZeroUser',
  description: 'Neither the pod nor a container may set runAsUser to 0 (Restricted, "Running as Non-root user").',
  check: ({ spec }) => [
    ...(spec.securityContext?.runAsUser === 0 ? [violation(undefined, 'spec.securityContext.runAsUser', 'a user other than 0', '0')] : []),
    ...allContainers(spec)
      .filter(({ container }) => container.securityContext?.runAsUser === 0)
      .map(({ label }) => violation(label, 'securityContext.runAsUser', 'a user other than 0', '0')),
  ],
};

export const capabilitiesDropAll: IPodSecurityRule = {
  id: 'capabilitiesDropAll',
  description: 'Every container must drop ALL capabilities (Restricted, "Capabilities"; not for Windows pods).',
  check: ({ spec }) => isWindows(spec) ? [] : allContainers(spec)
    .filter(({ container }) => !(container.securityContext?.capabilities?.drop ?? []).includes('ALL'))
    .map(({ label, container }) => violation(label, 'securityContext.capabilities.drop', 'a list that includes "ALL"',
      shown(container.securityContext?.capabilities?.drop))),
};

export const allowedCapabilities: IPodSecurityRule = {
  id: 'allowedCapabilities',
  description: 'Containers may add back NET_BIND_SERVICE only (Restricted, "Capabilities"; not for Windows pods).',
  check: ({ spec }) => isWindows(spec) ? [] : allContainers(spec).flatMap(({ label, container }) => {
    const added = container.securityContext?.capabilities?.add ?? [];
    return added.every((capability) => ADDABLE_CAPABILITIES.includes(capability))
      ? []
      : [violation(label, 'securityContext.capabilities.add', 'unset or only "NET_BIND_SERVICE"', shown(added))];
  }),
};
