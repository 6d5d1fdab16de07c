// Small derived facts about an observation, shared by decide(), the candidacy rules and the probes.
import { parseLsn, type Lsn } from '../postgres/lsn';
import type { MemberStatus, Observation, PeerView, PresentLease } from './types';

export function selfName(o: Observation): string {
  return o.config.podName;
}

export function postgresRunning(o: Observation): boolean {
  return o.local.supervisor?.postgres === 'running';
}

/**
 * PostgreSQL runs and accepts writes here (or would, once crash recovery ends). SQL is the truth when it
 * answers; without it, the mode the supervisor started or promoted it in.
 */
export function runningAsPrimary(o: Observation): boolean {
  if (!postgresRunning(o)) return false;
  if (o.local.sql) return !o.local.sql.inRecovery;
  return o.local.supervisor?.mode === 'primary';
}

export function runningAsStandby(o: Observation): boolean {
  if (!postgresRunning(o)) return false;
  if (o.local.sql) return o.local.sql.inRecovery;
  return o.local.supervisor?.mode === 'standby';
}

export function localSystemIdentifier(o: Observation): string | null {
  return o.local.data.kind === 'present' ? o.local.data.systemIdentifier : null;
}

export function isHolder(o: Observation, lease: PresentLease): boolean {
  return lease.holder === selfName(o);
}

export function peer(o: Observation, name: string | null): PeerView | undefined {
  return name === null ? undefined : o.peers.find((p) => p.name === name);
}

/** A peer's status document, when its agent answered and it belongs to the lease's cluster. */
export function sameClusterStatus(p: PeerView, lease: PresentLease): MemberStatus | null {
  const status = p.status;
  if (p.agent !== 'ok' || !status) return null;
  if (lease.systemIdentifier === null || status.systemIdentifier !== lease.systemIdentifier) return null;
  return status;
}

export function statusLsn(status: MemberStatus): Lsn | null {
  return status.wal ? parseLsn(status.wal.lsn) : null;
}

/** The data was last used by a primary (cleanly stopped or not) rather than by a standby. */
export function dataWasPrimary(o: Observation): boolean {
  const data = o.local.data;
  if (data.kind !== 'present' || data.standbySignal) return false;
  return data.state === 'in production' || data.state === 'shut down' || data.state === 'shutting down' || data.state === 'in crash recovery';
}

export function formatMs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Why PostgreSQL must not start here: the data directory was made by another major version than the
 * binaries of this pod's image (a changed `version` rolled onto old data). null when they agree or
 * either is unknown.
 */
export function majorMismatch(o: Observation): string | null {
  const { binaries, data } = o.local.majors;
  if (binaries === null || data === null || binaries === data) return null;
  return `the data directory is PostgreSQL ${data}, this pod's binaries are PostgreSQL ${binaries}: newer binaries never start on older data`
    + ' (a major upgrade is a new cluster, see the README, "Major upgrades"; revert `version` to keep this one)';
}
