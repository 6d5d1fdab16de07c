// Base backups on real PostgreSQL and a real S3 server (versitygw): agent/supervisor.sh runs
// pg_basebackup into its FIFO, the agent streams it through the tar filter, gzip and a multipart upload,
// exactly as in a pod; the WAL the backup needs is archived through wal.sh meanwhile.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseBackupRecord } from '../../../agent/backup/backup-record';
import type { BaseBackupStore } from '../../../agent/backup/base-backup';
import { walKey } from '../../../agent/backup/layout';
import { S3Store } from '../../../agent/backup/s3';
import { readControlData } from '../../../agent/postgres/pg-control';
import { startArchivingMember, type ArchivingMember } from '../../support/archiving-member';
import { describeWithPostgres, PgFixture, PgServer, runAsPostgres } from '../../support/pg-fixture';
import { S3Server } from '../../support/s3-server';

jest.setTimeout(300_000);

const BUCKET = 'base-backups';
const PART = 5 * 1024 * 1024; // S3's smallest part: a few MiB of data make several parts

describeWithPostgres('base backups through the supervisor and the agent', () => {
  let s3: S3Server;
  let store: S3Store;
  let fixture: PgFixture;
  let member: ArchivingMember;
  let primary: PgServer;
  let root: string;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    s3 = await S3Server.start();
    await s3.createBucket(BUCKET);
    store = s3.client(BUCKET);
    fixture = await PgFixture.create();
    member = await startArchivingMember({ fixture, name: 'a', store, prefix: 'pgha', cluster: 'one', make: (settings) => fixture.createPrimary('a', { settings }), cleanups });
    ({ server: primary, root } = member);
    // 24 MiB of random bytes: they do not compress, so base.tar.gz takes several parts.
    await primary.query('CREATE TABLE noise (b bytea)');
    await primary.query(`INSERT INTO noise SELECT decode(string_agg(md5(random()::text), ''), 'hex') FROM generate_series(1, 65536 * 24) g GROUP BY g % 24`);
  });

  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await fixture?.cleanup();
    await s3?.stop();
  });

  test('stores base.tar.gz, backup_manifest and backup.json, and the tar verifies with pg_verifybackup', async () => {
    const record = await member.backup({ firstPartBytes: PART });

    const folder = `${root}base/${record.id}/`;
    expect((await store.list(folder)).map((o) => o.key)).toEqual([`${folder}backup.json`, `${folder}backup_manifest`, `${folder}base.tar.gz`]);
    const stored = parseBackupRecord((await store.get(`${folder}backup.json`))!.toString('utf8'));
    expect(stored).toEqual(record);
    expect(record).toMatchObject({ format: 1, cluster: 'one', member: 'a', postgresMajor: Math.floor(Number(await primary.queryValue<string>('SHOW server_version_num')) / 10000), timeline: 1, systemIdentifier: (await readControlData(primary.dataDir))!.systemIdentifier });
    const gz = (await store.get(`${folder}base.tar.gz`))!;
    expect(gz.length).toBe(record.compressedBytes);
    expect(gz.length).toBeGreaterThan(2 * PART);
    expect(createHash('sha256').update(gz).digest('hex')).toBe(record.compressedSha256);
    const tar = gunzipSync(gz);
    expect(tar.length).toBe(record.bytes);

    // The WAL from the start to the end of the backup is in the archive (pg_basebackup waited for it).
    expect(await store.head(walKey(root, record.startWalFile, 'gzip'))).not.toBeNull();
    expect(await store.head(walKey(root, record.endWalFile, 'gzip'))).not.toBeNull();

    // What a restore does by hand: extract, add the manifest, and let PostgreSQL's own tool check it.
    const restored = join(fixture.root, 'restored');
    await mkdir(restored, { mode: 0o700 });
    await writeFile(join(fixture.root, 'base.tar'), tar);
    await writeFile(join(restored, 'backup_manifest'), (await store.get(`${folder}backup_manifest`))!);
    const { uid, gid } = statSync(fixture.root);
    await chown(restored, uid, gid);
    await new Promise<void>((resolve, reject) => {
      const untar = spawn('tar', ['-xf', join(fixture.root, 'base.tar'), '-C', restored], { uid, gid, stdio: 'ignore' });
      untar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code}`))));
    });
    const verified = await runAsPostgres('pg_verifybackup', ['--no-parse-wal', restored]);
    expect(verified).toMatch(/backup successfully verified/);
  });

  test('fails halfway when the store dies mid-upload: no backup.json, no base.tar.gz, nothing listed as restorable', async () => {
    let parts = 0;
    let firstPart: Promise<unknown> = Promise.resolve();
    const dying: BaseBackupStore = {
      put: (...args) => store.put(...args),
      createMultipartUpload: (...args) => store.createMultipartUpload(...args),
      completeMultipartUpload: (...args) => store.completeMultipartUpload(...args),
      abortMultipartUpload: (...args) => store.abortMultipartUpload(...args),
      uploadPart: async (...args) => {
        // The store dies once the first part is stored, as part 2 starts: two parts upload at once, and a
        // kill while part 1 is still on the wire fails that one instead (a flake when this did not wait).
        if (++parts === 2) {
          await firstPart.catch(() => undefined);
          await s3.kill();
        }
        const upload = store.uploadPart(...args);
        if (parts === 1) firstPart = upload;
        return upload;
      },
    };
    let failed: Error | null = null;
    try {
      await member.backup({ store: dying, firstPartBytes: PART });
    } catch (error) {
      failed = error as Error;
    } finally {
      await s3.restart();
    }
    expect(failed?.message).toMatch(/^uploading base.tar.gz failed: S3 PUT base-backups\/pgha\/one\/\d+\/base\/\d{8}T\d{6}Z\/base.tar.gz\?partNumber=2&uploadId=.*: connect ECONNREFUSED/);
    const objects = (await store.list(`${root}base/`)).map((o) => o.key);
    expect(objects.filter((k) => k.endsWith('backup.json'))).toHaveLength(1); // the first test's only
    expect(objects.filter((k) => k.endsWith('base.tar.gz'))).toHaveLength(1);
    // pg_basebackup ended (broken pipe or cancelled): a new backup can start at once.
    const record = await member.backup({ firstPartBytes: PART });
    expect((await store.list(`${root}base/${record.id}/`)).map((o) => o.key.split('/').pop())).toEqual(['backup.json', 'backup_manifest', 'base.tar.gz']);
  });
});
