/**
 * Restores into new clusters, on the real cluster and a real S3 server. backup-postgres (synchronous
 * replication) archives its WAL; a person asks for a base backup (kubectl annotate on the Lease) and a
 * standby's agent takes it; rows, a recorded time, more rows; then a writer through the primary Service
 * while the primary is deleted during archiving, so the archive holds two timelines; the last segment
 * switched, and the cluster deleted. Two new clusters start from the store:
 * - latest-postgres, `restore` to the latest state: every write the source acknowledged, of both
 *   timelines; its time to ready and to a first write is the restore's RTO;
 * - restored-postgres, `restore` to the recorded time: exactly the rows committed before it.
 * Each is on a timeline no source file has (3), its standbys clone from the restored primary, it
 * archives under its own root, and no object of the source's archive is changed, added or removed.
 */
import { PostgresVersion, RecoveryTarget } from '../../../lib';
import type { BaseBackupRecord } from '../../../agent/backup/backup-record';
import type { S3Store } from '../../../agent/backup/s3';
import type { S3Server } from '../../../test/support/s3-server';
import { check, seconds } from '../../support/scenario';
import { WRITES_TABLE } from '../../load/writer';
import { requestBackup } from '../base-backup-request';
import { startStore, storeClient, walRoot, writeAndSwitch } from '../backup-store';
import { Database, ROLE_LABEL } from '../database';
import { LATEST_POSTGRES, renderRestored, RESTORED_POSTGRES } from '../restore-postgres';
import { describeWrites, startWriter, summarize } from '../rollout';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { waitForQuorum } from './sync-failover';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

/** The writer's rows: `bench_writes` with this trial number. */
const TRIAL = 1;
/** Writes the new primary acknowledges before the writer stops (20 ms apart: about a second). */
const NEW_TIMELINE_WRITES = 50;
/** The timeline a restore promotes to: the source's archive holds 1 and 2 (its failover). */
const RESTORED_TIMELINE = '00000003';

export const restore: KubeScenario = {
  name: 'restore',
  summary: 'backup-postgres (sync) → new clusters from a base backup the agents took on request and the WAL archive: to the latest state after a failover during archiving (every acknowledged write of both timelines), and to a recorded time (exactly the rows before it); standbys streaming, timeline 3 archived under each own root, the source\'s archive unchanged',
  chart: 'backup-postgres',
  majors: [DEFAULT_MAJOR],
  run: async (t, db) => {
    const s3 = await startStore(t, db);
    try {
      await restores(t, db, s3);
    } finally {
      await s3.stop();
    }
  },
};

async function restores(t: KubeContext, db: Database, s3: S3Server): Promise<void> {
  const store = storeClient(s3);
  const source = await t.step('backup-postgres: one primary, two replicas streaming, the Lease records them as the synchronous quorum', async () => {
    const topology = await t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS);
    await t.waitFor('both standbys streaming', () => db.streaming(topology.replicas), BOOTSTRAP_MS);
    // Only a recorded quorum member may be promoted: the failover below needs one.
    await waitForQuorum(t, db, topology.replicas, BOOTSTRAP_MS);
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

  const acknowledged = await failoverDuringArchiving(t, db, store, root, source.primary);

  await t.step('the cluster deleted: kubectl delete statefulset backup-postgres; kubectl delete pvc -l app.kubernetes.io/instance=backup-postgres', async () => {
    await t.cluster.sh(`kubectl delete statefulset -n ${db.namespace} ${db.name} --wait=true && kubectl delete pvc -n ${db.namespace} -l ${db.selector} --wait=true`, 180_000);
  });
  // Nothing of the source runs any more: from here on, its archive must stay exactly as it is.
  const archived = await sourceArchive(store, root);

  await restoreLatest(t, db, store, backup, acknowledged);
  await restoreToTime(t, db, store, backup, target);

  await t.step(`the source's archive, ${root}: the same ${archived.size} objects, none changed, added or removed`, async () => {
    const now = await sourceArchive(store, root);
    const changed = [...new Set([...archived.keys(), ...now.keys()])].filter((key) => archived.get(key) !== now.get(key));
    check(changed.length === 0, `changed in the source's archive: ${changed.slice(0, 5).join(', ')}`);
  });
  const latestRoot = `pgha/${LATEST_POSTGRES}/${backup.systemIdentifier}/wal/`;
  await t.step(`${latestRoot}: only what ${LATEST_POSTGRES} wrote itself (timeline ${RESTORED_TIMELINE}, the .partial where recovery ended), none of the source's WAL it replayed`, async () => {
    const own = (await store.list(latestRoot)).map((o) => o.key.slice(latestRoot.length));
    const copied = own.filter((key) => !key.startsWith(`${RESTORED_TIMELINE}/`) && !key.endsWith('.partial.gz'));
    check(copied.length === 0, `copied from the source: ${copied.join(', ')}`);
  });
}

/**
 * The writer through Service backup-postgres; a segment switched and the primary deleted at once, so
 * members archive while the primary changes; writes acknowledged by the new primary; the last segment
 * switched and archived, as a person does before restoring a source's latest state (README.md,
 * "Restore and point-in-time recovery": without it, the latest archived state is up to archiveTimeout
 * old). Returns the ids the writer saw acknowledged.
 */
async function failoverDuringArchiving(t: KubeContext, db: Database, store: S3Store, root: string, primary: string): Promise<number[]> {
  const writer = await t.step(`a writer through Service ${db.name}: an insert into ${WRITES_TABLE} every 20 ms, each acknowledged id recorded`, () => startWriter(db, TRIAL));
  await t.step(`a segment switched (select pg_switch_wal()), then at once: kubectl delete pod ${primary}`, async () => {
    await db.sql(db.service(), 'select pg_switch_wal()');
    await t.cluster.sh(`kubectl delete pod -n ${db.namespace} ${primary} --wait=false`);
  });
  const first = await t.step('the writer\'s first write acknowledged by another pod', () =>
    writer.waitForAck((w) => w.pod !== primary, RECOVERY_MS, 'a write on the new primary'));
  await t.step(`${NEW_TIMELINE_WRITES} more writes acknowledged by ${first.pod}`, () =>
    writer.waitForAck((w) => w.id >= first.id + NEW_TIMELINE_WRITES, RECOVERY_MS, `${NEW_TIMELINE_WRITES} more writes`));
  const summary = await summarize(db, writer, TRIAL);
  await t.step(`writer stopped: ${describeWrites(summary)}`, async () => {
    check(summary.lost === 0, `${summary.lost} acknowledged writes lost by the failover`);
    check(summary.primaries.join(',') === `${primary},${first.pod}`, `the writes went to ${summary.primaries.join(' → ')}`);
  });
  await t.step(`on ${first.pod}, timeline 00000002: select pg_switch_wal(); the segment in the store`, async () => {
    const last = await writeAndSwitch(db, 'filler');
    check(last.startsWith('00000002'), `the new primary writes ${last}, not timeline 2`);
    await t.waitFor('the segment in the store', async () => ((await store.head(`${root}wal/${last.slice(0, 8)}/${last}.gz`)) ? true : undefined), 60_000);
  });
  return writer.log.writes.map((w) => w.id);
}

/** latest-postgres to the latest state: the RTO (apply → ready primary → first write), then every acknowledged write. */
async function restoreLatest(t: KubeContext, db: Database, store: S3Store, backup: BaseBackupRecord, acknowledged: readonly number[]): Promise<void> {
  const file = renderRestored(LATEST_POSTGRES, PostgresVersion.of(DEFAULT_MAJOR), RecoveryTarget.latest());
  const latest = new Database(t.cluster, LATEST_POSTGRES, db.namespace);
  const appliedAt = Date.now();
  await t.step(`${LATEST_POSTGRES} with restore: { cluster: '${db.name}' } (target: RecoveryTarget.latest(), the default): kubectl apply --server-side -f e2e/.work/rendered/restore/${LATEST_POSTGRES}.k8s.yaml`, () =>
    t.cluster.sh(`kubectl apply --server-side --validate=strict -f ${file}`));
  const primary = await t.waitFor('a ready pod labelled primary', async () =>
    (await latest.members()).find((p) => p.labels[ROLE_LABEL] === 'primary' && p.ready && !p.deleting)?.name, BOOTSTRAP_MS * 2);
  const readyAt = Date.now();
  await t.waitFor(`a write through Service ${LATEST_POSTGRES}`, () => latest.sql(latest.service(), `insert into ${WRITES_TABLE} values (${TRIAL + 1}, 1) on conflict do nothing`), BOOTSTRAP_MS);
  const writableAt = Date.now();
  await t.step(`RTO: ${primary} labelled primary and ready ${seconds(readyAt - appliedAt)}, a write through Service ${LATEST_POSTGRES} ${seconds(writableAt - appliedAt)} after kubectl apply`, async () => undefined);
  const topology = await t.step('then two replicas streaming from it (cloned from the restored primary)', async () => {
    const seen = await t.waitFor('the restored topology', () => latest.topology(), BOOTSTRAP_MS);
    await t.waitFor('both standbys streaming', () => latest.streaming(seen.replicas), BOOTSTRAP_MS);
    return seen;
  });
  check(topology.primary === primary, `the primary moved from ${primary} to ${topology.primary}`);

  await t.step(`every one of the ${acknowledged.length} writes the source acknowledged (both timelines) and the 200 orders rows`, async () => {
    const rows = await latest.sql<{ id: number }>(latest.service(), `select id from ${WRITES_TABLE} where trial = $1`, [TRIAL]);
    const present = new Set(rows.map((r) => r.id));
    const missing = acknowledged.filter((id) => !present.has(id));
    check(missing.length === 0, `${missing.length} acknowledged writes missing, the first ${missing.slice(0, 5).join(', ')}`);
    const [{ n }] = await latest.sql<{ n: number }>(latest.service(), 'select count(*)::int as n from orders');
    check(n === 200, `${n} orders rows, not 200`);
  });
  await checkRestored(t, latest, store, backup, topology.primary, 'the latest state in the archive');
}

/** restored-postgres to the recorded time: exactly the rows committed before it. */
async function restoreToTime(t: KubeContext, db: Database, store: S3Store, backup: BaseBackupRecord, target: string): Promise<void> {
  const file = renderRestored(RESTORED_POSTGRES, PostgresVersion.of(DEFAULT_MAJOR), RecoveryTarget.time(target));
  const restored = new Database(t.cluster, RESTORED_POSTGRES, db.namespace);
  // One step from apply to a streaming cluster: its printed time is the restore's RTO on this database.
  const topology = await t.step(`${RESTORED_POSTGRES} with restore: { cluster: '${db.name}', target: RecoveryTarget.time('${target}') }: `
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
  await checkRestored(t, restored, store, backup, topology.primary, `time ${target}`);
}

/** What every restore shows: the RestoreCompleted Event, timeline 3, and its history file under its own root. */
async function checkRestored(t: KubeContext, cluster: Database, store: S3Store, backup: BaseBackupRecord, primary: string, target: string): Promise<void> {
  const completed = await t.waitFor(`the RestoreCompleted Event on ${primary}`, async () => {
    const out = await t.cluster.sh(`kubectl get events -n ${cluster.namespace} --field-selector reason=RestoreCompleted,involvedObject.name=${primary} -o jsonpath='{range .items[*]}{.message}{"\\n"}{end}'`);
    return out.split('\n').find((m) => m.startsWith(`restored base backup ${backup.id} to ${target} in `));
  }, 30_000);
  await t.step(`kubectl get events --field-selector reason=RestoreCompleted: ${primary} "${completed}"`, async () => undefined);
  const key = `pgha/${cluster.name}/${backup.systemIdentifier}/wal/${RESTORED_TIMELINE}/${RESTORED_TIMELINE}.history.gz`;
  await t.step(`${cluster.name} writes timeline ${RESTORED_TIMELINE} and archives under its own root: ${key}`, async () => {
    const [{ timeline }] = await cluster.sql<{ timeline: string }>(cluster.service(), 'select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) as timeline');
    check(timeline === RESTORED_TIMELINE, `${cluster.name} is on timeline ${timeline}`);
    await t.waitFor('the new timeline archived', async () => ((await store.head(key)) ? key : undefined), 60_000);
  });
}

/** Every object under the source's root, with its size and time: a changed object changes either. */
async function sourceArchive(store: S3Store, root: string): Promise<Map<string, string>> {
  return new Map((await store.list(root)).map((o) => [o.key, `${o.size} ${o.lastModified.toISOString()}`]));
}
