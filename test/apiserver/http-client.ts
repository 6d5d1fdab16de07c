/** A bare HTTP(S) client for the API server's tests: status code and parsed body, nothing interpreted. */
import * as http from 'node:http';
import * as https from 'node:https';
import { ApiServer } from '../support/apiserver';

export interface Answer {
  status: number;
  // Tests read deep into Kubernetes objects; typing every shape would only add noise.
  body: any;
}

export interface CallOptions {
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  agent?: http.Agent;
  /** Trust the server's CA. @default true */
  trustCa?: boolean;
}

export function call(
  server: ApiServer,
  token: string | undefined,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const transport = server.url.startsWith('https') ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      `${server.url}${path}`,
      {
        method,
        ca: options.trustCa === false ? undefined : server.caCertPem,
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 5000,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          // Node sends a DELETE body without a length unless told, and servers then ignore it.
          ...(payload
            ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(payload);
  });
}

/** Shorthand for the common paths. */
export const paths = {
  pods: (ns: string, name = '') => `/api/v1/namespaces/${ns}/pods${name ? `/${name}` : ''}`,
  leases: (ns: string, name = '') => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases${name ? `/${name}` : ''}`,
  configmaps: (ns: string, name = '') => `/api/v1/namespaces/${ns}/configmaps${name ? `/${name}` : ''}`,
  secrets: (ns: string, name = '') => `/api/v1/namespaces/${ns}/secrets${name ? `/${name}` : ''}`,
  events: (ns: string) => `/api/v1/namespaces/${ns}/events`,
};

export function pod(name: string, labels: Record<string, string> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'db', labels },
    spec: { containers: [{ name: 'postgres', image: 'postgres:15' }], ...spec },
  };
}

export function lease(name: string, holder: string) {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'db' },
    spec: { holderIdentity: holder, leaseDurationSeconds: 10 },
  };
}
