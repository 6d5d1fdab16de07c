// The agent's HTTP API (agent/README.md, "HTTP API"), on two ports: the open API (probes for the
// kubelet, role checks for load balancers, metrics, the read-only status document) and the member API,
// mutual TLS, which alone serves what the members decide with and steer each other by (the status
// document they decide with, the holder's /watch stream, wake-ups and failsafe confirmations).
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { placeholderCredentials, type MemberCredentials, type MemberTls } from '../tls/member-tls';
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

/** Routes only the member API serves: the open API answers them 403, naming where they are served. */
const MEMBER_ROUTES = new Set(['GET /watch', 'POST /wake', 'POST /failsafe']);

/**
 * The open API (plain HTTP): the kubelet's probes, load balancers' role checks, Prometheus' /metrics
 * and the read-only GET /status (the CLI, people). Nothing here changes what an agent decides.
 */
export function startHttpServer(view: AgentView, port: number, memberPort: number): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://agent');
    const route = `${request.method} ${url.pathname}`;
    if (MEMBER_ROUTES.has(route)) {
      return send(response, 403, 'text/plain', `${route} is served to the cluster's members only, over mutual TLS on port ${memberPort}\n`);
    }
    if (!serveRead(view, route, response)) send(response, 404, 'text/plain', `no route ${route}\n`);
  });
  return listen(server, port);
}

/**
 * The member API (HTTPS, mutual TLS): what the agents steer each other with. The TLS handshake already
 * refuses a client without a certificate signed by the members' CA; a request is then served only when
 * that certificate names a pod of this cluster, and a failsafe confirmation only when it names the
 * member asking.
 */
export function startMemberServer(view: AgentView, port: number, tls: MemberTls): Promise<https.Server> {
  const watchers = new Set<http.ServerResponse>();
  const keepalive = setInterval(() => watchers.forEach((w) => w.write('\n')), WATCH_KEEPALIVE_MS);
  keepalive.unref();
  // Each watcher (a standby) times this holder's silence from the moment a renewal landed, instead of
  // from when its next poll of the Lease happens to see it (up to a retry period later).
  view.onRenewal((renewTime) => watchers.forEach((w) => w.write(`renewed ${renewTime}\n`)));

  const context = (c: MemberCredentials) => ({ cert: c.cert, key: c.key, ca: c.ca });
  const server = https.createServer({ ...context(tls.current ?? placeholderCredentials()), requestCert: true, rejectUnauthorized: true }, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://agent');
    const route = `${request.method} ${url.pathname}`;
    const caller = tls.memberOf((request.socket as TLSSocket).getPeerCertificate());
    if (caller === null) {
      const cn = (request.socket as TLSSocket).getPeerCertificate()?.subject?.CN;
      return send(response, 403, 'text/plain', `the client certificate names ${cn ?? 'nobody'}, not a member of this cluster\n`);
    }
    switch (route) {
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
        const from = url.searchParams.get('from') ?? '';
        if (from !== caller) return send(response, 403, 'text/plain', `${caller} cannot ask on behalf of ${from || 'nobody'}\n`);
        const answer = view.failsafe(from);
        return send(response, answer.confirm ? 200 : 409, 'text/plain', `${answer.reason}\n`);
      }
      default:
        if (!serveRead(view, route, response)) send(response, 404, 'text/plain', `no route ${route}\n`);
    }
  });
  tls.onChange((c) => server.setSecureContext(context(c)));
  server.on('close', () => clearInterval(keepalive));
  return listen(server, port);
}

/** The routes both servers answer; false when `route` is none of them. */
function serveRead(view: AgentView, route: string, response: http.ServerResponse): boolean {
  const probe = (answer: ProbeAnswer) => send(response, answer.ok ? 200 : 503, 'text/plain', `${answer.reason}\n`);
  switch (route) {
    case 'GET /liveness':
      probe(liveness(view.health()));
      return true;
    case 'GET /readiness':
      probe(readiness(view.observation()));
      return true;
    case 'GET /primary':
      probe(servesAs(view.observation(), 'primary'));
      return true;
    case 'GET /replica':
      probe(servesAs(view.observation(), 'replica'));
      return true;
    case 'GET /status':
      void view.statusDocument().then(
        (doc) => send(response, 200, 'application/json', `${JSON.stringify(doc)}\n`),
        (error: Error) => send(response, 500, 'text/plain', `${error.message}\n`),
      );
      return true;
    case 'GET /metrics':
      void view.metrics().then(
        (body) => send(response, 200, 'text/plain; version=0.0.4; charset=utf-8', body),
        (error: Error) => send(response, 500, 'text/plain', `${error.message}\n`),
      );
      return true;
    default:
      return false;
  }
}

function listen<T extends http.Server>(server: T, port: number): Promise<T> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}
