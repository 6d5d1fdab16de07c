import { admitPod } from '../../../e2e/harness/admission';
import type { Pod } from '../../../e2e/harness/kube';

const pod = (automount?: boolean): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'demo' },
  spec: { serviceAccountName: 'agent', automountServiceAccountToken: automount, containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }] },
});
const accounts = (namespace: string, name: string) => (name === 'agent' ? { apiVersion: 'v1' as const, kind: 'ServiceAccount' as const, metadata: { namespace, name } } : undefined);

describe('admitPod', () => {
  it('adds the projected service-account volume and mounts it where a container has nothing there', () => {
    const admitted = admitPod(pod(), accounts);
    const volume = admitted.spec?.volumes?.[0];
    expect(volume?.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume?.projected?.sources).toEqual([
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ]);
    expect(admitted.spec?.containers[0].volumeMounts).toEqual([{ name: volume?.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }]);
    expect(admitted.spec?.containers[1].volumeMounts).toHaveLength(1);
  });

  it('adds nothing when the pod turns automounting off', () => {
    expect(admitPod(pod(false), accounts).spec?.volumes).toBeUndefined();
  });

  it('fails when the service account does not exist', () => {
    const orphan = { ...pod(), spec: { ...pod().spec!, serviceAccountName: 'ghost' } };
    expect(() => admitPod(orphan, accounts)).toThrow('pods "p" is forbidden: error looking up service account demo/ghost: serviceaccount "ghost" not found');
  });
});
