/**
 * pgbench for one fault: pgbench_history's rows before and after it, through the primary Service, tell
 * whether a transaction pgbench saw acknowledged is missing (each TPC-B transaction inserts one row; one
 * whose acknowledgement was lost may add a row nobody counted, never the reverse, so the count of lost
 * ones is a lower bound).
 */
import type { Database } from '../../e2e/k8s/database';
import { PgbenchLoad } from '../../e2e/load/pgbench';
import { READ_WAIT_MS, type Waiter } from './trial';

export interface PgbenchFigures {
  readonly transactions: number;
  readonly lost: number;
  readonly tps: number;
}

export async function startPgbench(db: Database, t: Waiter): Promise<{ finish(): Promise<PgbenchFigures> }> {
  const service = await db.service();
  const credentials = await db.credentials();
  // Retried like every read of the harness's bookkeeping: a missed connect is not a lost transaction.
  const rows = () => t.waitFor('pgbench_history counted through the primary Service', async () =>
    Number((await db.sql<{ n: string }>(db.service(), 'select count(*) as n from pgbench_history'))[0].n), READ_WAIT_MS);
  const before = await rows();
  const load = new PgbenchLoad(service, credentials);
  return {
    async finish() {
      const totals = await load.stop();
      const added = (await rows()) - before;
      return { transactions: totals.transactions, lost: Math.max(0, totals.transactions - added), tps: totals.transactions / totals.seconds };
    },
  };
}
