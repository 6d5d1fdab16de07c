/**
 * The StatefulSet controller stand-in: keeps `<name>-0 … <name>-(N-1)` in existence (re-creating a
 * deleted member under the same name, with the same claims), creates the claims before the pods,
 * scales, applies the claim retention policy, cascades a StatefulSet's deletion to its pods, and
 * writes the StatefulSet's status. Rolling updates of a changed template are not implemented.
 */
import type { ObjectStore } from '../apiserver/store';
import { admitPod } from './admission';
import { getObject, listObjects, PERSISTENT_VOLUME_CLAIM, POD, SERVICE_ACCOUNT, STATEFUL_SET } from './api-objects';
import type { ClaimProvisioner } from './claims';
import { isReady } from './endpoints';
import type { KubeObject, PersistentVolumeClaim, Pod, ServiceAccount, StatefulSet, WatchEvent } from './kube';
import type { Logger } from './logger';
import { claimName, claimsForOrdinal, nextStep, ordinalOf, podForOrdinal, revisionHash } from './stateful-set-pods';

const WATCHED_KINDS = new Set(['Pod', 'StatefulSet', 'ServiceAccount', 'PersistentVolumeClaim']);

export class StatefulSetController {
  private pending = false;
  private stopped = false;
  private readonly unwatch: () => void;

  constructor(private readonly store: ObjectStore, private readonly claims: ClaimProvisioner, private readonly logger: Logger) {
    this.unwatch = store.watch((event) => this.onEvent(event));
    this.reconcileSoon();
  }

  stop(): void {
    this.stopped = true;
    this.unwatch();
  }

  private onEvent(event: WatchEvent): void {
    if (!WATCHED_KINDS.has(event.object.kind)) return;
    if (event.type === 'DELETED' && event.object.kind === 'StatefulSet') this.cascade(event.object as unknown as StatefulSet);
    this.reconcileSoon();
  }

  /** One pass per tick, however many events arrived: the informer's work queue coalesces the same way. */
  private reconcileSoon(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (this.stopped) return;
      for (const sts of listObjects<StatefulSet>(this.store, STATEFUL_SET)) {
        try {
          this.reconcile(sts);
        } catch (error) {
          this.logger.event('statefulset-controller', `${sts.metadata?.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    });
  }

  private reconcile(sts: StatefulSet): void {
    const namespace = sts.metadata?.namespace ?? 'default';
    const pods = listObjects<Pod>(this.store, POD, namespace).filter((pod) => ordinalOf(sts, pod) !== undefined);
    const step = nextStep(sts, pods);
    for (const ordinal of step.create) this.createMember(sts, ordinal);
    for (const name of step.delete) {
      this.logger.event('statefulset-controller', `${sts.metadata?.name}: scaling down, deleting ${name}`);
      this.store.delete(POD, namespace, name);
    }
    if (sts.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') this.deleteSurplusClaims(sts, pods);
    this.writeStatus(sts, pods);
  }

  private createMember(sts: StatefulSet, ordinal: number): void {
    const namespace = sts.metadata?.namespace ?? 'default';
    for (const claim of claimsForOrdinal(sts, ordinal)) {
      const name = claim.metadata?.name ?? '';
      if (!this.store.get(PERSISTENT_VOLUME_CLAIM, namespace, name)) {
        this.claims.provision(namespace, name);
        this.store.create(claim as unknown as KubeObject);
      }
    }
    const pod = admitPod(podForOrdinal(sts, ordinal), (ns, name) => getObject<ServiceAccount>(this.store, SERVICE_ACCOUNT, ns, name));
    this.store.create(pod as unknown as KubeObject);
    this.logger.event('statefulset-controller', `${sts.metadata?.name}: created pod ${pod.metadata?.name}`);
  }

  private deleteSurplusClaims(sts: StatefulSet, pods: readonly Pod[]): void {
    const namespace = sts.metadata?.namespace ?? 'default';
    const replicas = sts.spec?.replicas ?? 1;
    const present = new Set(pods.map((pod) => ordinalOf(sts, pod)));
    for (const template of sts.spec?.volumeClaimTemplates ?? []) {
      for (const claim of listObjects<PersistentVolumeClaim>(this.store, PERSISTENT_VOLUME_CLAIM, namespace)) {
        const match = new RegExp(`^${template.metadata?.name}-${sts.metadata?.name}-(\\d+)$`).exec(claim.metadata?.name ?? '');
        if (!match || Number(match[1]) < replicas || present.has(Number(match[1]))) continue;
        this.deleteClaim(namespace, claim.metadata?.name ?? '');
      }
    }
  }

  /** The garbage collector's part: a StatefulSet's pods go with it, and its claims if the policy says so. */
  private cascade(sts: StatefulSet): void {
    const namespace = sts.metadata?.namespace ?? 'default';
    for (const pod of listObjects<Pod>(this.store, POD, namespace)) {
      const ordinal = ordinalOf(sts, pod);
      if (ordinal === undefined || pod.metadata?.deletionTimestamp) continue;
      this.store.delete(POD, namespace, pod.metadata?.name ?? '');
    }
    if (sts.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted !== 'Delete') return;
    for (let ordinal = 0; ordinal < (sts.spec?.replicas ?? 1); ordinal++) {
      for (const template of sts.spec?.volumeClaimTemplates ?? []) {
        this.deleteClaim(namespace, claimName(template.metadata?.name ?? '', `${sts.metadata?.name}-${ordinal}`));
      }
    }
  }

  private deleteClaim(namespace: string, name: string): void {
    if (!this.store.get(PERSISTENT_VOLUME_CLAIM, namespace, name)) return;
    this.store.delete(PERSISTENT_VOLUME_CLAIM, namespace, name);
    this.claims.release(namespace, name);
    this.logger.event('statefulset-controller', `deleted claim ${name} and its volume`);
  }

  private writeStatus(sts: StatefulSet, pods: readonly Pod[]): void {
    const live = pods.filter((pod) => !pod.metadata?.deletionTimestamp);
    const revision = revisionHash(sts);
    const status = {
      observedGeneration: (sts.metadata as { generation?: number } | undefined)?.generation ?? 1,
      replicas: live.length,
      readyReplicas: live.filter(isReady).length,
      availableReplicas: live.filter(isReady).length,
      currentReplicas: live.length,
      updatedReplicas: live.length,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    };
    const current = this.store.get(STATEFUL_SET, sts.metadata?.namespace ?? 'default', sts.metadata?.name ?? '');
    if (current) this.store.update({ ...current, status }, { subresource: 'status' });
  }
}
