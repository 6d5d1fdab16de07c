import type { Pod, StatefulSet } from '../../../e2e/harness/kube';
import { claimsForOrdinal, nextStep, podForOrdinal, revisionHash } from '../../../e2e/harness/stateful-set-pods';

function statefulSet(replicas: number, policy: 'Parallel' | 'OrderedReady' = 'Parallel'): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'demo', uid: 'sts-uid' },
    spec: {
      replicas,
      podManagementPolicy: policy,
      serviceName: 'db-pods',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'debian:12' }], volumes: [{ name: 'tmp', emptyDir: {} }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
}

function member(name: string, state: 'ready' | 'starting' | 'terminating'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'demo', ...(state === 'terminating' ? { deletionTimestamp: '2030-01-01T00:00:00Z' } : {}) },
    status: { phase: state === 'starting' ? 'Pending' : 'Running', conditions: [{ type: 'Ready', status: state === 'starting' ? 'False' : 'True' }] },
  };
}

describe('podForOrdinal', () => {
  const pod = podForOrdinal(statefulSet(3), 2);

  it('names the pod by ordinal and labels it as the StatefulSet controller does', () => {
    expect(pod.metadata?.name).toBe('db-2');
    expect(pod.metadata?.labels).toEqual({ app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-2', 'controller-revision-hash': revisionHash(statefulSet(3)) });
    expect(pod.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'sts-uid', controller: true, blockOwnerDeletion: true }]);
  });

  it('gives the pod its stable network identity and its claim', () => {
    expect(pod.spec).toMatchObject({ hostname: 'db-2', subdomain: 'db-pods' });
    expect(pod.spec?.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, { name: 'data', persistentVolumeClaim: { claimName: 'data-db-2' } }]);
  });
});

describe('revisionHash', () => {
  it('is stable for a template and changes with it', () => {
    const changed = statefulSet(3);
    changed.spec!.template.metadata!.labels = { app: 'db', extra: 'x' };
    expect(revisionHash(statefulSet(3))).toBe(revisionHash(statefulSet(5)));
    expect(revisionHash(changed)).not.toBe(revisionHash(statefulSet(3)));
    expect(revisionHash(statefulSet(3))).toMatch(/^db-[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });
});

describe('claimsForOrdinal', () => {
  it('names each claim <template>-<pod> with the selector labels, bound at once', () => {
    expect(claimsForOrdinal(statefulSet(1), 0)).toEqual([{
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-db-0', namespace: 'demo', labels: { app: 'db' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } },
    }]);
  });
});

describe('nextStep', () => {
  it('creates every missing member at once with Parallel', () => {
    expect(nextStep(statefulSet(3), [member('db-1', 'starting')])).toEqual({ create: [0, 2], delete: [] });
  });

  it('waits for a terminating member to be gone before re-creating it', () => {
    expect(nextStep(statefulSet(2), [member('db-0', 'terminating'), member('db-1', 'ready')])).toEqual({ create: [], delete: [] });
  });

  it('deletes every surplus member at once with Parallel', () => {
    const pods = ['db-0', 'db-1', 'db-2'].map((n) => member(n, 'ready'));
    expect(nextStep(statefulSet(1), pods)).toEqual({ create: [], delete: ['db-2', 'db-1'] });
  });

  it('creates one member at a time with OrderedReady, after the lower ones are ready', () => {
    expect(nextStep(statefulSet(3, 'OrderedReady'), [])).toEqual({ create: [0], delete: [] });
    expect(nextStep(statefulSet(3, 'OrderedReady'), [member('db-0', 'starting')])).toEqual({ create: [], delete: [] });
    expect(nextStep(statefulSet(3, 'OrderedReady'), [member('db-0', 'ready')])).toEqual({ create: [1], delete: [] });
  });

  it('removes surplus members highest first, one at a time, with OrderedReady', () => {
    const pods = ['db-0', 'db-1', 'db-2'].map((n) => member(n, 'ready'));
    expect(nextStep(statefulSet(1, 'OrderedReady'), pods)).toEqual({ create: [], delete: ['db-2'] });
    expect(nextStep(statefulSet(1, 'OrderedReady'), [pods[0], pods[1], member('db-2', 'terminating')])).toEqual({ create: [], delete: [] });
  });

  it('ignores pods of other StatefulSets', () => {
    expect(nextStep(statefulSet(1), [member('dbx-0', 'ready'), member('db-0', 'ready')])).toEqual({ create: [], delete: [] });
  });
});
