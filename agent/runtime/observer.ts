// Builds one immutable Observation per tick from every adapter, in parallel. Failures become facts
// (API unreachable, no SQL, peer refused), never exceptions: decide() must see the world as it is.
import { readLeaseAnnotations, ROLE_LABEL } from '../core/annotations';
import type { LeaseClock } from '../core/lease-clock';
import type { PostgresSilenceClock } from '../core/postgres-silence';
import type { SwitchoverClock } from '../core/switchover-wait';
import { runningAsStandby } from '../core/facts';
import type { LeaseView, Memory, Observation, PodView, SqlView, StatefulSetView } from '../core/types';
import type { AgentConfig } from '../config';
import type { LeaseStore } from '../kube/lease-store';
import type { Pods } from '../kube/pods';
import type { StatefulSets } from '../kube/stateful-sets';
import type { DynamicConfFile } from '../postgres/dynamic-conf';
import { readDataMajor, readDataView } from '../postgres/local-data';
import type { LocalSql } from '../postgres/local-sql';
import type { SupervisorClient } from '../postgres/supervisor-client';
import type { WalEndReader } from '../postgres/wal-end';
import { readTimelineHistory } from '../postgres/timeline';
import { dirname, join } from 'node:path';
import type { PeerClient } from '../peers/peer-client';
import type { PodAddresses } from '../peers/pod-addresses';
import { readVolumeSpace } from './volume-full';

export interface ObserverDeps {
  readonly config: AgentConfig;
  readonly now: () => number;
  readonly leases: LeaseStore;
  readonly pods: Pods;
  readonly statefulSets: StatefulSets;
  readonly supervisor: SupervisorClient;
  readonly sql: LocalSql;
  readonly dynamicConf: DynamicConfFile;
  readonly walEnd: WalEndReader;
  readonly peers: PeerClient;
  /** Fed with every Pod list, so the next tick reaches the peers at their current addresses. */
  readonly addresses: PodAddresses;
  readonly leaseClock: LeaseClock;
  readonly stall: StallClock;
  readonly silence: PostgresSilenceClock;
  readonly switchover: SwitchoverClock;
}

/** Times how long a running standby has gone without its primary listing it as streaming. */
export class StallClock {
  private since: number | null = null;

  update(stalled: boolean | null, now: number): number | null {
    if (stalled !== true) {
      this.since = null;
      return null;
    }
    this.since ??= now;
    return now - this.since;
  }
}

export function podSelector(config: AgentConfig): string {
  return `app.kubernetes.io/name=postgres,app.kubernetes.io/instance=${config.clusterName}`;
}

export async function observe(deps: ObserverDeps, memory: Memory): Promise<Observation> {
  const { config } = deps;
  const others = config.members.filter((m) => m !== config.podName);
  const [lease, pods, supervisorState, data, dataMajor, wal, applied, peers, volume] = await Promise.all([
    observeLease(deps),
    observePods(deps),
    deps.supervisor.readState(),
    readDataView(config.pgdata),
    readDataMajor(config.pgdata),
    deps.walEnd.read().catch(() => null),
    deps.dynamicConf.read(),
    deps.peers.observe(others),
    readVolumeSpace(dirname(config.pgdata)),
  ]);
  const supervisor = supervisorState ? { postgres: supervisorState.postgres.status, mode: supervisorState.postgres.mode } : null;
  // A warm standby refuses every connection; asking would only fill its log with refusals.
  const sqlPossible = supervisor?.postgres === 'running' && !(supervisor.mode === 'standby' && config.standbyMode === 'warm');
  const sql: SqlView | null = sqlPossible ? await deps.sql.observe() : null;
  if (!sqlPossible) await deps.sql.close();
  const statefulSet = lease.kind === 'present' && lease.holder === config.podName ? await observeStatefulSet(deps) : null;
  const history = wal ? await readTimelineHistory(join(config.pgdata, 'pg_wal'), wal.timeline).catch(() => null) : [];
  const now = deps.now();
  const observation: Observation = {
    now,
    config,
    lease,
    local: {
      supervisor,
      data,
      wal,
      history,
      upstream: applied.upstreamHost,
      appliedSync: applied.sync,
      sql,
      majors: { binaries: supervisorState?.major || null, data: data.kind === 'present' ? dataMajor : null },
      volume,
    },
    peers,
    pods,
    statefulSet,
    memory,
    standbyStalledForMs: null,
    postgresSilence: null,
    switchoverWaitedMs: null,
  };
  // The postmaster is identified by the supervisor's boot and its pid: a restarted one starts a new clock.
  const postmaster = supervisorState && supervisor?.postgres === 'running' ? `${supervisorState.boot}/${supervisorState.postgres.pid}` : null;
  return {
    ...observation,
    standbyStalledForMs: deps.stall.update(stalledStandby(observation), now),
    postgresSilence: deps.silence.update(postmaster, sqlPossible ? sql !== null : null, now),
    switchoverWaitedMs: deps.switchover.update(lease.kind === 'present' && lease.holder === config.podName ? lease.switchoverTo : null, now),
  };
}

/** true: a running standby its serving primary does not list as streaming; null: cannot tell. */
function stalledStandby(o: Observation): boolean | null {
  if (o.lease.kind !== 'present' || !o.lease.holder || o.lease.holder === o.config.podName || !runningAsStandby(o)) return null;
  const holder = o.peers.find((p) => p.name === (o.lease.kind === 'present' ? o.lease.holder : null))?.status;
  if (!holder || holder.role !== 'primary' || !holder.ready) return null;
  return !holder.streaming.includes(o.config.podName);
}

async function observeLease(deps: ObserverDeps): Promise<LeaseView> {
  try {
    const record = await deps.leases.get();
    if (!record) return { kind: 'absent' };
    const annotations = readLeaseAnnotations(record);
    return {
      kind: 'present',
      record,
      holder: record.holder === '' ? null : record.holder,
      silentForMs: deps.leaseClock.observe(record.holder, record.renewTime, deps.now()),
      durationMs: record.leaseDurationSeconds * 1000,
      ...annotations,
    };
  } catch (error) {
    return { kind: 'unreachable', error: (error as Error).message };
  }
}

async function observeStatefulSet(deps: ObserverDeps): Promise<StatefulSetView> {
  try {
    const { updateRevision, replicas, updateStrategy } = await deps.statefulSets.revisions();
    return updateRevision === null ? { kind: 'unreadable', error: 'it has no status.updateRevision yet' } : { kind: 'read', updateRevision, replicas, updateStrategy };
  } catch (error) {
    return { kind: 'unreadable', error: (error as Error).message };
  }
}

async function observePods(deps: ObserverDeps): Promise<PodView[] | null> {
  try {
    const pods = await deps.pods.list(podSelector(deps.config));
    deps.addresses.update(pods);
    return pods.map((p) => ({ name: p.name, role: p.labels[ROLE_LABEL] ?? null, ready: p.ready, deleting: p.deleting, revision: p.revision }));
  } catch {
    return null;
  }
}
