import { ApiServer } from '../support/apiserver';
import { call, lease, paths, pod } from './http-client';

let server: ApiServer;
let admin: string;

beforeEach(async () => {
  server = await ApiServer.start();
  admin = server.adminToken;
  await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0', { app: 'pg', role: 'replica' }) });
});
afterEach(() => server.close());

const patchPod = (body: unknown, contentType: string) =>
  call(server, admin, 'PATCH', paths.pods('db', 'pg-0'), { body, contentType });
const mergePatch = (body: unknown) => patchPod(body, 'application/merge-patch+json');
const jsonPatch = (body: unknown) => patchPod(body, 'application/json-patch+json');

describe('merge patch', () => {
  it('merges maps key by key and deletes keys set to null', async () => {
    const answer = await mergePatch({ metadata: { labels: { role: 'primary', app: null, tier: 'db' } } });
    expect(answer.status).toBe(200);
    expect(answer.body.metadata.labels).toEqual({ role: 'primary', tier: 'db' });
    expect(answer.body.spec.containers).toHaveLength(1);
  });

  it('is what a strategic merge patch does too, lists replaced whole', async () => {
    const answer = await patchPod(
      { metadata: { annotations: { a: 'b' } }, spec: { containers: [{ name: 'agent', image: 'node:20' }] } },
      'application/strategic-merge-patch+json',
    );
    expect(answer.body.metadata.annotations).toEqual({ a: 'b' });
    expect(answer.body.spec.containers).toEqual([{ name: 'agent', image: 'node:20' }]);
  });

  it('is conditional when it carries metadata.resourceVersion', async () => {
    const current = (await call(server, admin, 'GET', paths.pods('db', 'pg-0'))).body.metadata.resourceVersion;
    const fresh = await mergePatch({ metadata: { resourceVersion: current, labels: { role: 'primary' } } });
    expect(fresh.status).toBe(200);
    const stale = await mergePatch({ metadata: { resourceVersion: current, labels: { role: 'replica' } } });
    expect(stale.body).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('writes nothing when it changes nothing', async () => {
    const before = (await call(server, admin, 'GET', paths.pods('db', 'pg-0'))).body.metadata.resourceVersion;
    const answer = await mergePatch({ metadata: { labels: { role: 'replica' } } });
    expect(answer.body.metadata.resourceVersion).toBe(before);
  });
});

describe('JSON patch', () => {
  it('applies add, replace and remove in order', async () => {
    const answer = await jsonPatch(
      [
        { op: 'add', path: '/metadata/annotations', value: { 'example.com/a~b': '1' } },
        { op: 'replace', path: '/metadata/labels/role', value: 'primary' },
        { op: 'remove', path: '/metadata/labels/app' },
        { op: 'add', path: '/spec/containers/-', value: { name: 'agent' } },
        { op: 'test', path: '/metadata/annotations/example.com~1a~0b', value: '1' },
      ],
    );
    expect(answer.status).toBe(200);
    expect(answer.body.metadata.labels).toEqual({ role: 'primary' });
    expect(answer.body.spec.containers.map((c: { name: string }) => c.name)).toEqual(['postgres', 'agent']);
  });

  it('fails with 422 and writes nothing when a test fails', async () => {
    const answer = await jsonPatch(
      [
        { op: 'replace', path: '/metadata/labels/role', value: 'primary' },
        { op: 'test', path: '/metadata/labels/app', value: 'web' },
      ],
    );
    expect(answer.body).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'testing value /metadata/labels/app failed: test failed',
    });
    expect((await call(server, admin, 'GET', paths.pods('db', 'pg-0'))).body.metadata.labels.role).toBe('replica');
  });

  it('fails with 422 when removing what is not there, and 400 on a malformed operation', async () => {
    expect((await jsonPatch([{ op: 'remove', path: '/metadata/labels/x' }])).status).toBe(422);
    expect((await jsonPatch([{ op: 'frobnicate', path: '/a' }])).status).toBe(400);
  });

  it('makes a conditional write of a test on resourceVersion', async () => {
    await call(server, admin, 'POST', paths.leases('db'), { body: lease('l', 'pg-0') });
    const answer = await call(server, admin, 'PATCH', paths.leases('db', 'l'), {
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: '1' },
        { op: 'replace', path: '/spec/holderIdentity', value: 'pg-1' },
      ],
      contentType: 'application/json-patch+json',
    });
    expect(answer.status).toBe(422);
  });
});

it('refuses server-side apply with 415', async () => {
  const answer = await patchPod({}, 'application/apply-patch+yaml');
  expect(answer.body).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
});

it('cannot rename an object', async () => {
  const answer = await mergePatch({ metadata: { name: 'pg-1' } });
  expect(answer.body).toMatchObject({
    code: 400,
    message: 'the name of the object (pg-1) does not match the name on the URL (pg-0)',
  });
});
