/**
 * Restore figures, on real PostgreSQL 15 and a real S3 server (versitygw on 127.0.0.1), through the same
 * path as in a pod: the agent's RestoreRunner streams base.tar.gz (base.tar with `--compression none`)
 * from the store through a FIFO into supervisor.sh's tar, then PostgreSQL recovers through wal.sh and
 * promotes.
 *
 * - the floor: `pg_basebackup -Ft -X none` of the database to a local folder (fsynced, its default; with
 *   `--no-sync` too, a copy into the page cache);
 * - the agent's base backup (test/support/archiving-member.ts: the supervisor's pg_basebackup into its
 *   FIFO, the manifest check, gzip unless `--compression none`, and a multipart upload;
 *   bench/base-backup.ts has its throughput); its WAL is archived with the same compression;
 * - `--wal-mib` MiB of rows written after the backup (WAL the recovery fetches from the archive and replays);
 * - the restore to the latest state: choose + download + unpack, then recovery to promotion; MiB/s of the
 *   data folder. The restore's whole time is the RTO of a database this size, before the standbys clone.
 *   Recovery is broken down from PostgreSQL's log: start to the first redo, redo (segments fetched through
 *   wal.sh), the end-of-recovery checkpoint, and the agent seeing the promotion.
 *
 *   npx ts-node --transpile-only bench/restore-throughput.ts [--mib 1024] [--wal-mib 256] [--compression gzip|none]
 *   (about 5 minutes at 1 GiB)
 *
 * Needs root, Debian's postgresql-15 and Go (versitygw is built once and cached).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Zstd, zstdUnavailableMessage } from '../agent/backup/compression';
import { COMPRESSIONS, type Compression } from '../agent/backup/layout';
import { startArchivingMember } from '../test/support/archiving-member';
import { PgFixture, runAsPostgres } from '../test/support/pg-fixture';
import { startRestoringMember } from '../test/support/restoring-member';
import { S3Server } from '../test/support/s3-server';
import { flag } from './process-figures';

const MIB = 1024 * 1024;

/** When PostgreSQL logged the first line matching `pattern` (log_line_prefix '%m '), in ms since the epoch. */
function loggedAt(log: string, pattern: RegExp): number | null {
  const line = log.split('\n').find((l) => pattern.test(l));
  const stamp = line && /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\w+)/.exec(line);
  return stamp ? Date.parse(`${stamp[1].replace(' ', 'T')}Z`) : null;
}

async function main(): Promise<void> {
  const mib = flag('--mib', 1024);
  const walMib = flag('--wal-mib', 256);
  const compressionAt = process.argv.indexOf('--compression');
  const compression = (compressionAt > 0 ? process.argv[compressionAt + 1] : 'gzip') as Compression;
  if (!COMPRESSIONS.includes(compression)) throw new Error(`--compression takes one of ${COMPRESSIONS.join(', ')}, got ${compression}`);
  if (compression === 'zstd' && !new Zstd().available) {
    throw new Error(`--compression zstd: ${zstdUnavailableMessage()}. Run the bench under Node.js 24: npx ts-node --transpile-only test/node24.ts --script bench/restore-throughput.ts ${process.argv.slice(2).join(' ')}`);
  }
  const s3 = await S3Server.start();
  const fixture = await PgFixture.create();
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    await s3.createBucket('bench');
    const store = s3.client('bench');
    const source = await startArchivingMember({
      fixture, name: 'source', store, prefix: 'pgha', cluster: 'bench', settings: { max_wal_size: '4GB' }, compression, cleanups,
      make: (settings) => fixture.createPrimary('source', { settings }),
    });
    const primary = source.server;
    const { uid, gid } = statSync(fixture.root);

    // About 120 bytes a row on disk (tuple header, an int, 64 hex characters).
    const rows = Math.round((mib * MIB) / 120);
    let started = Date.now();
    await primary.query(`CREATE TABLE t AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) AS payload FROM generate_series(1, ${rows}) g`);
    // Settled before the backup: autovacuum would otherwise set the hint bits of every page after it
    // (with data checksums, a full-page image each: about as much WAL as the table), and the restore to
    // the latest state would replay that too.
    await primary.query('VACUUM (ANALYZE) t');
    await primary.query('CHECKPOINT');
    console.log(`database: ${rows} rows, filled and vacuumed in ${((Date.now() - started) / 1000).toFixed(1)} s (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);

    // The floor as pg_basebackup runs by default (its files fsynced before it exits), and with --no-sync
    // (into the page cache) beside it.
    const floor = async (name: string, synced: boolean): Promise<{ mib: number; seconds: number }> => {
      const dir = join(fixture.root, name);
      mkdirSync(dir);
      chownSync(dir, uid, gid);
      execFileSync('sync', ['-f', fixture.root]); // what the load left dirty is not the floor's to write
      const at = Date.now();
      await runAsPostgres('pg_basebackup', ['--pgdata', dir, '--format', 'tar', '--wal-method', 'none', '--checkpoint', 'fast', ...(synced ? [] : ['--no-sync']), '--host', primary.socketDir, '--port', String(primary.port), '--username', 'postgres']);
      const seconds = (Date.now() - at) / 1000;
      const mib = statSync(join(dir, 'base.tar')).size / MIB;
      rmSync(dir, { recursive: true, force: true });
      execFileSync('sync', ['-f', fixture.root]);
      return { mib, seconds };
    };
    const synced = await floor('floor', true);
    const pageCache = await floor('floor-nosync', false);
    // What a base backup holds (the data folder without pg_wal): the size every rate below is of.
    const dataMib = synced.mib;
    console.log(`floor, pg_basebackup -Ft -X none to a local folder: ${dataMib.toFixed(0)} MiB in ${synced.seconds.toFixed(1)} s (${(dataMib / synced.seconds).toFixed(0)} MiB/s); `
      + `with --no-sync ${pageCache.seconds.toFixed(1)} s (${(dataMib / pageCache.seconds).toFixed(0)} MiB/s)`);

    started = Date.now();
    const record = await source.backup();
    const backupSeconds = (Date.now() - started) / 1000;
    console.log(`base backup by the agent (supervisor's pg_basebackup, manifest check, compression ${compression}, multipart upload): ${backupSeconds.toFixed(1)} s; tar ${(record.bytes / MIB).toFixed(0)} MiB → ${(record.compressedBytes / MIB).toFixed(0)} MiB stored`);
    await primary.query(`INSERT INTO t SELECT -g, md5(g::text) || md5((g + 1)::text) FROM generate_series(1, ${Math.round((walMib * MIB) / 180)}) g`);
    await primary.query("INSERT INTO t VALUES (0, 'after the backup')");
    const walBytes = await primary.queryValue<string>(`SELECT pg_current_wal_lsn() - '${record.endLsn}'::pg_lsn`);
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
    const log = member.log();
    const at = (pattern: RegExp) => loggedAt(log, pattern);
    // tar -x leaves the files in the page cache; PostgreSQL fsyncs the data folder before its first redo
    // (a backup's pg_control says it was not shut down cleanly). Until then the restored files are not durable.
    const firstRedo = at(/redo starts at/);
    if (firstRedo) {
      const durable = (firstRedo - started) / 1000;
      console.log(`restored files on disk (unpack, then PostgreSQL's fsync of the data folder, to its first redo): ${durable.toFixed(1)} s = ${(dataMib / durable).toFixed(0)} MiB/s, `
        + `${((synced.seconds / durable) * 100).toFixed(0)} % of the floor's rate`);
    }
    // The log's stamps and the runner's marks are two clocks read 20 ms apart at most: never below 0.
    const span = (from: number | null, to: number | null) => (from && to ? `${Math.max(0, (to - from) / 1000).toFixed(1)} s` : '?');
    const redoStart = at(/redo starts at/);
    const redoDone = at(/redo done at/);
    const checkpoint = at(/checkpoint starting: end-of-recovery/);
    const ready = at(/database system is ready to accept connections/);
    const walMiB = Number(walBytes) / MIB;
    const segments = log.split('\n').filter((l) => /restored log file "[0-9A-F]{24}"/.test(l)).length;
    console.log(`recovery: start to first redo ${span(recovering, redoStart)}; redo ${span(redoStart, redoDone)} (${segments} segments fetched, ${walMiB.toFixed(0)} MiB of WAL written after the backup`
      + `${redoStart && redoDone ? `, ${(walMiB / ((redoDone - redoStart) / 1000)).toFixed(0)} MiB/s` : ''}); redo done to end-of-recovery checkpoint ${span(redoDone, checkpoint)}; `
      + `checkpoint to ready ${span(checkpoint, ready)}; ready to the agent seeing it ${span(ready, started + restoreSeconds * 1000)} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
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
