/**
 * A thin Kubernetes REST client on node's http/https: JSON in and out, a bearer token, the cluster CA,
 * and two error classes the agent acts on differently. ApiUnreachableError means the API could not be
 * reached or its answer was lost (a write may or may not have landed); KubeApiError is an answer.
 * No @kubernetes/client-node: the agent's bundle must fit a ConfigMap.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { join } from 'node:path';

export class ApiUnreachableError extends Error {
  /** No answer within the timeout (a server that hangs), rather than a refused or broken connection. */
  readonly timedOut: boolean;

  constructor(message: string, options?: { cause?: unknown; timedOut?: boolean }) {
    super(message, options);
    this.name = 'ApiUnreachableError';
    this.timedOut = options?.timedOut ?? false;
  }
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    /** The Status reason (`Conflict`, `NotFound`, `Forbidden`...), or the HTTP status text without one. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface KubeClientOptions {
  host: string;
  port: number;
  tls: boolean;
  ca?: string | Buffer;
  token?: string;
  /** Read at start and again at most once a minute: projected service-account tokens rotate. */
  tokenFile?: string;
  /** No request outlives this, whatever the network does. */
  timeoutMs: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** kubelet refreshes projected tokens well before they expire; client-go re-reads them every minute too. */
const TOKEN_REREAD_MS = 60_000;

export class KubeClient {
  /** The pod's own view of the API: KUBERNETES_SERVICE_HOST/PORT and the mounted service-account files. */
  static inCluster(timeoutMs: number, serviceAccountDir = SERVICE_ACCOUNT_DIR): KubeClient {
    const host = requiredEnv('KUBERNETES_SERVICE_HOST');
    const port = Number(requiredEnv('KUBERNETES_SERVICE_PORT'));
    return new KubeClient({
      host,
      port,
      tls: true,
      ca: readFileSync(join(serviceAccountDir, 'ca.crt')),
      tokenFile: join(serviceAccountDir, 'token'),
      timeoutMs,
    });
  }

  private readonly transport: typeof http | typeof https;
  /** Keep-alive: the agent calls every second, a TLS handshake each time would be waste. */
  private readonly agent: http.Agent;
  private token: string | undefined;
  private tokenReadAt = 0;
  /** When each request still waiting for its answer was sent (performance.now()). */
  private readonly inFlight = new Set<{ readonly sentAt: number }>();

  constructor(private readonly options: KubeClientOptions) {
    this.transport = options.tls ? https : http;
    this.agent = options.tls
      ? new https.Agent({ keepAlive: true, ca: options.ca })
      : new http.Agent({ keepAlive: true });
    this.token = options.token;
    if (options.tokenFile) this.readToken(options.tokenFile);
  }

  /**
   * How long the oldest request still waiting for its answer has waited; 0 when none waits. A hung API
   * server shows here a whole timeout before any request fails (the failsafe answers on it: failsafe.ts).
   */
  stalledForMs(now = performance.now()): number {
    let oldest = now;
    for (const request of this.inFlight) oldest = Math.min(oldest, request.sentAt);
    return now - oldest;
  }

  /** 2xx → the parsed body; another status → KubeApiError; no answer within timeoutMs → ApiUnreachableError. */
  async request<T = any>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const what = `${method} ${path}`;
    const payload = body === undefined ? undefined : { bytes: Buffer.from(JSON.stringify(body)), contentType };
    const { status, text } = await this.exchange(what, method, path, payload);
    if (status < 200 || status >= 300) throw apiError(what, status, text);
    try {
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch (error) {
      // An answer we cannot read is as good as lost.
      throw new ApiUnreachableError(`${what}: unreadable answer (${(error as Error).message})`);
    }
  }

  /** One round trip, over within timeoutMs whatever the network does: the answer, or ApiUnreachableError. */
  private exchange(
    what: string,
    method: HttpMethod,
    path: string,
    payload: { bytes: Buffer; contentType: string } | undefined,
  ): Promise<{ status: number; text: string }> {
    const { host, port, timeoutMs } = this.options;
    const pending = { sentAt: performance.now() };
    this.inFlight.add(pending);
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const fail = (error: Error) => {
        clearTimeout(deadline);
        reject(error);
        request.destroy();
      };
      const request = this.transport.request({
        host,
        port,
        method,
        path,
        agent: this.agent,
        // Socket inactivity, the connect included: a partitioned API server never answers a SYN.
        timeout: timeoutMs,
        headers: {
          Accept: 'application/json',
          ...this.authorizationHeader(),
          ...(payload ? { 'Content-Type': payload.contentType, 'Content-Length': payload.bytes.length } : {}),
        },
      });
      const timedOut = () => fail(new ApiUnreachableError(`${what}: no answer within ${timeoutMs} ms`, { timedOut: true }));
      // The overall limit: a server trickling bytes would never trip the inactivity timeout.
      const deadline = setTimeout(timedOut, timeoutMs);
      request.on('timeout', timedOut);
      request.on('error', (error) => fail(new ApiUnreachableError(`${what}: ${error.message}`, { cause: error })));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => fail(new ApiUnreachableError(`${what}: ${error.message}`, { cause: error })));
        response.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.end(payload?.bytes);
    }).finally(() => this.inFlight.delete(pending));
  }

  private authorizationHeader(): { Authorization?: string } {
    const { tokenFile } = this.options;
    // On the monotonic clock: a wall clock stepped back by hours would keep an expired token in use.
    if (tokenFile && performance.now() - this.tokenReadAt >= TOKEN_REREAD_MS) this.readToken(tokenFile);
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  /** A failed re-read keeps the token we have: the old one is usually still valid for a while. */
  private readToken(tokenFile: string): void {
    try {
      this.token = readFileSync(tokenFile, 'utf8').trim();
      this.tokenReadAt = performance.now();
    } catch (error) {
      if (this.token === undefined) throw error;
    }
  }
}

function apiError(what: string, status: number, text: string): KubeApiError {
  let reason = http.STATUS_CODES[status] ?? 'Unknown';
  let message = text;
  try {
    const body = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (body.kind === 'Status') {
      reason = body.reason ?? reason;
      message = body.message ?? message;
    }
  } catch {
    // Not a Status (a proxy's error page, say): keep the raw text.
  }
  return new KubeApiError(status, reason, `${what}: ${status} ${reason}: ${message}`);
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the agent must run in a Kubernetes pod`);
  return value;
}
