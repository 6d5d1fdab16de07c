/**
 * Base backups on the real cluster, to a real S3 server: a person asks for one with kubectl annotate on
 * the Lease; a hot standby takes it (BackupStarted, BackupCompleted Events on its pod); the store holds
 * base.tar.gz, backup_manifest and backup.json, and every file of the tar matches the manifest. A second
 * backup with `retainCount: 1` deletes the first and the WAL only it needed.
 */
import type { S3Store } from '../../../agent/backup/s3';
import { check } from '../../support/scenario';
import { requestBackup } from '../base-backup-request';
import { startStore, storeClient, writeAndSwitch } from '../backup-store';
import type { Database } from '../database';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

export const baseBackup: KubeScenario = {
  name: 'base-backup',
  summary: 'backup-postgres: kubectl annotate asks for a base backup; a hot standby takes it; Events, /status, verified objects in S3; retainCount 1 prunes the first backup and its WAL',
  chart: 'backup-postgres',
  majors: [DEFAULT_MAJOR],
  run: async (t, db) => {
    const s3 = await startStore(t, db);
    try {
      await backups(t, db, storeClient(s3));
    } finally {
      await s3.stop();
    }
  },
};

async function backups(t: KubeContext, db: Database, store: S3Store): Promise<void> {
  const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
  await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
  const [{ sysid }] = await db.sql<{ sysid: string }>(db.service(), 'select system_identifier::text as sysid from pg_control_system()');
  const root = `pgha/${db.name}/${sysid}/`;
  await t.step('rows written and a segment switched', () => writeAndSwitch(db, 'backed_up_rows'));

  const first = await requestBackup(t, db, store, root, before.replicas, 1);
  // A standby's backup starts at its last restartpoint, which moves only past a checkpoint of the primary.
  await t.step('more rows written, two segments switched, and a CHECKPOINT on the primary', async () => {
    await writeAndSwitch(db, 'backed_up_rows');
    await writeAndSwitch(db, 'backed_up_rows');
    await db.sql(db.service(), 'checkpoint');
  });
  const second = await requestBackup(t, db, store, root, before.replicas, 2);
  check(second.startWalFile > first.startWalFile, `the second backup starts at ${second.startWalFile}, not after the first's ${first.startWalFile}`);

  await t.step(`kubectl get events --field-selector reason=BackupsPruned: retention deleted ${first.id} on ${before.primary}`, () => t.waitFor('the BackupsPruned Event', async () => {
    const out = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=BackupsPruned,involvedObject.name=${before.primary} -o jsonpath='{range .items[*]}{.message}{"\\n"}{end}'`);
    return out.includes(first.id) ? out.trim() : undefined;
  }, 60_000));
  await t.step(`the store: only ${second.id} under base/, no WAL segment before ${second.startWalFile}, every history file kept`, async () => {
    const folders = new Set((await store.list(`${root}base/`)).map((o) => o.key.slice(`${root}base/`.length).split('/')[0]));
    check(folders.size === 1 && folders.has(second.id), `base/ holds ${[...folders].join(', ')}`);
    const wal = (await store.list(`${root}wal/`)).map((o) => o.key.split('/').pop()!.replace(/\.gz$/, ''));
    const older = wal.filter((name) => !name.endsWith('.history') && name.slice(8, 24) < second.startWalFile.slice(8, 24));
    check(older.length === 0, `WAL before ${second.startWalFile} is still stored: ${older.join(', ')}`);
    check(wal.includes(second.startWalFile) && wal.includes(second.endWalFile), `the WAL ${second.startWalFile}..${second.endWalFile} the kept backup needs is missing`);
    return `${wal.length} WAL file(s) kept`;
  });
}
