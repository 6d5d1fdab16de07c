// The agent's S3 client against a real S3 server on HTTPS (versitygw with a certificate from a private CA
// made here with openssl), configured the way the agent is: PGHA_BACKUP_CA_FILE names the CA's PEM.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoreConfig } from '../../../agent/backup/config';
import { S3Store, type S3Location } from '../../../agent/backup/s3';
import { S3Server } from '../../support/s3-server';
import { StoreCertificates } from '../../support/store-certificates';

jest.setTimeout(300_000); // the first run on a machine builds versitygw

describe('S3Store over HTTPS', () => {
  let dir: string;
  let certificates: StoreCertificates;
  let server: S3Server;
  const credentials = () => ({ accessKeyId: S3Server.ACCESS_KEY_ID, secretAccessKey: S3Server.SECRET_ACCESS_KEY });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgha-s3-tls-'));
    certificates = StoreCertificates.ensure(join(dir, 'store'), ['127.0.0.1']);
    server = await S3Server.start({ tls: certificates });
    await server.createBucket('backups');
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The location as the agent reads it from the variables the construct renders. */
  function location(caFile?: string): S3Location {
    const config = readStoreConfig({
      PGHA_BACKUP_BUCKET: 'backups',
      PGHA_BACKUP_ENDPOINT: server.endpoint,
      PGHA_BACKUP_REGION: S3Server.REGION,
      PGHA_BACKUP_PREFIX: 'pgha',
      PGHA_BACKUP_PATH_STYLE: 'true',
      PGHA_BACKUP_SECRET: 'backup-s3',
      ...(caFile ? { PGHA_BACKUP_CA_FILE: caFile } : {}),
    }, 'PGHA_BACKUP');
    return config!.location;
  }

  test('with the CA file: stores, reads back, lists and uploads in parts', async () => {
    expect(server.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const store = new S3Store(location(certificates.caFile), credentials);
    await store.put('pgha/demo/wal/00000001/000000010000000000000001.gz', Buffer.from('a segment'), { 'pgha-sha256': 'abc' });
    expect(await store.get('pgha/demo/wal/00000001/000000010000000000000001.gz')).toEqual(Buffer.from('a segment'));
    expect(await store.head('pgha/demo/wal/00000001/000000010000000000000001.gz')).toEqual({ size: 9, metadata: { 'pgha-sha256': 'abc' } });

    // Every part but the last at least 5 MiB, as S3 requires.
    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('the rest')];
    const uploadId = await store.createMultipartUpload('pgha/demo/base/1/base.tar.gz');
    const uploaded = [];
    for (const [i, part] of parts.entries()) uploaded.push(await store.uploadPart('pgha/demo/base/1/base.tar.gz', uploadId, i + 1, part));
    await store.completeMultipartUpload('pgha/demo/base/1/base.tar.gz', uploadId, uploaded);
    // Compared by digest: jest compares a 5 MiB Buffer byte by byte for more than a minute.
    expect(sha256((await store.get('pgha/demo/base/1/base.tar.gz'))!)).toBe(sha256(Buffer.concat(parts)));

    expect((await store.list('pgha/demo/')).map((o) => [o.key, o.size])).toEqual([
      ['pgha/demo/base/1/base.tar.gz', 5 * 1024 * 1024 + 8],
      ['pgha/demo/wal/00000001/000000010000000000000001.gz', 9],
    ]);
  });

  test('fails naming the endpoint and the TLS failure without the CA file', async () => {
    const store = new S3Store(location(), credentials);
    await expect(store.put('k', Buffer.from('x'))).rejects.toThrow(
      `S3 PUT backups/k: TLS with ${server.endpoint} failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); `
      + "the certificate was checked against Node.js's public CAs (no CA file given: a private endpoint needs the CA that signed its certificate, caConfigMap)",
    );
  });

  test('fails with the CA of another authority', async () => {
    const other = StoreCertificates.ensure(join(dir, 'other'), ['127.0.0.1'], 'another-authority');
    const store = new S3Store(location(other.caFile), credentials);
    await expect(store.get('k')).rejects.toThrow(
      `S3 GET backups/k: TLS with ${server.endpoint} failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); `
      + 'the certificate was checked against the CA file given',
    );
  });
});

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
