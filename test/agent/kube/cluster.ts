/** The API server test double (test/support/apiserver) with the agent's Role bound to its ServiceAccount, and clients for it. */
import { ApiServer, KubeObject } from '../../support/apiserver';
import { KubeClient } from '../../../agent/kube/client';

export const NAMESPACE = 'db';
export const LEASE_NAME = 'pg-leader';
export const SECRET_NAME = 'pg-auth';

/** The least privilege the agent works with, as the construct renders it. */
export const AGENT_RULES = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [LEASE_NAME], verbs: ['get', 'update'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  { apiGroups: [''], resources: ['secrets'], resourceNames: [SECRET_NAME], verbs: ['get'] },
];

export async function startCluster(options: { tls?: boolean } = {}): Promise<ApiServer> {
  const server = await ApiServer.start({ tls: options.tls });
  server.apply(
    [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pg' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pg-agent' }, rules: AGENT_RULES },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'pg-agent' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pg-agent' },
        subjects: [{ kind: 'ServiceAccount', name: 'pg', namespace: NAMESPACE }],
      },
    ] as KubeObject[],
    NAMESPACE,
  );
  return server;
}

/** A client as the agent's ServiceAccount, or with another token. */
export function clientFor(server: ApiServer, options: { token?: string; timeoutMs?: number } = {}): KubeClient {
  const url = new URL(server.url);
  return new KubeClient({
    host: url.hostname,
    port: Number(url.port),
    tls: url.protocol === 'https:',
    ca: server.caCertPem,
    token: options.token ?? server.issueToken(NAMESPACE, 'pg'),
    timeoutMs: options.timeoutMs ?? 2000,
  });
}

export function pod(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: { containers: [{ name: 'postgres', image: 'postgres:15' }] },
  };
}
