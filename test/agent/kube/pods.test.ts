import { ApiServer } from '../../support/apiserver';
import { Pods } from '../../../agent/kube/pods';
import { clientFor, NAMESPACE, pod, startCluster } from './cluster';

const POD = { apiVersion: 'v1', kind: 'Pod' };
const SELECTOR = 'app.kubernetes.io/instance=pg';
const INSTANCE = { 'app.kubernetes.io/instance': 'pg' };
const PRIMARY_LABELS = { ...INSTANCE, 'controller-revision-hash': 'pg-5d8f', 'cdk8s-postgres-ha/role': 'primary' };

let server: ApiServer;
let pods: Pods;

beforeEach(async () => {
  server = await startCluster();
  pods = new Pods(clientFor(server), NAMESPACE);
  server.store.create(pod('pg-0', PRIMARY_LABELS));
  server.store.create(pod('pg-1', INSTANCE));
  server.store.create(pod('web-0', { 'app.kubernetes.io/instance': 'web' }));
  server.store.update(
    {
      ...server.store.get(POD, NAMESPACE, 'pg-0')!,
      status: { phase: 'Running', podIP: '10.0.0.10', conditions: [{ type: 'Ready', status: 'True' }] },
    },
    { subresource: 'status' },
  );
  server.store.delete(POD, NAMESPACE, 'pg-1');
});
afterEach(() => server.close());

describe('list', () => {
  it('answers the selected pods with readiness, address, termination and revision', async () => {
    const listed = await pods.list(SELECTOR);
    expect(listed).toEqual([
      {
        name: 'pg-0',
        uid: expect.any(String),
        labels: PRIMARY_LABELS,
        ready: true,
        podIP: '10.0.0.10',
        deleting: false,
        revision: 'pg-5d8f',
      },
      {
        name: 'pg-1',
        uid: expect.any(String),
        labels: INSTANCE,
        ready: false,
        podIP: null,
        deleting: true,
        revision: null,
      },
    ]);
  });
});

describe('get', () => {
  it('answers one pod, or null when there is none', async () => {
    expect(await pods.get('pg-0')).toMatchObject({ name: 'pg-0', ready: true });
    expect(await pods.get('pg-7')).toBeNull();
  });
});

describe('patchLabels', () => {
  it('sets labels and removes those given as null', async () => {
    await pods.patchLabels('pg-0', { 'cdk8s-postgres-ha/role': null, tier: 'db' });
    expect(server.store.get(POD, NAMESPACE, 'pg-0')!.metadata.labels).toEqual({
      'app.kubernetes.io/instance': 'pg',
      'controller-revision-hash': 'pg-5d8f',
      tier: 'db',
    });
  });

  it('resolves when the pod is gone', async () => {
    await expect(pods.patchLabels('pg-7', { 'cdk8s-postgres-ha/role': 'replica' })).resolves.toBeUndefined();
  });

  it('throws when the Role does not allow it', async () => {
    const stranger = new Pods(clientFor(server, { token: server.issueToken(NAMESPACE, 'web') }), NAMESPACE);
    await expect(stranger.patchLabels('pg-0', { a: 'b' })).rejects.toMatchObject({ status: 403 });
  });
});
