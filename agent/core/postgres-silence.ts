// A hung PostgreSQL under a healthy agent (its processes stopped, or I/O that never returns): the agent
// still ticks and could renew the lease for a primary that serves nobody. The clock below times how long
// the local PostgreSQL has not answered the agent's SQL; unresponsivePrimary() says when a holder must
// stop renewing. Pure: the observer feeds the clock, decide() reads the rule.
import type { AgentConfig } from '../config';
import { formatMs, runningAsPrimary } from './facts';
import type { Observation } from './types';

/**
 * Failed probes in a row a primary needs on top of the time limit. The time alone is not enough: an
 * agent that was itself paused (a stopped container, a long GC) sees its first probe after the pause
 * fail, and the time since the last answer already looks long.
 */
export const UNRESPONSIVE_MIN_PROBES = 3;

/**
 * How long the primary's PostgreSQL may leave the agent's probes unanswered before the holder gives the
 * cluster to a standby: the lease duration, the same patience every member grants a silent holder.
 * Each probe already waits 1 s to connect and 2 s per query (postgres/local-sql.ts), and the agent
 * connects as the superuser (superuser_reserved_connections), so a busy primary, a checkpoint or a slow
 * fsync answers long before; a database that cannot answer `select pg_is_in_recovery()` for this long
 * serves no client either. The failover then takes this limit plus a lease duration (the lease still
 * has to expire: a frozen PostgreSQL cannot be shown to be stopped).
 */
export function unresponsiveLimitMs(config: Pick<AgentConfig, 'leaseDurationMs'>): number {
  return config.leaseDurationMs;
}

/** The local PostgreSQL has not answered since `forMs` ago, over `probes` failed probes in a row. */
export interface PostgresSilence {
  readonly forMs: number;
  readonly probes: number;
}

/**
 * Times the silence of one postmaster, from its last answer. A postmaster that has not answered since it
 * started (crash recovery, start-up) is not silent but starting: that is the holder's wait-ready step,
 * which a hang rule must not cut short. A new postmaster (another supervisor boot or pid) starts over.
 */
export class PostgresSilenceClock {
  private postmaster: string | null = null;
  private lastAnswerAt: number | null = null;
  private failed = 0;

  /**
   * `postmaster`: what identifies the running postmaster (null when none runs); `answered`: whether this
   * tick's probe answered, null when no probe was made (warm standby, PostgreSQL not running).
   */
  update(postmaster: string | null, answered: boolean | null, now: number): PostgresSilence | null {
    if (postmaster !== this.postmaster) {
      this.postmaster = postmaster;
      this.lastAnswerAt = null;
      this.failed = 0;
    }
    if (answered === null || postmaster === null) return null;
    if (answered) {
      this.lastAnswerAt = now;
      this.failed = 0;
      return null;
    }
    if (this.lastAnswerAt === null) return null;
    this.failed++;
    return { forMs: now - this.lastAnswerAt, probes: this.failed };
  }
}

/** Why this member, running a primary, must no longer be the primary because its PostgreSQL hangs; null otherwise. */
export function unresponsivePrimary(o: Observation): string | null {
  const silence = o.postgresSilence;
  if (!silence || o.local.sql || !runningAsPrimary(o)) return null;
  const limit = unresponsiveLimitMs(o.config);
  if (silence.forMs < limit || silence.probes < UNRESPONSIVE_MIN_PROBES) return null;
  return `PostgreSQL has not answered for ${formatMs(silence.forMs)} (${silence.probes} probes in a row, limit ${formatMs(limit)}): `
    + 'a primary that cannot serve stops renewing the lease, so a standby takes over';
}
