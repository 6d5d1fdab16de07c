// Keeps synchronous_standby_names in step with the healthy standbys without ever letting the quorum
// recorded on the lease promise more than is true. The invariant: every acknowledged commit is on at
// least `k` members of the recorded set (an empty set means: on no standby, so nobody may be promoted).
//
// - Shrinking to no standby: record the empty set first, then stop waiting for standbys.
// - From an empty record: apply the new quorum, then record it only once k of its members have flushed
//   past the position at which it took effect (commits before it were acknowledged by the primary alone).
// - From one quorum to another: record their union with the smaller k first (covers commits under
//   either), apply the new one, and record it alone once k of its members caught up.
import type { Lsn } from '../postgres/lsn';
import type { Memory, ReplicationRow, SyncSet } from './types';

export interface SyncInput {
  readonly self: string;
  readonly members: readonly string[];
  readonly k: number;
  readonly recorded: SyncSet | null;
  readonly applied: SyncSet | null;
  readonly replication: readonly ReplicationRow[];
  readonly currentLsn: Lsn | null;
  readonly pending: Memory['pendingSync'];
}

export interface SyncPlan {
  /** What the lease must record with this tick's renewal (before `apply` takes effect). */
  readonly record: SyncSet;
  /** The quorum to write into synchronous_standby_names after the renewal succeeded. */
  readonly apply: SyncSet;
  readonly pending: Memory['pendingSync'];
}

export const EMPTY_SYNC: SyncSet = { k: 0, members: [] };

export function planSync(input: SyncInput): SyncPlan {
  const healthy = input.replication
    .filter((r) => r.state === 'streaming' && r.applicationName !== input.self && input.members.includes(r.applicationName))
    .map((r) => r.applicationName)
    .sort();
  const target: SyncSet = { k: Math.min(input.k, healthy.length), members: healthy };
  const recorded = input.recorded ?? EMPTY_SYNC;
  const applied = input.applied ?? EMPTY_SYNC;

  if (target.members.length === 0) return { record: EMPTY_SYNC, apply: EMPTY_SYNC, pending: null };

  if (!sameSet(applied, target)) {
    const record = recorded.members.length === 0 ? EMPTY_SYNC : union(recorded, target);
    return { record, apply: target, pending: { target, lsn: null } };
  }
  if (sameSet(recorded, target)) return { record: recorded, apply: target, pending: null };

  // Applied but not yet recorded: learn where it took effect (a tick after the reload), then wait.
  const pending = input.pending && sameSet(input.pending.target, target) ? input.pending : { target, lsn: null };
  if (pending.lsn === null) return { record: recorded, apply: target, pending: { target, lsn: input.currentLsn } };
  const caughtUp = input.replication.filter(
    (r) => target.members.includes(r.applicationName) && r.flushLsn !== null && r.flushLsn >= (pending.lsn as Lsn),
  ).length;
  if (caughtUp >= target.k) return { record: target, apply: target, pending: null };
  return { record: recorded, apply: target, pending };
}

export function sameSet(a: SyncSet, b: SyncSet): boolean {
  return a.k === b.k && a.members.length === b.members.length && a.members.every((m) => b.members.includes(m));
}

function union(a: SyncSet, b: SyncSet): SyncSet {
  const members = [...new Set([...a.members, ...b.members])].sort();
  return { k: Math.min(a.k, b.k), members };
}

export interface QuorumEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: 'SynchronousStandbys' | 'SynchronousStandbysNone';
  readonly message: string;
}

/**
 * The Event a primary posts when the quorum it applies changes (null when it does not): which standbys
 * commits wait for now, and who stopped or started streaming. A change to no standby is a Warning: from then
 * on commits are acknowledged by the primary alone (synchronous mode is not strict), which no log line and
 * no probe shows otherwise.
 */
export function quorumEvent(before: SyncSet, after: SyncSet): QuorumEvent | null {
  if (sameSet(before, after)) return null;
  const left = before.members.filter((m) => !after.members.includes(m));
  const joined = after.members.filter((m) => !before.members.includes(m));
  const changes = [
    ...(left.length ? [`${left.join(', ')} stopped streaming`] : []),
    ...(joined.length ? [`${joined.join(', ')} streaming`] : []),
  ].join('; ');
  if (after.members.length === 0) {
    return {
      type: 'Warning',
      reason: 'SynchronousStandbysNone',
      message: `no standby streams (${changes}): commits are acknowledged by this primary alone, and the quorum recorded on the Lease is empty, so no standby may be promoted until one has caught up`,
    };
  }
  return { type: 'Normal', reason: 'SynchronousStandbys', message: `commits wait for ${standbyNamesSetting(after)}${changes ? ` (${changes})` : ''}` };
}

/** The synchronous_standby_names value for a quorum ('' = asynchronous). */
export function standbyNamesSetting(set: SyncSet): string {
  if (set.members.length === 0 || set.k === 0) return '';
  return `ANY ${set.k} (${set.members.map((m) => `"${m}"`).join(', ')})`;
}
