// Continuous archiving on real PostgreSQL and a real S3 server (versitygw): archive_command and
// restore_command are agent/wal.sh, answered by the agent's WalServer, exactly as in a pod.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { archiveRoot } from '../../../agent/backup/layout';
import { S3Store } from '../../../agent/backup/s3';
import { WalServer } from '../../../agent/backup/wal-server';
import { readControlData } from '../../../agent/postgres/pg-control';
import { describeWithPostgres, PgFixture, PgServer, runAsPostgres } from '../../support/pg-fixture';
import { S3Server } from '../../support/s3-server';
import { walScript } from '../../support/wal-script';

jest.setTimeout(300_000); // the first run on a machine builds versitygw

/** Digests, not bytes, in expectations: a 16 MiB diff would exhaust jest's memory. */
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const WAL_SH = walScript();
const BUCKET = 'wal-archive';

describeWithPostgres('WAL archiving through the agent', () => {
  let s3: S3Server;
  let store: S3Store;
  let fixture: PgFixture;
  const servers: WalServer[] = [];

  beforeAll(async () => {
    s3 = await S3Server.start();
    await s3.createBucket(BUCKET);
    store = s3.client(BUCKET);
  });
  afterAll(() => s3?.stop());
  beforeEach(async () => {
    fixture = await PgFixture.create();
  });
  afterEach(async () => {
    servers.splice(0).forEach((s) => s.stop());
    await fixture.cleanup();
  });

  function owner(): [number, number] {
    const { uid, gid } = statSync(fixture.root);
    return [uid, gid];
  }

  /** A member's run and spool folders (owned by postgres, as the pod's emptyDirs are by uid 999). */
  async function memberDirs(name: string): Promise<{ runDir: string; spoolDir: string }> {
    const runDir = join(fixture.root, `${name}-run`);
    const spoolDir = join(fixture.root, `${name}-spool`);
    for (const dir of [runDir, join(runDir, 'wal'), spoolDir]) {
      await mkdir(dir, { recursive: true });
      await chown(dir, ...owner());
    }
    return { runDir, spoolDir };
  }

  /** The settings of a member that archives through wal.sh (`archive_mode = always`, as rendered). */
  function archiving(runDir: string): Record<string, string> {
    return {
      archive_mode: 'always',
      archive_command: `'PGHA_RUN_DIR=${runDir} /bin/bash ${WAL_SH} archive %p %f'`,
    };
  }

  /** Serves a member's wal.sh requests, with its cluster's archive under `cluster`. */
  async function agentFor(server: PgServer, dirs: { runDir: string; spoolDir: string }, cluster: string, pgdata = server.dataDir): Promise<WalServer> {
    const wal = new WalServer({
      ...dirs,
      pgdata,
      store,
      archiveRoot: async () => archiveRoot('pgha', cluster, (await readControlData(pgdata))!.systemIdentifier),
      compression: 'gzip',
    });
    await wal.start();
    servers.push(wal);
    return wal;
  }

  async function switchSegment(server: PgServer): Promise<string> {
    await server.query('CREATE TABLE IF NOT EXISTS filler (n int)');
    await server.query('INSERT INTO filler SELECT generate_series(1, 1000)');
    return server.queryValue<string>('SELECT pg_walfile_name(pg_switch_wal())');
  }

  async function waitArchived(server: PgServer, segment: string): Promise<void> {
    await server.waitUntil(`SELECT last_archived_wal >= '${segment}' FROM pg_stat_archiver`, 30_000);
  }

  async function systemIdentifier(server: PgServer): Promise<string> {
    return (await readControlData(server.dataDir))!.systemIdentifier;
  }

  test('stores each completed segment gzip-compressed under <prefix>/<cluster>/<system id>/wal/<timeline>/', async () => {
    const dirs = await memberDirs('a');
    const primary = await fixture.createPrimary('a', { settings: archiving(dirs.runDir) });
    await agentFor(primary, dirs, 'one');
    const segment = await switchSegment(primary);
    await waitArchived(primary, segment);

    const key = `pgha/one/${await systemIdentifier(primary)}/wal/00000001/${segment}.gz`;
    const object = await store.get(key);
    expect(object).not.toBeNull();
    expect(sha256(gunzipSync(object!))).toBe(sha256(await readFile(join(primary.walDir, segment))));
    expect(object!.length).toBeLessThan(16 * 1024 * 1024);
  });

  test('the store down: the segment stays .ready, failures are counted, and it is archived once the store is back', async () => {
    const dirs = await memberDirs('a');
    const primary = await fixture.createPrimary('a', { settings: { ...archiving(dirs.runDir), archive_timeout: '0' } });
    const agent = await agentFor(primary, dirs, 'down');
    await waitArchived(primary, await switchSegment(primary));

    await s3.kill();
    try {
      const segment = await switchSegment(primary);
      await primary.waitUntil('SELECT failed_count > 0 FROM pg_stat_archiver', 30_000);
      expect(await agent.backlog()).toBeGreaterThanOrEqual(1);
      expect(agent.stats.lastFailure).toMatchObject({ verb: 'archive', name: segment, ok: false });
      expect(agent.stats.lastFailure!.detail).toMatch(/^S3 HEAD wal-archive\/pgha\/down\/\d+\/wal\/00000001\/[0-9A-F]{24}\.gz: connect ECONNREFUSED/);
      const kept = await readFile(join(primary.walDir, segment));
      expect(kept.length).toBe(16 * 1024 * 1024);
    } finally {
      await s3.restart();
    }
    await primary.waitUntil('SELECT last_failed_wal IS NULL OR last_archived_time > last_failed_time FROM pg_stat_archiver', 60_000);
    await primary.waitUntil(`SELECT count(*) = 0 FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'`, 60_000);
    expect(await agent.backlog()).toBe(0);
  });

  test('a failover keeps the archive continuous: the promoted standby archives what the old primary had not, and the new timeline', async () => {
    const a = await memberDirs('a');
    const b = await memberDirs('b');
    // The primary archives nothing (its agent serves no requests: the store is unreachable from it).
    const primary = await fixture.createPrimary('a', { settings: { ...archiving(a.runDir), wal_keep_size: '1GB' } });
    const standby = await fixture.createStandby('b', primary, { settings: archiving(b.runDir) });
    const first = await switchSegment(primary);
    const segments = [first];
    for (let i = 0; i < 3; i++) segments.push(await switchSegment(primary));
    await primary.query('INSERT INTO filler VALUES (-1)');
    await primary.flushWal();
    const lsn = await primary.queryValue<string>('SELECT pg_current_wal_flush_lsn()');
    await standby.waitUntil(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'`);
    await primary.stop('immediate');

    await agentFor(standby, b, 'failover');
    await standby.promote();
    const afterPromotion = await switchSegment(standby);
    await waitArchived(standby, afterPromotion);
    await standby.waitUntil(`SELECT count(*) = 0 FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'`, 30_000);

    const root = `pgha/failover/${await systemIdentifier(standby)}/wal/`;
    const keys = (await store.list(root)).map((o) => o.key.slice(root.length));
    // Every timeline-1 segment from the first switched one to the switch point, none missing.
    const timeline1 = keys.filter((k) => /^00000001\/[0-9A-F]{24}\.gz$/.test(k)).map((k) => k.slice(9, 33));
    const numbers = timeline1.map((name) => parseInt(name.slice(16), 16));
    expect(timeline1).toEqual(expect.arrayContaining(segments));
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers[0] + i));
    expect(keys).toContain('00000002/00000002.history.gz');
    expect(keys).toContain(`00000002/${afterPromotion}.gz`);
    // The segment the switch happened in: its timeline-1 part as .partial, its continuation on timeline 2.
    expect(keys.some((k) => /^00000001\/[0-9A-F]{24}\.partial\.gz$/.test(k))).toBe(true);
  });

  test('restore_command through the agent: a base backup without WAL recovers to a recorded time and promotes', async () => {
    const dirs = await memberDirs('a');
    const primary = await fixture.createPrimary('a', { settings: archiving(dirs.runDir) });
    await agentFor(primary, dirs, 'pitr');
    await primary.query('CREATE TABLE events (id int, phase text)');
    // A base backup with no WAL in it: every byte of WAL recovery needs comes from the store.
    const backup = join(fixture.root, 'base');
    await mkdir(backup, { mode: 0o700 });
    await chown(backup, ...owner());
    await runAsPostgres('pg_basebackup', ['--pgdata', backup, '--host', primary.socketDir, '--port', String(primary.port), '--username', 'postgres', '--wal-method', 'none', '--checkpoint', 'fast', '--no-sync']);
    await primary.query("INSERT INTO events SELECT g, 'before' FROM generate_series(1, 100) g");
    const target = await primary.queryValue<string>("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.USOF')");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await primary.query("INSERT INTO events SELECT g, 'after' FROM generate_series(101, 200) g");
    await waitArchived(primary, await switchSegment(primary));

    const restoredDirs = await memberDirs('r');
    const restored = await fixture.createUnstarted('r', async (dataDir) => {
      // cp -a as root keeps the files postgres's.
      execFileSync('cp', ['-a', `${backup}/.`, dataDir]);
      await writeFile(join(dataDir, 'recovery.signal'), '');
      await chown(join(dataDir, 'recovery.signal'), ...owner());
    }, {
      settings: {
        restore_command: `'PGHA_RUN_DIR=${restoredDirs.runDir} /bin/bash ${WAL_SH} restore %p %f'`,
        recovery_target_time: `'${target}'`,
        recovery_target_action: "'promote'",
        archive_mode: 'off',
      },
    });
    // The restored server reads the source's archive (its system identifier is the source's).
    await agentFor(restored, restoredDirs, 'pitr', restored.dataDir);
    await restored.start().catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await restored.log()}`);
    });
    await restored.waitUntil('SELECT NOT pg_is_in_recovery()', 60_000);
    expect(await restored.query('SELECT phase, count(*)::int AS n FROM events GROUP BY phase')).toEqual([{ phase: 'before', n: 100 }]);
    expect(await restored.log()).toMatch(/recovery stopping before commit of transaction \d+, time/);
  });
});
