/**
 * A full stop and start (`kubectl scale sts --replicas=0`, then back to 3): the cluster must come back
 * on the data it has, with the same system identifier, without a new initdb, with every row.
 */
import { POD, STATEFUL_SET } from '../harness/api-objects';
import { haPostgres } from '../charts';
import { check, type Scenario } from '../harness/scenario';
import { agentStatuses, PostgresUnderTest } from './postgres-cluster';
import { BOOTSTRAP_MS, FAILOVER_MS } from './timeouts';

export const restartAll: Scenario = {
  name: 'restart-all',
  summary: 'ha-postgres: every pod stopped, then started again: same system identifier, no new initdb, rows intact',
  chart: haPostgres,
  diagnose: agentStatuses('ha-postgres'),
  async run(t) {
    const db = new PostgresUnderTest(t, 'ha-postgres');
    // `kubectl scale statefulset ha-postgres --replicas=N`
    const scale = (replicas: number) => t.cluster.store.patch(STATEFUL_SET, db.namespace, db.name, 'application/merge-patch+json', { spec: { replicas } });
    const { replicas } = await t.step('exactly one pod labelled primary, two labelled replica, all ready', () => db.waitForTopology(BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => db.waitForStreaming(replicas, BOOTSTRAP_MS));

    const identifier = await t.step('a row written through Service ha-postgres; the system identifier noted', async () => {
      await db.sql(db.service(), 'create table restart_rows (id int primary key)');
      await db.sql(db.service(), 'insert into restart_rows select generate_series(1, 10)');
      // A checkpoint makes the rows durable in the data files too, not only in the WAL.
      await db.sql(db.service(), 'checkpoint');
      const [row] = await db.sql<{ id: string }>(db.service(), 'select system_identifier::text as id from pg_control_system()');
      return row.id;
    });

    const members = db.members();
    await t.step('every pod stopped (StatefulSet scaled to 0)', async () => {
      scale(0);
      await t.waitFor('no member pods left', () => t.cluster.store.list(POD, db.namespace).items.length === 0, FAILOVER_MS);
    });

    await t.step(`every pod started again (scaled back to ${members.length})`, async () => {
      scale(members.length);
      await db.waitForTopology(BOOTSTRAP_MS, 'the cluster re-formed: one primary, two ready replicas');
    });

    await t.step('same system identifier on every member, and no new initdb', async () => {
      const [row] = await db.sql<{ id: string }>(db.service(), 'select system_identifier::text as id from pg_control_system()');
      check(row.id === identifier, `system identifier changed from ${identifier} to ${row.id}`);
      const onDisk = await db.systemIdentifiers();
      check([...onDisk.values()].every((id) => id === identifier), `data folders: ${JSON.stringify([...onDisk])}`);
      check(db.initdbRuns() === 1, `initdb ran ${db.initdbRuns()} times`);
    });

    await t.step('every row is still there', async () => {
      const [row] = await db.sql<{ n: number }>(db.service(), 'select count(*)::int as n from restart_rows');
      check(row.n === 10, `found ${row.n} of 10 rows`);
    });
  },
};
