/**
 * The failover walk-through shared by seed-failover (kubectl delete pod) and kill-primary (SIGKILL to
 * the primary's containers): rows written and replicated, the primary lost, another pod labelled
 * primary and writable through Service ha-postgres, the old member back as a streaming standby, every
 * row still there.
 */
import { check } from '../../support/scenario';
import type { Database, Topology } from '../database';
import { ROLE_LABEL } from '../database';
import type { PodView } from '../kube-cluster';
import type { KubeContext } from '../scenario';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const ROWS = 100;

export interface PrimaryFault {
  readonly description: (pod: string) => string;
  inject(t: KubeContext, db: Database, before: Topology): Promise<void>;
  /** What becomes of the old primary's pod: `re-created by the StatefulSet`, `restarted in place`. */
  readonly aftermath: string;
  happened(podBefore: PodView, podNow: PodView): boolean;
}

export async function failoverWalkThrough(t: KubeContext, db: Database, fault: PrimaryFault): Promise<void> {
  const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
  await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));

  await t.step(`${ROWS} rows written through Service ha-postgres and flushed by both standbys`, async () => {
    await db.sql(db.service(), 'create table failover_rows (id int primary key)');
    await db.sql(db.service(), 'insert into failover_rows select generate_series(1, $1::int)', [ROWS]);
    const [{ lsn }] = await db.sql<{ lsn: string }>(db.service(), 'select pg_current_wal_lsn()::text as lsn');
    await t.waitFor(`both standbys to have flushed ${lsn}`, async () => {
      const rows = await db.sql<{ caught_up: boolean }>(db.service(), 'select flush_lsn >= $1::pg_lsn as caught_up from pg_stat_replication', [lsn]);
      return rows.length === 2 && rows.every((r) => r.caught_up);
    }, 10_000);
  });

  const podBefore = await t.cluster.pod(db.namespace, before.primary);
  if (!podBefore) throw new Error(`${before.primary} vanished before the fault`);
  const faultAt = Date.now();
  await t.step(fault.description(before.primary), () => fault.inject(t, db, before));

  const newPrimary = await t.step('another pod is labelled primary', () => t.waitFor('a new primary', async () => {
    const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary' && !p.deleting).map((p) => p.name);
    return primaries.length === 1 && primaries[0] !== before.primary ? primaries[0] : undefined;
  }, RECOVERY_MS));

  const writable = await t.waitFor(`a write through Service ha-postgres on ${newPrimary}`, async () => {
    const [row] = await db.sql<{ address: string }>(db.service(), 'insert into failover_rows values ($1) returning host(inet_server_addr()) as address', [ROWS + 1]);
    check(row.address === (await db.member(newPrimary)).host, `the write landed on ${row.address}, not on ${newPrimary}`);
    return Date.now();
  }, RECOVERY_MS);
  await t.step(`Service ha-postgres routes to ${newPrimary} and took a write ${((writable - faultAt) / 1000).toFixed(2)} s after the fault`, async () => undefined);

  const after = await t.step(`${before.primary} ${fault.aftermath}, back as a ready replica`, () =>
    t.waitFor(`${before.primary} ${fault.aftermath} and ready as a replica`, async () => {
      const podNow = await t.cluster.pod(db.namespace, before.primary);
      if (!podNow || !fault.happened(podBefore, podNow)) throw new Error(`${before.primary} not ${fault.aftermath} yet`);
      return db.topology();
    }, RECOVERY_MS));
  check(after.primary === newPrimary, `the primary moved again, to ${after.primary}`);

  await t.step(`pg_stat_replication on ${newPrimary} shows both standbys streaming`, () => t.waitFor('both standbys streaming', () => db.streaming(after.replicas), RECOVERY_MS));

  await t.step('every row written before the fault is there', async () => {
    const [row] = await db.sql<{ n: number; max: number }>(db.service(), 'select count(*)::int as n, max(id) as max from failover_rows where id <= $1', [ROWS]);
    check(row.n === ROWS && row.max === ROWS, `found ${row.n} of ${ROWS} rows`);
  });
}
