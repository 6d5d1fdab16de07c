/**
 * A full stop and start on the real cluster (`kubectl scale statefulset --replicas=0`, then back to 3):
 * the cluster must come back on the data it has, with the same system identifier, without a new
 * initdb, with every row.
 *
 * Scaling to 0 deletes the pods, and their logs with them, so "initdb ran once in total" is counted in
 * two halves: the supervisor's initdb lines across every member's postgres logs just before the stop
 * (exactly 1), and across the new pods' logs after the start (exactly 0). The data folders are the
 * stronger proof and are checked too: pg_controldata shows the noted system identifier on every member.
 */
import { check } from '../../support/scenario';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { initdbRuns, systemIdentifiers } from './data-folders';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const ROWS = 10;

export const restartAll: KubeScenario = {
  name: 'restart-all',
  summary: 'ha-postgres: StatefulSet scaled to 0 and back to 3: same system identifier, no new initdb, rows intact',
  chart: 'ha-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const { replicas } = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(replicas), BOOTSTRAP_MS));

    const identifier = await t.step(`${ROWS} rows written through Service ha-postgres and checkpointed; the system identifier noted`, async () => {
      await db.sql(db.service(), 'create table restart_rows (id int primary key)');
      await db.sql(db.service(), 'insert into restart_rows select generate_series(1, $1::int)', [ROWS]);
      // A checkpoint makes the rows durable in the data files too, not only in the WAL.
      await db.sql(db.service(), 'checkpoint');
      const [row] = await db.sql<{ id: string }>(db.service(), 'select system_identifier::text as id from pg_control_system()');
      return row.id;
    });

    const members = (await db.members()).map((p) => p.name);
    await t.step('before the stop: kubectl logs -c postgres (current and --previous) of every member show exactly one initdb; pg_controldata agrees everywhere', async () => {
      const runs = await initdbRuns(t, db);
      check(runs === 1, `initdb ran ${runs} times before the stop`);
      const onDisk = await systemIdentifiers(t, db);
      check([...onDisk.values()].every((id) => id === identifier), `data folders: ${JSON.stringify([...onDisk])}, expected ${identifier}`);
    });

    await t.step(`kubectl scale statefulset -n demo ha-postgres --replicas=0: every pod stopped`, async () => {
      await t.cluster.sh(`kubectl scale statefulset -n ${db.namespace} ${db.name} --replicas=0`);
      await t.waitFor('no member pods left', async () => (await db.members()).length === 0, RECOVERY_MS);
    });

    await t.step(`kubectl scale statefulset -n demo ha-postgres --replicas=${members.length}: the cluster re-forms, one primary, two ready replicas`, async () => {
      await t.cluster.sh(`kubectl scale statefulset -n ${db.namespace} ${db.name} --replicas=${members.length}`);
      const after = await t.waitFor('the topology', () => db.topology(members.length), BOOTSTRAP_MS);
      await t.waitFor('both standbys streaming', () => db.streaming(after.replicas), BOOTSTRAP_MS);
    });

    await t.step('same system identifier over SQL and in every data folder (pg_controldata); the new pods ran no initdb', async () => {
      const [row] = await db.sql<{ id: string }>(db.service(), 'select system_identifier::text as id from pg_control_system()');
      check(row.id === identifier, `system identifier changed from ${identifier} to ${row.id}`);
      const onDisk = await systemIdentifiers(t, db);
      check(JSON.stringify([...onDisk.keys()]) === JSON.stringify(members), `members now: ${[...onDisk.keys()]}`);
      check([...onDisk.values()].every((id) => id === identifier), `data folders: ${JSON.stringify([...onDisk])}, expected ${identifier}`);
      const runs = await initdbRuns(t, db);
      check(runs === 0, `initdb ran ${runs} times after the restart`);
    });

    await t.step('every row is still there', async () => {
      const [row] = await db.sql<{ n: number }>(db.service(), 'select count(*)::int as n from restart_rows');
      check(row.n === ROWS, `found ${row.n} of ${ROWS} rows`);
    });
  },
};
