/**
 * What every Kubernetes cluster has before anyone applies anything: the `kubernetes` Service in
 * `default` (the API server's address), and in every namespace the `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap that service-account volumes take the CA from.
 */
import { ROOT_CA_CONFIG_MAP } from './admission';
import type { KubeObject } from './kube';

export function clusterDefaultObjects(namespaces: readonly string[], api: { address: string; port: number; caCertPem: string }): KubeObject[] {
  const kubernetes: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    // No selector: the endpoint is the API server itself, listening on the cluster address.
    spec: { type: 'ClusterIP', clusterIP: api.address, clusterIPs: [api.address], ports: [{ name: 'https', port: api.port, protocol: 'TCP', targetPort: api.port }] },
  };
  const perNamespace = [...new Set(['default', ...namespaces])].flatMap((namespace): KubeObject[] => [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIG_MAP, namespace }, data: { 'ca.crt': api.caCertPem } },
  ]);
  return [kubernetes, ...perNamespace];
}
