// Reads PostgreSQL's statistics for /metrics over a connection of its own, never the decision loop's
// (local-sql.ts): node-postgres runs one query at a time per connection, so a slow scrape on a shared one
// would hold up the loop's observation. Every statement is bounded on the server (statement_timeout,
// lock_timeout) and the whole read on the client (query_timeout), and a failed or timed-out connection
// is dropped, so the next read starts on a fresh one.
import { Client } from 'pg';
import { statsSql, type DatabaseRow, type PostgresStats, type ServerRow, type SlotRow, type StandbyRow } from './stats-sql';

/** The limits of one read. A scrape gives up after the query limit, whatever the server does. */
export interface StatsLimits {
  readonly connectMs: number;
  /** Each statement, on the server. */
  readonly statementMs: number;
  /** Waiting for a lock (a catalog locked by DDL), on the server: fail fast rather than queue. */
  readonly lockMs: number;
  /** The whole round trip, on the client. */
  readonly queryMs: number;
}

export const DEFAULT_STATS_LIMITS: StatsLimits = { connectMs: 1000, statementMs: 1000, lockMs: 200, queryMs: 1500 };

/** Shows in pg_stat_activity, so the exporter's own session can be told from the loop's and clients'. */
export const STATS_APPLICATION_NAME = 'cdk8s-postgres-ha-metrics';

interface Session {
  readonly client: Client;
  readonly versionNum: number;
}

interface Result {
  readonly rows: Record<string, unknown>[];
}

export class PostgresStatsReader {
  private session: Promise<Session> | null = null;
  /** The session's connection once it is open. */
  private client: Client | null = null;

  constructor(
    private readonly socketDir: string,
    private readonly port: number,
    private readonly limits: StatsLimits = DEFAULT_STATS_LIMITS,
  ) {}

  async read(): Promise<PostgresStats> {
    const session = (this.session ??= this.open());
    try {
      const { client, versionNum } = await session;
      const results = (await client.query({ text: statsSql(versionNum), query_timeout: this.limits.queryMs } as never)) as unknown as Result[];
      const [server, connections, databases, standbys, slots] = results.map((r) => r.rows);
      return {
        versionNum,
        server: server[0] as unknown as ServerRow,
        connections: connections as unknown as PostgresStats['connections'],
        databases: databases as unknown as DatabaseRow[],
        standbys: standbys as unknown as StandbyRow[],
        slots: slots as unknown as SlotRow[],
      };
    } catch (error) {
      this.drop(session);
      throw error;
    }
  }

  /** Ends the connection, if any; a read after it opens a new one. */
  close(): void {
    if (this.session) this.drop(this.session);
  }

  private async open(): Promise<Session> {
    const client = new Client({
      host: this.socketDir,
      port: this.port,
      user: 'postgres',
      database: 'postgres',
      application_name: STATS_APPLICATION_NAME,
      connectionTimeoutMillis: this.limits.connectMs,
      statement_timeout: this.limits.statementMs,
      lock_timeout: this.limits.lockMs,
    });
    // An idle connection the server ended (a restart, a stop, a fence) must not crash the agent;
    // the next read opens a new one.
    client.on('error', () => {
      if (this.client === client) this.close();
    });
    try {
      await client.connect();
      const version = (await client.query({ text: "select current_setting('server_version_num')::int as v", query_timeout: this.limits.queryMs } as never)) as unknown as Result;
      this.client = client;
      return { client, versionNum: version.rows[0].v as number };
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Forgets the session at once and ends it in the background: end() waits for the server, which may be
   * the thing that hangs, and the next read must not wait for it.
   */
  private drop(session: Promise<Session>): void {
    if (this.session === session) {
      this.session = null;
      this.client = null;
    }
    session.then((s) => s.client.end()).catch(() => undefined);
  }
}
