import { ApiServer } from '../../support/apiserver';
import { EventRecorder } from '../../../agent/kube/events';
import { clientFor, NAMESPACE, startCluster } from './cluster';

const EVENT = { apiVersion: 'v1', kind: 'Event' };

let server: ApiServer;

beforeEach(async () => {
  server = await startCluster();
});
afterEach(() => server.close());

it('records a core/v1 Event about the pod', async () => {
  const recorder = new EventRecorder(clientFor(server), NAMESPACE, 'cdk8s-postgres-ha-agent');
  const message = 'promoted: lease acquired after holder silent 10.2s';
  expect(await recorder.record({ name: 'pg-1', uid: 'u-1' }, 'Normal', 'Promoted', message)).toBe(true);

  const [event] = server.store.list(EVENT, NAMESPACE).items;
  expect(event.metadata.name).toMatch(/^pg-1\.[0-9a-f]+$/);
  expect(event).toMatchObject({
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'pg-1', namespace: NAMESPACE, uid: 'u-1' },
    type: 'Normal',
    reason: 'Promoted',
    message,
    source: { component: 'cdk8s-postgres-ha-agent' },
    count: 1,
  });
  expect(event.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(event.lastTimestamp).toBe(event.firstTimestamp);
});

it('names every Event uniquely, even many in the same millisecond', async () => {
  const recorder = new EventRecorder(clientFor(server), NAMESPACE, 'agent');
  const record = () => recorder.record({ name: 'pg-0' }, 'Warning', 'Fenced', 'x');
  const results = await Promise.all(Array.from({ length: 50 }, record));
  expect(results.every(Boolean)).toBe(true);
  expect(server.store.list(EVENT, NAMESPACE).items).toHaveLength(50);
});

it('returns false instead of throwing when the Event cannot be written', async () => {
  const stranger = clientFor(server, { token: server.issueToken(NAMESPACE, 'web') });
  const forbidden = new EventRecorder(stranger, NAMESPACE, 'agent');
  expect(await forbidden.record({ name: 'pg-0' }, 'Normal', 'Promoted', 'x')).toBe(false);

  server.setClientFilter(() => 'hang');
  const partitioned = new EventRecorder(clientFor(server, { timeoutMs: 100 }), NAMESPACE, 'agent');
  expect(await partitioned.record({ name: 'pg-0' }, 'Normal', 'Promoted', 'x')).toBe(false);
});
