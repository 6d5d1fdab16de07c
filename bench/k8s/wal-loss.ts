/**
 * How much WAL an abrupt failover in asynchronous mode throws away, in bytes: what the old primary had
 * flushed (and so acknowledged to its clients) past the point where the new primary's timeline forked.
 *
 * The old primary's flush position is sampled over its own pod address every 20 ms for as long as it
 * answers as a primary (`pg_current_wal_flush_lsn()` fails in recovery); the last sample is at most 20 ms
 * short of where it stopped, so the figure is a lower bound. The fork is the last line of the newest
 * timeline history file in the new primary's pg_wal (`<parent timeline> <switch point> <reason>`).
 */
import type { Client } from 'pg';
import type { Database } from '../../e2e/k8s/database';
import { close, connect } from '../../e2e/load/connection';

const SAMPLE_MS = 20;

export class FlushSampler {
  private last: string | null = null;
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly db: Database, private readonly primary: string) {
    this.done = this.sample();
  }

  /** Stops sampling; the last flush position the old primary reported (null: none). */
  async stop(): Promise<string | null> {
    this.running = false;
    await this.done;
    return this.last;
  }

  private async sample(): Promise<void> {
    const credentials = await this.db.credentials();
    const endpoint = await this.db.member(this.primary);
    let client: Client | undefined;
    while (this.running) {
      try {
        client ??= await connect(endpoint, credentials);
        const { rows } = await client.query<{ lsn: string }>('select pg_current_wal_flush_lsn()::text as lsn');
        this.last = rows[0].lsn;
      } catch {
        if (client) close(client);
        client = undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
    if (client) close(client);
  }
}

/** The bytes from the new timeline's switch point to `lastFlush` on the old one (0 when nothing was past it). */
export async function walLostBytes(db: Database, newPrimary: string, lastFlush: string): Promise<number> {
  const [{ history }] = await db.sql<{ history: string }>(db.member(newPrimary),
    "select pg_read_file('pg_wal/' || name) as history from pg_ls_waldir() where name like '%.history' order by name desc limit 1");
  const switchPoint = forkPoint(history);
  const [{ bytes }] = await db.sql<{ bytes: string }>(db.member(newPrimary), 'select greatest(0, pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn))::bigint::text as bytes', [lastFlush, switchPoint]);
  return Number(bytes);
}

/** The switch point of the newest timeline in a history file's text. */
export function forkPoint(history: string): string {
  const lines = history.split('\n').map((l) => l.trim()).filter((l) => /^\d/.test(l));
  const fields = lines.at(-1)?.split(/\s+/);
  if (!fields || !/^[0-9A-F]+\/[0-9A-F]+$/i.test(fields[1] ?? '')) throw new Error(`no switch point in the timeline history: ${JSON.stringify(history)}`);
  return fields[1];
}
