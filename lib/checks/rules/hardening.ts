import { allContainers, shown } from '../pod-document';
import { IPodSecurityRule, violation } from '../rule';

/**
 * Ours, stricter than the Restricted standard: a container whose root filesystem is read-only keeps
 * whatever compromises it from replacing its own programs, and writes only where a volume says so.
 */
export const readOnlyRootFilesystem: IPodSecurityRule = {
  id: 'readOnlyRootFilesystem',
  description: 'Every container\'s root filesystem must be read-only (this library\'s hardening, beyond Restricted).',
  check: ({ spec }) => allContainers(spec)
    .filter(({ container }) => container.securityContext?.readOnlyRootFilesystem !== true)
    .map(({ label, container }) => violation(label, 'securityContext.readOnlyRootFilesystem', 'true',
      shown(container.securityContext?.readOnlyRootFilesystem))),
};
