/**
 * Base backup throughput, on real PostgreSQL 15 and a real S3 server (versitygw on 127.0.0.1), through
 * the same path as in a pod (agent/supervisor.sh's `base-backup` into its FIFO; the agent's tar filter,
 * gzip or zstd unless the compression is none, and multipart upload), beside `pg_basebackup -Ft -X none` to a
 * local folder as the floor. DESIGN.md's target: ≥ 80 % of the floor's throughput.
 *
 * Both sides are timed until the backup is on disk: pg_basebackup fsyncs its files before it exits (its
 * default), and the agent's backup counts the syncfs of versitygw's folder (versitygw answers before its
 * files reach the disk; S3 itself answers once an object is durable). The floor with `--no-sync`, a copy
 * into the page cache, is printed too, with the agent's time before that syncfs against it.
 *
 *   npx ts-node --transpile-only bench/base-backup.ts [--gib 1] [--runs 2] [--compression gzip,none]
 *   (about 5 minutes at 1 GiB; each run takes the floor, then one backup per compression listed)
 *
 * zstd needs node:zlib's zstd (Node.js 22.15 or later, as the agent's node:24-alpine): run it under the
 * agent image's Node.js, fetched once into the cache (test/node24.ts):
 *   npx ts-node --transpile-only test/node24.ts --script bench/base-backup.ts --gib 1 --runs 2 --compression gzip,none,zstd
 *
 * The database: `--gib` GiB of rows of random md5 hex (gzip gets about 2:1 from it, as from much table data).
 * MiB/s counts the tar's bytes (the database as backed up), for both. Needs root, postgresql-15, Go.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Zstd, zstdUnavailableMessage } from '../agent/backup/compression';
import { COMPRESSIONS, type Compression } from '../agent/backup/layout';
import { sleep } from '../agent/postgres/supervisor-client';
import { startArchivingMember } from '../test/support/archiving-member';
import { PgFixture, runAsPostgres } from '../test/support/pg-fixture';
import { S3Server } from '../test/support/s3-server';
import { cpuSeconds, flag } from './process-figures';

const MIB = 1024 * 1024;

/** syncfs(2) of the filesystem holding `path` (coreutils' `sync -f`): every dirty page of it on disk. */
function syncFilesystem(path: string): void {
  execFileSync('sync', ['-f', path]);
}

function compressions(): Compression[] {
  const at = process.argv.indexOf('--compression');
  const listed = (at > 0 ? process.argv[at + 1] : 'gzip,none').split(',');
  const unknown = listed.filter((c) => !COMPRESSIONS.includes(c as Compression));
  if (unknown.length > 0) throw new Error(`--compression takes a list of ${COMPRESSIONS.join(', ')}, got ${unknown.join(', ')}`);
  // Before the database is loaded (minutes), not at the first zstd backup.
  if (listed.includes('zstd') && !new Zstd().available) {
    throw new Error(`--compression zstd: ${zstdUnavailableMessage()}. Run the bench under Node.js 24: npx ts-node --transpile-only test/node24.ts --script bench/base-backup.ts ${process.argv.slice(2).join(' ')}`);
  }
  return listed as Compression[];
}

async function main(): Promise<void> {
  const gib = flag('--gib', 1);
  const runs = flag('--runs', 2);
  const kinds = compressions();
  const s3 = await S3Server.start();
  const fixture = await PgFixture.create();
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    await s3.createBucket('bench');
    const store = s3.client('bench');
    const member = await startArchivingMember({
      fixture, name: 'bench', store, prefix: 'pgha', cluster: 'bench', settings: { max_wal_size: '2GB' }, cleanups,
      make: (settings) => fixture.createPrimary('bench', { settings }),
    });
    const primary = member.server;

    // Each row ~ 1 KiB of md5 hex: about gib GiB of table, filled in 64 MiB statements.
    await primary.query('CREATE TABLE filler (id bigint, payload text)');
    const rowsPerStatement = 65_536;
    const statements = Math.ceil((gib * 1024) / 64);
    for (let i = 0; i < statements; i++) {
      // 30 different md5s per row (the subquery refers to g, so it runs per row): no long repeats for
      // gzip to find, only hex's 4 bits per character.
      await primary.query(`INSERT INTO filler SELECT g, (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 30) i WHERE g >= 0) FROM generate_series(${i * rowsPerStatement}, ${(i + 1) * rowsPerStatement - 1}) g`);
    }
    await primary.query('CHECKPOINT');
    // The load wrote about as much WAL as table, which this process archives (gzip, upload) in the
    // background: wait for it, or the first run's figures carry that work too.
    const segment = await primary.queryValue<string>('SELECT pg_walfile_name(pg_switch_wal())');
    await primary.waitUntil(`SELECT last_archived_wal >= '${segment}' FROM pg_stat_archiver`, 600_000);
    const size = await primary.queryValue<string>('SELECT pg_size_pretty(pg_database_size(current_database()))');
    console.log(`database: ${size} (PostgreSQL 15, versitygw on 127.0.0.1, ${runs} run(s) each)`);

    const timedFloor = async (dir: string, synced: boolean): Promise<{ seconds: number; bytes: number; rate: number }> => {
      syncFilesystem(fixture.root); // what the load or the last backup left dirty is not the floor's to write
      const started = performance.now();
      await runAsPostgres('pg_basebackup', ['-h', primary.socketDir, '-p', String(primary.port), '-U', 'postgres', '-D', dir, '-Ft', '-X', 'none', '--checkpoint', 'fast', ...(synced ? [] : ['--no-sync'])]);
      const seconds = (performance.now() - started) / 1000;
      const bytes = statSync(join(dir, 'base.tar')).size;
      rmSync(dir, { recursive: true, force: true });
      syncFilesystem(fixture.root); // the next measurement does not flush this one's leftovers
      return { seconds, bytes, rate: bytes / MIB / seconds };
    };

    for (let run = 1; run <= runs; run++) {
      // The floor as pg_basebackup runs by default: its files fsynced before it exits. The same with
      // --no-sync is printed beside it: a copy into the page cache, which a crash would lose.
      const floor = await timedFloor(join(fixture.root, `floor-${run}`), true);
      const pageCache = await timedFloor(join(fixture.root, `floor-${run}-nosync`), false);
      console.log(
        `run ${run}: pg_basebackup -Ft to a local folder ${(floor.bytes / MIB).toFixed(0)} MiB in ${floor.seconds.toFixed(1)} s = ${floor.rate.toFixed(1)} MiB/s ` +
          `(with --no-sync, into the page cache: ${pageCache.seconds.toFixed(1)} s = ${pageCache.rate.toFixed(1)} MiB/s)`,
      );
      for (const compression of kinds) {
        await sleep(1000);
        syncFilesystem(fixture.root);
        const started = performance.now();
        const cpu = process.cpuUsage();
        const storeCpu = cpuSeconds(s3.pid);
        const record = await member.backup({ compression });
        const oursSeconds = (performance.now() - started) / 1000;
        // The agent's CPU (its thread and libuv's, gzip included): beside the wall time, what the machine's cores bound.
        const { user, system } = process.cpuUsage(cpu);
        // versitygw answers 200 with the object in the page cache (its posix backend never fsyncs); an
        // S3 store answers once the object is durable. syncfs of its filesystem puts that on our clock.
        const syncStarted = performance.now();
        syncFilesystem(s3.root);
        const durableSeconds = oursSeconds + (performance.now() - syncStarted) / 1000;
        const oursRate = record.bytes / MIB / durableSeconds;
        console.log(
          `run ${run}: agent to S3, compression ${compression}: ${(record.bytes / MIB).toFixed(0)} MiB (${(record.compressedBytes / MIB).toFixed(0)} MiB stored) ` +
            `in ${oursSeconds.toFixed(1)} s, durable after ${durableSeconds.toFixed(1)} s = ${oursRate.toFixed(1)} MiB/s, ` +
            `agent CPU ${((user + system) / 1e6).toFixed(1)} s, versitygw CPU ${(cpuSeconds(s3.pid) - storeCpu).toFixed(1)} s ` +
            `(${((oursRate / floor.rate) * 100).toFixed(0)} % of the floor; ${((record.bytes / MIB / oursSeconds / pageCache.rate) * 100).toFixed(0)} % of --no-sync, page cache to page cache; ` +
            `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
        );
      }
      await sleep(1000);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await fixture.cleanup();
    await s3.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
