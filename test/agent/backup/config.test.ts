import { readBackupConfig } from '../../../agent/backup/config';
import { StoreCredentials } from '../../../agent/backup/credentials';

const env = {
  PGHA_BACKUP_BUCKET: 'db-backups',
  PGHA_BACKUP_ENDPOINT: 'http://minio:9000',
  PGHA_BACKUP_REGION: 'us-east-1',
  PGHA_BACKUP_PREFIX: 'pgha',
  PGHA_BACKUP_PATH_STYLE: 'true',
  PGHA_BACKUP_SECRET: 's3-credentials',
};

describe('backup config', () => {
  test('is null when no bucket is set (no backups)', () => {
    expect(readBackupConfig({})).toBeNull();
  });

  test('reads the store from the environment', () => {
    expect(readBackupConfig({ ...env, PGHA_BACKUP_SSE: 'aws:kms', PGHA_BACKUP_SSE_KMS_KEY_ID: 'alias/k' })).toEqual({
      location: { endpoint: 'http://minio:9000', region: 'us-east-1', bucket: 'db-backups', pathStyle: true, serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/k' },
      prefix: 'pgha',
      secretName: 's3-credentials',
      schedule: null,
      preferStandby: true,
      retention: { retainCount: null, retainForMs: null },
      compression: 'gzip',
    });
  });

  test('reads the compression', () => {
    expect(readBackupConfig({ ...env, PGHA_BACKUP_COMPRESSION: 'none' })?.compression).toBe('none');
    expect(readBackupConfig({ ...env, PGHA_BACKUP_COMPRESSION: 'gzip' })?.compression).toBe('gzip');
    expect(readBackupConfig({ ...env, PGHA_BACKUP_COMPRESSION: 'zstd' })?.compression).toBe('zstd');
  });

  test('reads the base backup schedule, the source and the retention', () => {
    const config = readBackupConfig({ ...env, PGHA_BACKUP_SCHEDULE: '0 3 * * *', PGHA_BACKUP_FROM: 'primary', PGHA_BACKUP_RETAIN_COUNT: '7', PGHA_BACKUP_RETAIN_SECONDS: '2592000' });
    expect(config?.schedule?.previous(new Date('2026-12-04T20:00:00Z'))?.toISOString()).toBe('2026-12-04T03:00:00.000Z');
    expect(config).toMatchObject({ preferStandby: false, retention: { retainCount: 7, retainForMs: 2_592_000_000 } });
  });

  test('fails naming the variable', () => {
    expect(() => readBackupConfig({ ...env, PGHA_BACKUP_ENDPOINT: undefined })).toThrow('environment variable PGHA_BACKUP_ENDPOINT is required when PGHA_BACKUP_BUCKET is set');
    expect(() => readBackupConfig({ ...env, PGHA_BACKUP_PATH_STYLE: 'yes' })).toThrow("environment variable PGHA_BACKUP_PATH_STYLE must be one of true, false, got 'yes'");
    expect(() => readBackupConfig({ ...env, PGHA_BACKUP_SSE: 'aes' })).toThrow("environment variable PGHA_BACKUP_SSE must be one of AES256, aws:kms, got 'aes'");
    expect(() => readBackupConfig({ ...env, PGHA_BACKUP_FROM: 'replica' })).toThrow("environment variable PGHA_BACKUP_FROM must be one of standby, primary, got 'replica'");
    expect(() => readBackupConfig({ ...env, PGHA_BACKUP_COMPRESSION: 'lz4' })).toThrow("environment variable PGHA_BACKUP_COMPRESSION must be one of gzip, none, zstd, got 'lz4'");
    expect(() => readBackupConfig({ ...env, PGHA_BACKUP_RETAIN_COUNT: '0' })).toThrow("environment variable PGHA_BACKUP_RETAIN_COUNT must be a whole number of at least 1, got '0'");
    expect(() => readBackupConfig({ ...env, PGHA_BACKUP_SCHEDULE: '0 3 * *' })).toThrow('environment variable PGHA_BACKUP_SCHEDULE must be a cron expression of 5 fields');
  });
});

describe('store credentials', () => {
  test('are read from the Secret and kept for a minute', async () => {
    let reads = 0;
    let now = 0;
    const values = { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's1' };
    const credentials = new StoreCredentials({ get: async () => (reads++, values) }, 's3-credentials', () => now);
    expect(await credentials.get()).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 's1' });
    now = 59_999;
    await credentials.get();
    expect(reads).toBe(1);
    now = 60_000;
    values.AWS_SECRET_ACCESS_KEY = 's2';
    expect(await credentials.get()).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 's2' });
  });

  test('fails naming the Secret when it is missing or incomplete', async () => {
    await expect(new StoreCredentials({ get: async () => null }, 's3').get()).rejects.toThrow("the object store's credentials Secret s3 does not exist");
    await expect(new StoreCredentials({ get: async () => ({ AWS_ACCESS_KEY_ID: 'a' }) }, 's3').get()).rejects.toThrow(
      'the Secret s3 must carry AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  });
});
