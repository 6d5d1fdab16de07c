/**
 * The cluster under benchmark seen from outside, as an operator with kubectl and psql would see it: its
 * members and their role labels, the leader Lease and its annotations, the credentials Secret, the
 * failover timing the construct rendered, and whether the cluster is healthy (one primary, every other
 * member a ready standby streaming from it, and in synchronous mode, in the recorded quorum).
 */
import type { TypeRef } from '../e2e/apiserver/objects';
import { getObject, listObjects, POD, STATEFUL_SET } from '../e2e/harness/api-objects';
import type { LocalCluster } from '../e2e/harness/cluster';
import { isReady } from '../e2e/harness/endpoints';
import type { KubeObject, Pod, StatefulSet } from '../e2e/harness/kube';
import { caFrom, credentialsFrom, type Credentials, type HostPort } from '../e2e/support/postgres-client';
import { SqlSessions } from '../e2e/load/sessions';

export const ROLE_LABEL = 'cdk8s-postgres-ha/role';
export const SWITCHOVER_ANNOTATION = 'cdk8s-postgres-ha/switchover-to';
export const SYNC_STANDBYS_ANNOTATION = 'cdk8s-postgres-ha/sync-standbys';
export const LEASE: TypeRef = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
const POSTGRES_PORT = 5432;

export interface LeaseSettings {
  readonly durationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface Healthy {
  readonly primary: string;
  readonly standbys: readonly string[];
}

interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string };
}

export class ClusterView {
  /** Connections for the health checks, kept open between polls. */
  readonly sessions = new SqlSessions(() => this.credentials());

  constructor(readonly cluster: LocalCluster, readonly name: string, readonly namespace: string) {}

  members(): string[] {
    const sts = getObject<StatefulSet>(this.cluster.store, STATEFUL_SET, this.namespace, this.name);
    return [...Array(sts?.spec?.replicas ?? 0).keys()].map((ordinal) => `${this.name}-${ordinal}`);
  }

  pod(name: string): Pod | undefined {
    return getObject<Pod>(this.cluster.store, POD, this.namespace, name);
  }

  pods(): Pod[] {
    const members = new Set(this.members());
    return listObjects<Pod>(this.cluster.store, POD, this.namespace).filter((pod) => members.has(pod.metadata?.name ?? ''));
  }

  /**
   * The `<name>-auth` Secret's user and password, and the CA the agents publish in ConfigMap
   * `<name>-ca-cert`: with it (TLS is the default), every connection is TLS and verifies the server's
   * certificate against the name an application in the cluster would connect by.
   */
  credentials(): Credentials {
    const credentials = credentialsFrom(this.cluster.store, this.namespace, `${this.name}-auth`);
    if (!credentials) throw new Error(`Secret ${this.name}-auth has no POSTGRES_USER/POSTGRES_PASSWORD yet`);
    return { ...credentials, ca: caFrom(this.cluster.store, this.namespace, `${this.name}-ca-cert`) };
  }

  /** Service `<name>`: the primary. */
  service(): HostPort {
    return { host: this.cluster.serviceAddress(this.namespace, this.name), port: POSTGRES_PORT, serverName: `${this.name}.${this.namespace}.svc.cluster.local` };
  }

  member(pod: string): HostPort {
    return { host: this.cluster.podAddress(this.namespace, pod), port: POSTGRES_PORT, serverName: `${pod}.${this.name}-pods.${this.namespace}.svc.cluster.local` };
  }

  /** The pod a server address belongs to (pod addresses are stable across incarnations here). */
  podOf(address: string): string {
    return this.members().find((pod) => this.member(pod).host === address) ?? address;
  }

  lease(): LeaseObject | undefined {
    return getObject<LeaseObject>(this.cluster.store, LEASE, this.namespace, `${this.name}-leader`);
  }

  /** `kubectl annotate lease <name>-leader key=value` (a merge patch). */
  annotateLease(annotations: Record<string, string>): void {
    this.cluster.store.patch(LEASE, this.namespace, `${this.name}-leader`, 'application/merge-patch+json', { metadata: { annotations } });
  }

  /** The failover timing as rendered into the agent container's environment. */
  leaseSettings(): LeaseSettings {
    const value = (name: string) => Number(this.agentEnv(name));
    return { durationMs: value('PGHA_LEASE_DURATION_MS'), renewDeadlineMs: value('PGHA_RENEW_DEADLINE_MS'), retryPeriodMs: value('PGHA_RETRY_PERIOD_MS') };
  }

  replicationMode(): 'async' | 'sync' {
    return this.agentEnv('PGHA_REPLICATION_MODE') === 'sync' ? 'sync' : 'async';
  }

  standbyMode(): 'hot' | 'warm' {
    return this.agentEnv('PGHA_STANDBY_MODE') === 'hot' ? 'hot' : 'warm';
  }

  private agentEnv(name: string): string | undefined {
    const sts = getObject<StatefulSet>(this.cluster.store, STATEFUL_SET, this.namespace, this.name);
    return sts?.spec?.template.spec?.containers.find((c) => c.name === 'agent')?.env?.find((e) => e.name === name)?.value;
  }

  /** Pods labelled primary now. */
  labelledPrimaries(): string[] {
    return this.pods().filter((p) => p.metadata?.labels?.[ROLE_LABEL] === 'primary').map((p) => p.metadata?.name ?? '');
  }

  /**
   * The cluster's health, or why it is not healthy: exactly one pod labelled primary and holding the
   * Lease, every other member labelled replica, every pod ready and not terminating, every standby
   * streaming in the primary's pg_stat_replication; in synchronous mode every standby also in the quorum
   * (sync_state quorum/sync) and in the quorum the Lease records.
   */
  async health(): Promise<{ healthy: Healthy } | { reason: string }> {
    const members = this.members();
    const pods = this.pods();
    const primaries = this.labelledPrimaries();
    const replicas = pods.filter((p) => p.metadata?.labels?.[ROLE_LABEL] === 'replica').map((p) => p.metadata?.name ?? '').sort();
    const unsettled = pods.filter((p) => !isReady(p) || p.metadata?.deletionTimestamp).map((p) => p.metadata?.name);
    if (pods.length !== members.length || primaries.length !== 1 || replicas.length !== members.length - 1 || unsettled.length > 0) {
      return { reason: `labels: primary [${primaries}], replica [${replicas}]; not ready: [${unsettled}]; pods ${pods.length}/${members.length}` };
    }
    const primary = primaries[0];
    const holder = this.lease()?.spec?.holderIdentity;
    if (holder !== primary) return { reason: `${primary} is labelled primary but the Lease holder is ${holder}` };
    let rows: Array<{ application_name: string; state: string; sync_state: string }>;
    try {
      rows = await this.sessions.query(this.member(primary), 'select application_name, state, sync_state from pg_stat_replication');
    } catch (error) {
      return { reason: `pg_stat_replication on ${primary}: ${(error as Error).message}` };
    }
    const streaming = rows.filter((r) => r.state === 'streaming').map((r) => r.application_name).sort();
    if (JSON.stringify(streaming) !== JSON.stringify(replicas)) return { reason: `${primary} streams to [${streaming}], standbys are [${replicas}]` };
    if (this.replicationMode() === 'sync') {
      const outside = rows.filter((r) => r.sync_state !== 'quorum' && r.sync_state !== 'sync').map((r) => r.application_name);
      if (outside.length > 0) return { reason: `not in the synchronous quorum yet: [${outside}]` };
      const recorded = this.recordedQuorum();
      if (!replicas.every((r) => recorded.includes(r))) return { reason: `the Lease records the quorum [${recorded}], standbys are [${replicas}]` };
    }
    return { healthy: { primary, standbys: replicas } };
  }

  /** The pending switchover request on the Lease, if any. */
  switchoverTarget(): string | null {
    return this.lease()?.metadata.annotations?.[SWITCHOVER_ANNOTATION] || null;
  }

  /** The members of the synchronous quorum the primary recorded on the Lease. */
  recordedQuorum(): string[] {
    const text = this.lease()?.metadata.annotations?.[SYNC_STANDBYS_ANNOTATION];
    try {
      return text ? (JSON.parse(text) as { members: string[] }).members : [];
    } catch {
      return [];
    }
  }

  /** Whether `standby` is in the primary's pg_stat_replication with state streaming. */
  async streamsFrom(primary: string, standby: string): Promise<boolean> {
    const rows = await this.sessions.query<{ state: string }>(this.member(primary), 'select state from pg_stat_replication where application_name = $1', [standby]);
    return rows.some((r) => r.state === 'streaming');
  }

  close(): void {
    this.sessions.closeAll();
  }
}

export function allContainersRunning(pod: Pod | undefined): boolean {
  const statuses = pod?.status?.containerStatuses ?? [];
  const containers = pod?.spec?.containers ?? [];
  return statuses.length === containers.length && statuses.length > 0 && statuses.every((s) => s.state?.running !== undefined);
}

export function restartCount(pod: Pod | undefined, container: string): number {
  return pod?.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? 0;
}
