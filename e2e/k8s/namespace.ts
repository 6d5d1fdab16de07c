/**
 * The scenario's namespace, as the seed makes it (`kubectl create ns demo`) plus the restricted Pod
 * Security label, so admission enforces what the construct claims; emptied after each scenario and
 * removed after the run, with the volumes its claims held offered again.
 */
import type { KubeCluster } from './kube-cluster';
import { recycleLocalVolumes } from '../cluster/local-volumes';
import { nodePlan } from '../cluster/plan';
import { TEARDOWN_MS } from './scenarios/timeouts';

export async function createNamespace(cluster: KubeCluster, namespace: string): Promise<void> {
  if (await namespaceExists(cluster, namespace)) throw new Error(`namespace ${namespace} exists already`);
  await cluster.sh(`kubectl create ns ${namespace}`);
  await labelRestricted(cluster, namespace);
}

/** The namespace, created unless a scenario before left it (emptied, see emptyNamespace). */
export async function ensureNamespace(cluster: KubeCluster, namespace: string): Promise<'created' | 'kept'> {
  if (await namespaceExists(cluster, namespace)) {
    await labelRestricted(cluster, namespace);
    return 'kept';
  }
  await createNamespace(cluster, namespace);
  return 'created';
}

async function namespaceExists(cluster: KubeCluster, namespace: string): Promise<boolean> {
  return (await cluster.sh(`kubectl get ns ${namespace} --ignore-not-found -o name`)).trim() !== '';
}

async function labelRestricted(cluster: KubeCluster, namespace: string): Promise<void> {
  await cluster.sh(`kubectl label ns ${namespace} --overwrite pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest`);
}

/** What makes pods in a scenario's namespace: removed first (orphaning their pods) so none is re-created. */
const WORKLOADS = 'statefulsets,deployments,replicasets,jobs,daemonsets';

/** What Kubernetes itself keeps in every namespace (re-created at once when deleted): left in place. */
const KEPT = 'metadata.name!=default,metadata.name!=kube-root-ca.crt';

/**
 * Everything in the namespace deleted and waited for, the namespace kept: the namespace controller
 * looks at a deleted namespace only 5 s later, and one still holding pods (terminationGracePeriodSeconds
 * 30) again only after half that grace period plus 1 s (pkg/controller/namespace), which made every
 * scenario's teardown wait about 16 s for pods that had stopped in 2. The pods go first, their
 * controllers orphaning them so none is re-created; then every other kind the namespace can hold.
 */
export async function emptyNamespace(cluster: KubeCluster, namespace: string, nodes: number): Promise<void> {
  if (await namespaceExists(cluster, namespace)) {
    const wait = `--wait=true --timeout=${TEARDOWN_MS / 1000}s`;
    await cluster.sh(`kubectl delete ${WORKLOADS} -n ${namespace} --all --cascade=orphan --ignore-not-found --wait=false`);
    await cluster.sh(`kubectl delete pods -n ${namespace} --all --ignore-not-found ${wait}`, TEARDOWN_MS + 10_000);
    // The claims' protection finalizer goes once no pod uses them: waited for, so their volumes are
    // Released for the recycling below. Everything else has no finalizer and is gone when the API server
    // answers; waiting on all of it anyway cost about 14 s of kubectl's own polling.
    await cluster.sh(`kubectl delete persistentvolumeclaims -n ${namespace} --all --ignore-not-found ${wait}`, TEARDOWN_MS + 10_000);
    const kinds = (await cluster.sh('kubectl api-resources --namespaced --verbs=list,delete -o name')).split('\n').filter(Boolean);
    await cluster.sh(`kubectl delete ${kinds.join(',')} -n ${namespace} --field-selector ${KEPT} --ignore-not-found --wait=false`, TEARDOWN_MS + 10_000);
  }
  await recycleLocalVolumes(cluster.kubectl, Array.from({ length: nodes }, (_, i) => nodePlan(i + 1).name));
}

export async function deleteNamespace(cluster: KubeCluster, namespace: string, nodes: number): Promise<void> {
  await emptyNamespace(cluster, namespace, nodes);
  // Its claims are gone already (emptyNamespace waited for them and recycled their volumes).
  await cluster.sh(`kubectl delete ns ${namespace} --ignore-not-found --wait=true --timeout=${TEARDOWN_MS / 1000}s`, TEARDOWN_MS + 10_000);
}
