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

export async function deleteNamespace(cluster: KubeCluster, namespace: string, nodes: number): Promise<void> {
  await cluster.sh(`kubectl delete ns ${namespace} --ignore-not-found --wait=true --timeout=${TEARDOWN_MS / 1000}s`, TEARDOWN_MS + 10_000);
  await recycleLocalVolumes(cluster.kubectl, Array.from({ length: nodes }, (_, i) => nodePlan(i + 1).name));
}
