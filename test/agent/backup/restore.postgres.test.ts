// A cluster bootstrapped from the object store, on real PostgreSQL and a real S3 server (versitygw): the
// agent's RestoreRunner drives the real supervisor.sh (tar through a FIFO, recovery.signal, start) and
// recovery fetches WAL through wal.sh from the agent's WalServer, as in a pod. The base backups are the
// agent's own, taken through the source member's supervisor (test/support/archiving-member.ts); the
// restoring member is test/support/restoring-member.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaseBackupRecord } from '../../../agent/backup/backup-record';
import { archiveRoot, walKey, type Compression } from '../../../agent/backup/layout';
import { parseRecoveryTarget, type RecoveryTarget } from '../../../agent/backup/recovery-target';
import { S3Store } from '../../../agent/backup/s3';
import { readControlData } from '../../../agent/postgres/pg-control';
import { sleep } from '../../../agent/postgres/supervisor-client';
import { startArchivingMember, type ArchivingMember } from '../../support/archiving-member';
import { startRestoringMember } from '../../support/restoring-member';
import { describeWithPostgres, PgFixture, type PgServer } from '../../support/pg-fixture';
import { S3Server } from '../../support/s3-server';

jest.setTimeout(300_000); // the first run on a machine builds versitygw

const BUCKET = 'restore';

describeWithPostgres('restore from the object store', () => {
  let s3: S3Server;
  let store: S3Store;
  let fixture: PgFixture;
  const cleanups: Array<() => Promise<void> | void> = [];

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

  /** A source member that archives to `<prefix>/<cluster>/...` and takes base backups, as a pod with `backup` does. */
  function archivingMember(name: string, cluster: string, make: (settings: Record<string, string>) => Promise<PgServer>, compression: Compression = 'gzip'): Promise<ArchivingMember> {
    return startArchivingMember({ fixture, name, store, prefix: 'pgha', cluster, make, compression, settings: { wal_keep_size: "'1GB'" }, cleanups });
  }

  /** Switches to a new segment and waits until the archive has it (so recovery can read every commit). */
  async function archiveAll(server: PgServer): Promise<void> {
    // A WAL record first: with nothing written since the last switch (a base backup ends with one),
    // pg_switch_wal does not switch and names a segment that is never completed, so never archived.
    await server.query("SELECT pg_logical_emit_message(false, 'pgha-test', 'archive all')");
    const segment = await server.queryValue<string>('SELECT pg_walfile_name(pg_switch_wal())');
    await server.waitUntil(`SELECT last_archived_wal >= '${segment}' FROM pg_stat_archiver`, 60_000);
  }

  async function now(server: PgServer): Promise<string> {
    const time = await server.queryValue<string>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
    await sleep(50);
    return time;
  }

  function restoreMember(name: string, cluster: string, source: string, target: RecoveryTarget, sourceSystemIdentifier: string | null = null, downloadPieceBytes?: number) {
    return startRestoringMember({ folder: join(fixture.root, name), name, store, bucket: BUCKET, prefix: 'pgha', cluster, source, target, sourceSystemIdentifier, downloadPieceBytes, cleanups });
  }

  async function sourceWithBackup(cluster: string, compression: Compression = 'gzip'): Promise<{ primary: PgServer; record: BaseBackupRecord; source: ArchivingMember }> {
    const source = await archivingMember('src', cluster, (settings) => fixture.createPrimary('src', { settings }), compression);
    await source.server.query('CREATE TABLE events (id int, phase text)');
    const record = await source.backup();
    return { primary: source.server, record, source };
  }

  test('restores to a recorded time: exactly the rows committed before it, then archives on a new timeline under its own root', async () => {
    const { primary, record } = await sourceWithBackup('source');
    await primary.query("INSERT INTO events SELECT g, 'before' FROM generate_series(1, 100) g");
    const target = await now(primary);
    await primary.query("INSERT INTO events SELECT g, 'after' FROM generate_series(101, 200) g");
    await archiveAll(primary);
    const sourceKeys = (await store.list('pgha/source/')).map((o) => o.key);

    const member = await restoreMember('new', 'copy', 'source', parseRecoveryTarget(`time:${target}`));
    const result = await member.run();
    if (!result.ok) throw new Error(`${result.reason}\n${member.log()}`);
    expect(result.backup.id).toBe(record.id);
    expect(result.detail).toMatch(new RegExp(`^restored base backup ${record.id} to time ${target.replace(/\./g, '\\.')} in \\d+(\\.\\d)? s$`));
    expect(member.progress).toEqual(['choosing a base backup', `downloading and unpacking base backup ${record.id} (${record.compressedBytes} bytes)`, `recovering from base backup ${record.id} to time ${target}`]);
    expect(await member.query('SELECT phase, count(*)::int AS n FROM events GROUP BY phase')).toEqual([{ phase: 'before', n: 100 }]);

    // The restored cluster keeps the source's system identifier, and writes its archive under its own
    // cluster name, starting with the new timeline's history file.
    const sysid = (await readControlData(member.pgdata))!.systemIdentifier;
    expect(sysid).toBe(record.systemIdentifier);
    expect(await member.query('SELECT timeline_id::int AS t FROM pg_control_checkpoint()')).toEqual([{ t: 2 }]);
    await waitForKey(`pgha/copy/${sysid}/wal/00000002/00000002.history.gz`);
    expect((await store.list('pgha/source/')).map((o) => o.key)).toEqual(sourceKeys);
  });

  test('restores the latest state of a source with compression none, its tar arriving in uneven pieces: every row committed and archived', async () => {
    const { primary, record, source } = await sourceWithBackup('latest', 'none');
    await primary.query("INSERT INTO events SELECT g, 'before' FROM generate_series(1, 100) g");
    await primary.query("INSERT INTO events SELECT g, 'after' FROM generate_series(101, 200) g");
    await archiveAll(primary);
    expect(record.compression).toBe('none');
    expect(record.compressedBytes).toBe(record.bytes);
    expect((await store.list(`${source.root}base/${record.id}/`)).map((o) => o.key.split('/').pop())).toEqual(['backup.json', 'backup_manifest', 'base.tar']);
    expect(await store.head(walKey(source.root, record.startWalFile, 'none'))).not.toBeNull();
    expect(await store.head(walKey(source.root, record.startWalFile, 'gzip'))).toBeNull();

    // base.tar arrives in pieces that are no whole number of tar records (10240 bytes), as from a slow
    // store: the supervisor's tar must read whole records from the FIFO (-B), or it stops at a short read.
    const member = await restoreMember('new', 'latest-copy', 'latest', parseRecoveryTarget('latest'), null, 60_000);
    const result = await member.run();
    if (!result.ok) throw new Error(`${result.reason}\n${member.log()}`);
    expect(await member.query('SELECT phase, count(*)::int AS n FROM events GROUP BY phase ORDER BY phase')).toEqual([
      { phase: 'after', n: 100 },
      { phase: 'before', n: 100 },
    ]);

    // Recovery offered every file it fetched to the archiver again (archive_mode = always): once nothing
    // waits, the restored cluster's root holds only what it wrote itself, none of the source's WAL copied.
    const sysid = (await readControlData(member.pgdata))!.systemIdentifier;
    await waitForKey(`pgha/latest-copy/${sysid}/wal/00000002/00000002.history.gz`);
    for (let i = 0; (await member.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'"))[0].n > 0; i++) {
      if (i === 300) throw new Error(`files still wait to be archived\n${member.log()}`);
      await sleep(100);
    }
    const own = (await store.list(`pgha/latest-copy/${sysid}/wal/`)).map((o) => o.key.split('/').slice(-2).join('/'));
    expect(own.filter((key) => !key.startsWith('00000002/') && !key.endsWith('.partial.gz'))).toEqual([]);
  });

  test('restores a gzip backup after the compression changed to none: its WAL of both kinds, beside a newer backup of compression none', async () => {
    const { primary, record, source } = await sourceWithBackup('changed');
    await primary.query("INSERT INTO events SELECT g, 'gzip' FROM generate_series(1, 100) g");
    await archiveAll(primary);
    await source.changeCompression('none');
    await primary.query("INSERT INTO events SELECT g, 'none' FROM generate_series(101, 200) g");
    const target = await now(primary);
    const newer = await source.backup();
    await primary.query("INSERT INTO events SELECT g, 'too late' FROM generate_series(201, 300) g");
    await archiveAll(primary);
    expect([record.compression, newer.compression]).toEqual(['gzip', 'none']);
    const objects = (await store.list(source.root)).map((o) => o.key.slice(source.root.length));
    expect(objects.filter((key) => key.startsWith('base/'))).toEqual([
      `base/${record.id}/backup.json`, `base/${record.id}/backup_manifest`, `base/${record.id}/base.tar.gz`,
      `base/${newer.id}/backup.json`, `base/${newer.id}/backup_manifest`, `base/${newer.id}/base.tar`,
    ]);
    expect(await store.head(walKey(source.root, record.startWalFile, 'gzip'))).not.toBeNull();
    expect(await store.head(walKey(source.root, newer.startWalFile, 'none'))).not.toBeNull();

    const member = await restoreMember('new', 'changed-copy', 'changed', parseRecoveryTarget(`time:${target}`));
    const result = await member.run();
    if (!result.ok) throw new Error(`${result.reason}\n${member.log()}`);
    expect(result.backup.id).toBe(record.id);
    expect(await member.query('SELECT phase, count(*)::int AS n FROM events GROUP BY phase ORDER BY phase')).toEqual([
      { phase: 'gzip', n: 100 },
      { phase: 'none', n: 100 },
    ]);
  });

  test('restores across a failover in the source (timelines 1 and 2) into the same root: a third timeline, nothing overwritten', async () => {
    const { primary } = await sourceWithBackup('failover');
    const { server: standby } = await archivingMember('b', 'failover', (settings) => fixture.createStandby('b', primary, { settings }));
    await primary.query("INSERT INTO events SELECT g, 'timeline 1' FROM generate_series(1, 100) g");
    await primary.flushWal();
    const lsn = await primary.queryValue<string>('SELECT pg_current_wal_flush_lsn()');
    await standby.waitUntil(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'`);
    await archiveAll(primary);
    await primary.stop('immediate');
    await standby.promote();
    await standby.query("INSERT INTO events SELECT g, 'timeline 2' FROM generate_series(101, 200) g");
    const target = await now(standby);
    await standby.query("INSERT INTO events SELECT g, 'too late' FROM generate_series(201, 300) g");
    await archiveAll(standby);
    const before = new Map((await store.list('pgha/failover/')).map((o) => [o.key, o.size]));

    // Restored under the source's own name into the same store: the archive root is the same folder.
    const member = await restoreMember('new', 'failover', 'failover', parseRecoveryTarget(`time:${target}`));
    const result = await member.run();
    if (!result.ok) throw new Error(`${result.reason}\n${member.log()}`);
    expect(await member.query('SELECT phase, count(*)::int AS n FROM events GROUP BY phase ORDER BY phase')).toEqual([
      { phase: 'timeline 1', n: 100 },
      { phase: 'timeline 2', n: 100 },
    ]);
    expect(await member.query('SELECT timeline_id::int AS t FROM pg_control_checkpoint()')).toEqual([{ t: 3 }]);
    const sysid = (await readControlData(member.pgdata))!.systemIdentifier;
    await waitForKey(`pgha/failover/${sysid}/wal/00000003/00000003.history.gz`);
    const after = new Map((await store.list('pgha/failover/')).map((o) => [o.key, o.size]));
    for (const [key, size] of before) expect([key, after.get(key)]).toEqual([key, size]);
  });

  test('fails when no backup finished before the target, and leaves no data behind', async () => {
    const { primary, record } = await sourceWithBackup('early');
    await archiveAll(primary);
    const early = new Date(Date.parse(record.startedAt) - 60_000).toISOString();
    const member = await restoreMember('new', 'early-copy', 'early', parseRecoveryTarget(`time:${early}`));
    expect(await member.run()).toEqual({
      ok: false,
      reason: `no complete base backup finished by ${early} (the oldest, ${record.id}, finished at ${record.finishedAt}) under ${BUCKET}/pgha/early/`,
    });
    expect((await member.client.readState())?.postgres.status).toBe('stopped');
    await expect(readFile(join(member.pgdata, 'PG_VERSION'))).rejects.toThrow(/ENOENT/);
  });

  test('fails when the tar does not match backup.json, and installs nothing', async () => {
    const { primary, record } = await sourceWithBackup('corrupt');
    await archiveAll(primary);
    const key = `${archiveRoot('pgha', 'corrupt', record.systemIdentifier)}base/${record.id}/backup.json`;
    const tampered = { ...record, compressedSha256: '0'.repeat(64) };
    await store.put(key, Buffer.from(JSON.stringify(tampered)));
    const member = await restoreMember('new', 'corrupt-copy', 'corrupt', parseRecoveryTarget('latest'));
    expect(await member.run()).toEqual({
      ok: false,
      reason: `${archiveRoot('pgha', 'corrupt', record.systemIdentifier)}base/${record.id}/base.tar.gz is ${record.compressedBytes} bytes with SHA-256 ${record.compressedSha256}; backup.json records ${record.compressedBytes} bytes with ${'0'.repeat(64)}`,
    });
    await expect(readFile(join(member.pgdata, 'PG_VERSION'))).rejects.toThrow(/ENOENT/);
  });

  test('fails when recovery cannot reach the target (a time after the end of the archive), and stops PostgreSQL', async () => {
    const { primary } = await sourceWithBackup('short');
    await primary.query("INSERT INTO events VALUES (1, 'only')");
    await archiveAll(primary);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const member = await restoreMember('new', 'short-copy', 'short', parseRecoveryTarget(`time:${future}`));
    expect(await member.run()).toEqual({
      ok: false,
      reason: "PostgreSQL stopped during recovery (exited); its reason is in the postgres container's log (a target after the end of the archive ends recovery that way)",
    });
    expect(member.log()).toMatch(/recovery ended before configured recovery target was reached/);
    expect((await member.client.readState())?.postgres.status).not.toBe('running');
  });

  async function waitForKey(key: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (await store.head(key)) return;
      await sleep(100);
    }
    throw new Error(`${key} never reached the store`);
  }
});
