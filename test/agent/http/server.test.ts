// The agent's HTTP API over a real socket: probe status codes with reasons, the status document, metrics,
// and the peer hints.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { agentFamilies, renderMetrics } from '../../../agent/http/metrics';
import { startHttpServer, type AgentView } from '../../../agent/http/server';
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
    server = await startHttpServer(view, 0);
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

  it('runs the loop at once on POST /wake', async () => {
    expect((await get(port, '/wake', 'POST')).status).toBe(200);
    expect(woken).toEqual(['wake']);
  });

  it('confirms or refuses a failsafe request with the reason', async () => {
    expect(await get(port, '/failsafe?from=pg-0', 'POST')).toMatchObject({ status: 200, body: 'confirming pg-0\n' });
    expect(await get(port, '/failsafe?from=pg-2', 'POST')).toMatchObject({ status: 409, body: 'not pg-2\n' });
  });

  it('keeps a /watch stream open until the server goes away', async () => {
    const opened = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port, path: '/watch' }, resolve));
    expect(opened.statusCode).toBe(200);
    const closed = new Promise((resolve) => opened.on('close', resolve));
    opened.destroy();
    await closed;
  });

  it('answers 404 for unknown routes', async () => {
    expect(await get(port, '/nope')).toMatchObject({ status: 404, body: 'no route GET /nope\n' });
  });
});
