import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer } from '../../support/apiserver';
import { ApiUnreachableError, KubeApiError, KubeClient } from '../../../agent/kube/client';
import { clientFor, NAMESPACE, startCluster } from './cluster';

const PODS = `/api/v1/namespaces/${NAMESPACE}/pods`;

describe('over HTTPS, as in a pod', () => {
  let server: ApiServer;
  const saved = { ...process.env };
  const folders: string[] = [];
  beforeAll(async () => {
    server = await startCluster({ tls: true });
  });
  afterAll(async () => {
    await server.close();
    folders.forEach((folder) => rmSync(folder, { recursive: true, force: true }));
  });
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  function serviceAccountDir(token: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'serviceaccount-'));
    folders.push(dir);
    writeFileSync(join(dir, 'ca.crt'), server.caCertPem!);
    writeFileSync(join(dir, 'token'), token);
    return dir;
  }

  it('reads the address from the environment and the token and CA from the service-account folder', async () => {
    process.env.KUBERNETES_SERVICE_HOST = server.host;
    process.env.KUBERNETES_SERVICE_PORT = String(server.port);
    const client = KubeClient.inCluster(2000, serviceAccountDir(server.issueToken(NAMESPACE, 'pg')));
    const list = await client.request<{ kind: string }>('GET', PODS);
    expect(list.kind).toBe('PodList');
  });

  it('fails at start outside a pod', () => {
    delete process.env.KUBERNETES_SERVICE_HOST;
    expect(() => KubeClient.inCluster(2000)).toThrow('KUBERNETES_SERVICE_HOST is not set');
  });

  it('re-reads a rotated token file after a minute, not before', async () => {
    const dir = serviceAccountDir(server.issueToken(NAMESPACE, 'pg'));
    const { host, port, caCertPem: ca } = server;
    const client = new KubeClient({ host, port, tls: true, ca, tokenFile: join(dir, 'token'), timeoutMs: 2000 });
    writeFileSync(join(dir, 'token'), server.issueToken(NAMESPACE, 'unbound'));
    await expect(client.request('GET', PODS)).resolves.toBeDefined();

    const now = performance.now();
    jest.spyOn(performance, 'now').mockReturnValue(now + 61_000);
    await expect(client.request('GET', PODS)).rejects.toMatchObject({ status: 403 });
  });

  it('re-reads a rotated token file after a minute even when the wall clock was stepped back a day', async () => {
    const dir = serviceAccountDir(server.issueToken(NAMESPACE, 'pg'));
    const { host, port, caCertPem: ca } = server;
    const client = new KubeClient({ host, port, tls: true, ca, tokenFile: join(dir, 'token'), timeoutMs: 2000 });
    writeFileSync(join(dir, 'token'), server.issueToken(NAMESPACE, 'unbound'));

    const now = performance.now();
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() - 86_400_000);
    jest.spyOn(performance, 'now').mockReturnValue(now + 61_000);
    await expect(client.request('GET', PODS)).rejects.toMatchObject({ status: 403 });
  });

  it('does not trust a server the CA did not sign', async () => {
    const { host, port, adminToken: token } = server;
    const client = new KubeClient({ host, port, tls: true, token, timeoutMs: 2000 });
    await expect(client.request('GET', PODS)).rejects.toBeInstanceOf(ApiUnreachableError);
  });
});

describe('answers', () => {
  let server: ApiServer;
  beforeEach(async () => {
    server = await startCluster();
  });
  afterEach(() => server.close());

  it('surfaces a 403 as KubeApiError with the Status reason and message', async () => {
    const error = await clientFor(server)
      .request('GET', `/api/v1/namespaces/${NAMESPACE}/secrets`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ status: 403, reason: 'Forbidden' });
    expect((error as Error).message).toBe(
      `GET /api/v1/namespaces/db/secrets: 403 Forbidden: secrets is forbidden: User "system:serviceaccount:db:pg" ` +
        'cannot list resource "secrets" in API group "" in the namespace "db"',
    );
  });

  it('surfaces a 404 as KubeApiError NotFound', async () => {
    await expect(clientFor(server).request('GET', `${PODS}/pg-9`)).rejects.toMatchObject({
      status: 404,
      reason: 'NotFound',
    });
  });

  it('sends JSON bodies with their content type', async () => {
    const client = clientFor(server);
    await client.request('POST', PODS, { metadata: { name: 'pg-0' }, spec: {} }).catch(() => undefined);
    server.store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pg-1', namespace: NAMESPACE }, spec: {} });
    const patched = await client.request<{ metadata: { labels: Record<string, string> } }>(
      'PATCH',
      `${PODS}/pg-1`,
      { metadata: { labels: { role: 'primary' } } },
      'application/merge-patch+json',
    );
    expect(patched.metadata.labels).toEqual({ role: 'primary' });
  });
});

describe('an API that does not answer', () => {
  let server: ApiServer;
  beforeEach(async () => {
    server = await startCluster();
  });
  afterEach(() => server.close());

  async function timeToFailure(client: KubeClient): Promise<number> {
    const started = Date.now();
    await expect(client.request('GET', PODS)).rejects.toBeInstanceOf(ApiUnreachableError);
    return Date.now() - started;
  }

  it('fails with ApiUnreachableError within timeoutMs when partitioned', async () => {
    server.setClientFilter(() => 'hang');
    const elapsed = await timeToFailure(clientFor(server, { timeoutMs: 300 }));
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 500);
  });

  it('shows how long its oldest request has waited while the server hangs, and nothing once it failed', async () => {
    server.setClientFilter(() => 'hang');
    const client = clientFor(server, { timeoutMs: 600 });
    expect(client.stalledForMs()).toBe(0);
    const failure = client.request('GET', PODS).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.stalledForMs()).toBeGreaterThanOrEqual(250);
    expect(await failure).toMatchObject({ name: 'ApiUnreachableError', timedOut: true });
    expect(client.stalledForMs()).toBe(0);
  });

  it('fails with ApiUnreachableError at once when refused', async () => {
    server.setClientFilter(() => 'refuse');
    expect(await timeToFailure(clientFor(server, { timeoutMs: 5000 }))).toBeLessThan(1000);
  });

  it('recovers on a fresh connection after an outage cut its kept-alive one', async () => {
    const client = clientFor(server, { timeoutMs: 300 });
    await client.request('GET', PODS);
    server.setAvailable(false);
    await timeToFailure(client);
    server.setAvailable(true);
    await expect(client.request('GET', PODS)).resolves.toBeDefined();
  });
});

describe('a server that answers badly', () => {
  let fake: Server;
  const sockets: Socket[] = [];
  afterEach(() => {
    sockets.forEach((s) => s.destroy());
    fake.close();
  });

  async function serve(onRequest: (socket: Socket) => void): Promise<KubeClient> {
    fake = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => onRequest(socket));
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const { port } = fake.address() as { port: number };
    return new KubeClient({ host: '127.0.0.1', port, tls: false, token: 't', timeoutMs: 300 });
  }

  it('gives up at timeoutMs on an answer that trickles in forever', async () => {
    const client = await serve((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
      const trickle = setInterval(() => (socket.destroyed ? clearInterval(trickle) : socket.write(' ')), 50);
    });
    const started = Date.now();
    await expect(client.request('GET', PODS)).rejects.toThrow('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(300 + 500);
  });

  it('takes an unreadable answer as a lost one', async () => {
    const client = await serve((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nnot json'));
    await expect(client.request('GET', PODS)).rejects.toThrow(ApiUnreachableError);
  });

  it('reports a non-Status error answer with the HTTP reason', async () => {
    const client = await serve((socket) => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 7\r\n\r\noops...'));
    await expect(client.request('GET', PODS)).rejects.toMatchObject({ status: 502, reason: 'Bad Gateway' });
  });
});
