/**
 * Point-in-time recovery into a new cluster, on the real cluster and a real S3 server: backup-postgres
 * archives its WAL; a person asks for a base backup (kubectl annotate on the Lease) and a standby's agent
 * takes it; rows, a recorded time, more rows; the cluster is deleted; restored-postgres, with `restore` to
 * that time, holds exactly the rows committed before it, its standbys stream from the restored primary,
 * and it archives under its own root on a new timeline.
 */
import { PostgresVersion, RecoveryTarget } from '../../../lib';
import type { S3Server } from '../../../test/support/s3-server';
import { check } from '../../support/scenario';
import { requestBackup } from '../base-backup-request';
import { startStore, storeClient, walRoot, writeAndSwitch } from '../backup-store';
import { Database } from '../database';
import { renderRestored, RESTORED_POSTGRES } from '../restore-postgres';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

export const restore: KubeScenario = {
  name: 'restore',
  summary: 'backup-postgres → restored-postgres: a base backup the agents took on request and the WAL archive restored into a new cluster at a recorded time; exactly the rows before it, standbys streaming, a new timeline archived under its own root',
  chart: 'backup-postgres',
  majors: [DEFAULT_MAJOR],
  run: async (t, db) => {
    const s3 = await startStore(t, db);
    try {
      await pointInTime(t, db, s3);
    } finally {
      await s3.stop();
    }
  },
};

async function pointInTime(t: KubeContext, db: Database, s3: S3Server): Promise<void> {
  const store = storeClient(s3);
  const source = await t.step('backup-postgres: one primary, two replicas streaming', async () => {
    const topology = await t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS);
    await t.waitFor('both standbys streaming', () => db.streaming(topology.replicas), BOOTSTRAP_MS);
    return topology;
  });
  const root = (await walRoot(db)).replace(/wal\/$/, '');
  await db.sql(db.service(), 'create table orders (id int primary key, phase text)');

  const backup = await requestBackup(t, db, store, root, source.replicas, 1);

  const target = await t.step('100 rows committed, then the time recorded (select clock_timestamp()), then 100 more rows', async () => {
    await db.sql(db.service(), "insert into orders select g, 'before' from generate_series(1, 100) g");
    const [{ at }] = await db.sql<{ at: string }>(db.service(), `select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await db.sql(db.service(), "insert into orders select g, 'after' from generate_series(101, 200) g");
    return at;
  });
  await t.step('the WAL with both sets of rows archived (a segment switched, /status archive.backlog 0)', async () => {
    const last = await writeAndSwitch(db, 'filler');
    await t.waitFor('the segment in the store', async () => ((await store.head(`${root}wal/${last.slice(0, 8)}/${last}.gz`)) ? true : undefined), 60_000);
  });

  await t.step('the cluster deleted: kubectl delete statefulset backup-postgres; kubectl delete pvc -l app.kubernetes.io/instance=backup-postgres', async () => {
    await t.cluster.sh(`kubectl delete statefulset -n ${db.namespace} ${db.name} --wait=true && kubectl delete pvc -n ${db.namespace} -l ${db.selector} --wait=true`, 180_000);
  });

  const file = renderRestored(PostgresVersion.of(DEFAULT_MAJOR), RecoveryTarget.time(target));
  const restored = new Database(t.cluster, RESTORED_POSTGRES, db.namespace);
  // One step from apply to a streaming cluster: its printed time is the restore's RTO on this database.
  const topology = await t.step(`restored-postgres with restore: { cluster: '${db.name}', target: RecoveryTarget.time('${target}') }: `
    + `kubectl apply --server-side -f e2e/.work/rendered/restore/${RESTORED_POSTGRES}.k8s.yaml; then one pod labelled primary, two replicas streaming from it`, async () => {
    await t.cluster.sh(`kubectl apply --server-side --validate=strict -f ${file}`);
    const seen = await t.waitFor('the restored topology', () => restored.topology(), BOOTSTRAP_MS * 2);
    await t.waitFor('both standbys streaming', () => restored.streaming(seen.replicas), BOOTSTRAP_MS);
    return seen;
  });

  await t.step(`exactly the 100 rows committed before ${target}`, async () => {
    const rows = await restored.sql<{ phase: string; n: number }>(restored.service(), 'select phase, count(*)::int as n from orders group by phase');
    check(JSON.stringify(rows) === JSON.stringify([{ phase: 'before', n: 100 }]), `rows: ${JSON.stringify(rows)}`);
  });
  await t.step(`the RestoreCompleted Event on ${topology.primary} names base backup ${backup.id}`, () => t.waitFor('the Event', async () => {
    const events = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=RestoreCompleted -o jsonpath='{.items[*].message}'`);
    return events.includes(`restored base backup ${backup.id} to time ${target}`) ? events : undefined;
  }, 30_000));
  await t.step(`restored-postgres archives under its own root, pgha/${RESTORED_POSTGRES}/${backup.systemIdentifier}/, starting with timeline 2's history file`, () =>
    t.waitFor('the new timeline archived', async () => {
      const key = `pgha/${RESTORED_POSTGRES}/${backup.systemIdentifier}/wal/00000002/00000002.history.gz`;
      return (await store.head(key)) ? key : undefined;
    }, 60_000));
}
