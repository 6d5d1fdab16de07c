// What /metrics knows about the local PostgreSQL at a scrape, by the mode it runs in:
// - stopped (or no supervisor state yet): pg_up 0 and nothing asked: a fenced or stopped server is not
//   an error of the scrape;
// - a warm standby (hot_standby off) refuses every connection, so nothing is asked over SQL: pg_up says
//   whether its postmaster runs and its control file says it is in archive recovery, pg_sql_available is
//   0, and the positions come from what the agent already knows: the end of the WAL on disk (the receive
//   position, see postgres/wal-end.ts) and whether the primary lists it as streaming (from the primary's
//   GET /status, both as of the decision loop's last observation);
// - otherwise (a primary, a hot standby): the statistics over SQL; a failure or a timeout gives pg_up 0
//   and pg_sql_available 0 and counts in pg_scrape_errors_total.
// Collections are single-flight and a result is reused for a short while, so concurrent or rapid
// scrapes (two Prometheus replicas, a person with curl) cost the server one collection.
import { peer } from '../core/facts';
import type { Observation, SupervisorView } from '../core/types';
import type { DbState } from '../postgres/pg-control';
import type { PostgresStats } from '../postgres/stats-sql';
import type { Logger } from '../runtime/log';

/** A collection younger than this is served again instead of asking PostgreSQL once more. */
export const REUSE_MS = 1000;
/**
 * The longest a collection may take, whatever the connection's own limits do: well inside Prometheus'
 * default scrape timeout (10 s).
 */
export const COLLECTION_LIMIT_MS = 2500;

export interface WarmStandbyView {
  /** The end of the WAL on disk, as a byte offset: what the standby received. */
  readonly receiveLsn: number | null;
  /** Whether the primary lists this member as streaming; null when no ready primary's status is known. */
  readonly streaming: boolean | null;
}

export interface PostgresScrape {
  readonly up: boolean;
  readonly sqlAvailable: boolean;
  readonly durationSeconds: number;
  /** Failed collections since the agent started. */
  readonly errors: number;
  readonly stats: PostgresStats | null;
  readonly warm: WarmStandbyView | null;
}

export interface StatsSource {
  read(): Promise<PostgresStats>;
  close(): void;
}

export interface ScrapeDeps {
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly standbyMode: 'warm' | 'hot';
  readonly supervisor: () => Promise<SupervisorView | null>;
  /** The state in pg_control, null when there is none. */
  readonly controlState: () => Promise<DbState | null>;
  /** The decision loop's latest observation (read, never waited for). */
  readonly observation: () => Observation | null;
  readonly stats: StatsSource;
  readonly log: Logger;
}

export class PostgresScraper {
  private errors = 0;
  private inFlight: Promise<PostgresScrape> | null = null;
  private last: { readonly at: number; readonly result: PostgresScrape } | null = null;
  private lastError: string | null = null;

  constructor(private readonly d: ScrapeDeps) {}

  /** Never rejects: whatever goes wrong is a scrape with pg_up 0. */
  scrape(): Promise<PostgresScrape> {
    if (this.last && this.d.now() - this.last.at < REUSE_MS) return Promise.resolve(this.last.result);
    this.inFlight ??= this.collect().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async collect(): Promise<PostgresScrape> {
    const started = this.d.now();
    const finish = (result: Omit<PostgresScrape, 'durationSeconds' | 'errors'>): PostgresScrape => {
      // Whole microseconds: the clock's sub-microsecond digits are noise, not information.
      const done = { ...result, durationSeconds: Math.round((this.d.now() - started) * 1000) / 1e6, errors: this.errors };
      this.last = { at: this.d.now(), result: done };
      return done;
    };
    const supervisor = await this.d.supervisor().catch(() => null);
    if (supervisor?.postgres !== 'running') {
      this.d.stats.close();
      return finish({ up: false, sqlAvailable: false, stats: null, warm: null });
    }
    if (supervisor.mode === 'standby' && this.d.standbyMode === 'warm') {
      this.d.stats.close();
      const state = await this.d.controlState().catch(() => null);
      return finish({ up: state === 'in archive recovery', sqlAvailable: false, stats: null, warm: warmView(this.d.observation()) });
    }
    try {
      const stats = await withLimit(this.d.stats.read(), COLLECTION_LIMIT_MS);
      this.noteError(null);
      return finish({ up: true, sqlAvailable: true, stats, warm: null });
    } catch (error) {
      this.errors++;
      this.d.stats.close();
      this.noteError((error as Error).message);
      return finish({ up: false, sqlAvailable: false, stats: null, warm: null });
    }
  }

  /** One log line when collections start failing (or fail differently), one when they recover. */
  private noteError(message: string | null): void {
    if (message === this.lastError) return;
    if (message === null) this.d.log.info('metrics-recovered', { previousError: this.lastError });
    else this.d.log.error('metrics-failed', { error: message });
    this.lastError = message;
  }
}

function warmView(o: Observation | null): WarmStandbyView {
  const wal = o?.local.wal ?? null;
  const holder = o?.lease.kind === 'present' ? o.lease.holder : null;
  const primary = o ? peer(o, holder)?.status : undefined;
  return {
    receiveLsn: wal ? Number(wal.lsn) : null,
    streaming: primary && primary.role === 'primary' && primary.ready && o ? primary.streaming.includes(o.config.podName) : null,
  };
}

function withLimit<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`collection took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
