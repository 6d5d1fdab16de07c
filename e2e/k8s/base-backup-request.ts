/**
 * A base backup as a person asks for one: kubectl annotate on the Lease, then the BackupCompleted Event on
 * a standby, and the objects in the store checked (base.tar.gz's SHA-256, every file of the tar against
 * the manifest, /status). The base-backup scenario takes two; the restore scenario restores from one.
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parseBackupRecord, type BaseBackupRecord } from '../../agent/backup/backup-record';
import { compareWithManifest, parseManifest } from '../../agent/backup/manifest';
import type { S3Store } from '../../agent/backup/s3';
import { BackupTarFilter } from '../../agent/backup/tar-filter';
import { check } from '../support/scenario';
import type { Database } from './database';
import type { KubeContext } from './scenario';

const BACKUP_MS = 180_000;

/** Asks for the `n`th base backup of the scenario and returns its record once it is verified; `root` is `<prefix>/<cluster>/<system identifier>/`. */
export async function requestBackup(t: KubeContext, db: Database, store: S3Store, root: string, replicas: readonly string[], n: number): Promise<BaseBackupRecord> {
  const lease = `${db.name}-leader`;
  await t.step(`kubectl annotate lease ${lease} cdk8s-postgres-ha/backup=now`, () => t.cluster.sh(`kubectl annotate lease -n ${db.namespace} ${lease} cdk8s-postgres-ha/backup=now --overwrite`));
  const record = await completedBackup(t, db, store, root, replicas, 'requested', (lines) => lines[n - 1]);
  const annotation = await t.cluster.sh(`kubectl get lease -n ${db.namespace} ${lease} -o jsonpath='{.metadata.annotations.cdk8s-postgres-ha/backup}'`);
  check(annotation.trim() === '', `the request annotation is still on the Lease: ${annotation}`);
  return record;
}

/**
 * Waits for the BackupCompleted Event `which` picks (from the lines `<pod> <message>`, oldest first), checks
 * a standby took it and its BackupStarted Event says `how` it came about ('requested', or 'scheduled for
 * <slot>'), and verifies the objects in the store.
 */
export async function completedBackup(t: KubeContext, db: Database, store: S3Store, root: string, replicas: readonly string[], how: string, which: (lines: readonly string[]) => string | undefined): Promise<BaseBackupRecord> {
  const completed = await t.step('kubectl get events --field-selector reason=BackupCompleted: on a standby, with size and duration', () => t.waitFor('the BackupCompleted Event', async () => {
    // Events list by name (the pod's first), not by time: sorted by when they were first seen.
    const out = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=BackupCompleted --sort-by=.firstTimestamp -o jsonpath='{range .items[*]}{.involvedObject.name} {.message}{"\\n"}{end}'`);
    return which(out.trim().split('\n').filter(Boolean));
  }, BACKUP_MS));
  const member = completed.split(' ')[0];
  check(replicas.includes(member), `${member} took the backup; the standbys are ${replicas.join(', ')}`);
  const started = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=BackupStarted,involvedObject.name=${member} -o jsonpath='{range .items[*]}{.message}{"\\n"}{end}'`);
  check(started.includes(how), `no BackupStarted Event saying "${how}" on ${member}: ${started}`);

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
