/**
 * The labels every object of a cluster carries, and the role label the agent sets on its own pod.
 * Services select on the role label; the StatefulSet and the PodDisruptionBudget select on the two
 * selector labels only, because the role label changes at run time.
 */

/** Set by the failover agent on its own pod at run time: `primary` or `replica`. */
export const ROLE_LABEL = 'cdk8s-postgres-ha/role';

export const PRIMARY_ROLE = 'primary';
export const REPLICA_ROLE = 'replica';

/** The labels that identify one cluster's pods (immutable in a StatefulSet's selector). */
export function selectorLabels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'postgres',
    'app.kubernetes.io/instance': name,
  };
}

/** The labels every rendered object and every pod of the cluster carries. */
export function clusterLabels(name: string): Record<string, string> {
  return {
    ...selectorLabels(name),
    'app.kubernetes.io/component': 'database',
    'app.kubernetes.io/managed-by': 'cdk8s-postgres-ha',
  };
}

/** The metadata of every rendered object: an explicit name (no cdk8s hash suffix), namespace and labels. */
export function objectMetadata(cluster: { name: string; namespace: string }, name: string) {
  return { name, namespace: cluster.namespace, labels: clusterLabels(cluster.name) };
}
