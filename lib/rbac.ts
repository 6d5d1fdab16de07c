import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { objectMetadata } from './labels';
import { ClusterSettings } from './settings';

/** The name of the leader Lease the agents elect the primary with (created by the agent, never rendered). */
export function leaseName(clusterName: string): string {
  return `${clusterName}-leader`;
}

/**
 * The agent's identity and the least privilege it needs. Kubernetes cannot restrict `create` and
 * `list` to named objects, so those rules carry no resourceNames; every other verb is limited to the
 * cluster's own Lease, pods and Secret.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources
 */
export function createRbac(scope: Construct, settings: ClusterSettings): k8s.KubeServiceAccount {
  const { name } = settings;
  const serviceAccount = new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    metadata: objectMetadata(settings, name),
  });
  const pods = Array.from({ length: settings.replicas }, (_, ordinal) => `${name}-${ordinal}`);
  const rules: k8s.PolicyRule[] = [
    // The first agent creates the Lease; all of them then read and renew it, conditionally.
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [leaseName(name)], verbs: ['get', 'update', 'patch'] },
    // Each agent finds its peers and labels its own pod with its role; a new primary also takes the
    // primary label away from the old one, so no Service points at two primaries.
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    { apiGroups: [''], resources: ['pods'], resourceNames: pods, verbs: ['get', 'patch'] },
    // The rolling update (updateStrategy OnDelete): the primary's agent reads which revision the pods
    // should run and evicts the outdated members one at a time; an eviction honours the
    // PodDisruptionBudget, and no bare `delete` is granted.
    { apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: [name], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods/eviction'], resourceNames: pods, verbs: ['create'] },
    // Volume growth: each agent raises its own claim's request to storageSize (the StatefulSet's claim
    // templates cannot change); the API server refuses it where the StorageClass does not allow expansion.
    { apiGroups: [''], resources: ['persistentvolumeclaims'], resourceNames: pods.map((pod) => `data-${pod}`), verbs: ['get', 'patch'] },
    // Promotions, demotions and failovers are told as Events.
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    // The credentials, the CA (PostgreSQL's generated one, or the members' CA of the agents' API), the
    // object store's credentials and the restore source's: read always, created by the agent that first
    // needs them when missing (the CA always can be).
    { apiGroups: [''], resources: ['secrets'], resourceNames: [...new Set([settings.authSecretName, ...settings.tls.secretNames(), ...(settings.backup ? [settings.backup.secretName] : []), ...(settings.restore?.secretNames ?? [])])], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    // The CA certificate, published for clients (README.md, "TLS").
    ...settings.tls.configMapRules(),
  ];
  const role = new k8s.KubeRole(scope, 'Role', { metadata: objectMetadata(settings, name), rules });
  new k8s.KubeRoleBinding(scope, 'RoleBinding', {
    metadata: objectMetadata(settings, name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount.name, namespace: settings.namespace }],
  });
  return serviceAccount;
}
