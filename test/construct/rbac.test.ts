import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PostgresCluster, PostgresTls } from '../../lib';
import { find, render } from './helpers';

describe('RBAC', () => {
  test('grants the agent exactly the Lease, its pods (and their eviction), its StatefulSet, its claims, Events, the auth and CA Secrets, which it may create, and the CA ConfigMap', () => {
    expect(find(render().manifests, 'Role', 'pg').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['pg-leader'], verbs: ['get', 'update', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods'], resourceNames: ['pg-0', 'pg-1', 'pg-2'], verbs: ['get', 'patch'] },
      { apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: ['pg'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/eviction'], resourceNames: ['pg-0', 'pg-1', 'pg-2'], verbs: ['create'] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], resourceNames: ['data-pg-0', 'data-pg-1', 'data-pg-2'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['pg-auth', 'pg-ca'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['pg-ca-cert'], verbs: ['get', 'update'] },
    ]);
  });

  test('names every member\'s pod', () => {
    const rules = find(render({ replicas: 5 }).manifests, 'Role', 'pg').rules;
    expect(rules.find((r: any) => r.resources[0] === 'pods' && r.resourceNames).resourceNames)
      .toEqual(['pg-0', 'pg-1', 'pg-2', 'pg-3', 'pg-4']);
    expect(rules.find((r: any) => r.resources[0] === 'pods/eviction').resourceNames)
      .toEqual(['pg-0', 'pg-1', 'pg-2', 'pg-3', 'pg-4']);
  });

  test('reads a given auth Secret and the members\' CA, which it alone may create, when the TLS certificate comes from a Secret too', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
    new PostgresCluster(chart, 'pg', {
      authSecret: kplus.Secret.fromSecretName(chart, 'S', 'mine'),
      tls: PostgresTls.fromSecret(kplus.Secret.fromSecretName(chart, 'T', 'my-tls')),
    });
    const secretRules = find(Testing.synth(chart), 'Role', 'pg').rules.filter((r: any) => r.resources[0] === 'secrets');
    expect(secretRules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['mine', 'pg-members-ca'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
  });

  test('binds the Role to the cluster\'s ServiceAccount, which the pods run as', () => {
    const { manifests } = render();
    expect(find(manifests, 'ServiceAccount', 'pg').metadata.namespace).toBe('demo');
    expect(find(manifests, 'RoleBinding', 'pg')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pg' },
      subjects: [{ kind: 'ServiceAccount', name: 'pg', namespace: 'demo' }],
    });
    expect(find(manifests, 'StatefulSet', 'pg').spec.template.spec.serviceAccountName).toBe('pg');
  });
});
