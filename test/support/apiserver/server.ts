/**
 * A test double of the Kubernetes API server for unit tests (the agent's Kubernetes client, test/agent/kube
 * and test/agent/tls): not a cluster. It serves the REST semantics the agent's client relies on,
 * bearer-token authentication, RBAC from the stored Roles, and fault injection a real API server cannot
 * give a unit test on demand (per-client partitions, a whole-API outage, an answer lost after the write).
 * Unlike kube-apiserver it validates almost nothing (objects are stored as sent), has no admission, no
 * watch over HTTP, no ClusterRoles, no server-side apply and no pagination: README.md lists every
 * difference. What only a real API server proves runs in the e2e suite on the real cluster (e2e/k8s).
 * Tests set up and inspect state in-process through `store` and `apply`, unaffected by faults and RBAC.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo, createServer, Server as NetServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUPERUSER_GROUP, TokenAuthenticator, UserInfo } from './authentication';
import { KubeObject } from './objects';
import { forbiddenReason, RbacAuthorizer, RequestAttributes } from './rbac';
import { RequestInfo, resolveRequest } from './request-info';
import { typeOf } from './resources';
import { handleResourceRequest, RestResponse } from './rest-handler';
import { forbidden, internalError, requestTooLarge, StatusError, unauthorized } from './status';
import { ObjectStore } from './store';
import { generateServingCertificate, ServingCertificate } from './tls';

export interface ApiServerOptions {
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** Serve HTTPS with a certificate from a fresh CA (see `caCertPem`). @default false */
  readonly tls?: boolean;
  /** Where the CA and serving certificate are written. @default a temporary folder, removed by close() */
  readonly certDir?: string;
}

/**
 * What happens to a client's connections and requests: 'hang' accepts and never answers (a partition
 * as the client sees it: timeouts, no refusal); 'refuse' drops the connection at once.
 */
export type ClientDecision = 'serve' | 'hang' | 'refuse';
export type ClientFilter = (remoteAddress: string) => ClientDecision;

export interface ForbiddenRequest {
  readonly user: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  readonly namespace: string;
  readonly time: string;
}

/** The real API server's request body limit. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export class ApiServer {
  static async start(options: ApiServerOptions = {}): Promise<ApiServer> {
    const host = options.host ?? '127.0.0.1';
    const temporaryCertDir = options.tls && !options.certDir ? await mkdtemp(join(tmpdir(), 'apiserver-')) : undefined;
    const certDir = options.certDir ?? temporaryCertDir;
    const certificate = certDir ? await generateServingCertificate(certDir, host) : undefined;
    const server = new ApiServer(host, certificate, temporaryCertDir);
    await server.listen(options.port ?? 0);
    return server;
  }

  readonly store = new ObjectStore();
  /** Every request RBAC denied, in order: a test asserts there are none. */
  readonly forbidden: ForbiddenRequest[] = [];
  /** The CA certificate that signed the serving certificate; undefined over plain HTTP. */
  readonly caCertPem: string | undefined;

  private readonly authenticator = new TokenAuthenticator();
  private readonly authorizer = new RbacAuthorizer(this.store);
  private readonly front: NetServer;
  private readonly http: http.Server;
  private readonly sockets = new Set<Socket>();
  private listeningPort = 0;
  private clientFilter: ClientFilter = () => 'serve';
  private available = true;
  private responseDropper: ((request: RequestAttributes) => boolean) | undefined;

  private constructor(
    readonly host: string,
    certificate: ServingCertificate | undefined,
    private readonly temporaryCertDir: string | undefined,
  ) {
    this.caCertPem = certificate?.caCertPem;
    this.http = certificate
      ? https.createServer({ cert: certificate.certPem, key: certificate.keyPem })
      : http.createServer();
    this.http.on('request', (request: http.IncomingMessage, response: http.ServerResponse) =>
      this.serve(request, response),
    );
    // The TCP connection is ours first, so a filtered client never even gets a TLS handshake.
    this.front = createServer((socket) => this.accept(socket));
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.http instanceof https.Server ? 'https' : 'http'}://${host}:${this.port}`;
  }

  get adminToken(): string {
    return this.authenticator.adminToken;
  }

  /** The token of `system:serviceaccount:<namespace>:<serviceAccount>` (the same one on every call). */
  issueToken(namespace: string, serviceAccount: string): string {
    return this.authenticator.issueToken(namespace, serviceAccount);
  }

  /** Decides per client address, for new connections and for each request on open ones. */
  setClientFilter(filter: ClientFilter | null): void {
    this.clientFilter = filter ?? (() => 'serve');
  }

  /** While false, every request but the admin's hangs: the API server is unreachable for the agents. */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  /**
   * TEST-ONLY hook: a request the predicate picks is carried out in full, then its connection is cut
   * instead of answered — a write that landed while its answer was lost.
   */
  dropResponses(predicate: ((request: RequestAttributes) => boolean) | null): void {
    this.responseDropper = predicate ?? undefined;
  }

  /**
   * Loads rendered manifests like `kubectl apply`: creates what is missing and replaces what exists
   * (keeping its uid, creation time and status). Objects without a namespace go to `defaultNamespace`.
   */
  apply(objects: readonly KubeObject[], defaultNamespace = 'default'): KubeObject[] {
    return objects.map((manifest) => {
      const type = typeOf(manifest);
      const namespace = type.namespaced ? (manifest.metadata.namespace ?? defaultNamespace) : '';
      const object = { ...manifest, metadata: { ...manifest.metadata, namespace } };
      const existing = this.store.get(type, namespace, manifest.metadata.name ?? '');
      if (!existing) return this.store.create(object);
      return this.store.update({
        ...object,
        metadata: { ...object.metadata, resourceVersion: existing.metadata.resourceVersion },
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.front.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    if (this.temporaryCertDir) await rm(this.temporaryCertDir, { recursive: true, force: true });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.front.once('error', reject);
      this.front.listen(port, this.host, () => {
        this.front.off('error', reject);
        this.listeningPort = (this.front.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // A client that resets its end must not crash the server.
    socket.on('error', () => undefined);
    switch (this.clientFilter(clientAddress(socket))) {
      case 'serve':
        this.http.emit('connection', socket);
        return;
      case 'hang':
        socket.pause();
        return;
      case 'refuse':
        socket.resetAndDestroy();
        return;
    }
  }

  private serve(request: http.IncomingMessage, response: http.ServerResponse): void {
    const decision = this.clientFilter(clientAddress(request.socket));
    if (decision === 'refuse') {
      request.socket.destroy();
      return;
    }
    const user = this.authenticator.authenticate(request.headers.authorization);
    // A partition, or an outage that spares only the test's own (admin) requests: never answered.
    if (decision === 'hang' || (!this.available && !user?.groups.includes(SUPERUSER_GROUP))) return;
    this.handle(request, user).then(
      (result) => (result === 'drop' ? request.socket.destroy() : respond(response, result.code, result.body)),
      (error: unknown) => respond(response, ...statusOf(error)),
    );
  }

  private async handle(request: http.IncomingMessage, user: UserInfo | undefined): Promise<RestResponse | 'drop'> {
    if (!user) throw unauthorized();
    const info = resolveRequest(request.method ?? 'GET', request.url ?? '/');
    const attributes = requestAttributes(user, info);
    this.authorize(attributes);
    const body = await readBody(request);
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const result = handleResourceRequest(this.store, info, body, mediaType);
    return this.responseDropper?.(attributes) ? 'drop' : result;
  }

  private authorize(attributes: RequestAttributes): void {
    if (this.authorizer.authorize(attributes)) return;
    const { user, verb, group, resource, subresource, name, namespace } = attributes;
    const time = new Date().toISOString();
    this.forbidden.push({ user: user.name, verb, group, resource, subresource, name, namespace, time });
    throw forbidden({ group, plural: resource }, name, forbiddenReason(attributes));
  }
}

function requestAttributes(user: UserInfo, info: RequestInfo): RequestAttributes {
  return {
    user,
    verb: info.verb,
    group: info.type.group,
    resource: info.type.plural,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

/** IPv4 clients of a dual-stack socket show up as `::ffff:a.b.c.d`; filters see `a.b.c.d`. */
function clientAddress(socket: Socket): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** An oversized body is read to its end but not kept, so the client still gets its 413. */
function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () =>
      size > MAX_BODY_BYTES ? reject(requestTooLarge(MAX_BODY_BYTES)) : resolve(Buffer.concat(chunks)),
    );
    request.on('error', reject);
  });
}

function statusOf(error: unknown): [number, unknown] {
  if (error instanceof StatusError) return [error.code, error.toStatus()];
  console.error('apiserver: request failed:', error);
  const status = internalError(error instanceof Error ? error.message : String(error));
  return [status.code, status.toStatus()];
}

function respond(response: http.ServerResponse, code: number, body: unknown): void {
  if (response.destroyed) return;
  const payload = JSON.stringify(body);
  response.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
  response.end(payload);
}
