/**
 * WAL archiving figures, on real PostgreSQL 15 and a real S3 server (versitygw on 127.0.0.1), through
 * the same path as in a pod (archive_command = agent/wal.sh, answered by the agent's WalServer):
 *
 * - archive lag: a commit, then nothing else; the time until the segment holding it is in the store,
 *   with archive_timeout = 1 s (DESIGN.md's target: ≤ archive_timeout + 1 s);
 * - archive throughput: about 256 MiB of WAL written at once, the time until the last segment is
 *   stored (MiB/s of WAL, before compression), beside `cp` of the same segments as the floor.
 *
 *   npx ts-node --transpile-only bench/archive-lag.ts [--commits 11]   (about 6 minutes)
 *
 * Needs root, Debian's postgresql-15 and Go (versitygw is built once and cached).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveRoot, walKey } from '../agent/backup/layout';
import { WalServer } from '../agent/backup/wal-server';
import { readControlData } from '../agent/postgres/pg-control';
import { PgFixture } from '../test/support/pg-fixture';
import { S3Server } from '../test/support/s3-server';

const WAL_SH = join(__dirname, '..', 'agent', 'wal.sh');
const SEGMENT_MIB = 16;

async function main(): Promise<void> {
  const commitsFlag = process.argv.indexOf('--commits');
  const commits = commitsFlag > 0 ? Number(process.argv[commitsFlag + 1]) : 11;
  const s3 = await S3Server.start();
  const fixture = await PgFixture.create();
  let agent: WalServer | undefined;
  try {
    await s3.createBucket('bench');
    const store = s3.client('bench');
    const { uid, gid } = statSync(fixture.root);
    const runDir = join(fixture.root, 'run');
    const spoolDir = join(fixture.root, 'spool');
    for (const dir of [runDir, join(runDir, 'wal'), spoolDir]) {
      mkdirSync(dir, { recursive: true });
      chownSync(dir, uid, gid);
    }
    const primary = await fixture.createPrimary('bench', {
      settings: {
        archive_mode: 'on',
        archive_command: `'PGHA_RUN_DIR=${runDir} /bin/bash ${WAL_SH} archive %p %f'`,
        archive_timeout: '1',
        max_wal_size: '1GB',
      },
    });
    const root = archiveRoot('pgha', 'bench', (await readControlData(primary.dataDir))!.systemIdentifier);
    agent = new WalServer({ runDir, spoolDir, pgdata: primary.dataDir, store, archiveRoot: async () => root, compression: 'gzip' });
    await agent.start();
    await primary.query('CREATE TABLE t (id serial, payload text)');

    const lags: number[] = [];
    for (let i = 0; i < commits; i++) {
      // Idle first: the commit then starts its own archive_timeout window, as on a quiet cluster.
      await sleep(1500);
      const [{ file }] = await primary.query<{ file: string }>("INSERT INTO t (payload) VALUES ('x') RETURNING pg_walfile_name(pg_current_wal_insert_lsn()) AS file");
      const committedAt = Date.now();
      while ((await store.head(walKey(root, file, 'gzip'))) === null) await sleep(10);
      lags.push(Date.now() - committedAt);
    }
    // The first commit after the server started is reported apart: PostgreSQL 15 did not switch its
    // segment on archive_timeout before its first checkpoint here (checkpoint_timeout, 5 min), with
    // archive_command = 'true' as well, so that wait is PostgreSQL's, not the archiving path's.
    const [firstLag, ...rest] = lags;
    rest.sort((a, b) => a - b);
    console.log(`archive lag (commit → its segment in the store), archive_timeout 1 s: first commit after start ${(firstLag / 1000).toFixed(2)} s; `
      + `the next ${rest.length}: median ${(rest[Math.floor(rest.length / 2)] / 1000).toFixed(2)} s, max ${(rest[rest.length - 1] / 1000).toFixed(2)} s`);

    await primary.waitUntil("SELECT count(*) = 0 FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'", 60_000);
    const before = agent.stats.archived;
    const started = Date.now();
    await primary.query("INSERT INTO t (payload) SELECT md5(g::text) || repeat('y', 200) FROM generate_series(1, 900000) g");
    const [{ last }] = await primary.query<{ last: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS last');
    await primary.waitUntil(`SELECT last_archived_wal >= '${last}' FROM pg_stat_archiver`, 600_000);
    const seconds = (Date.now() - started) / 1000;
    const segments = agent.stats.archived - before;
    console.log(`archive throughput: ${segments} segments (${segments * SEGMENT_MIB} MiB of WAL, written and archived) in ${seconds.toFixed(1)} s: `
      + `${((segments * SEGMENT_MIB) / seconds).toFixed(1)} MiB/s`);
    const floor = mkdtempSync(join(tmpdir(), 'pgha-cp-'));
    const copyStarted = Date.now();
    execFileSync('bash', ['-c', `cp ${primary.walDir}/0000000* ${floor}/`]);
    const copied = Number(execFileSync('bash', ['-c', `ls ${floor} | wc -l`]).toString().trim());
    const copySeconds = (Date.now() - copyStarted) / 1000;
    console.log(`floor: cp of ${copied} segments in pg_wal to a local folder: ${((copied * SEGMENT_MIB) / copySeconds).toFixed(1)} MiB/s`);
    rmSync(floor, { recursive: true, force: true });
  } finally {
    agent?.stop();
    await fixture.cleanup();
    await s3.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().then(() => process.exit(0), (error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
