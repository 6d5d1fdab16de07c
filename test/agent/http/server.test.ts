// The agent's HTTP API over a real socket: probe status codes with reasons, the status document, metrics,
// and the peer hints.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { agentFamilies, renderMetrics } from '../../../agent/http/metrics';
import { startHttpServer, startMemberServer, type AgentView } from '../../../agent/http/server';
import type { MemberTls } from '../../../agent/tls/member-tls';
import { memberTls, memorySecrets } from '../tls/member-certs';
import type { Observation } from '../../../agent/core/types';
import { asPrimary, observation, status } from '../core/observation-builder';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method }, (response) => {
      let body = '';
      response.on('data', (c) => (body += c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, type: String(response.headers['content-type']) }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('agent HTTP API', () => {
  let server: http.Server;
  let port: number;
  let current: Observation | null;
  const woken: string[] = [];
  const view: AgentView = {
    observation: () => current,
    statusDocument: async () => status('pg-1'),
    health: () => ({ now: 10_000, lastTickAt: 9_000, startedAt: 0, actionStartedAt: null, actionLimitMs: 0, stallLimitMs: 30_000 }),
    metrics: async () =>
      renderMetrics('pg-1', agentFamilies({ role: 'replica', lagBytes: 42, promotions: 1, fencings: 0, renewals: 7, renewFailures: 2, lastRenewLatencySeconds: 0.004, apiReachable: true, decisions: new Map([['follow/stream', 3]]) })),
    wake: () => woken.push('wake'),
    failsafe: (from) => (from === 'pg-0' ? { confirm: true, reason: 'confirming pg-0' } : { confirm: false, reason: `not ${from}` }),
    onRenewal: () => undefined,
  };

  beforeAll(async () => {
    server = await startHttpServer(view, 0, 8009);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers readiness 503 with the reason before the first observation', async () => {
    current = null;
    expect(await get(port, '/readiness')).toMatchObject({ status: 503, body: 'no observation yet\n' });
  });

  it('answers readiness, /primary and /replica for a standby', async () => {
    current = observation();
    expect(await get(port, '/readiness')).toMatchObject({ status: 200, body: 'standby of pg-0\n' });
    expect(await get(port, '/replica')).toMatchObject({ status: 200 });
    expect(await get(port, '/primary')).toMatchObject({ status: 503, body: 'this member is a replica\n' });
  });

  it('answers /primary 200 for the primary', async () => {
    current = asPrimary();
    expect(await get(port, '/primary')).toMatchObject({ status: 200, body: 'primary\n' });
  });

  it('answers liveness from the loop health', async () => {
    expect(await get(port, '/liveness')).toMatchObject({ status: 200, body: 'loop ticking\n' });
  });

  it('serves the status document as JSON', async () => {
    const answer = await get(port, '/status');
    expect(answer.type).toBe('application/json');
    expect(JSON.parse(answer.body)).toMatchObject({ name: 'pg-1', role: 'replica', wal: { timeline: 1, lsn: '0/3000060' } });
  });

  it('serves Prometheus metrics', async () => {
    const answer = await get(port, '/metrics');
    expect(answer.type).toMatch(/^text\/plain; version=0.0.4/);
    expect(answer.body).toContain('pgha_role{member="pg-1",role="replica"} 1');
    expect(answer.body).toContain('pgha_role{member="pg-1",role="primary"} 0');
    expect(answer.body).toContain('pgha_replication_lag_bytes{member="pg-1"} 42');
    expect(answer.body).toContain('pgha_lease_renew_failures_total{member="pg-1"} 2');
    expect(answer.body).toContain('pgha_decisions_total{member="pg-1",action="follow/stream"} 3');
  });

  it('refuses what steers a member, naming where members are served', async () => {
    for (const [method, path] of [['POST', '/wake'], ['POST', '/failsafe?from=pg-0'], ['GET', '/watch']]) {
      const route = `${method} ${path.split('?')[0]}`;
      expect(await get(port, path, method)).toMatchObject({ status: 403, body: `${route} is served to the cluster's members only, over mutual TLS on port 8009\n` });
    }
    expect(woken).toEqual([]);
  });

  it('answers 404 for unknown routes', async () => {
    expect(await get(port, '/nope')).toMatchObject({ status: 404, body: 'no route GET /nope\n' });
  });
});

describe('agent member API', () => {
  let server: https.Server;
  let port: number;
  const woken: string[] = [];
  const confirmed: string[] = [];
  const view: AgentView = {
    observation: () => observation(),
    statusDocument: async () => status('pg-0'),
    health: () => ({ now: 10_000, lastTickAt: 9_000, startedAt: 0, actionStartedAt: null, actionLimitMs: 0, stallLimitMs: 30_000 }),
    metrics: async () => '',
    wake: () => woken.push('wake'),
    failsafe: (from) => {
      confirmed.push(from);
      return { confirm: true, reason: `confirming ${from}` };
    },
    onRenewal: () => undefined,
  };
  /** Callers: pg-1 of this cluster; other-0 of another cluster sharing the CA; pg-1 with another CA's certificate. */
  let member: MemberTls;
  let otherCluster: MemberTls;
  let otherCa: MemberTls;

  beforeAll(async () => {
    const secrets = memorySecrets();
    const self = await memberTls('pg-0', secrets);
    member = await memberTls('pg-1', secrets);
    // The other cluster's Secret is named other-ca; give it this cluster's CA, as a shared CA would.
    await secrets.create('other-ca', (await secrets.get('pg-ca'))!, {});
    otherCluster = await memberTls('other-0', secrets, 'other');
    otherCa = await memberTls('pg-1', memorySecrets());
    server = await startMemberServer(view, 0, self);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A request as `caller` (no certificate when null), trusting this cluster's CA (it is public). */
  function call(caller: MemberTls | null, path: string, method = 'GET'): Promise<{ status: number; body: string } | { error: string }> {
    const c = (caller ?? member).current!;
    const ca = member.current!.ca;
    return new Promise((resolve) => {
      const request = https.request(
        { host: '127.0.0.1', port, path, method, agent: false, ca, ...(caller ? { cert: c.cert, key: c.key } : {}), checkServerIdentity: () => undefined },
        (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      request.end();
    });
  }

  it('fails the handshake of a caller without a client certificate, and steers nothing', async () => {
    expect(await call(null, '/failsafe?from=pg-1', 'POST')).toEqual({ error: expect.stringMatching(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET)$/) });
    expect(await call(null, '/wake', 'POST')).toEqual({ error: expect.stringMatching(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET)$/) });
    expect(confirmed).toEqual([]);
    expect(woken).toEqual([]);
  });

  it("fails the handshake of a caller whose certificate another CA signed, even naming a member", async () => {
    expect(await call(otherCa, '/failsafe?from=pg-1', 'POST')).toEqual({ error: expect.stringMatching(/^(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ECONNRESET)$/) });
    expect(await call(otherCa, '/status')).toEqual({ error: expect.stringMatching(/^(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ECONNRESET)$/) });
    expect(confirmed).toEqual([]);
  });

  it("refuses another cluster's member signed by the same CA with 403", async () => {
    expect(await call(otherCluster, '/failsafe?from=other-0', 'POST')).toEqual({ status: 403, body: 'the client certificate names other-0, not a member of this cluster\n' });
    expect(await call(otherCluster, '/wake', 'POST')).toEqual({ status: 403, body: 'the client certificate names other-0, not a member of this cluster\n' });
    expect(confirmed).toEqual([]);
    expect(woken).toEqual([]);
  });

  it('refuses a member asking on behalf of another', async () => {
    expect(await call(member, '/failsafe?from=pg-2', 'POST')).toEqual({ status: 403, body: 'pg-1 cannot ask on behalf of pg-2\n' });
    expect(confirmed).toEqual([]);
  });

  it("serves a member: failsafe confirmations, wake-ups, the status document and the /watch stream", async () => {
    expect(await call(member, '/failsafe?from=pg-1', 'POST')).toEqual({ status: 200, body: 'confirming pg-1\n' });
    expect(confirmed).toEqual(['pg-1']);
    expect(await call(member, '/wake', 'POST')).toEqual({ status: 200, body: 'ok\n' });
    expect(woken).toEqual(['wake']);
    const doc = await call(member, '/status');
    expect('status' in doc && JSON.parse(doc.body)).toMatchObject({ name: 'pg-0', role: 'primary' });
    const c = member.current!;
    const opened = await new Promise<http.IncomingMessage>((resolve) =>
      https.get({ host: '127.0.0.1', port, path: '/watch', agent: false, ca: c.ca, cert: c.cert, key: c.key, checkServerIdentity: () => undefined }, resolve),
    );
    expect(opened.statusCode).toBe(200);
    const closed = new Promise((resolve) => opened.on('close', resolve));
    opened.destroy();
    await closed;
  });
});
