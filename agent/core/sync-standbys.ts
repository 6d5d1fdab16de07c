// Keeps synchronous_standby_names in step with the healthy standbys without ever letting the quorum
// recorded on the lease promise more than is true. The invariant: every acknowledged commit is on at
// least `k` members of the recorded set (an empty set means: on no standby, so nobody may be promoted).
//
// - Shrinking to no standby: record the empty set first, then stop waiting for standbys.
// - From an empty record: apply the new quorum, then record it only once k of its members have flushed
//   past the position at which it took effect (commits before it were acknowledged by the primary alone).
// - From one quorum to another: record their union with the smaller k first (covers commits under
//   either), apply the new one, and record it alone once k of its members caught up.
// - Starting (PostgreSQL restarted after a crash) or promoting: start with the quorum the Lease records
//   (startingQuorum), never with none, so the first tick's plan above is what lets it commit alone.
// - Released with no successor, its PostgreSQL stopped (runtime/lease-writes.ts release): the record stays,
//   and an empty one becomes the releasing member alone, which holds every commit it acknowledged.
//
// Strict mode (synchronousStrict) never lowers k: with fewer than k standbys streaming, the quorum becomes
// `ANY k` of every other member, so commits wait until any k of them stream and flush, and the recorded
// set (the union rule above) keeps covering every acknowledged commit. Never `*`: pg_basebackup and any
// other walsender client would then count as a standby.
import type { Lsn } from '../postgres/lsn';
import type { AgentConfig } from '../config';
import type { Memory, Observation, ReplicationRow, SyncSet } from './types';

export interface SyncInput {
  readonly self: string;
  readonly members: readonly string[];
  readonly k: number;
  readonly recorded: SyncSet | null;
  readonly applied: SyncSet | null;
  readonly replication: readonly ReplicationRow[];
  readonly currentLsn: Lsn | null;
  readonly pending: Memory['pendingSync'];
  /** Never acknowledge a commit fewer than k standbys flushed: wait instead. */
  readonly strict: boolean;
}

export interface SyncPlan {
  /** What the lease must record with this tick's renewal (before `apply` takes effect). */
  readonly record: SyncSet;
  /** The quorum to write into synchronous_standby_names after the renewal succeeded. */
  readonly apply: SyncSet;
  readonly pending: Memory['pendingSync'];
  /** Strict mode with fewer than k standbys streaming: why commits wait (null otherwise). */
  readonly waiting: string | null;
}

export const EMPTY_SYNC: SyncSet = { k: 0, members: [] };

export function planSync(input: SyncInput): SyncPlan {
  const healthy = streamingStandbys(input.self, input.members, input.replication);
  const waiting = input.strict ? commitsWaiting(input.self, input.members, input.k, healthy) : null;
  const target: SyncSet = waiting
    ? strictQuorum(input.self, input.members, input.k)
    : { k: Math.min(input.k, healthy.length), members: healthy };
  const recorded = input.recorded ?? EMPTY_SYNC;
  const applied = input.applied ?? EMPTY_SYNC;
  const plan = (record: SyncSet, pending: Memory['pendingSync']): SyncPlan => ({ record, apply: target, pending, waiting });

  if (target.members.length === 0) return { record: EMPTY_SYNC, apply: EMPTY_SYNC, pending: null, waiting };

  if (!sameSet(applied, target)) {
    return plan(recorded.members.length === 0 ? EMPTY_SYNC : union(recorded, target), { target, lsn: null });
  }
  if (sameSet(recorded, target)) return plan(recorded, null);

  // Applied but not yet recorded: learn where it took effect (a tick after the reload), then wait.
  const pending = input.pending && sameSet(input.pending.target, target) ? input.pending : { target, lsn: null };
  if (pending.lsn === null) return plan(recorded, { target, lsn: input.currentLsn });
  const caughtUp = input.replication.filter(
    (r) => target.members.includes(r.applicationName) && r.flushLsn !== null && r.flushLsn >= (pending.lsn as Lsn),
  ).length;
  if (caughtUp >= target.k) return plan(target, null);
  return plan(recorded, pending);
}

/** The members that stream from this primary now, by name (never itself, never a stranger such as pg_basebackup). */
function streamingStandbys(self: string, members: readonly string[], replication: readonly ReplicationRow[]): string[] {
  return replication
    .filter((r) => r.state === 'streaming' && r.applicationName !== self && members.includes(r.applicationName))
    .map((r) => r.applicationName)
    .sort();
}

/** Strict mode's quorum while fewer than k stream: any k of the other members, whichever come back first. */
export function strictQuorum(self: string, members: readonly string[], k: number): SyncSet {
  return { k, members: members.filter((m) => m !== self).sort() };
}

/** Why a strict primary's commits wait (fewer than k standbys stream), or null when they do not. */
function commitsWaiting(self: string, members: readonly string[], k: number, healthy: readonly string[]): string | null {
  if (healthy.length >= k) return null;
  const streams = healthy.length === 0 ? 'no synchronous standby streams' : `only ${healthy.join(', ')} streams`;
  return `commits are waiting: ${streams}, and in strict mode (synchronousStrict) a commit is acknowledged only once ${standbyNamesSetting(strictQuorum(self, members, k))} flushed it`;
}

/** What a strict primary waits for now, from its observation (its /status reason); null otherwise. */
export function strictWaiting(o: Observation): string | null {
  if (o.config.replicationMode !== 'sync' || !o.config.synchronousStrict) return null;
  const self = o.config.podName;
  return commitsWaiting(self, o.config.members, o.config.synchronousReplicas, streamingStandbys(self, o.config.members, o.local.sql?.replication ?? []));
}

/**
 * What synchronous_standby_names holds while a primary starts or promotes, before its first tick as primary
 * plans the quorum. Without strict mode: the quorum the Lease records (`recorded`), so a primary restarted
 * after a crash acknowledges no commit alone while the Lease still says a standby holds every acknowledged
 * commit (and may be promoted); its first tick records the empty set before it ever commits alone. Only the
 * other members count: a promoting member named in the quorum holds every commit itself, so the Lease names
 * nobody else it could lose commits to. In strict mode: any k of the other members.
 */
export function startingQuorum(
  config: Pick<AgentConfig, 'podName' | 'members' | 'replicationMode' | 'synchronousReplicas' | 'synchronousStrict'>,
  recorded: SyncSet | null,
): SyncSet {
  if (config.replicationMode !== 'sync') return EMPTY_SYNC;
  if (config.synchronousStrict) return strictQuorum(config.podName, config.members, config.synchronousReplicas);
  const others = (recorded?.members ?? []).filter((m) => m !== config.podName).sort();
  if (others.length === 0 || !recorded || recorded.k === 0) return EMPTY_SYNC;
  return { k: Math.min(recorded.k, others.length), members: others };
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
  readonly reason: 'SynchronousStandbys' | 'SynchronousStandbysNone' | 'SynchronousStandbysMissing';
  readonly message: string;
}

/**
 * The Event a strict primary posts when its commits start or stop waiting for standbys (null while that
 * does not change): the wait shows nowhere else but in clients that hang.
 */
export function waitingEvent(before: string | null, after: string | null, applied: SyncSet): QuorumEvent | null {
  if ((before === null) === (after === null)) return null;
  if (after !== null) {
    return { type: 'Warning', reason: 'SynchronousStandbysMissing', message: `${after}. No commit returns until then; the quorum recorded on the Lease still names the standbys that hold every acknowledged commit, so a failover loses none` };
  }
  return { type: 'Normal', reason: 'SynchronousStandbys', message: `commits go on: enough standbys stream again; commits wait for ${standbyNamesSetting(applied)}` };
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
