/**
 * Base backup throughput, on real PostgreSQL 15 and a real S3 server (versitygw on 127.0.0.1), through
 * the same path as in a pod (agent/supervisor.sh's `base-backup` into its FIFO; the agent's tar filter,
 * gzip unless the compression is none, and multipart upload), beside `pg_basebackup -Ft -X none` to a
 * local folder as the floor. DESIGN.md's target: ≥ 80 % of the floor's throughput.
 *
 *   npx ts-node --transpile-only bench/base-backup.ts [--gib 1] [--runs 2] [--compression gzip,none]
 *   (about 5 minutes at 1 GiB; each run takes the floor, then one backup per compression listed)
 *
 * The database: `--gib` GiB of rows of random md5 hex (gzip gets about 2:1 from it, as from much table data).
 * MiB/s counts the tar's bytes (the database as backed up), for both. Needs root, postgresql-15, Go.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { COMPRESSIONS, type Compression } from '../agent/backup/layout';
import { sleep } from '../agent/postgres/supervisor-client';
import { startArchivingMember } from '../test/support/archiving-member';
import { PgFixture, runAsPostgres } from '../test/support/pg-fixture';
import { S3Server } from '../test/support/s3-server';

const MIB = 1024 * 1024;

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

/** CPU seconds (user + system) a process has used: /proc/<pid>/stat fields 14 and 15, in clock ticks (100 a second on Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function compressions(): Compression[] {
  const at = process.argv.indexOf('--compression');
  const listed = (at > 0 ? process.argv[at + 1] : 'gzip,none').split(',');
  const unknown = listed.filter((c) => !COMPRESSIONS.includes(c as Compression));
  if (unknown.length > 0) throw new Error(`--compression takes a list of ${COMPRESSIONS.join(', ')}, got ${unknown.join(', ')}`);
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
    const size = await primary.queryValue<string>('SELECT pg_size_pretty(pg_database_size(current_database()))');
    console.log(`database: ${size} (PostgreSQL 15, versitygw on 127.0.0.1, ${runs} run(s) each)`);

    for (let run = 1; run <= runs; run++) {
      const floorDir = join(fixture.root, `floor-${run}`);
      let started = performance.now();
      await runAsPostgres('pg_basebackup', ['-h', primary.socketDir, '-p', String(primary.port), '-U', 'postgres', '-D', floorDir, '-Ft', '-X', 'none', '--checkpoint', 'fast', '--no-sync']);
      const floorSeconds = (performance.now() - started) / 1000;
      const floorBytes = statSync(join(floorDir, 'base.tar')).size;
      rmSync(floorDir, { recursive: true, force: true });

      const floorRate = floorBytes / MIB / floorSeconds;
      console.log(`run ${run}: pg_basebackup -Ft to a local folder ${(floorBytes / MIB).toFixed(0)} MiB in ${floorSeconds.toFixed(1)} s = ${floorRate.toFixed(1)} MiB/s`);
      for (const compression of kinds) {
        await sleep(1000);
        started = performance.now();
        const cpu = process.cpuUsage();
        const storeCpu = cpuSeconds(s3.pid);
        const record = await member.backup({ compression });
        const oursSeconds = (performance.now() - started) / 1000;
        // The agent's CPU (its thread and libuv's, gzip included): beside the wall time, what the machine's cores bound.
        const { user, system } = process.cpuUsage(cpu);
        const oursRate = record.bytes / MIB / oursSeconds;
        console.log(
          `run ${run}: agent to S3, compression ${compression}: ${(record.bytes / MIB).toFixed(0)} MiB (${(record.compressedBytes / MIB).toFixed(0)} MiB stored) in ${oursSeconds.toFixed(1)} s = ${oursRate.toFixed(1)} MiB/s, ` +
            `agent CPU ${((user + system) / 1e6).toFixed(1)} s, versitygw CPU ${(cpuSeconds(s3.pid) - storeCpu).toFixed(1)} s ` +
            `(${((oursRate / floorRate) * 100).toFixed(0)} % of the floor; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
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
