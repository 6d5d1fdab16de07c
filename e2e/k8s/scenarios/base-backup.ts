/**
 * Base backups on the real cluster, to a real S3 server: a person asks for one with kubectl annotate on
 * the Lease; a hot standby takes it (BackupStarted, BackupCompleted Events on its pod); the store holds
 * base.tar.gz, backup_manifest and backup.json, and every file of the tar matches the manifest. A second
 * backup with `retainCount: 1` deletes the first and the WAL only it needed.
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parseBackupRecord, type BaseBackupRecord } from '../../../agent/backup/backup-record';
import { compareWithManifest, parseManifest } from '../../../agent/backup/manifest';
import type { S3Store } from '../../../agent/backup/s3';
import { BackupTarFilter } from '../../../agent/backup/tar-filter';
import { check } from '../../harness/scenario';
import { startStore, storeClient, writeAndSwitch } from '../backup-store';
import type { Database } from '../database';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

const BACKUP_MS = 180_000;

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

async function requestBackup(t: KubeContext, db: Database, store: S3Store, root: string, replicas: readonly string[], n: number): Promise<BaseBackupRecord> {
  const lease = `${db.name}-leader`;
  await t.step(`kubectl annotate lease ${lease} cdk8s-postgres-ha/backup=now`, () => t.cluster.sh(`kubectl annotate lease -n ${db.namespace} ${lease} cdk8s-postgres-ha/backup=now --overwrite`));
  const completed = await t.step('kubectl get events --field-selector reason=BackupCompleted: on a standby, with size and duration', () => t.waitFor('the BackupCompleted Event', async () => {
    const out = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=BackupCompleted -o jsonpath='{range .items[*]}{.involvedObject.name} {.message}{"\\n"}{end}'`);
    const lines = out.trim().split('\n').filter(Boolean);
    return lines.length >= n ? lines[n - 1] : undefined;
  }, BACKUP_MS));
  const member = completed.split(' ')[0];
  check(replicas.includes(member), `${member} took the backup; the standbys are ${replicas.join(', ')}`);
  const started = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=BackupStarted,involvedObject.name=${member} -o jsonpath='{range .items[*]}{.message}{"\\n"}{end}'`);
  check(started.includes('requested'), `no BackupStarted Event on ${member}: ${started}`);
  const annotation = await t.cluster.sh(`kubectl get lease -n ${db.namespace} ${lease} -o jsonpath='{.metadata.annotations.cdk8s-postgres-ha/backup}'`);
  check(annotation.trim() === '', `the request annotation is still on the Lease: ${annotation}`);

  const id = /base backup (\d{8}T\d{6}Z) completed/.exec(completed)?.[1];
  check(id !== undefined, `no backup id in "${completed}"`);
  return t.step(`the store: base/${id}/ holds base.tar.gz, backup_manifest and backup.json; every file of the tar matches the manifest's SHA-256`, async () => {
    const folder = `${root}base/${id}/`;
    const keys = (await store.list(folder)).map((o) => o.key.slice(folder.length));
    check(keys.join(',') === 'backup.json,backup_manifest,base.tar.gz', `${folder} holds ${keys.join(', ')}`);
    const record = parseBackupRecord((await store.get(`${folder}backup.json`))!.toString('utf8'));
    check(record.member === member && record.id === id, `backup.json names ${record.member} and ${record.id}`);
    const gz = (await store.get(`${folder}base.tar.gz`))!;
    check(createHash('sha256').update(gz).digest('hex') === record.compressedSha256, 'base.tar.gz does not hash to compressedSha256');
    const filter = new BackupTarFilter();
    await pipeline(Readable.from([gz]), createGunzip(), filter, new Writable({ write: (_c, _e, cb) => cb() }));
    const problems = compareWithManifest(parseManifest((await store.get(`${folder}backup_manifest`))!), filter.files);
    check(problems.length === 0, `the tar differs from the manifest: ${problems.slice(0, 3).join('; ')}`);
    check(filter.bytes === record.bytes, `the tar is ${filter.bytes} bytes, backup.json says ${record.bytes}`);
    const status = (await db.agentStatus(member)) as { backup: { last: { ok: boolean; id: string } | null } | null };
    check(status.backup?.last?.ok === true && status.backup.last.id === id, `${member}'s /status backup.last is ${JSON.stringify(status.backup?.last)}`);
    return record;
  });
}
