import { processIdentity, volumeGroup } from '../../../e2e/harness/security';

const ids = { imageUid: 999, imageGid: 999, hostUid: 101, hostGid: 104 };

describe('processIdentity', () => {
  it('runs the image\'s uid 999 as the host\'s postgres user, with fsGroup as a supplementary group', () => {
    const identity = processIdentity(
      { containers: [], securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999 } },
      { name: 'postgres', securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } },
      ids,
    );
    expect(identity).toEqual({ uid: 101, gid: 104, groups: [104], noNewPrivileges: true, readOnlyRootFilesystem: true });
  });

  it('lets the container\'s context override the pod\'s, and keeps other ids as they are', () => {
    const identity = processIdentity({ containers: [], securityContext: { runAsUser: 999, fsGroup: 2000, supplementalGroups: [3000] } }, { name: 'c', securityContext: { runAsUser: 1000, runAsGroup: 1000 } }, ids);
    expect(identity).toMatchObject({ uid: 1000, gid: 1000, groups: [1000, 2000, 3000], noNewPrivileges: false, readOnlyRootFilesystem: false });
  });

  it('takes the image user\'s group when only runAsUser is set', () => {
    expect(processIdentity({ containers: [], securityContext: { runAsUser: 999 } }, { name: 'c' }, ids)).toMatchObject({ uid: 101, gid: 104 });
  });

  it('fails like the kubelet for runAsNonRoot without a user (the images default to root)', () => {
    expect(() => processIdentity({ containers: [], securityContext: { runAsNonRoot: true } }, { name: 'c' }, ids))
      .toThrow('container c has runAsNonRoot and image will run as root');
  });

  it('fails for runAsNonRoot with uid 0', () => {
    expect(() => processIdentity({ containers: [] }, { name: 'c', securityContext: { runAsNonRoot: true, runAsUser: 0 } }, ids))
      .toThrow("container c's runAsUser breaks non-root policy");
  });
});

describe('volumeGroup', () => {
  it('maps fsGroup 999 to the host\'s postgres group', () => {
    expect(volumeGroup({ containers: [], securityContext: { fsGroup: 999 } }, ids)).toBe(104);
    expect(volumeGroup({ containers: [] }, ids)).toBeUndefined();
  });
});
