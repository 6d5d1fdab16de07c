/**
 * kube-proxy's part: every Service with a selector and a cluster address gets that address on the
 * host and a TCP listener per port. Each new connection goes to a random endpoint chosen from the API
 * at that moment (label and readiness changes count at once); established connections are left alone
 * when their pod stops matching, as kube-proxy's conntrack entries are. With no endpoint the
 * connection is reset, as kube-proxy's REJECT rule does.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ObjectStore } from '../apiserver/store';
import { listObjects, POD, SERVICE } from './api-objects';
import { serviceEndpoints } from './endpoints';
import type { Pod, Service, WatchEvent } from './kube';
import type { Logger } from './logger';
import type { PodNetwork } from './network';

export class ServiceProxies {
  private readonly proxies = new Map<string, ServiceProxy>();
  private unwatch: () => void = () => undefined;

  private constructor(private readonly store: ObjectStore, private readonly network: PodNetwork, private readonly logger: Logger) {}

  /** Assigns cluster addresses (the API server's job) and opens the listeners before any pod starts. */
  static async start(store: ObjectStore, network: PodNetwork, logger: Logger): Promise<ServiceProxies> {
    const proxies = new ServiceProxies(store, network, logger);
    for (const service of listObjects<Service>(store, SERVICE)) await proxies.add(service);
    proxies.unwatch = store.watch((event) => proxies.onEvent(event));
    return proxies;
  }

  /** The cluster address of a Service, for scenarios that connect from the host. */
  address(namespace: string, name: string): string {
    const proxy = this.proxies.get(`${namespace}/${name}`);
    if (!proxy) throw new Error(`Service ${namespace}/${name} has no proxy (no selector, headless, or not applied)`);
    return proxy.address;
  }

  async stop(): Promise<void> {
    this.unwatch();
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
    this.proxies.clear();
  }

  private onEvent(event: WatchEvent): void {
    if (event.object.apiVersion !== SERVICE.apiVersion || event.object.kind !== SERVICE.kind) return;
    const service = event.object as unknown as Service;
    const key = `${service.metadata?.namespace}/${service.metadata?.name}`;
    if (event.type === 'DELETED') {
      void this.proxies.get(key)?.close();
      this.proxies.delete(key);
    } else if (!this.proxies.has(key)) {
      this.add(service).catch((error: unknown) => this.logger.event('kube-proxy', `${key}: ${String(error)}`));
    }
  }

  private async add(service: Service): Promise<void> {
    const namespace = service.metadata?.namespace ?? 'default';
    const name = service.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    if (!service.spec?.selector || service.spec.clusterIP === 'None' || this.proxies.has(key)) return;
    if (service.spec.clusterIP) throw new Error(`Service ${key} asks for clusterIP ${service.spec.clusterIP}; the e2e harness assigns cluster addresses itself`);
    const address = this.network.addresses.serviceAddress(namespace, name);
    const proxy = new ServiceProxy(this.store, namespace, name, address, this.logger);
    // Registered before the first await: the clusterIP write below comes back as a watch event.
    this.proxies.set(key, proxy);
    await this.network.addHostAddress(address);
    this.store.patch(SERVICE, namespace, name, 'application/merge-patch+json', { spec: { clusterIP: address, clusterIPs: [address] } });
    await proxy.listen(service);
  }
}

class ServiceProxy {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(private readonly store: ObjectStore, private readonly namespace: string, private readonly name: string, readonly address: string, private readonly logger: Logger) {}

  async listen(service: Service): Promise<void> {
    for (const port of service.spec?.ports ?? []) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      const server = createServer((client) => this.forward(client, port.port));
      this.servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port.port, this.address, () => resolve());
      });
    }
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined);
  }

  private forward(client: Socket, servicePort: number): void {
    this.track(client);
    const service = this.store.get(SERVICE, this.namespace, this.name) as unknown as Service | undefined;
    const port = service?.spec?.ports?.find((p) => p.port === servicePort);
    const endpoints = service && port ? serviceEndpoints(service, port, listObjects<Pod>(this.store, POD, this.namespace)) : [];
    if (endpoints.length === 0) {
      this.logger.event('kube-proxy', `${this.name}:${servicePort}: no endpoints, connection rejected`);
      client.resetAndDestroy();
      return;
    }
    const endpoint = endpoints[Math.floor(Math.random() * endpoints.length)];
    const backend = this.track(connect({ host: endpoint.address, port: endpoint.port }));
    client.pipe(backend);
    backend.pipe(client);
    // A refused or reset backend connection reaches the client as a reset, as it would through DNAT.
    backend.on('error', () => client.resetAndDestroy());
    client.on('error', () => backend.destroy());
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }
}
