// zstd on real PostgreSQL 15 and a real S3 server (versitygw), under the agent's Node.js (npm run
// test:node24): WAL archived as <file>.zst through wal.sh and restored through it byte for byte; a base
// backup stored as base.tar.zst that matches its manifest (pg_verifybackup) and restores through the
// supervisor's `unpack` (tar --zstd); and a store holding gzip, none and zstd objects after the
// compression changed twice, which restores read and retention prunes, every kind.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BaseBackupRecord } from '../../../agent/backup/backup-record';
import { Zstd } from '../../../agent/backup/compression';
import { walKey, type Compression } from '../../../agent/backup/layout';
import { pruneStore } from '../../../agent/backup/prune';
import { parseRecoveryTarget, type RecoveryTarget } from '../../../agent/backup/recovery-target';
import { S3Store } from '../../../agent/backup/s3';
import { WalServer } from '../../../agent/backup/wal-server';
import { sleep } from '../../../agent/postgres/supervisor-client';
import { startArchivingMember, type ArchivingMember } from '../../support/archiving-member';
import { describeWithPostgres, PgFixture, runAsPostgres, type PgServer } from '../../support/pg-fixture';
import { startRestoringMember } from '../../support/restoring-member';
import { S3Server } from '../../support/s3-server';
import { walScript } from '../../support/wal-script';

jest.setTimeout(120_000);

const BUCKET = 'zstd';
const PART = 5 * 1024 * 1024; // S3's smallest part
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describeWithPostgres('zstd archives and backups on real PostgreSQL', () => {
  let s3: S3Server;
  let store: S3Store;
  let fixture: PgFixture;
  const cleanups: Array<() => Promise<void> | void> = [];
  const zstd = new Zstd();

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
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await fixture.cleanup();
  });

  function source(cluster: string, compression: Compression): Promise<ArchivingMember> {
    return startArchivingMember({ fixture, name: 'src', store, prefix: 'pgha', cluster, make: (settings) => fixture.createPrimary('src', { settings }), compression, settings: { wal_keep_size: "'1GB'" }, cleanups });
  }

  /** Switches to a new segment and waits until the archive has it (base-backup.postgres.test.ts says why the message first). */
  async function archiveAll(server: PgServer): Promise<string> {
    await server.query("SELECT pg_logical_emit_message(false, 'pgha-test', 'archive all')");
    const segment = await server.queryValue<string>('SELECT pg_walfile_name(pg_switch_wal())');
    await server.waitUntil(`SELECT last_archived_wal >= '${segment}' FROM pg_stat_archiver`, 60_000);
    return segment;
  }

  async function now(server: PgServer): Promise<string> {
    const time = await server.queryValue<string>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
    await sleep(50);
    return time;
  }

  async function restore(name: string, cluster: string, from: string, target: RecoveryTarget): Promise<{ backup: BaseBackupRecord; query: (sql: string) => Promise<unknown[]> }> {
    const member = await startRestoringMember({ folder: join(fixture.root, name), name, store, bucket: BUCKET, prefix: 'pgha', cluster, source: from, target, cleanups });
    const result = await member.run();
    if (!result.ok) throw new Error(`${result.reason}\n${member.log()}`);
    return { backup: result.backup, query: (sql) => member.query(sql) };
  }

  test('WAL is archived as <file>.zst through archive_command and comes back byte for byte through restore_command', async () => {
    const src = await source('wal', 'zstd');
    await src.server.query('CREATE TABLE filler AS SELECT g, md5(g::text) AS m FROM generate_series(1, 20000) g');
    const segment = await archiveAll(src.server);
    const key = walKey(src.root, segment, 'zstd');
    const stored = (await store.get(key))!;
    expect(stored).not.toBeNull();
    expect(await store.head(walKey(src.root, segment, 'gzip'))).toBeNull();
    const original = await readFile(join(src.server.walDir, segment));
    expect(stored.length).toBeLessThan(original.length / 4);
    expect(sha256(await zstd.decompress(stored))).toBe(sha256(original));

    // restore_command as a restoring pod runs it: wal.sh, answered by a WalServer reading the archive.
    const runDir = join(fixture.root, 'r-run');
    const spoolDir = join(fixture.root, 'r-spool');
    for (const dir of [runDir, join(runDir, 'wal'), spoolDir]) await mkdir(dir, { recursive: true });
    const reader = new WalServer({ runDir, spoolDir, pgdata: join(fixture.root, 'r-pgdata'), store, archiveRoot: async () => src.root, compression: 'gzip' });
    await reader.start();
    cleanups.push(() => reader.stop());
    const target = join(fixture.root, 'RECOVERYXLOG');
    await promisify(execFile)('/bin/bash', [walScript(), 'restore', target, segment], { env: { PATH: process.env.PATH, PGHA_RUN_DIR: runDir } });
    expect(sha256(await readFile(target))).toBe(sha256(original));
  });

  test('a base backup is stored as base.tar.zst, matches its manifest (pg_verifybackup), and restores through the supervisor', async () => {
    const src = await source('base', 'zstd');
    await src.server.query('CREATE TABLE events (id int, phase text)');
    // 8 MiB of random bytes: they do not compress, so base.tar.zst takes more than one part.
    await src.server.query('CREATE TABLE noise (b bytea)');
    await src.server.query(`INSERT INTO noise SELECT decode(string_agg(md5(random()::text), ''), 'hex') FROM generate_series(1, 65536 * 8) g GROUP BY g % 8`);
    const record = await src.backup({ firstPartBytes: PART });
    const folder = `${src.root}base/${record.id}/`;
    expect((await store.list(folder)).map((o) => o.key.slice(folder.length))).toEqual(['backup.json', 'backup_manifest', 'base.tar.zst']);
    expect(record.compression).toBe('zstd');
    const stored = (await store.get(`${folder}base.tar.zst`))!;
    expect(stored.length).toBe(record.compressedBytes);
    expect(stored.length).toBeGreaterThan(PART);
    expect(sha256(stored)).toBe(record.compressedSha256);

    // What a restore does by hand, with the zstd program: extract, add the manifest, pg_verifybackup.
    const restored = join(fixture.root, 'by-hand');
    await mkdir(restored, { mode: 0o700 });
    await writeFile(join(fixture.root, 'base.tar.zst'), stored);
    await writeFile(join(restored, 'backup_manifest'), (await store.get(`${folder}backup_manifest`))!);
    const { uid, gid } = statSync(fixture.root);
    await chown(restored, uid, gid);
    await new Promise<void>((resolve, reject) => {
      const untar = spawn('tar', ['--zstd', '-xf', join(fixture.root, 'base.tar.zst'), '-C', restored], { uid, gid, stdio: 'ignore' });
      untar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code}`))));
    });
    expect(await runAsPostgres('pg_verifybackup', ['--no-parse-wal', restored])).toMatch(/backup successfully verified/);

    await src.server.query("INSERT INTO events SELECT g, 'after the backup' FROM generate_series(1, 100) g");
    await archiveAll(src.server);
    const copy = await restore('new', 'base-copy', 'base', parseRecoveryTarget('latest'));
    expect(copy.backup.id).toBe(record.id);
    expect(await copy.query('SELECT phase, count(*)::int AS n FROM events GROUP BY phase')).toEqual([{ phase: 'after the backup', n: 100 }]);
    expect(await copy.query('SELECT count(*)::int AS n FROM noise')).toEqual([{ n: 8 }]);
  });

  test('a store holding gzip, none and zstd objects: restores read each kind, retention deletes each kind', async () => {
    const src = await source('mixed', 'gzip');
    const primary = src.server;
    await primary.query('CREATE TABLE events (id int, phase text)');
    const gzip = await src.backup();
    await primary.query("INSERT INTO events SELECT g, 'gzip' FROM generate_series(1, 100) g");
    await archiveAll(primary);
    await src.changeCompression('none');
    await primary.query("INSERT INTO events SELECT g, 'none' FROM generate_series(101, 200) g");
    await archiveAll(primary);
    await src.changeCompression('zstd');
    await primary.query("INSERT INTO events SELECT g, 'zstd' FROM generate_series(201, 300) g");
    const target = await now(primary);
    await archiveAll(primary);
    await src.changeCompression('none');
    const none = await src.backup();
    await archiveAll(primary);
    await src.changeCompression('zstd');
    const zst = await src.backup();
    await primary.query("INSERT INTO events SELECT g, 'latest' FROM generate_series(301, 400) g");
    await archiveAll(primary);
    expect([gzip.compression, none.compression, zst.compression]).toEqual(['gzip', 'none', 'zstd']);
    const before = (await store.list(src.root)).map((o) => o.key.slice(src.root.length));
    expect(before.filter((key) => key.startsWith('base/') && key.includes('/base.tar'))).toEqual([`base/${gzip.id}/base.tar.gz`, `base/${none.id}/base.tar`, `base/${zst.id}/base.tar.zst`]);
    const walBefore = before.filter((key) => key.startsWith('wal/'));
    for (const suffix of [/\.gz$/, /^wal\/\d{8}\/[0-9A-F]{24}$/, /\.zst$/]) expect(walBefore.some((key) => suffix.test(key))).toBe(true);

    // From the gzip backup to a time in the zstd WAL: the recovery reads WAL of all three kinds.
    const early = await restore('early', 'mixed-early', 'mixed', parseRecoveryTarget(`time:${target}`));
    expect(early.backup.id).toBe(gzip.id);
    expect(await early.query('SELECT phase, count(*)::int AS n FROM events GROUP BY phase ORDER BY phase')).toEqual([
      { phase: 'gzip', n: 100 },
      { phase: 'none', n: 100 },
      { phase: 'zstd', n: 100 },
    ]);
    // The newest, from base.tar.zst.
    const latest = await restore('latest', 'mixed-latest', 'mixed', parseRecoveryTarget('latest'));
    expect(latest.backup.id).toBe(zst.id);
    expect(await latest.query("SELECT count(*)::int AS n FROM events WHERE phase = 'latest'")).toEqual([{ n: 100 }]);

    // Keeping one backup: the gzip and the none backup go, and the WAL before the zstd backup's start, every kind.
    const plan = await pruneStore(store, src.root, { retainCount: 1, retainForMs: null }, new Date());
    expect(plan.deleteBackups).toEqual([gzip.id, none.id]);
    const after = (await store.list(src.root)).map((o) => o.key.slice(src.root.length));
    expect(after.filter((key) => key.startsWith('base/'))).toEqual([`base/${zst.id}/backup.json`, `base/${zst.id}/backup_manifest`, `base/${zst.id}/base.tar.zst`]);
    const segmentOf = (key: string) => key.split('/').pop()!.slice(8, 24);
    const walAfter = after.filter((key) => key.startsWith('wal/') && !key.includes('.history'));
    expect(walAfter.filter((key) => segmentOf(key) < zst.startWalFile.slice(8, 24))).toEqual([]);
    const deleted = walBefore.filter((key) => !after.includes(key));
    for (const suffix of [/\.gz$/, /^wal\/\d{8}\/[0-9A-F]{24}$/, /\.zst$/]) expect(deleted.some((key) => suffix.test(key))).toBe(true);
    expect(deleted.map((key) => segmentOf(key)).every((segment) => segment < zst.startWalFile.slice(8, 24))).toBe(true);
  });
});
