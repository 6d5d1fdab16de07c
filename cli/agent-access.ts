// How the CLI reaches an agent's GET /status with the user's credentials, in one of two ways:
// - proxy (default): `kubectl get --raw /api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/status`. One
//   short request per member, needs `get pods/proxy`. The API server itself connects to the pod, so a
//   NetworkPolicy enforced by the CNI must admit it: the rendered policy admits the agents' open port
//   (8008) from the node and Prometheus only, and where the API server is not on the pod's node
//   (managed control planes, a multi-node cluster) such a policy drops it, and the agents look silent.
// Both read the open API's GET /status, which needs no member certificate (README.md, "Security").
// - port-forward: `kubectl port-forward pod/<pod> :<port>`, then GET through the local end. The kubelet
//   connects inside the pod's own network namespace, where no NetworkPolicy applies; needs
//   `create pods/portforward` and costs a process per member.
import { request } from 'node:http';
import type { MemberStatus } from '../agent/core/types';
import type { Kubectl } from './kubectl';

export type AgentAccess = 'proxy' | 'port-forward';
export const AGENT_ACCESS: readonly AgentAccess[] = ['proxy', 'port-forward'];

/** An agent that does not answer within this is reported as such; the others still count. */
const AGENT_TIMEOUT_MS = 5000;

export async function fetchStatus(kubectl: Kubectl, access: AgentAccess, namespace: string, pod: string, port: number): Promise<MemberStatus> {
  const body = access === 'proxy'
    ? await kubectl.run(['get', '--raw', `/api/v1/namespaces/${namespace}/pods/${pod}:${port}/proxy/status`], `${AGENT_TIMEOUT_MS / 1000}s`)
    : await throughPortForward(kubectl, namespace, pod, port);
  return JSON.parse(body) as MemberStatus;
}

async function throughPortForward(kubectl: Kubectl, namespace: string, pod: string, port: number): Promise<string> {
  const child = await kubectl.start(['port-forward', '-n', namespace, `pod/${pod}`, `:${port}`, '--address', '127.0.0.1']);
  try {
    const local = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`kubectl port-forward to ${pod} did not start within ${AGENT_TIMEOUT_MS / 1000}s`)), AGENT_TIMEOUT_MS);
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        // kubectl prints `Forwarding from 127.0.0.1:<local> -> <port>` once it listens.
        const match = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // 'close', not 'exit': a process may exit before its stderr has been read, and kubectl's own
      // message (forbidden, no such pod) is what the user needs.
      child.once('close', () => {
        clearTimeout(timer);
        reject(new Error(stderr.trim() || `kubectl port-forward to ${pod} ended`));
      });
    });
    return await get(local, '/status');
  } finally {
    child.kill();
  }
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: AGENT_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${response.statusCode} ${body.trim()}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${AGENT_TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
    req.end();
  });
}
