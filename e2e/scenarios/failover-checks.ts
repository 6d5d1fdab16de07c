/**
 * The failover walk-through shared by seed-failover and kill-primary: rows written and replicated,
 * the primary lost by some fault, then a new primary behind Service ha-postgres, the old member back
 * as a streaming standby, and every row still there.
 */
import type { Pod } from '../harness/kube';
import { check, type ScenarioContext } from '../harness/scenario';
import { PostgresUnderTest, ROLE_LABEL, type Topology } from './postgres-cluster';
import { BOOTSTRAP_MS, FAILOVER_MS, REJOIN_MS } from './timeouts';

const ROWS = 100;

export interface PrimaryFault {
  readonly description: string;
  inject(db: PostgresUnderTest, before: Topology): void;
  /** What becomes of the old primary's pod: `recreated`, `restarted in place`. */
  readonly aftermath: string;
  /** Whether that happened yet; until then the pod's status may still be the old one's. */
  happened(podBefore: Pod, podNow: Pod): boolean;
}

export async function failoverWalkThrough(t: ScenarioContext, fault: PrimaryFault): Promise<void> {
  const db = new PostgresUnderTest(t, 'ha-postgres');
  const before = await t.step('exactly one pod labelled primary, two labelled replica, all ready', () => db.waitForTopology(BOOTSTRAP_MS));
  await t.step('both standbys streaming', () => db.waitForStreaming(before.replicas, BOOTSTRAP_MS));

  await t.step(`${ROWS} rows written through Service ha-postgres and replicated to both standbys`, async () => {
    await db.sql(db.service(), 'create table failover_rows (id int primary key)');
    await db.sql(db.service(), 'insert into failover_rows select generate_series(1, $1::int)', [ROWS]);
    const [{ lsn }] = await db.sql<{ lsn: string }>(db.service(), 'select pg_current_wal_lsn()::text as lsn');
    await t.waitFor(`both standbys to have flushed ${lsn}`, async () => {
      const rows = await db.sql<{ caught_up: boolean }>(db.service(), 'select flush_lsn >= $1::pg_lsn as caught_up from pg_stat_replication', [lsn]);
      return rows.length === 2 && rows.every((r) => r.caught_up);
    }, 10_000);
  });

  const podBefore = t.cluster.pod(db.namespace, before.primary);
  const faultAt = Date.now();
  await t.step(fault.description, async () => fault.inject(db, before));

  const newPrimary = await t.step('another pod is labelled primary', () => t.waitFor('a new primary', () => {
    const primaries = db.pods().filter((p) => p.metadata?.labels?.[ROLE_LABEL] === 'primary').map((p) => p.metadata?.name);
    return primaries.length === 1 && primaries[0] !== before.primary ? primaries[0] : undefined;
  }, FAILOVER_MS));

  await t.step(`Service ha-postgres routes to ${newPrimary} and accepts a write (${((Date.now() - faultAt) / 1000).toFixed(2)} s after the fault)`, () =>
    t.waitFor(`a write through ha-postgres on ${newPrimary}`, async () => {
      const [row] = await db.sql<{ address: string }>(db.service(), 'insert into failover_rows values ($1) returning host(inet_server_addr()) as address', [ROWS + 1]);
      check(row.address === db.member(newPrimary ?? '').host, `the write landed on ${row.address}, not on ${newPrimary}`);
      return true;
    }, FAILOVER_MS));

  const after = await t.step(`${before.primary} ${fault.aftermath}, back as a ready replica`, () =>
    t.waitFor(`${before.primary} ${fault.aftermath} and ready as a replica`, () => {
      const podNow = t.cluster.pod(db.namespace, before.primary);
      if (!podBefore || !podNow || !fault.happened(podBefore, podNow)) throw new Error(`${before.primary} not ${fault.aftermath} yet`);
      return db.topology();
    }, REJOIN_MS));
  check(after.primary === newPrimary, `the primary moved again, to ${after.primary}`);

  await t.step(`pg_stat_replication on ${newPrimary} shows both standbys streaming`, () => db.waitForStreaming(after.replicas, REJOIN_MS));

  await t.step('every row written before the fault is there', async () => {
    const [row] = await db.sql<{ n: number; max: number }>(db.service(), 'select count(*)::int as n, max(id) as max from failover_rows where id <= $1', [ROWS]);
    check(row.n === ROWS && row.max === ROWS, `found ${row.n} of ${ROWS} rows`);
  });
}
