// A pod that is not one of the rendered members (agent/config.ts notAMember): it joins nothing, starts
// no PostgreSQL and writes nothing but one Event. Its API answers so that `kubectl describe pod` (the
// readiness probe's failure) and GET /status say why, and the liveness probe does not restart it in a loop.
import http from 'node:http';
import type { AgentConfig } from '../config';
import type { EventRecorder } from '../kube/events';
import type { MemberStatus } from '../core/types';

export async function runOutsider(config: AgentConfig, reason: string, events: EventRecorder, log: (line: string) => void): Promise<http.Server> {
  log(reason);
  // PID 1 in its container ignores signals it does not handle: exit at once when the pod is removed.
  process.once('SIGTERM', () => process.exit(0));
  void events.record({ name: config.podName }, 'Warning', 'NotAMember', reason);
  const status: MemberStatus = {
    name: config.podName,
    role: 'none',
    ready: false,
    reason,
    postgres: 'unknown',
    systemIdentifier: null,
    wal: null,
    timeline: null,
    history: [],
    leaseHolder: null,
    apiReachable: true,
    streaming: [],
    rollout: null,
  };
  const server = http.createServer((request, response) => {
    const route = `${request.method} ${new URL(request.url ?? '/', 'http://agent').pathname}`;
    const [code, type, body] = route === 'GET /liveness' ? [200, 'text/plain', 'not a member: idle\n']
      : route === 'GET /status' ? [200, 'application/json', `${JSON.stringify(status)}\n`]
      : [503, 'text/plain', `${reason}\n`];
    response.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
    response.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.apiPort, resolve);
  });
  return server;
}
