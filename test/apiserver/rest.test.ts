import { ApiServer } from '../support/apiserver';
import { call, lease, paths, pod } from './http-client';

let server: ApiServer;
let admin: string;

beforeEach(async () => {
  server = await ApiServer.start();
  admin = server.adminToken;
});
afterEach(() => server.close());

describe('create', () => {
  it('assigns uid, creationTimestamp and a resourceVersion, and answers 201', async () => {
    const created = await call(server, admin, 'POST', paths.leases('db'), { body: lease('pg-leader', 'pg-0') });
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'pg-leader', namespace: 'db' });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.body.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('fails with 409 AlreadyExists when the name is taken', async () => {
    await call(server, admin, 'POST', paths.leases('db'), { body: lease('pg-leader', 'pg-0') });
    const again = await call(server, admin, 'POST', paths.leases('db'), { body: lease('pg-leader', 'pg-1') });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'leases.coordination.k8s.io "pg-leader" already exists',
      details: { name: 'pg-leader', group: 'coordination.k8s.io', kind: 'leases' },
    });
  });

  it('fills in the namespace from the URL and rejects a different one', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
    expect((await call(server, admin, 'POST', paths.configmaps('db'), { body })).body.metadata.namespace).toBe('db');
    const elsewhere = { ...body, metadata: { name: 'b', namespace: 'other' } };
    const refused = await call(server, admin, 'POST', paths.configmaps('db'), { body: elsewhere });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  });

  it('fails with 422 Invalid without a name, and names objects from generateName', async () => {
    const nameless = await call(server, admin, 'POST', paths.configmaps('db'), { body: { metadata: {} } });
    expect(nameless.status).toBe(422);
    expect(nameless.body.message).toBe(
      'configmaps "" is invalid: metadata.name: Required value: name or generateName is required',
    );
    const body = { metadata: { generateName: 'x-' } };
    const generated = await call(server, admin, 'POST', paths.configmaps('db'), { body });
    expect(generated.body.metadata.name).toMatch(/^x-[a-z0-9]{5}$/);
  });
});

describe('get, update and delete of a missing object', () => {
  it.each([
    ['GET', undefined],
    ['PUT', pod('pg-9')],
    ['PATCH', { metadata: { labels: { a: 'b' } } }],
    ['DELETE', undefined],
  ])('%s answers 404 NotFound', async (method, body) => {
    const contentType = method === 'PATCH' ? 'application/merge-patch+json' : undefined;
    const answer = await call(server, admin, method, paths.pods('db', 'pg-9'), { body, contentType });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      code: 404,
      message: 'pods "pg-9" not found',
      details: { name: 'pg-9', kind: 'pods' },
    });
  });

  it('creates a Lease on PUT, as Kubernetes allows for Leases', async () => {
    const answer = await call(server, admin, 'PUT', paths.leases('db', 'pg-leader'), { body: lease('pg-leader', 'pg-0') });
    expect(answer.status).toBe(201);
  });

  it('answers 404 for paths that name no served resource', async () => {
    const answer = await call(server, admin, 'GET', '/apis/example.com/v1/namespaces/db/widgets');
    expect(answer.status).toBe(404);
    expect(answer.body.message).toBe('the server could not find the requested resource');
  });
});

describe('resourceVersion', () => {
  it('comes from one counter that every write of every kind increases', async () => {
    const a = await call(server, admin, 'POST', paths.leases('db'), { body: lease('a', 'pg-0') });
    const b = await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0') });
    const c = await call(server, admin, 'PUT', paths.leases('db', 'a'), { body: a.body });
    expect(Number(b.body.metadata.resourceVersion)).toBeGreaterThan(Number(a.body.metadata.resourceVersion));
    // An update that changes nothing writes nothing: same resourceVersion.
    expect(c.body.metadata.resourceVersion).toBe(a.body.metadata.resourceVersion);
    const d = await call(server, admin, 'PUT', paths.leases('db', 'a'), {
      body: { ...a.body, spec: { ...a.body.spec, holderIdentity: 'pg-1' } },
    });
    expect(Number(d.body.metadata.resourceVersion)).toBeGreaterThan(Number(b.body.metadata.resourceVersion));
  });

  it('makes a PUT with a stale resourceVersion fail with 409 Conflict', async () => {
    const created = await call(server, admin, 'POST', paths.leases('db'), { body: lease('pg-leader', 'pg-0') });
    const renewed = { ...created.body, spec: { ...created.body.spec, renewTime: '2026-01-01T00:00:00.000000Z' } };
    expect((await call(server, admin, 'PUT', paths.leases('db', 'pg-leader'), { body: renewed })).status).toBe(200);

    const stale = { ...created.body, spec: { ...created.body.spec, holderIdentity: 'pg-1' } };
    const answer = await call(server, admin, 'PUT', paths.leases('db', 'pg-leader'), { body: stale });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on leases.coordination.k8s.io "pg-leader": the object has been modified; ' +
        'please apply your changes to the latest version and try again',
    });
  });

  it('lets a PUT without resourceVersion overwrite, except on a Lease', async () => {
    const configMap = { metadata: { name: 'c' }, data: { a: '1' } };
    await call(server, admin, 'POST', paths.configmaps('db'), { body: configMap });
    const overwritten = await call(server, admin, 'PUT', paths.configmaps('db', 'c'), {
      body: { ...configMap, data: { a: '2' } },
    });
    expect(overwritten.body.data).toEqual({ a: '2' });

    await call(server, admin, 'POST', paths.leases('db'), { body: lease('l', 'pg-0') });
    const unconditional = await call(server, admin, 'PUT', paths.leases('db', 'l'), { body: lease('l', 'pg-1') });
    expect(unconditional.status).toBe(422);
    expect(unconditional.body.message).toBe(
      'leases.coordination.k8s.io "l" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it('keeps uid and creationTimestamp whatever an update sends', async () => {
    const created = await call(server, admin, 'POST', paths.configmaps('db'), { body: { metadata: { name: 'c' } } });
    const updated = await call(server, admin, 'PUT', paths.configmaps('db', 'c'), {
      body: { metadata: { name: 'c', creationTimestamp: '2000-01-01T00:00:00Z' }, data: { a: '1' } },
    });
    expect(updated.body.metadata.uid).toBe(created.body.metadata.uid);
    expect(updated.body.metadata.creationTimestamp).toBe(created.body.metadata.creationTimestamp);
  });
});

describe('list', () => {
  beforeEach(async () => {
    for (const [name, labels] of [
      ['pg-2', { app: 'pg', role: 'replica' }],
      ['pg-0', { app: 'pg', role: 'primary' }],
      ['pg-1', { app: 'pg' }],
      ['other', { app: 'web' }],
    ] as const) {
      await call(server, admin, 'POST', paths.pods('db'), { body: pod(name, labels) });
    }
  });

  const names = (answer: { body: { items: Array<{ metadata: { name: string } }> } }) =>
    answer.body.items.map((i) => i.metadata.name);

  it('answers a PodList sorted by name, with the current resourceVersion', async () => {
    const answer = await call(server, admin, 'GET', paths.pods('db'));
    expect(answer.body).toMatchObject({
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: server.store.resourceVersion },
    });
    expect(names(answer)).toEqual(['other', 'pg-0', 'pg-1', 'pg-2']);
  });

  it.each([
    ['app=pg', ['pg-0', 'pg-1', 'pg-2']],
    ['app==pg,role=primary', ['pg-0']],
    ['app=pg,role!=primary', ['pg-1', 'pg-2']],
    ['role in (primary,replica)', ['pg-0', 'pg-2']],
    ['app notin (web)', ['pg-0', 'pg-1', 'pg-2']],
    ['role', ['pg-0', 'pg-2']],
    ['app=pg,!role', ['pg-1']],
  ])('selects by labelSelector %s', async (selector, expected) => {
    const query = `labelSelector=${encodeURIComponent(selector)}`;
    const answer = await call(server, admin, 'GET', `${paths.pods('db')}?${query}`);
    expect(names(answer)).toEqual(expected);
  });

  it('selects by fieldSelector metadata.name', async () => {
    const answer = await call(server, admin, 'GET', `${paths.pods('db')}?fieldSelector=metadata.name%3Dpg-1`);
    expect(names(answer)).toEqual(['pg-1']);
  });

  it('fails with 400 on a malformed selector or an unsupported field', async () => {
    const bad = await call(server, admin, 'GET', `${paths.pods('db')}?labelSelector=${encodeURIComponent('a in (b')}`);
    expect(bad.status).toBe(400);
    const field = await call(server, admin, 'GET', `${paths.pods('db')}?fieldSelector=spec.hostname%3Dx`);
    expect(field.body).toMatchObject({ code: 400, message: 'field label not supported: spec.hostname' });
  });

  it('lists across namespaces at the namespace-less path', async () => {
    await call(server, admin, 'POST', paths.pods('other-ns'), {
      body: { ...pod('x'), metadata: { name: 'x', labels: { app: 'pg' } } },
    });
    const answer = await call(server, admin, 'GET', '/api/v1/pods?labelSelector=app%3Dpg');
    expect(answer.body.items.map((i: { metadata: { namespace: string } }) => i.metadata.namespace)).toEqual([
      'db',
      'db',
      'db',
      'other-ns',
    ]);
  });
});

describe('the pods/status subresource', () => {
  const ready = { phase: 'Running', podIP: '10.0.0.2', conditions: [{ type: 'Ready', status: 'True' }] };

  it('resets the status on create, and only a status write changes it', async () => {
    const created = await call(server, admin, 'POST', paths.pods('db'), { body: { ...pod('pg-0'), status: ready } });
    expect(created.body.status).toEqual({ phase: 'Pending' });

    const ignored = await call(server, admin, 'PUT', paths.pods('db', 'pg-0'), {
      body: { ...created.body, status: ready, metadata: { ...created.body.metadata, labels: { role: 'primary' } } },
    });
    expect(ignored.body.status).toEqual({ phase: 'Pending' });
    expect(ignored.body.metadata.labels).toEqual({ role: 'primary' });

    const written = await call(server, admin, 'PUT', `${paths.pods('db', 'pg-0')}/status`, {
      body: { ...ignored.body, status: ready, metadata: { ...ignored.body.metadata, labels: {} } },
    });
    expect(written.body.status).toEqual(ready);
    expect(written.body.metadata.labels).toEqual({ role: 'primary' });
  });

  it('takes patches and answers GET with the whole pod', async () => {
    await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0') });
    const patched = await call(server, admin, 'PATCH', `${paths.pods('db', 'pg-0')}/status`, {
      body: { status: { podIP: '10.0.0.2' } },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(patched.body.status).toEqual({ phase: 'Pending', podIP: '10.0.0.2' });
    const read = await call(server, admin, 'GET', `${paths.pods('db', 'pg-0')}/status`);
    expect(read.body.spec.containers).toHaveLength(1);
  });
});

describe('secrets', () => {
  it('folds stringData into base64 data and refuses data that is not base64', async () => {
    const created = await call(server, admin, 'POST', paths.secrets('db'), {
      body: { metadata: { name: 's' }, type: 'Opaque', data: { a: 'eA==' }, stringData: { b: 'yz' } },
    });
    expect(created.body.data).toEqual({ a: 'eA==', b: 'eXo=' });
    expect(created.body.stringData).toBeUndefined();
    const body = { metadata: { name: 't' }, data: { a: 'not base64!' } };
    const bad = await call(server, admin, 'POST', paths.secrets('db'), { body });
    expect(bad.status).toBe(400);
  });
});

describe('content types', () => {
  it('refuses a write that is not JSON with 415', async () => {
    const yaml = { body: {}, contentType: 'application/yaml' };
    const answer = await call(server, admin, 'POST', paths.configmaps('db'), yaml);
    expect(answer.body).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
  });
});

describe('collections', () => {
  it('deletes the selected objects with deletecollection, pods gracefully', async () => {
    for (const name of ['a', 'b']) {
      await call(server, admin, 'POST', paths.configmaps('db'), { body: { metadata: { name, labels: { app: name } } } });
    }
    await call(server, admin, 'POST', paths.pods('db'), { body: pod('pg-0', { app: 'pg' }) });
    const answer = await call(server, admin, 'DELETE', `${paths.configmaps('db')}?labelSelector=app%3Da`);
    expect(answer.body.kind).toBe('ConfigMapList');
    expect((await call(server, admin, 'GET', paths.configmaps('db'))).body.items).toHaveLength(1);
    await call(server, admin, 'DELETE', paths.pods('db'));
    expect((await call(server, admin, 'GET', paths.pods('db', 'pg-0'))).body.metadata.deletionTimestamp).toBeDefined();
  });

  it('serves no watches over HTTP', async () => {
    const answer = await call(server, admin, 'GET', `${paths.pods('db')}?watch=true`);
    expect(answer.body).toMatchObject({ code: 405, reason: 'MethodNotAllowed' });
  });
});
