// Probe answers as pure functions of the latest observation, with the reason in the body.
// Readiness decides which pods the Services route to (together with the role label), so it must be true
// exactly when PostgreSQL serves this member's role. A standby stays ready while its primary is gone: it
// still serves consistent reads (hot), and it keeps being selected the moment it is promoted, instead of
// waiting for another probe period.
import { isHolder, majorMismatch, runningAsPrimary, runningAsStandby } from './facts';
import { strictWaiting } from './sync-standbys';
import type { Observation } from './types';
import { volumeFull } from './volume-space';

export interface ProbeAnswer {
  readonly ok: boolean;
  readonly reason: string;
}

export type Role = 'primary' | 'replica' | 'none';

/**
 * A member running the primary stays the primary while the Lease cannot be read or is missing (deleted
 * by hand): nobody else may promote without creating the Lease first, and it creates it again at once.
 * Its /status then keeps telling the standbys it runs the primary, so none adopts its own data instead.
 */
export function roleOf(o: Observation): Role {
  if (runningAsPrimary(o) && (o.lease.kind !== 'present' || isHolder(o, o.lease))) return 'primary';
  if (runningAsStandby(o)) return 'replica';
  return 'none';
}

export function readiness(o: Observation | null): ProbeAnswer {
  if (!o) return { ok: false, reason: 'no observation yet' };
  if (o.memory.shuttingDown) return { ok: false, reason: 'shutting down' };
  const supervisor = o.local.supervisor;
  if (!supervisor) return { ok: false, reason: 'postgres container not started' };
  const mismatch = supervisor.postgres === 'running' ? null : majorMismatch(o);
  if (mismatch) return { ok: false, reason: `refusing to start: ${mismatch}` };
  if (supervisor.postgres !== 'running') return { ok: false, reason: `PostgreSQL is ${supervisor.postgres}` };
  const role = roleOf(o);
  if (role === 'primary') {
    if (!o.local.sql) return { ok: false, reason: 'primary not accepting connections yet' };
    // Ready all the same: it serves reads, and a commit that waits returns once a standby is back.
    const waiting = strictWaiting(o);
    return { ok: true, reason: waiting ? `primary; ${waiting}` : 'primary' };
  }
  if (role === 'replica') {
    if (o.lease.kind === 'present' && o.lease.systemIdentifier !== null && o.local.data.kind === 'present' && o.local.data.systemIdentifier !== o.lease.systemIdentifier) {
      return { ok: false, reason: 'data belongs to another cluster' };
    }
    if (o.config.standbyMode === 'hot' && !o.local.sql) return { ok: false, reason: 'hot standby not accepting connections yet' };
    const of = o.local.upstream ? `standby of ${o.local.upstream.split('.')[0]}` : 'standby';
    // It still serves reads, from the WAL it could store: ready, and saying why it falls behind.
    const full = volumeFull(o.local.volume);
    return { ok: true, reason: full ? `${of}, behind: ${full}` : of };
  }
  if (runningAsPrimary(o)) return { ok: false, reason: 'runs a primary without holding the lease' };
  return { ok: false, reason: 'PostgreSQL role not settled' };
}

export function servesAs(o: Observation | null, role: 'primary' | 'replica'): ProbeAnswer {
  const ready = readiness(o);
  if (!ready.ok || !o) return ready;
  const actual = roleOf(o);
  return actual === role ? ready : { ok: false, reason: `this member is ${actual === 'none' ? 'neither primary nor replica' : `a ${actual}`}` };
}

export interface LoopHealth {
  readonly now: number;
  readonly lastTickAt: number | null;
  readonly startedAt: number;
  /** A long action (clone, rewind) in progress, and its own time limit. */
  readonly actionStartedAt: number | null;
  readonly actionLimitMs: number;
  readonly stallLimitMs: number;
}

/** The agent is alive while its loop ticks, or while a long action runs within its own limit. */
export function liveness(h: LoopHealth): ProbeAnswer {
  if (h.actionStartedAt !== null) {
    const running = h.now - h.actionStartedAt;
    return running <= h.actionLimitMs
      ? { ok: true, reason: `action running for ${Math.round(running / 1000)}s` }
      : { ok: false, reason: `action stuck for ${Math.round(running / 1000)}s` };
  }
  const since = h.now - (h.lastTickAt ?? h.startedAt);
  return since <= h.stallLimitMs ? { ok: true, reason: 'loop ticking' } : { ok: false, reason: `no tick for ${Math.round(since / 1000)}s` };
}
