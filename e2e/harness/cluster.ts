/**
 * A local "cluster" for the rendered manifests: the API server stand-in, the pod network, Service
 * proxies, DNS as hosts files, the StatefulSet controller and the kubelet, started together on
 * this machine and torn down together, whatever happened in between.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Chart } from 'cdk8s';
import { ApiServer, SERVED_TYPES } from '../apiserver';
import { API_SERVICE_ADDRESS, API_SERVICE_PORT } from './addresses';
import { CONFIG_MAP, getObject, listObjects, PERSISTENT_VOLUME_CLAIM, POD, SECRET, SERVICE } from './api-objects';
import { ClaimProvisioner } from './claims';
import { clusterDefaultObjects } from './cluster-defaults';
import { ClusterDns } from './dns';
import type { ConfigMap, KubeObject, Pod, Secret, Service } from './kube';
import { Kubelet } from './kubelet';
import { removeLeftovers } from './leftovers';
import { Logger } from './logger';
import { MountPoints } from './mount-points';
import { PodNetwork } from './network';
import type { NodeServices } from './pod-worker';
import { missingPrerequisites, postgresIdMapping } from './prerequisites';
import { acquireRunLock, releaseRunLock } from './run-lock';
import { serviceLinkEnv } from './service-env';
import { ServiceProxies } from './service-proxy';
import { StatefulSetController } from './statefulset-controller';
import { DEFAULT_WORK_ROOT, WorkDirs } from './work-dirs';

export interface LocalClusterOptions {
  /** Names the log folder: e2e/.work/logs/<label>/. */
  readonly label: string;
  /** Echo container output and harness events to stdout. @default false */
  readonly verbose?: boolean;
  /** @default e2e/.work */
  readonly workRoot?: string;
  /** @default 'cluster.local' */
  readonly clusterDomain?: string;
  /**
   * Leave the cluster's files (volumes, launch scripts, certificates) in e2e/.work/cluster after
   * stopping, for inspection; the next start removes them. Processes and network always go.
   * @default false
   */
  readonly keepFiles?: boolean;
}

/** Rendered objects, or a function that adds a chart to an app (rendered with `chart.toJson()`). */
export type Manifests = readonly KubeObject[] | ((app: App) => Chart);

export class LocalCluster {
  static async start(manifests: Manifests, options: LocalClusterOptions): Promise<LocalCluster> {
    const missing = missingPrerequisites(false);
    if (missing.length > 0) throw new Error(`the e2e harness cannot run here; missing: ${missing.join('; ')}`);
    const objects = typeof manifests === 'function' ? render(manifests) : manifests;
    const dirs = new WorkDirs(options.workRoot ?? DEFAULT_WORK_ROOT, options.label);
    await acquireRunLock(dirs.runLock, { onWait: (holder) => console.log(`waiting for the e2e harness of pid ${holder} to finish (one per machine)`) });
    // A scenario reads its containers' logs (e.g. to count initdb runs): nothing from an earlier run.
    rmSync(dirs.logs, { recursive: true, force: true });
    const logger = new Logger(dirs.logs, options.verbose ?? false);
    const cluster = new LocalCluster(dirs, logger, options.clusterDomain ?? 'cluster.local', options.keepFiles ?? false);
    try {
      for (const leftover of await removeLeftovers(dirs)) logger.event('cluster', `removed leftover ${leftover}`);
      await cluster.boot(objects);
    } catch (error) {
      await cluster.stop().catch(() => undefined);
      throw error;
    }
    return cluster;
  }

  private apiServer?: ApiServer;
  private podNetwork?: PodNetwork;
  private proxies?: ServiceProxies;
  private dns?: ClusterDns;
  private nodeKubelet?: Kubelet;
  private controller?: StatefulSetController;
  private mountPoints?: MountPoints;
  private stopping?: Promise<void>;

  private constructor(readonly dirs: WorkDirs, private readonly logger: Logger, private readonly clusterDomain: string, private readonly keepFiles: boolean) {}

  get api(): ApiServer {
    return required(this.apiServer, 'API server');
  }

  get store() {
    return this.api.store;
  }

  get network(): PodNetwork {
    return required(this.podNetwork, 'pod network');
  }

  get kubelet(): Kubelet {
    return required(this.nodeKubelet, 'kubelet');
  }

  /** Where a Service's proxy listens (reachable from the host and from every pod). */
  serviceAddress(namespace: string, name: string): string {
    return required(this.proxies, 'Service proxies').address(namespace, name);
  }

  /** A pod's address (stable across its incarnations). */
  podAddress(namespace: string, pod: string): string {
    return this.network.addresses.podSlot(namespace, pod).address;
  }

  pod(namespace: string, name: string): Pod | undefined {
    return getObject<Pod>(this.store, POD, namespace, name);
  }

  /** `kubectl delete pod`: graceful, with the pod's own grace period unless one is given. */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): void {
    this.store.delete(POD, namespace, name, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds });
  }

  /** Everything a container wrote so far, all its incarnations (`kubectl logs` + `--previous`). */
  containerLog(pod: string, container: string): string {
    try {
      return readFileSync(this.dirs.containerLog(pod, container), 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Writes every stored object (ConfigMap contents and Secret values elided) to `objects.json` in the
   * log folder: the cluster's state as `kubectl get -o yaml` would show it after a failure.
   */
  saveObjects(): string {
    const types = [...SERVED_TYPES, PERSISTENT_VOLUME_CLAIM];
    const objects = types.flatMap((type) => this.store.list(type, '').items).map(elideBulk);
    const file = join(this.dirs.logs, 'objects.json');
    writeFileSync(file, JSON.stringify(objects, null, 2));
    return file;
  }

  /** Stops everything and removes what the cluster created on the host; safe to call twice. */
  stop(): Promise<void> {
    return (this.stopping ??= this.tearDown());
  }

  private async boot(objects: readonly KubeObject[]): Promise<void> {
    this.mountPoints = new MountPoints(this.dirs.mountPointRecord);
    this.podNetwork = await PodNetwork.create();
    await this.podNetwork.addHostAddress(API_SERVICE_ADDRESS);
    this.apiServer = await ApiServer.start({ host: API_SERVICE_ADDRESS, port: API_SERVICE_PORT, tls: true, certDir: this.dirs.certificates });
    const namespaces = objects.map((o) => o.metadata.namespace).filter((ns): ns is string => ns !== undefined);
    this.api.apply(clusterDefaultObjects(namespaces, { address: API_SERVICE_ADDRESS, port: API_SERVICE_PORT, caCertPem: this.api.caCertPem ?? '' }));
    this.api.apply([...objects]);
    this.proxies = await ServiceProxies.start(this.store, this.network, this.logger);
    this.dns = new ClusterDns(this.store, this.network, this.clusterDomain);
    const claims = new ClaimProvisioner(this.dirs);
    this.nodeKubelet = new Kubelet(this.nodeServices(this.dns, claims, this.mountPoints));
    this.controller = new StatefulSetController(this.store, claims, this.logger);
  }

  private nodeServices(dns: ClusterDns, claims: ClaimProvisioner, mountPoints: MountPoints): NodeServices {
    const store = this.store;
    return {
      store,
      network: this.network,
      dns,
      dirs: this.dirs,
      ids: postgresIdMapping(),
      mountPoints,
      logger: this.logger,
      relistEpoch: Date.now(),
      sources: {
        secret: (namespace, name) => getObject<Secret>(store, SECRET, namespace, name),
        configMap: (namespace, name) => getObject<ConfigMap>(store, CONFIG_MAP, namespace, name),
        issueToken: (namespace, serviceAccount) => this.api.issueToken(namespace, serviceAccount),
        claimDir: (namespace, claim) => (store.get(PERSISTENT_VOLUME_CLAIM, namespace, claim) ? claims.provision(namespace, claim) : undefined),
      },
      serviceEnv: (namespace, enableServiceLinks) => {
        const services = listObjects<Service>(store, SERVICE);
        const master = services.filter((s) => s.metadata?.namespace === 'default' && s.metadata.name === 'kubernetes');
        const local = enableServiceLinks ? services.filter((s) => s.metadata?.namespace === namespace && s.metadata.name !== 'kubernetes') : [];
        return serviceLinkEnv([...local, ...master]);
      },
    };
  }

  private async tearDown(): Promise<void> {
    const steps: Array<[string, () => unknown]> = [
      ['StatefulSet controller', () => this.controller?.stop()],
      ['kubelet', () => this.nodeKubelet?.stop()],
      ['DNS', () => this.dns?.stop()],
      ['Service proxies', () => this.proxies?.stop()],
      ['API server', () => this.apiServer?.close()],
      ['pod network', () => this.podNetwork?.destroy()],
      ['mount points', () => this.mountPoints?.removeCreated()],
      // The safety net: whatever a failed step above left behind.
      ['leftovers', () => removeLeftovers(this.dirs, { keepFiles: this.keepFiles })],
      ['run lock', () => releaseRunLock(this.dirs.runLock)],
    ];
    const failures: string[] = [];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`cluster teardown had failures: ${failures.join('; ')}`);
  }
}

function elideBulk(object: KubeObject): KubeObject {
  if (object.kind !== 'ConfigMap' && object.kind !== 'Secret') return object;
  const data = Object.fromEntries(Object.keys((object.data as Record<string, string> | undefined) ?? {}).map((key) => [key, '(elided)']));
  return { ...object, data };
}

function render(addChart: (app: App) => Chart): KubeObject[] {
  return addChart(new App()).toJson() as KubeObject[];
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the cluster's ${what} is not running`);
  return value;
}
