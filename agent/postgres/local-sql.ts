// SQL to the local PostgreSQL over its Unix socket (pod-private, trust; see the rendered pg_hba.conf).
// One connection, reopened after any error; every call is bounded so a wedged server cannot stall the loop.
import { Client } from 'pg';
import { parseLsn } from './lsn';
import type { ReplicationRow, SqlView } from '../core/types';

const CONNECT_TIMEOUT_MS = 1000;
const QUERY_TIMEOUT_MS = 2000;

export class LocalSql {
  private client: Client | null = null;

  constructor(
    private readonly socketDir: string,
    private readonly port: number,
  ) {}

  async query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = await this.connect();
    try {
      const result = await client.query({ text, values, query_timeout: QUERY_TIMEOUT_MS } as never);
      return (result as unknown as { rows: R[] }).rows;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** What the observation needs, or null when PostgreSQL does not accept us right now. */
  async observe(): Promise<SqlView | null> {
    try {
      const [{ in_recovery }] = await this.query<{ in_recovery: boolean }>('select pg_is_in_recovery() as in_recovery');
      if (in_recovery) {
        const [row] = await this.query<{ lsn: string | null }>('select pg_last_wal_receive_lsn()::text as lsn');
        return { inRecovery: true, timeline: null, lsn: row.lsn ? parseLsn(row.lsn) : null, replication: [], slots: [] };
      }
      const [pos] = await this.query<{ file: string; lsn: string }>(
        'select pg_walfile_name(pg_current_wal_flush_lsn()) as file, pg_current_wal_flush_lsn()::text as lsn',
      );
      const replication = await this.query<{ application_name: string; state: string; flush_lsn: string | null; sync_state: string }>(
        'select application_name, state, flush_lsn::text as flush_lsn, sync_state from pg_stat_replication',
      );
      const slots = await this.query<{ slot_name: string }>("select slot_name from pg_replication_slots where slot_type = 'physical'");
      return {
        inRecovery: false,
        timeline: parseInt(pos.file.slice(0, 8), 16),
        lsn: parseLsn(pos.lsn),
        replication: replication.map(
          (r): ReplicationRow => ({
            applicationName: r.application_name,
            state: r.state,
            flushLsn: r.flush_lsn ? parseLsn(r.flush_lsn) : null,
            syncState: r.sync_state,
          }),
        ),
        slots: slots.map((s) => s.slot_name),
      };
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      host: this.socketDir,
      port: this.port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'cdk8s-postgres-ha-agent',
    });
    // An error on an idle connection (server restarted) must not crash the agent; the next call reconnects.
    client.on('error', () => {
      if (this.client === client) this.client = null;
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }
}
