/**
 * The resource types the test double serves, with the per-type behaviour Kubernetes gives them in its
 * registry strategies (pkg/registry/<group>/<resource>/strategy.go).
 */
import { TypeRef } from './objects';

export interface ResourceType extends TypeRef {
  readonly group: string;
  readonly version: string;
  /** The plural resource name used in paths and RBAC rules. */
  readonly plural: string;
  readonly namespaced: boolean;
  /**
   * Present when the type has a `status` subresource: writes to the object keep the stored status, writes
   * to `/status` change only the status, and create resets the status to `onCreate`.
   */
  readonly statusSubresource?: { readonly onCreate: Record<string, unknown> };
  /** PUT of a missing object creates it (the strategy's AllowCreateOnUpdate). */
  readonly createOnUpdate: boolean;
  /** PUT without metadata.resourceVersion overwrites (AllowUnconditionalUpdate); a Lease demands one. */
  readonly unconditionalUpdate: boolean;
  /** DELETE only marks the object (deletionTimestamp); the kubelet removes it after the grace period. */
  readonly gracefulDeletion: boolean;
  /** Field selector labels beyond metadata.name and metadata.namespace, as dotted paths into the object. */
  readonly fieldLabels: readonly string[];
}

function resourceType(
  apiVersion: string,
  kind: string,
  plural: string,
  behaviour: Partial<Omit<ResourceType, 'apiVersion' | 'kind' | 'plural' | 'group' | 'version'>> = {},
): ResourceType {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return {
    apiVersion,
    kind,
    plural,
    group,
    version,
    namespaced: true,
    createOnUpdate: false,
    unconditionalUpdate: true,
    gracefulDeletion: false,
    fieldLabels: [],
    ...behaviour,
  };
}

export const SERVED_TYPES: readonly ResourceType[] = [
  resourceType('v1', 'Pod', 'pods', {
    statusSubresource: { onCreate: { phase: 'Pending' } },
    gracefulDeletion: true,
    fieldLabels: ['spec.nodeName', 'spec.serviceAccountName', 'status.phase', 'status.podIP'],
  }),
  resourceType('v1', 'Secret', 'secrets', { fieldLabels: ['type'] }),
  resourceType('v1', 'ConfigMap', 'configmaps'),
  resourceType('v1', 'Service', 'services', { statusSubresource: { onCreate: {} }, createOnUpdate: true }),
  resourceType('v1', 'ServiceAccount', 'serviceaccounts'),
  resourceType('v1', 'Event', 'events', {
    createOnUpdate: true,
    fieldLabels: [
      'involvedObject.kind',
      'involvedObject.name',
      'involvedObject.namespace',
      'involvedObject.uid',
      'reason',
      'source',
      'type',
    ],
  }),
  resourceType('coordination.k8s.io/v1', 'Lease', 'leases', { createOnUpdate: true, unconditionalUpdate: false }),
  resourceType('apps/v1', 'StatefulSet', 'statefulsets', { statusSubresource: { onCreate: {} } }),
  resourceType('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', { statusSubresource: { onCreate: {} } }),
  resourceType('rbac.authorization.k8s.io/v1', 'Role', 'roles', { createOnUpdate: true }),
  resourceType('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', { createOnUpdate: true }),
];

/** Kinds `apply()` may meet that live outside namespaces; any other unknown kind is taken as namespaced. */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

export function servedTypeForPath(group: string, version: string, plural: string): ResourceType | undefined {
  return SERVED_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** The served type of that kind, or a plain one for kinds only `apply()` and the in-process store see. */
export function typeOf(ref: TypeRef): ResourceType {
  const served = SERVED_TYPES.find((t) => t.apiVersion === ref.apiVersion && t.kind === ref.kind);
  return (
    served ??
    resourceType(ref.apiVersion, ref.kind, `${ref.kind.toLowerCase()}s`, {
      namespaced: !CLUSTER_SCOPED_KINDS.has(ref.kind),
    })
  );
}

/** `leases.coordination.k8s.io`, or `pods` for the core group: how Kubernetes names a resource in messages. */
export function qualifiedResource(type: { group: string; plural: string }): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}
