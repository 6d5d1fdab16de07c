import { IPodSecurityRule, violation } from '../rule';

/** The volume types Restricted allows: none of them reaches the node or a network filesystem directly. */
const ALLOWED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted */
export const allowedVolumeTypes: IPodSecurityRule = {
  id: 'allowedVolumeTypes',
  description: `Volumes must be of the types ${ALLOWED_VOLUME_TYPES.join(', ')} (Restricted, "Volume Types").`,
  check: ({ spec }) => (spec.volumes ?? []).flatMap((volume) => {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    return types.every((type) => ALLOWED_VOLUME_TYPES.includes(type))
      ? []
      : [violation(undefined, `spec.volumes["${volume.name}"]`, `one of ${ALLOWED_VOLUME_TYPES.join(', ')}`, types.join(', '))];
  }),
};
