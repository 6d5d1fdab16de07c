import { ApiServer, KubeObject } from '../../support/apiserver';
import { CaConfigMap } from '../../../agent/tls/ca-config-map';
import { clientFor, NAMESPACE } from '../kube/cluster';

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const LABELS = { 'app.kubernetes.io/instance': 'pg' };

let server: ApiServer;

/** The API server test double with only the ConfigMap rules the construct renders for TLS (lib/tls.ts). */
beforeEach(async () => {
  server = await ApiServer.start();
  server.apply([
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pg' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pg-agent' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['pg-ca-cert'], verbs: ['get', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'pg-agent' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pg-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'pg', namespace: NAMESPACE }],
    },
  ] as KubeObject[], NAMESPACE);
});
afterEach(() => server.close());

it('creates the ConfigMap with ca.crt, leaves it as it is, and updates it when the CA changes', async () => {
  const published = new CaConfigMap(clientFor(server), NAMESPACE, 'pg-ca-cert', LABELS);
  expect(await published.publish('first')).toBe('created');
  expect(server.store.get(CONFIG_MAP, NAMESPACE, 'pg-ca-cert')).toMatchObject({ metadata: { labels: LABELS }, data: { 'ca.crt': 'first' } });
  expect(await published.publish('first')).toBe('unchanged');
  expect(await published.publish('second')).toBe('updated');
  expect(server.store.get(CONFIG_MAP, NAMESPACE, 'pg-ca-cert')).toMatchObject({ data: { 'ca.crt': 'second' } });
  expect(server.forbidden).toEqual([]);
});

it('is allowed no other ConfigMap than its own', async () => {
  await expect(new CaConfigMap(clientFor(server), NAMESPACE, 'someone-elses', LABELS).publish('x')).rejects.toMatchObject({ status: 403 });
});

it('looks again when another member created the ConfigMap first', async () => {
  const mine = new CaConfigMap(clientFor(server), NAMESPACE, 'pg-ca-cert', LABELS);
  const other = new CaConfigMap(clientFor(server), NAMESPACE, 'pg-ca-cert', LABELS);
  const outcomes = await Promise.all([mine.publish('same'), other.publish('same')]);
  expect(outcomes.sort()).toEqual(['created', 'unchanged']);
});
