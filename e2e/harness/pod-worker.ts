/**
 * One pod incarnation on the harness's node, from the API's pod object to processes and back:
 * network namespace, volumes, containers, status writes, and graceful termination ending in the
 * pod's removal from the API (after which its StatefulSet creates the next incarnation).
 */
import { rmSync } from 'node:fs';
import type { ObjectStore } from '../apiserver/store';
import { BRIDGE_ADDRESS } from './addresses';
import { POD } from './api-objects';
import { ContainerRunner, gracePeriodMs } from './container-runner';
import type { ClusterDns } from './dns';
import type { EnvSources } from './env';
import type { KubeObject, Pod, PodStatus } from './kube';
import type { Logger } from './logger';
import type { MountPoints } from './mount-points';
import type { PodInterface, PodNetwork } from './network';
import { podStatus } from './pod-status';
import type { IdMapping } from './security';
import { volumeGroup } from './security';
import { Interruptible } from '../support/sleep';
import { unsupportedFeatures } from './unsupported';
import { prepareVolumes, VolumeNotReadyError, type VolumeSources } from './volumes';
import type { WorkDirs } from './work-dirs';

/** What a pod worker uses of the node and the cluster. */
export interface NodeServices {
  readonly store: ObjectStore;
  readonly network: PodNetwork;
  readonly dns: ClusterDns;
  readonly dirs: WorkDirs;
  readonly ids: IdMapping;
  readonly mountPoints: MountPoints;
  readonly logger: Logger;
  readonly sources: VolumeSources & EnvSources;
  /** When the kubelet's relist loop started (see pleg.ts). */
  readonly relistEpoch: number;
  /** The Service variables for a pod of this namespace (see service-env.ts). */
  serviceEnv(namespace: string, enableServiceLinks: boolean): Record<string, string>;
}

/** How long the kubelet waits before retrying a volume that cannot be mounted yet. */
const VOLUME_RETRY_MS = 1000;

export class PodWorker {
  private pod: Pod;
  private runners: ContainerRunner[] = [];
  private iface?: PodInterface;
  private message?: string;
  private statusPending = false;
  private lastStatus?: PodStatus;
  private removedFromApi = false;
  private teardown?: Promise<void>;
  private readonly startTime = new Date().toISOString();
  private readonly sleeps = new Interruptible();
  private readonly starting: Promise<void>;

  /** @param previousGone the teardown of the pod's previous incarnation, which held its name's netns */
  constructor(private readonly node: NodeServices, pod: Pod, previousGone: Promise<void>) {
    this.pod = pod;
    this.lastStatus = pod.status;
    this.starting = previousGone.then(() => this.start()).catch((error: unknown) => this.fail(error));
  }

  get name(): string {
    return this.pod.metadata?.name ?? '';
  }

  get uid(): string {
    return this.pod.metadata?.uid ?? '';
  }

  get containers(): readonly ContainerRunner[] {
    return this.runners;
  }

  /** A newer version of the pod object; a deletionTimestamp starts graceful termination. */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp) void this.terminate();
  }

  /** Graceful: SIGTERM, the grace period, SIGKILL, then the pod is removed from the API. */
  terminate(): Promise<void> {
    return (this.teardown ??= this.tearDown(gracePeriodMs(this.pod), true));
  }

  /** The pod object is already gone from the API (force-deleted): kill everything now. */
  kill(): Promise<void> {
    this.removedFromApi = true;
    return (this.teardown ??= this.tearDown(0, false));
  }

  private async start(): Promise<void> {
    if (this.sleeps.interrupted) return;
    const unsupported = unsupportedFeatures(this.pod.spec ?? { containers: [] });
    if (unsupported.length > 0) throw new Error(`the e2e harness does not implement ${unsupported.join(', ')}`);
    const namespace = this.pod.metadata?.namespace ?? 'default';
    this.iface = await this.node.network.addPod(namespace, this.name, this.node.dns.filesFor(this.pod));
    this.writeStatusSoon();
    const volumeDirs = await this.prepareVolumes();
    if (!volumeDirs || this.sleeps.interrupted) return;
    const spec = this.pod.spec ?? { containers: [] };
    const serviceEnv = this.node.serviceEnv(namespace, spec.enableServiceLinks !== false);
    this.runners = spec.containers.map((container) => new ContainerRunner({
      pod: () => this.podWithLocalStatus(),
      container,
      netns: this.iface?.netns ?? '',
      podAddress: this.iface?.address ?? '',
      podDir: this.podDir(),
      volumeDirs,
      sources: this.node.sources,
      serviceEnv,
      ids: this.node.ids,
      mountPoints: this.node.mountPoints,
      logger: this.node.logger,
      relistEpoch: this.node.relistEpoch,
      changed: () => this.writeStatusSoon(),
    }));
  }

  private async prepareVolumes(): Promise<Map<string, string> | undefined> {
    let reported = '';
    while (!this.sleeps.interrupted) {
      try {
        return prepareVolumes(this.pod, this.podDir(), this.node.sources, volumeGroup(this.pod.spec ?? { containers: [] }, this.node.ids));
      } catch (error) {
        if (!(error instanceof VolumeNotReadyError)) throw error;
        if (error.message !== reported) this.node.logger.event('kubelet', `${this.name}: MountVolume.SetUp failed: ${error.message}`);
        reported = error.message;
        await this.sleeps.sleep(VOLUME_RETRY_MS);
      }
    }
    return undefined;
  }

  private async tearDown(graceMs: number, deleteFromApi: boolean): Promise<void> {
    this.node.logger.event('kubelet', `${this.name}: stopping containers (grace ${graceMs / 1000}s)`);
    this.sleeps.interrupt();
    await this.starting;
    await Promise.all(this.runners.map((runner) => runner.stop(graceMs)));
    if (this.iface) await this.node.network.removePod(this.name);
    rmSync(this.podDir(), { recursive: true, force: true });
    if (!deleteFromApi || this.removedFromApi) return;
    this.removedFromApi = true;
    const namespace = this.pod.metadata?.namespace ?? 'default';
    try {
      this.node.store.delete(POD, namespace, this.name, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch {
      // Already removed by someone else (a force delete): nothing left to do.
    }
    this.node.logger.event('kubelet', `${this.name}: removed`);
  }

  private fail(error: unknown): void {
    this.message = error instanceof Error ? error.message : String(error);
    this.node.logger.event('kubelet', `${this.name}: cannot start: ${this.message}`);
    this.writeStatusSoon();
  }

  /** The pod as the API has it, with the address the kubelet knows before its status write lands. */
  private podWithLocalStatus(): Pod {
    const podIP = this.iface?.address;
    return { ...this.pod, status: { ...this.pod.status, hostIP: BRIDGE_ADDRESS, ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}) } };
  }

  private podDir(): string {
    return this.node.dirs.pod(this.name, this.uid);
  }

  /** Coalesces the changes of one tick into one status write, as the status manager batches them. */
  private writeStatusSoon(): void {
    if (this.statusPending) return;
    this.statusPending = true;
    setImmediate(() => {
      this.statusPending = false;
      this.writeStatus();
    });
  }

  private writeStatus(): void {
    if (this.removedFromApi) return;
    const namespace = this.pod.metadata?.namespace ?? 'default';
    const current = this.node.store.get(POD, namespace, this.name);
    if (!current || current.metadata.uid !== this.uid) return;
    const containers = this.pod.spec?.containers ?? [];
    const statuses = this.runners.length > 0
      ? this.runners.map((runner) => runner.status())
      : containers.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } }));
    const status = podStatus({
      podIP: this.iface?.address,
      hostIP: BRIDGE_ADDRESS,
      startTime: this.startTime,
      allContainersCreated: this.runners.length > 0 && this.runners.every((r) => r.hasRun),
      containerStatuses: statuses,
      message: this.message,
    }, this.lastStatus, new Date().toISOString());
    this.lastStatus = status;
    this.node.store.update({ ...current, status } as KubeObject, { subresource: 'status' });
  }
}
