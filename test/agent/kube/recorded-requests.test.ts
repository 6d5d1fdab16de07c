// The requests of the rolling update and of volume growth, against a recording HTTP server (the API
// server test double has no Eviction subresource nor claim resizing): the StatefulSet's update
// revision, an eviction the PodDisruptionBudget may refuse, and a claim read and resized.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '../../../agent/kube/client';
import { Claims } from '../../../agent/kube/claims';
import { Pods } from '../../../agent/kube/pods';
import { StatefulSets } from '../../../agent/kube/stateful-sets';

interface Seen { method: string; url: string; body: string }

let server: http.Server;
let seen: Seen[];
let answer: { status: number; body: unknown };

beforeEach(async () => {
  seen = [];
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(): KubeClient {
  return new KubeClient({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, tls: false, timeoutMs: 2000 });
}

describe('StatefulSets.revisions', () => {
  it('reads the update revision, the replicas and the update strategy of the cluster\'s StatefulSet', async () => {
    answer = { status: 200, body: { kind: 'StatefulSet', spec: { replicas: 5, updateStrategy: { type: 'OnDelete' } }, status: { currentRevision: 'pg-1', updateRevision: 'pg-2' } } };
    expect(await new StatefulSets(client(), 'demo', 'pg').revisions()).toEqual({ updateRevision: 'pg-2', replicas: 5, updateStrategy: 'OnDelete' });
    expect(seen).toEqual([{ method: 'GET', url: '/apis/apps/v1/namespaces/demo/statefulsets/pg', body: '' }]);
  });

  it('answers no revision before the controller set one', async () => {
    answer = { status: 200, body: { kind: 'StatefulSet', spec: { replicas: 3 }, status: {} } };
    expect(await new StatefulSets(client(), 'demo', 'pg').revisions()).toEqual({ updateRevision: null, replicas: 3, updateStrategy: 'RollingUpdate' });
  });
});

describe('Pods.evict', () => {
  it('posts a policy/v1 Eviction to the pod\'s eviction subresource', async () => {
    answer = { status: 201, body: { kind: 'Status', status: 'Success' } };
    expect(await new Pods(client(), 'demo').evict('pg-2')).toEqual({ evicted: true });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/namespaces/demo/pods/pg-2/eviction' });
    expect(JSON.parse(seen[0].body)).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'pg-2', namespace: 'demo' } });
  });

  it('fails with the PodDisruptionBudget\'s answer when it refuses the eviction', async () => {
    answer = { status: 429, body: { kind: 'Status', reason: 'TooManyRequests', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' } };
    expect(await new Pods(client(), 'demo').evict('pg-2')).toEqual({
      evicted: false,
      reason: 'POST /api/v1/namespaces/demo/pods/pg-2/eviction: 429 TooManyRequests: Cannot evict pod as it would violate the pod\'s disruption budget.',
    });
  });

  it('counts a pod that is gone already as evicted', async () => {
    answer = { status: 404, body: { kind: 'Status', reason: 'NotFound', message: 'pods "pg-2" not found' } };
    expect(await new Pods(client(), 'demo').evict('pg-2')).toEqual({ evicted: true });
  });
});

describe('Claims', () => {
  it('reads a claim\'s request, capacity and true conditions in bytes', async () => {
    answer = { status: 200, body: { spec: { resources: { requests: { storage: '60Mi' } } }, status: { capacity: { storage: '50Mi' }, conditions: [{ type: 'Resizing', status: 'True' }, { type: 'Other', status: 'False' }] } } };
    expect(await new Claims(client(), 'demo').get('data-pg-0')).toEqual({ requestedBytes: 60n * 1024n * 1024n, capacityBytes: 50n * 1024n * 1024n, conditions: ['Resizing'] });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/namespaces/demo/persistentvolumeclaims/data-pg-0' });
  });

  it('raises the storage request with a merge patch', async () => {
    answer = { status: 200, body: {} };
    await new Claims(client(), 'demo').resize('data-pg-0', '60Mi');
    expect(seen[0]).toMatchObject({ method: 'PATCH', url: '/api/v1/namespaces/demo/persistentvolumeclaims/data-pg-0' });
    expect(JSON.parse(seen[0].body)).toEqual({ spec: { resources: { requests: { storage: '60Mi' } } } });
  });
});
