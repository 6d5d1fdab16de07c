/**
 * Who a container runs as. The rendered security context names the image's users (999 is `postgres`
 * in the official image); the host has its own `postgres` user, which stands in for it. Root is
 * never used when the spec says runAsNonRoot, as the kubelet refuses such a container.
 */
import type { Container, PodSpec } from './kube';

/** The image uid/gid 999 (`postgres` in the official Debian image) and what stands in for them here. */
export interface IdMapping {
  readonly imageUid: number;
  readonly imageGid: number;
  readonly hostUid: number;
  readonly hostGid: number;
}

export interface ProcessIdentity {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: fsGroup and supplementalGroups, as the runtime adds them. */
  readonly groups: readonly number[];
  readonly noNewPrivileges: boolean;
  readonly readOnlyRootFilesystem: boolean;
}

export function processIdentity(podSpec: PodSpec, container: Container, ids: IdMapping): ProcessIdentity {
  const pod = podSpec.securityContext ?? {};
  const own = container.securityContext ?? {};
  const runAsUser = own.runAsUser ?? pod.runAsUser;
  const runAsGroup = own.runAsGroup ?? pod.runAsGroup;
  const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot ?? false;
  if (runAsUser === undefined) {
    // Without runAsUser the image's USER applies; the images the harness knows all default to root.
    if (runAsNonRoot) throw new Error(`container ${container.name} has runAsNonRoot and image will run as root`);
  } else if (runAsUser === 0 && runAsNonRoot) {
    throw new Error(`container ${container.name}'s runAsUser breaks non-root policy`);
  }
  const uid = mapUid(runAsUser ?? 0, ids);
  const gid = mapGid(runAsGroup ?? (runAsUser === ids.imageUid ? ids.imageGid : 0), ids);
  const extra = [...(pod.fsGroup === undefined ? [] : [pod.fsGroup]), ...(pod.supplementalGroups ?? [])].map((g) => mapGid(g, ids));
  return {
    uid,
    gid,
    groups: [...new Set([gid, ...extra])],
    // The runtime sets no_new_privs only for an explicit allowPrivilegeEscalation: false.
    noNewPrivileges: own.allowPrivilegeEscalation === false,
    readOnlyRootFilesystem: own.readOnlyRootFilesystem === true,
  };
}

/** The group the kubelet gives volumes (fsGroup), mapped to the host. */
export function volumeGroup(podSpec: PodSpec, ids: IdMapping): number | undefined {
  const fsGroup = podSpec.securityContext?.fsGroup;
  return fsGroup === undefined ? undefined : mapGid(fsGroup, ids);
}

export function mapUid(uid: number, ids: IdMapping): number {
  return uid === ids.imageUid ? ids.hostUid : uid;
}

export function mapGid(gid: number, ids: IdMapping): number {
  return gid === ids.imageGid ? ids.hostGid : gid;
}
