/**
 * The scenario's namespace, as the seed makes it (`kubectl create ns demo`) plus the restricted Pod
 * Security label, so admission enforces what the construct claims; and its removal afterwards, with
 * the volumes its claims held offered again.
 */
import type { KubeCluster } from './kube-cluster';
import { recycleLocalVolumes } from '../cluster/local-volumes';
import { nodePlan } from '../cluster/plan';
import { TEARDOWN_MS } from './scenarios/timeouts';

export async function createNamespace(cluster: KubeCluster, namespace: string): Promise<void> {
  await cluster.sh(`kubectl create ns ${namespace}`);
  await cluster.sh(`kubectl label ns ${namespace} pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest`);
}

/** What makes pods in a scenario's namespace: removed first (orphaning their pods) so none is re-created. */
const WORKLOADS = 'statefulsets,deployments,replicasets,jobs,daemonsets';

export async function deleteNamespace(cluster: KubeCluster, namespace: string, nodes: number): Promise<void> {
  // The pods go first, deleted directly: the namespace controller looks at a deleted namespace 5 s
  // later, and one still holding pods (terminationGracePeriodSeconds 30) again only after half that
  // grace period plus 1 s (pkg/controller/namespace), which made every scenario's teardown wait about
  // 16 s for pods that had stopped in 2.
  const exists = (await cluster.sh(`kubectl get ns ${namespace} --ignore-not-found -o name`)).trim() !== '';
  if (exists) {
    await cluster.sh(`kubectl delete ${WORKLOADS} -n ${namespace} --all --cascade=orphan --ignore-not-found --wait=false`);
    await cluster.sh(`kubectl delete pods -n ${namespace} --all --ignore-not-found --wait=true --timeout=${TEARDOWN_MS / 1000}s`, TEARDOWN_MS + 10_000);
  }
  await cluster.sh(`kubectl delete ns ${namespace} --ignore-not-found --wait=true --timeout=${TEARDOWN_MS / 1000}s`, TEARDOWN_MS + 10_000);
  await recycleLocalVolumes(cluster.kubectl, Array.from({ length: nodes }, (_, i) => nodePlan(i + 1).name));
}
