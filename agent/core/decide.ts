// decide(observation) → the one action of this tick. Pure: no I/O, no clock, no randomness, so the whole
// decision table is specified by tests (test/agent/core/decide.test.ts). The safety rules, in the order
// they win:
//  1. A member that runs PostgreSQL as a primary without holding a renewed lease stops it at once (fence),
//     and so does a holder whose PostgreSQL has stopped answering (postgres-silence.ts): it renews no more.
//  2. Only the lease holder starts, promotes or keeps a primary; every lease write is conditional.
//  3. The lease is taken from a holder only when it is gone (released, silent for the lease duration, or
//     provably dead) and only by the most advanced eligible member (candidacy.ts).
import { hasForkedOff, sharesHistory } from '../postgres/timeline';
import { parseLsn } from '../postgres/lsn';
import { memberHost } from '../config';
import { candidacy, holderGone, peerIsCaughtUpStandby } from './candidacy';
import { unresponsivePrimary } from './postgres-silence';
import { SWITCHOVER_WAIT_LIMIT_MS } from './switchover-wait';
import { planRollout } from './rollout';
import { volumeFull } from './volume-space';
import {
  dataWasPrimary,
  formatMs,
  isHolder,
  localSystemIdentifier,
  majorMismatch,
  peer,
  postgresRunning,
  runningAsPrimary,
  runningAsStandby,
  sameClusterStatus,
  selfName,
} from './facts';
import type { Action, Observation, PresentLease, RestoreProgress } from './types';

/**
 * A running standby its primary has not listed as streaming for this long cannot catch up by itself
 * (the WAL it needs is gone: slot invalidated past max_slot_wal_keep_size, or removed while it was
 * away); only a new clone brings it back. Long enough that a restart or a failover never triggers it.
 */
export const STALLED_STANDBY_LIMIT_MS = 60_000;

export function decide(o: Observation): Action {
  if (!o.local.supervisor) return wait('waiting for the postgres container (no supervisor state yet)');
  if (o.memory.shuttingDown) return whileShuttingDown(o);
  const lease = o.lease;
  const mismatch = postgresRunning(o) ? null : majorMismatch(o);
  if (mismatch) {
    // Never a candidate, never a follower: this member can run nothing. A holder hands the lease back.
    if (lease.kind === 'present' && isHolder(o, lease)) return lead('abdicate', mismatch);
    return { type: 'refuse', reason: `refusing to start: ${mismatch}`, event: 'MajorVersionMismatch' };
  }
  if (lease.kind === 'unreachable') return whileApiUnreachable(o, lease.error);
  if (lease.kind === 'absent') return withoutLease(o);
  if (isHolder(o, lease)) return asHolder(o, lease);
  if (runningAsPrimary(o)) {
    return { type: 'fence', reason: `${lease.holder ?? 'nobody'} holds the lease; this member must not run a primary` };
  }
  const gone = holderGone(o, lease);
  if (gone.gone) {
    const c = candidacy(o, lease);
    if (c.eligible) return { type: 'acquire', reason: `${gone.why}; ${c.why}`, previousHolder: lease.holder };
    const reason = `${gone.why}; not taking over: ${c.why}`;
    return c.ahead ? { type: 'wait', reason, wake: c.ahead } : wait(reason);
  }
  return asFollower(o, lease);
}

function wait(reason: string): Action {
  return { type: 'wait', reason };
}

function whileShuttingDown(o: Observation): Action {
  const lease = o.lease;
  if (lease.kind === 'present' && isHolder(o, lease)) {
    return { type: 'step-down', reason: 'SIGTERM: stopping PostgreSQL, then handing the lease to the best standby' };
  }
  return { type: 'exit', reason: 'SIGTERM' };
}

/**
 * Without the API nobody can take the lease, so a primary may keep serving while its last proof of
 * leadership is fresher than the renew deadline: a renewal, or every other member confirming (through
 * POST /failsafe) that it also cannot reach the API and still sees this primary. Each confirming member
 * counts the confirmation as a sign of the holder's life, so none takes over for a lease duration after it.
 */
function whileApiUnreachable(o: Observation, error: string): Action {
  if (!runningAsPrimary(o)) return wait(`Kubernetes API unreachable (${error})`);
  const proof = latestProof(o);
  if (proof === null) {
    return { type: 'fence', reason: `Kubernetes API unreachable (${error}) and this primary has no lease renewal to rely on` };
  }
  const age = o.now - proof;
  if (age >= o.config.renewDeadlineMs) {
    return { type: 'fence', reason: `no lease renewal nor confirmation by every member for ${formatMs(age)} (renew deadline ${formatMs(o.config.renewDeadlineMs)})` };
  }
  return { type: 'failsafe', reason: `Kubernetes API unreachable (${error}); asking every member to confirm this primary` };
}

/** When this member last proved it leads: a lease renewal sent, or every member's failsafe confirmation. */
function latestProof(o: Observation): number | null {
  const proofs = [o.memory.lastRenewSentAt, o.memory.failsafeConfirmedAt].filter((t): t is number => t !== null);
  return proofs.length === 0 ? null : Math.max(...proofs);
}

function withoutLease(o: Observation): Action {
  // Someone deleted the Lease (kubectl delete lease): the member that runs the primary puts it back at
  // once, and says so; the standbys see it run a primary and wait.
  if (runningAsPrimary(o)) return { type: 'create-lease', reason: `no lease: this running primary creates ${o.config.leaseName} again`, event: 'LeaseRecreated' };
  const primaryPeer = o.peers.find((p) => p.status?.role === 'primary');
  if (primaryPeer) return wait(`no lease; ${primaryPeer.name} runs a primary and will claim it`);
  const mine = localSystemIdentifier(o);
  const withData = o.peers.filter((p) => p.status?.systemIdentifier);
  if (mine === null) {
    if (withData.length > 0) return wait(`no lease and no data here; ${withData.map((p) => p.name).join(', ')} hold data and will claim it`);
    return { type: 'create-lease', reason: 'no lease and no member holds data: bootstrapping a new cluster' };
  }
  const better = withData.find((p) => {
    const theirs = p.status?.wal ? parseLsn(p.status.wal.lsn) : null;
    const ours = o.local.wal?.lsn ?? null;
    return p.status?.systemIdentifier === mine && theirs !== null && (ours === null || theirs > ours);
  });
  if (better) return wait(`no lease; ${better.name} holds more WAL and will claim it`);
  return { type: 'create-lease', reason: `no lease: adopting the existing data (system identifier ${mine})` };
}

function asHolder(o: Observation, lease: PresentLease): Action {
  // A failsafe confirmation during an API outage is proof too: when the API returns, every member has
  // counted it as a sign of this holder's life, and the renewal this tick makes is what follows it.
  const proof = latestProof(o);
  const renewAge = proof === null ? null : o.now - proof;
  if (runningAsPrimary(o) && renewAge !== null && renewAge >= o.config.renewDeadlineMs) {
    return { type: 'fence', reason: `lease not renewed for ${formatMs(renewAge)} (renew deadline ${formatMs(o.config.renewDeadlineMs)})` };
  }
  const hung = unresponsivePrimary(o);
  if (hung) return { type: 'fence', reason: hung };
  const data = o.local.data;

  if (lease.systemIdentifier === null) {
    const restoring = o.memory.restore ? restoreStep(o, o.memory.restore) : null;
    if (restoring) return restoring;
    if (data.kind !== 'present') return lead('initdb', 'bootstrapping: this member holds the lease and has no data');
    if (!postgresRunning(o)) return lead('start-primary', 'bootstrapping: starting the new cluster');
    if (!o.local.sql) return lead('wait-ready', 'bootstrapping: waiting for PostgreSQL to accept connections');
    // Restored data that recovers still (the agent restarted during a restore): roles can be set only after.
    if (o.local.sql.inRecovery) return lead('wait-ready', 'bootstrapping: waiting for recovery to end');
    return lead('finish-bootstrap', 'bootstrapping: creating roles and recording the cluster');
  }
  if (data.kind !== 'present') return lead('abdicate', 'this member holds the lease but has no data; handing the lease back');
  if (data.systemIdentifier !== lease.systemIdentifier) {
    return lead('abdicate', `this member's data belongs to another cluster (${data.systemIdentifier}, lease records ${lease.systemIdentifier})`);
  }
  if (runningAsStandby(o)) return lead('promote', 'this member holds the lease and runs a standby');
  const full = postgresRunning(o) ? null : volumeFull(o.local.volume);
  // Started again, a primary on a full volume fails its crash recovery the same way: that loop would
  // hold the lease and serve nobody. A standby with room takes over; this member rejoins once it has room.
  if (full) return lead('abdicate', `${full}; handing the lease to a standby instead of restarting the primary`);
  if (!postgresRunning(o)) {
    return dataWasPrimary(o)
      ? lead('start-primary', 'holding the lease: starting PostgreSQL as the primary')
      : lead('start-standby', 'holding the lease with standby data: starting it, then promoting');
  }
  if (!o.local.sql) return lead('wait-ready', 'primary starting: waiting for PostgreSQL to accept connections');
  return serve(o, lease);
}

/**
 * Bootstrapping from a backup instead of initdb (backup/restore.ts), while the lease records no cluster:
 * the restore runs in the background while the holder keeps renewing; a failed one is retried after a
 * pause, from scratch. Once it is done (or restored data is there and its PostgreSQL runs), the bootstrap
 * finishes as after initdb. PostgreSQL that stopped on restored data never finished its bootstrap, so it is
 * restored again rather than started on data whose recovery may not have reached its target.
 */
function restoreStep(o: Observation, restore: RestoreProgress): Action | null {
  switch (restore.phase) {
    case 'running':
      return lead('restore-wait', `bootstrapping from a backup: ${restore.detail}`);
    case 'failed':
      if (o.now < restore.retryAt) {
        return lead('restore-wait', `bootstrapping from a backup failed: ${restore.reason}; retrying in ${formatMs(restore.retryAt - o.now)}`);
      }
      return lead('restore', `bootstrapping from a backup: retrying after "${restore.reason}"`);
    case 'pending':
      if (o.local.data.kind !== 'present') return lead('restore', 'bootstrapping from a backup: this member holds the lease and has no data');
      if (o.local.supervisor?.postgres === 'exited') return lead('restore', 'bootstrapping from a backup: PostgreSQL stopped on the restored data before the bootstrap finished; restoring again');
      return null;
    case 'done':
      return null;
  }
}

function lead(step: Extract<Action, { type: 'lead' }>['step'], reason: string): Action {
  return { type: 'lead', step, reason };
}

function serve(o: Observation, lease: PresentLease): Action {
  const full = volumeFull(o.local.volume);
  if (full) return handOverFullVolume(o, lease, full);
  const target = lease.switchoverTo;
  if (target === null) return roll(o, lease);
  if (target === selfName(o)) return { type: 'lead', step: 'serve', reason: 'primary', clearSwitchover: `${target} already is the primary` };
  if (!o.config.members.includes(target)) {
    return { type: 'lead', step: 'serve', reason: 'primary', clearSwitchover: `${target} is not a member (${o.config.members.join(', ')})` };
  }
  const reference = o.local.sql?.lsn ?? null;
  const check = reference === null ? { ok: false, why: 'own WAL position unknown' } : peerIsCaughtUpStandby(o, lease, target, reference);
  if (check.ok) return { type: 'switchover', target, reason: `switchover requested: ${check.why}` };
  const waited = o.switchoverWaitedMs ?? 0;
  if (waited >= SWITCHOVER_WAIT_LIMIT_MS) {
    return { type: 'lead', step: 'serve', reason: 'primary', clearSwitchover: `${check.why}, still after ${formatMs(waited)} (a switchover waits at most ${formatMs(SWITCHOVER_WAIT_LIMIT_MS)} for its target)` };
  }
  return lead('serve', `switchover to ${target} waits: ${check.why}`);
}

/**
 * A primary whose volume is full still runs (PostgreSQL recycles its WAL segments), but it cannot grow a
 * table or an index: nearly every write fails with "could not extend file … No space left on device", and
 * its next new WAL segment PANICs it (seen in the chaos run under pgbench). A caught-up standby with room
 * takes over by a switchover, nothing lost (the handover confirms the final WAL); the full member then
 * follows, behind until it has room. Without such a standby it serves on (reads, writes that fit) and says why.
 */
function handOverFullVolume(o: Observation, lease: PresentLease, full: string): Action {
  const reference = o.local.sql?.lsn ?? null;
  const roomy = o.config.members.filter((m) => m !== selfName(o) && !peer(o, m)?.status?.volume?.full);
  for (const name of roomy) {
    const check = reference === null ? null : peerIsCaughtUpStandby(o, lease, name, reference);
    if (check?.ok) return { type: 'switchover', target: name, reason: `${full}; handing over to ${name}, a standby with room (${check.why})` };
  }
  return lead('serve', `primary; ${full}; no caught-up standby with room to hand over to`);
}

/** A primary with no switchover requested carries the rolling update one step further (rollout.ts). */
function roll(o: Observation, lease: PresentLease): Action {
  const step = planRollout(o);
  if (step.kind === 'idle') return lead('serve', 'primary');
  if (step.kind !== 'switchover') return { type: 'lead', step: 'serve', reason: step.kind === 'current' ? 'primary' : `primary; ${step.reason}`, rollout: step };
  const reference = o.local.sql?.lsn ?? null;
  if (reference === null) return lead('serve', `primary; ${step.reason}: waits, own WAL position unknown`);
  const check = peerIsCaughtUpStandby(o, lease, step.target, reference);
  if (!check.ok) return lead('serve', `primary; ${step.reason}: waits, ${check.why}`);
  return { type: 'switchover', target: step.target, reason: `${step.reason}: ${check.why}`, rollout: true };
}

function asFollower(o: Observation, lease: PresentLease): Action {
  const holder = lease.holder as string;
  const following = o.local.upstream === memberHost(o.config, holder);
  if (lease.systemIdentifier === null) return wait(`${holder} is bootstrapping the cluster`);
  const data = o.local.data;
  const holderStatus = (() => {
    const p = peer(o, holder);
    return p ? sameClusterStatus(p, lease) : null;
  })();
  const holderServes = holderStatus !== null && holderStatus.role === 'primary' && holderStatus.ready;

  if (data.kind !== 'present') {
    return holderServes
      ? { type: 'follow', step: 'clone', upstream: holder, reason: `no data here: cloning from ${holder}` }
      : wait(`no data here; waiting for ${holder} to serve as primary before cloning`);
  }
  if (data.systemIdentifier !== lease.systemIdentifier) {
    return { type: 'refuse', reason: `refusing to join: local data belongs to cluster ${data.systemIdentifier}, the lease records ${lease.systemIdentifier}` };
  }
  if (!holderStatus || holderStatus.timeline === null) {
    if (runningAsStandby(o) && following) return { type: 'follow', step: 'stream', upstream: holder, reason: `following ${holder}` };
    return wait(`waiting for ${holder} to report its timeline`);
  }
  const wal = o.local.wal;
  const history = holderStatus.history.map((h) => ({ timeline: h.timeline, switchpoint: parseLsn(h.switchpoint) }));
  const localHistory = o.local.history;
  if (!wal || !localHistory || hasForkedOff(wal, holderStatus.timeline, history) || !sharesHistory(localHistory, history)) {
    if (!holderServes) return wait(`local WAL forked off ${holder}'s history; waiting for it to serve before rewinding`);
    const why = !wal ? 'no valid local WAL' : !localHistory ? `the history of local timeline ${wal.timeline} is unreadable` : `local WAL forked off ${holder}'s timeline ${holderStatus.timeline}`;
    return { type: 'follow', step: 'rewind', upstream: holder, reason: `${why}: rewinding` };
  }
  if (!postgresRunning(o)) return { type: 'follow', step: 'start-standby', upstream: holder, reason: `starting as a standby of ${holder}` };
  if (!following) return { type: 'follow', step: 'repoint', upstream: holder, reason: `following the new primary ${holder}` };
  const full = volumeFull(o.local.volume);
  // Behind because it cannot store WAL, not because the WAL is gone: a new clone would not fit either.
  if (full) return { type: 'follow', step: 'stream', upstream: holder, reason: `following ${holder}, behind: ${full}` };
  if (o.standbyStalledForMs !== null && o.standbyStalledForMs >= STALLED_STANDBY_LIMIT_MS && holderServes) {
    return { type: 'follow', step: 'clone', upstream: holder, reason: `not streaming from ${holder} for ${formatMs(o.standbyStalledForMs)}: cloning afresh` };
  }
  return { type: 'follow', step: 'stream', upstream: holder, reason: `following ${holder}` };
}
