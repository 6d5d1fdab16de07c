import { ApiServer, KubeObject } from '../support/apiserver';
import { call, lease, paths, pod } from './http-client';

let server: ApiServer;
let agent: string;
const USER = 'system:serviceaccount:db:pg';

function role(name: string, rules: unknown[]): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'db' }, rules };
}

function binding(name: string, roleRef: { kind: string; name: string }, subjects: unknown[]): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: 'db' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects,
  };
}

beforeEach(async () => {
  server = await ApiServer.start();
  agent = server.issueToken('db', 'pg');
  server.apply([
    role('pg-agent', [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['pg-leader'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['pg-auth'], verbs: ['get', 'create', 'list'] },
    ]),
    // A ServiceAccount subject without a namespace is one of the binding's namespace.
    binding('pg-agent', { kind: 'Role', name: 'pg-agent' }, [{ kind: 'ServiceAccount', name: 'pg' }]),
  ]);
});
afterEach(() => server.close());

describe('authentication', () => {
  it.each([
    ['no token', undefined],
    ['an unknown token', 'not-a-token'],
  ])('answers 401 Unauthorized to a request with %s', async (_case, token) => {
    const answer = await call(server, token, 'GET', paths.pods('db'));
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('issues the same token for the same ServiceAccount', () => {
    expect(server.issueToken('db', 'pg')).toBe(agent);
    expect(server.issueToken('db', 'other')).not.toBe(agent);
  });
});

describe('authorization', () => {
  it('allows what the bound Role allows', async () => {
    expect((await call(server, agent, 'POST', paths.leases('db'), { body: lease('pg-leader', 'pg-0') })).status).toBe(201);
    const current = await call(server, agent, 'GET', paths.leases('db', 'pg-leader'));
    expect(current.status).toBe(200);
    expect((await call(server, agent, 'PUT', paths.leases('db', 'pg-leader'), { body: current.body })).status).toBe(200);
    expect((await call(server, agent, 'GET', paths.pods('db'))).status).toBe(200);
    expect(server.forbidden).toEqual([]);
  });

  it('denies with 403 in Kubernetes words and records the denial', async () => {
    await call(server, server.adminToken, 'POST', paths.leases('db'), { body: lease('other', 'x') });
    const answer = await call(server, agent, 'PUT', paths.leases('db', 'other'), { body: lease('other', 'pg-0') });
    expect(answer.body).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message:
        `leases.coordination.k8s.io "other" is forbidden: User "${USER}" cannot update resource "leases" ` +
        'in API group "coordination.k8s.io" in the namespace "db"',
      details: { name: 'other', group: 'coordination.k8s.io', kind: 'leases' },
    });
    expect(server.forbidden).toEqual([
      {
        user: USER,
        verb: 'update',
        group: 'coordination.k8s.io',
        resource: 'leases',
        subresource: '',
        name: 'other',
        namespace: 'db',
        time: expect.any(String),
      },
    ]);
    const stored = await call(server, server.adminToken, 'GET', paths.leases('db', 'other'));
    expect(stored.body.spec.holderIdentity).toBe('x');
  });

  it('never allows create or list through a rule with resourceNames', async () => {
    const created = await call(server, agent, 'POST', paths.secrets('db'), { body: { metadata: { name: 'pg-auth' } } });
    expect(created.body.message).toBe(
      `secrets is forbidden: User "${USER}" cannot create resource "secrets" in API group "" in the namespace "db"`,
    );
    const listed = await call(server, agent, 'GET', paths.secrets('db'));
    expect(listed.status).toBe(403);
    // get by name passes authorization: the 404 is the store's answer.
    expect((await call(server, agent, 'GET', paths.secrets('db', 'pg-auth'))).status).toBe(404);
    expect(server.forbidden.map((f) => f.verb)).toEqual(['create', 'list']);
  });

  it('needs pods/status for the status subresource', async () => {
    await call(server, server.adminToken, 'POST', paths.pods('db'), { body: pod('pg-0') });
    const answer = await call(server, agent, 'PATCH', `${paths.pods('db', 'pg-0')}/status`, {
      body: { status: { phase: 'Running' } },
      contentType: 'application/merge-patch+json',
    });
    expect(answer.body.message).toBe(
      `pods "pg-0" is forbidden: User "${USER}" cannot patch resource "pods/status" in API group "" in the namespace "db"`,
    );
    expect(server.forbidden[0]).toMatchObject({ resource: 'pods', subresource: 'status' });
  });

  it('grants nothing to other ServiceAccounts, other namespaces or across namespaces', async () => {
    const stranger = server.issueToken('db', 'web');
    const elsewhere = server.issueToken('other', 'pg');
    expect((await call(server, stranger, 'GET', paths.pods('db'))).status).toBe(403);
    expect((await call(server, elsewhere, 'GET', paths.pods('db'))).status).toBe(403);
    expect((await call(server, agent, 'GET', paths.pods('other'))).status).toBe(403);
    const allNamespaces = await call(server, agent, 'GET', '/api/v1/pods');
    expect(allNamespaces.body.message).toBe(
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" at the cluster scope`,
    );
  });

  it('matches wildcards and group subjects', async () => {
    const web = server.issueToken('db', 'web');
    server.apply([
      role('everything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
      binding('everyone', { kind: 'Role', name: 'everything' }, [{ kind: 'Group', name: 'system:serviceaccounts:db' }]),
    ]);
    expect((await call(server, web, 'DELETE', paths.secrets('db', 'x'))).status).toBe(404);
  });

  it('follows Role changes at once', async () => {
    server.apply([role('pg-agent', [])]);
    expect((await call(server, agent, 'GET', paths.pods('db'))).status).toBe(403);
  });

  it('grants nothing through a binding to a ClusterRole', async () => {
    server.apply([
      binding('cluster', { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'ServiceAccount', name: 'web' }]),
    ]);
    expect((await call(server, server.issueToken('db', 'web'), 'GET', paths.pods('db'))).status).toBe(403);
  });
});
