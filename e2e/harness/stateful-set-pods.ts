/**
 * The StatefulSet controller's pure part (pkg/controller/statefulset): the pod it creates for an
 * ordinal, the claims that pod uses, and what to create or delete next under Parallel or OrderedReady
 * pod management.
 */
import { createHash } from 'node:crypto';
import type { PersistentVolumeClaim, Pod, StatefulSet } from './kube';
import { isReady } from './endpoints';
import { safeEncode } from './kube-names';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const REVISION_LABEL = 'controller-revision-hash';
/** The harness is one machine: every pod is bound to this node (scheduling constraints are not evaluated). */
export const NODE_NAME = 'pgha-node';

export function podName(sts: StatefulSet, ordinal: number): string {
  return `${sts.metadata?.name}-${ordinal}`;
}

export function claimName(claim: string, pod: string): string {
  return `${claim}-${pod}`;
}

/** `<name>-<hash of the pod template>`, spelled as Kubernetes spells it. */
export function revisionHash(sts: StatefulSet): string {
  const digest = createHash('sha256').update(JSON.stringify(sts.spec?.template ?? {})).digest();
  return `${sts.metadata?.name}-${safeEncode(digest.subarray(0, 10))}`;
}

export function podForOrdinal(sts: StatefulSet, ordinal: number): Pod {
  const name = podName(sts, ordinal);
  const template = sts.spec?.template ?? {};
  const spec = template.spec ?? { containers: [] };
  const claims = (sts.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name ?? '');
  const volumes = [
    ...(spec.volumes ?? []).filter((v) => !claims.includes(v.name)),
    ...claims.map((claim) => ({ name: claim, persistentVolumeClaim: { claimName: claimName(claim, name) } })),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: sts.metadata?.namespace,
      labels: { ...template.metadata?.labels, [POD_NAME_LABEL]: name, [REVISION_LABEL]: revisionHash(sts) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerReference(sts)],
    },
    spec: {
      ...spec,
      volumes,
      hostname: name,
      ...(sts.spec?.serviceName ? { subdomain: sts.spec.serviceName } : {}),
      nodeName: NODE_NAME,
    },
  };
}

export function claimsForOrdinal(sts: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const pod = podName(sts, ordinal);
  return (sts.spec?.volumeClaimTemplates ?? []).map((template) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      ...template.metadata,
      name: claimName(template.metadata?.name ?? '', pod),
      namespace: sts.metadata?.namespace,
      labels: { ...template.metadata?.labels, ...sts.spec?.selector.matchLabels },
    },
    spec: template.spec,
    // The harness's provisioner binds at once: a claim is a folder.
    status: { phase: 'Bound', accessModes: template.spec?.accessModes, capacity: template.spec?.resources?.requests },
  }));
}

function ownerReference(sts: StatefulSet) {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata?.name ?? '', uid: sts.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** The ordinal of a pod this StatefulSet owns, by name. */
export function ordinalOf(sts: StatefulSet, pod: Pod): number | undefined {
  const match = /^(.*)-(\d+)$/.exec(pod.metadata?.name ?? '');
  if (!match || match[1] !== sts.metadata?.name || pod.metadata?.namespace !== sts.metadata?.namespace) return undefined;
  return Number(match[2]);
}

export interface StatefulSetStep {
  readonly create: readonly number[];
  readonly delete: readonly string[];
}

/**
 * What to do now. Parallel creates every missing member and deletes every surplus one at once;
 * OrderedReady creates one member at a time, each after the lower ones are Running and Ready, and
 * removes surplus members highest first, one at a time. A pod still terminating blocks its own
 * re-creation (the name is taken until the kubelet removes it).
 */
export function nextStep(sts: StatefulSet, pods: readonly Pod[]): StatefulSetStep {
  const replicas = sts.spec?.replicas ?? 1;
  const byOrdinal = new Map<number, Pod>();
  for (const pod of pods) {
    const ordinal = ordinalOf(sts, pod);
    if (ordinal !== undefined) byOrdinal.set(ordinal, pod);
  }
  const surplus = [...byOrdinal.entries()].filter(([ordinal]) => ordinal >= replicas).sort(([a], [b]) => b - a);
  const missing = [...Array(replicas).keys()].filter((ordinal) => !byOrdinal.has(ordinal));
  const name = (pod: Pod) => pod.metadata?.name ?? '';

  if (sts.spec?.podManagementPolicy === 'Parallel') {
    return { create: missing, delete: surplus.filter(([, pod]) => !pod.metadata?.deletionTimestamp).map(([, pod]) => name(pod)) };
  }
  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const pod = byOrdinal.get(ordinal);
    if (!pod) return { create: [ordinal], delete: [] };
    if (!isRunningAndReady(pod)) return { create: [], delete: [] };
  }
  const highest = surplus[0];
  if (!highest || highest[1].metadata?.deletionTimestamp) return { create: [], delete: [] };
  return { create: [], delete: [name(highest[1])] };
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isReady(pod) && !pod.metadata?.deletionTimestamp;
}
