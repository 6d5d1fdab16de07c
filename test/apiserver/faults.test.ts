import * as http from 'node:http';
import { connect } from 'node:net';
import { ApiServer } from '../support/apiserver';
import { call, lease, paths } from './http-client';

let server: ApiServer;
let agent: string;
const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };

beforeEach(async () => {
  server = await ApiServer.start();
  agent = server.issueToken('db', 'pg');
  server.apply([
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r', namespace: 'db' },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'r', namespace: 'db' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: 'pg', namespace: 'db' }],
    },
  ]);
});
afterEach(() => server.close());

/** Resolves with what happened to a bare TCP connection within a short while. */
function probeConnection(): Promise<'connected, no answer' | 'answered' | 'reset'> {
  return new Promise((resolve) => {
    const socket = connect(server.port, server.host);
    socket.on('connect', () => {
      socket.write('GET /api/v1/namespaces/db/pods HTTP/1.1\r\nHost: x\r\n\r\n');
      setTimeout(() => {
        socket.destroy();
        resolve('connected, no answer');
      }, 200);
    });
    socket.on('data', () => {
      socket.destroy();
      resolve('answered');
    });
    socket.on('error', () => resolve('reset'));
  });
}

describe('client filter', () => {
  it('is asked with the client address', async () => {
    const addresses: string[] = [];
    server.setClientFilter((address) => {
      addresses.push(address);
      return 'serve';
    });
    await call(server, agent, 'GET', paths.pods('db'));
    expect(addresses).toContain('127.0.0.1');
  });

  it("'hang' accepts the connection and never answers: the client times out", async () => {
    server.setClientFilter(() => 'hang');
    expect(await probeConnection()).toBe('connected, no answer');
    const started = Date.now();
    await expect(call(server, agent, 'GET', paths.pods('db'), { timeoutMs: 300 })).rejects.toThrow('timed out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("'refuse' drops the connection at once", async () => {
    server.setClientFilter(() => 'refuse');
    expect(await probeConnection()).toBe('reset');
    await expect(call(server, agent, 'GET', paths.pods('db'))).rejects.toThrow(/ECONNRESET|socket hang up/);
  });

  it('also cuts off a connection that was open before', async () => {
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await call(server, agent, 'GET', paths.pods('db'), { agent: keepAlive })).status).toBe(200);
    server.setClientFilter(() => 'hang');
    const onTheSameConnection = call(server, agent, 'GET', paths.pods('db'), { agent: keepAlive, timeoutMs: 200 });
    await expect(onTheSameConnection).rejects.toThrow('timed out');
    server.setClientFilter(null);
    expect((await call(server, agent, 'GET', paths.pods('db'), { agent: keepAlive })).status).toBe(200);
    keepAlive.destroy();
  });
});

describe('setAvailable(false)', () => {
  it('makes every request but the admin\'s hang, while the store keeps working', async () => {
    server.setAvailable(false);
    await expect(call(server, agent, 'GET', paths.pods('db'), { timeoutMs: 200 })).rejects.toThrow('timed out');
    await expect(call(server, 'unknown', 'GET', paths.pods('db'), { timeoutMs: 200 })).rejects.toThrow('timed out');
    expect((await call(server, server.adminToken, 'GET', paths.pods('db'))).status).toBe(200);
    server.store.create({ ...lease('l', 'pg-0') });

    server.setAvailable(true);
    expect((await call(server, agent, 'GET', paths.leases('db', 'l'))).status).toBe(200);
  });
});

describe('dropResponses (test-only)', () => {
  it('carries the write out, then cuts the connection instead of answering', async () => {
    server.store.create(lease('l', 'pg-0'));
    server.dropResponses((request) => request.verb === 'update' && request.resource === 'leases');
    const current = server.store.get(LEASE, 'db', 'l')!;
    const write = { ...current, spec: { ...(current.spec as object), holderIdentity: 'pg-1' } };
    const answer = call(server, agent, 'PUT', paths.leases('db', 'l'), { body: write });
    await expect(answer).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((server.store.get(LEASE, 'db', 'l')!.spec as { holderIdentity: string }).holderIdentity).toBe('pg-1');
  });
});
