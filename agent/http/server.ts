// The agent's HTTP API (agent/README.md, "HTTP API"): probes for the kubelet, role checks for load
// balancers, the status document other members decide with, metrics, and two peer hints.
import http from 'node:http';
import { liveness, readiness, servesAs, type LoopHealth, type ProbeAnswer } from '../core/probes';
import type { FailsafeAnswer } from '../core/failsafe';
import type { MemberStatus, Observation } from '../core/types';

export interface AgentView {
  observation(): Observation | null;
  statusDocument(): Promise<MemberStatus>;
  health(): LoopHealth;
  /** The /metrics body; never rejects (a failed PostgreSQL collection is a series, not an error). */
  metrics(): Promise<string>;
  wake(): void;
  failsafe(from: string): FailsafeAnswer;
  /** Calls `listener` with the renewTime of each renewal this member lands as the holder. */
  onRenewal(listener: (renewTime: string) => void): void;
}

/** How often an open /watch stream gets a byte, so idle-connection reapers leave it alone. */
const WATCH_KEEPALIVE_MS = 5000;

export function startHttpServer(view: AgentView, port: number): Promise<http.Server> {
  const watchers = new Set<http.ServerResponse>();
  const keepalive = setInterval(() => watchers.forEach((w) => w.write('\n')), WATCH_KEEPALIVE_MS);
  keepalive.unref();
  // Each watcher (a standby) times this holder's silence from the moment a renewal landed, instead of
  // from when its next poll of the Lease happens to see it (up to a retry period later).
  view.onRenewal((renewTime) => watchers.forEach((w) => w.write(`renewed ${renewTime}\n`)));

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://agent');
    const route = `${request.method} ${url.pathname}`;
    const probe = (answer: ProbeAnswer) => send(response, answer.ok ? 200 : 503, 'text/plain', `${answer.reason}\n`);
    switch (route) {
      case 'GET /liveness':
        return probe(liveness(view.health()));
      case 'GET /readiness':
        return probe(readiness(view.observation()));
      case 'GET /primary':
        return probe(servesAs(view.observation(), 'primary'));
      case 'GET /replica':
        return probe(servesAs(view.observation(), 'replica'));
      case 'GET /status':
        return void view.statusDocument().then(
          (doc) => send(response, 200, 'application/json', `${JSON.stringify(doc)}\n`),
          (error: Error) => send(response, 500, 'text/plain', `${error.message}\n`),
        );
      case 'GET /metrics':
        return void view.metrics().then(
          (body) => send(response, 200, 'text/plain; version=0.0.4; charset=utf-8', body),
          (error: Error) => send(response, 500, 'text/plain', `${error.message}\n`),
        );
      case 'GET /watch':
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('\n');
        watchers.add(response);
        response.on('close', () => watchers.delete(response));
        return;
      case 'POST /wake':
        view.wake();
        return send(response, 200, 'text/plain', 'ok\n');
      case 'POST /failsafe': {
        const answer = view.failsafe(url.searchParams.get('from') ?? '');
        return send(response, answer.confirm ? 200 : 409, 'text/plain', `${answer.reason}\n`);
      }
      default:
        return send(response, 404, 'text/plain', `no route ${route}\n`);
    }
  });
  server.on('close', () => clearInterval(keepalive));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}
