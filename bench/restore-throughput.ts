/**
 * Restore figures, on real PostgreSQL 15 and a real S3 server (versitygw on 127.0.0.1), through the same
 * path as in a pod: the agent's RestoreRunner streams base.tar.gz from the store through a FIFO into
 * supervisor.sh's tar, then PostgreSQL recovers through wal.sh and promotes.
 *
 * - the floor: `pg_basebackup -Ft -X none` of the database to a local folder;
 * - the base backup stored by the test fixture (pg_basebackup, gzip in memory, one PUT each);
 * - the restore to the latest state: choose + download + unpack, then recovery to promotion; MiB/s of the
 *   data folder. The restore's whole time is the RTO of a database this size, before the standbys clone.
 *
 *   npx ts-node --transpile-only bench/restore-throughput.ts [--mib 1024]   (about 5 minutes at 1 GiB)
 *
 * Needs root, Debian's postgresql-15 and Go (versitygw is built once and cached).
 */
import { chownSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { archiveRoot } from '../agent/backup/layout';
import { S3Store } from '../agent/backup/s3';
import { WalServer } from '../agent/backup/wal-server';
import { readControlData } from '../agent/postgres/pg-control';
import { takeBaseBackup } from '../test/support/base-backup-fixture';
import { PgFixture, runAsPostgres } from '../test/support/pg-fixture';
import { startRestoringMember } from '../test/support/restoring-member';
import { S3Server } from '../test/support/s3-server';

const WAL_SH = join(__dirname, '..', 'agent', 'wal.sh');
const MIB = 1024 * 1024;

async function main(): Promise<void> {
  const mibFlag = process.argv.indexOf('--mib');
  const mib = mibFlag > 0 ? Number(process.argv[mibFlag + 1]) : 1024;
  const s3 = await S3Server.start();
  const fixture = await PgFixture.create();
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    await s3.createBucket('bench');
    const store = new S3Store({ endpoint: s3.endpoint, region: S3Server.REGION, bucket: 'bench', pathStyle: true },
      () => ({ accessKeyId: S3Server.ACCESS_KEY_ID, secretAccessKey: S3Server.SECRET_ACCESS_KEY }));
    const { uid, gid } = statSync(fixture.root);
    const runDir = join(fixture.root, 'run');
    const spoolDir = join(fixture.root, 'spool');
    for (const dir of [runDir, join(runDir, 'wal'), spoolDir]) {
      mkdirSync(dir, { recursive: true });
      chownSync(dir, uid, gid);
    }
    const primary = await fixture.createPrimary('source', {
      settings: { archive_mode: 'on', archive_command: `'PGHA_RUN_DIR=${runDir} /bin/bash ${WAL_SH} archive %p %f'`, max_wal_size: '4GB' },
    });
    const sysid = (await readControlData(primary.dataDir))!.systemIdentifier;
    const wal = new WalServer({ runDir, spoolDir, pgdata: primary.dataDir, store, archiveRoot: async () => archiveRoot('pgha', 'bench', sysid) });
    await wal.start();
    cleanups.push(() => wal.stop());

    // About 120 bytes a row on disk (tuple header, an int, 64 hex characters).
    const rows = Math.round((mib * MIB) / 120);
    let started = Date.now();
    await primary.query(`CREATE TABLE t AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) AS payload FROM generate_series(1, ${rows}) g`);
    await primary.query('CHECKPOINT');
    console.log(`database: ${rows} rows, filled in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const floorDir = join(fixture.root, 'floor');
    mkdirSync(floorDir);
    chownSync(floorDir, uid, gid);
    started = Date.now();
    await runAsPostgres('pg_basebackup', ['--pgdata', floorDir, '--format', 'tar', '--wal-method', 'none', '--checkpoint', 'fast', '--no-sync', '--host', primary.socketDir, '--port', String(primary.port), '--username', 'postgres']);
    const floorSeconds = (Date.now() - started) / 1000;
    // What a base backup holds (the data folder without pg_wal): the size every rate below is of.
    const dataMib = statSync(join(floorDir, 'base.tar')).size / MIB;
    console.log(`floor, pg_basebackup -Ft -X none to a local folder: ${dataMib.toFixed(0)} MiB in ${floorSeconds.toFixed(1)} s (${(dataMib / floorSeconds).toFixed(0)} MiB/s)`);

    started = Date.now();
    const record = await takeBaseBackup({ host: primary.socketDir, port: primary.port }, {
      store, prefix: 'pgha', cluster: 'bench', systemIdentifier: sysid, postgresMajor: 15, workDir: fixture.root,
    });
    const backupSeconds = (Date.now() - started) / 1000;
    console.log(`base backup by the test fixture (pg_basebackup, gzip, PUT): ${backupSeconds.toFixed(1)} s; tar ${(record.bytes / MIB).toFixed(0)} MiB → base.tar.gz ${(record.compressedBytes / MIB).toFixed(0)} MiB`);
    await primary.query("INSERT INTO t VALUES (-1, 'after the backup')");
    const segment = await primary.queryValue<string>('SELECT pg_walfile_name(pg_switch_wal())');
    await primary.waitUntil(`SELECT last_archived_wal >= '${segment}' FROM pg_stat_archiver`, 600_000);

    const member = await startRestoringMember({
      folder: join(fixture.root, 'restored'), name: 'restored', store, bucket: 'bench', prefix: 'pgha', cluster: 'restored', source: 'bench',
      target: { kind: 'latest' }, cleanups,
    });
    const marks: Array<[string, number]> = [];
    const progress = member.progress;
    started = Date.now();
    const watch = setInterval(() => {
      while (marks.length < progress.length) marks.push([progress[marks.length], Date.now()]);
    }, 20);
    const result = await member.run();
    clearInterval(watch);
    if (!result.ok) throw new Error(`${result.reason}\n${member.log()}`);
    const restoreSeconds = (Date.now() - started) / 1000;
    const recovering = marks.find(([what]) => what.startsWith('recovering'))?.[1] ?? started;
    const unpackSeconds = (recovering - started) / 1000;
    const [{ n }] = await member.query<{ n: string }>('SELECT count(*) AS n FROM t');
    console.log(`restore to latest (${n} rows back): ${restoreSeconds.toFixed(1)} s in all (${(dataMib / restoreSeconds).toFixed(0)} MiB/s of base backup); `
      + `choose + download + unpack ${unpackSeconds.toFixed(1)} s (${(dataMib / unpackSeconds).toFixed(0)} MiB/s), recovery to promotion ${(restoreSeconds - unpackSeconds).toFixed(1)} s`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await fixture.cleanup();
    await s3.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
