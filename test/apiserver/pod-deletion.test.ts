import { ApiServer, WatchEvent } from '../support/apiserver';
import { call, lease, paths, pod } from './http-client';

let server: ApiServer;
let admin: string;
const POD = { apiVersion: 'v1', kind: 'Pod' };

beforeEach(async () => {
  server = await ApiServer.start();
  admin = server.adminToken;
});
afterEach(() => server.close());

const secondsFromNow = (timestamp: string) => (Date.parse(timestamp) - Date.now()) / 1000;

it('marks a pod for deletion with its terminationGracePeriodSeconds and answers the pod', async () => {
  await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0', {}, { terminationGracePeriodSeconds: 20 }) });
  const answer = await call(server, admin, 'DELETE', paths.pods('db', 'pg-0'));
  expect(answer.status).toBe(200);
  expect(answer.body.kind).toBe('Pod');
  expect(answer.body.metadata.deletionGracePeriodSeconds).toBe(20);
  expect(secondsFromNow(answer.body.metadata.deletionTimestamp)).toBeGreaterThan(18);
  expect(secondsFromNow(answer.body.metadata.deletionTimestamp)).toBeLessThanOrEqual(20);
  // Still there, until the kubelet has stopped it.
  expect((await call(server, admin, 'GET', paths.pods('db', 'pg-0'))).body.metadata.deletionTimestamp).toBeDefined();
});

it('defaults the grace period to 30 seconds', async () => {
  await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0') });
  const answer = await call(server, admin, 'DELETE', paths.pods('db', 'pg-0'));
  expect(answer.body.metadata.deletionGracePeriodSeconds).toBe(30);
});

it('honours gracePeriodSeconds from the query and from a DeleteOptions body, which may only shorten it', async () => {
  await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0') });
  const first = await call(server, admin, 'DELETE', `${paths.pods('db', 'pg-0')}?gracePeriodSeconds=10`);
  expect(first.body.metadata.deletionGracePeriodSeconds).toBe(10);
  const longer = await call(server, admin, 'DELETE', paths.pods('db', 'pg-0'), {
    body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 60 },
  });
  expect(longer.body.metadata).toEqual(first.body.metadata);
  const shorter = await call(server, admin, 'DELETE', paths.pods('db', 'pg-0'), { body: { gracePeriodSeconds: 2 } });
  expect(shorter.body.metadata.deletionGracePeriodSeconds).toBe(2);
});

it('removes the pod when deleted with grace 0, as the kubelet does once its containers are gone', async () => {
  await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0') });
  const events: WatchEvent[] = [];
  server.store.watch((e) => events.push(e));
  await call(server, admin, 'DELETE', paths.pods('db', 'pg-0'));
  server.store.delete(POD, 'db', 'pg-0', { gracePeriodSeconds: 0 });
  expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
  const [marked, removed] = events.map((e) => Number(e.object.metadata.resourceVersion));
  expect(removed).toBeGreaterThan(marked);
  expect((await call(server, admin, 'GET', paths.pods('db', 'pg-0'))).status).toBe(404);
});

it('keeps the name taken while the pod terminates', async () => {
  await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0') });
  await call(server, admin, 'DELETE', paths.pods('db', 'pg-0'));
  const again = await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0') });
  expect(again.body).toMatchObject({ code: 409, message: 'object is being deleted: pods "pg-0" already exists' });
});

it('removes a pod that already finished at once', async () => {
  await call(server, admin, 'POST', paths.pods('db'), { body: pod('job') });
  const finished = { ...server.store.get(POD, 'db', 'job')!, status: { phase: 'Succeeded' } };
  server.store.update(finished, { subresource: 'status' });
  await call(server, admin, 'DELETE', paths.pods('db', 'job'));
  expect(server.store.get(POD, 'db', 'job')).toBeUndefined();
});

it('checks DeleteOptions preconditions', async () => {
  await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0') });
  const body = { preconditions: { uid: 'old-uid' } };
  const answer = await call(server, admin, 'DELETE', paths.pods('db', 'pg-0'), { body });
  expect(answer.body).toMatchObject({ code: 409, reason: 'Conflict' });
  expect(answer.body.message).toMatch(
    /^Operation cannot be fulfilled on pods "pg-0": Precondition failed: UID in precondition: old-uid, UID in object meta: /,
  );
});

it('removes other kinds at once and answers a Success Status', async () => {
  const created = await call(server, admin, 'POST', paths.leases('db'), { body: lease('l', 'pg-0') });
  const answer = await call(server, admin, 'DELETE', paths.leases('db', 'l'));
  expect(answer.body).toEqual({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: 'l', group: 'coordination.k8s.io', kind: 'leases', uid: created.body.metadata.uid },
    code: 200,
  });
  expect((await call(server, admin, 'GET', paths.leases('db', 'l'))).status).toBe(404);
});
