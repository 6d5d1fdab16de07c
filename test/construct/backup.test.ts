import { Duration, Testing, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBackupConfig } from '../../agent/backup/config';
import { BackupCompression, BackupProps, BackupSource, PostgresCluster, ServerSideEncryption } from '../../lib';
import { container, envOf, find, render } from './helpers';

/** Renders cluster `pg` in namespace `demo` with `backup` built from the chart (Secrets need a scope). */
function renderWith(backup: (chart: Chart) => BackupProps) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
  new PostgresCluster(chart, 'pg', { backup: backup(chart) });
  return Testing.synth(chart);
}

const store = (chart: Chart): BackupProps => ({
  bucket: 'db-backups',
  credentialsSecret: kplus.Secret.fromSecretName(chart, 'S3', 's3-credentials'),
});

describe('backup', () => {
  test('archives every member\'s WAL through wal.sh, with a 60 s archive_timeout', () => {
    const manifests = renderWith(store);
    const config = find(manifests, 'ConfigMap', 'pg-config').data;
    expect(config['postgresql.conf']).toContain([
      'archive_mode = always',
      'archive_command = \'/bin/bash /etc/pgha/wal.sh archive %p %f\'',
      'archive_timeout = 60',
    ].join('\n'));
    expect(config['postgresql.conf']).not.toContain('archive_mode = off');
    expect(config['wal.sh']).toBe(readFileSync(join(__dirname, '../../agent/wal.sh'), 'utf8'));
  });

  test('tells the agent where the store is, with AWS defaults, and no credential values', () => {
    const manifests = renderWith(store);
    const env = envOf(container(manifests, 'pg', 'agent'));
    expect(env).toMatchObject({
      PGHA_BACKUP_BUCKET: 'db-backups',
      PGHA_BACKUP_ENDPOINT: 'https://s3.us-east-1.amazonaws.com',
      PGHA_BACKUP_REGION: 'us-east-1',
      PGHA_BACKUP_PREFIX: 'pgha',
      PGHA_BACKUP_PATH_STYLE: 'false',
      PGHA_BACKUP_SECRET: 's3-credentials',
    });
    expect(Object.keys(env).filter((name) => name.startsWith('PGHA_BACKUP_SSE') || name === 'PGHA_BACKUP_CA_FILE')).toEqual([]);
  });

  test('lets the agent read the credentials Secret by name, and nothing more', () => {
    const rules = find(renderWith(store), 'Role', 'pg').rules;
    const get = rules.find((r: any) => r.resources.includes('secrets') && r.verbs.includes('get'));
    expect(get.resourceNames).toContain('s3-credentials');
  });

  test('a private store: endpoint, region, path style, CA from a ConfigMap, SSE-KMS', () => {
    const manifests = renderWith((chart) => ({
      ...store(chart),
      endpoint: 'https://minio.storage:9000',
      region: 'eu-central-1',
      prefix: 'team-a/prod',
      pathStyle: true,
      caConfigMap: kplus.ConfigMap.fromConfigMapName(chart, 'Ca', 'storage-ca'),
      serverSideEncryption: ServerSideEncryption.kms('alias/backups'),
      archiveTimeout: Duration.seconds(5),
    }));
    const agent = container(manifests, 'pg', 'agent');
    expect(envOf(agent)).toMatchObject({
      PGHA_BACKUP_ENDPOINT: 'https://minio.storage:9000',
      PGHA_BACKUP_REGION: 'eu-central-1',
      PGHA_BACKUP_PREFIX: 'team-a/prod',
      PGHA_BACKUP_PATH_STYLE: 'true',
      PGHA_BACKUP_SSE: 'aws:kms',
      PGHA_BACKUP_SSE_KMS_KEY_ID: 'alias/backups',
      PGHA_BACKUP_CA_FILE: '/etc/pgha-backup-ca/ca.crt',
    });
    expect(agent.volumeMounts).toContainEqual({ name: 'backup-ca', mountPath: '/etc/pgha-backup-ca', readOnly: true });
    expect(find(manifests, 'StatefulSet', 'pg').spec.template.spec.volumes).toContainEqual({
      name: 'backup-ca',
      configMap: { name: 'storage-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
    expect(find(manifests, 'ConfigMap', 'pg-config').data['postgresql.conf']).toContain('archive_timeout = 5\n');
  });

  test('base backups: from a standby by default, on request only, nothing ever deleted', () => {
    const env = envOf(container(renderWith(store), 'pg', 'agent'));
    expect(env.PGHA_BACKUP_FROM).toBe('standby');
    expect(env.PGHA_BACKUP_SCHEDULE).toBeUndefined();
    expect(env.PGHA_BACKUP_RETAIN_COUNT).toBeUndefined();
    expect(env.PGHA_BACKUP_RETAIN_SECONDS).toBeUndefined();
  });

  test('base backups: schedule, retention by count and age, from the primary', () => {
    const manifests = renderWith((chart) => ({
      ...store(chart),
      schedule: '0 3 * * *',
      retainCount: 7,
      retainFor: Duration.days(30),
      backupFrom: BackupSource.PRIMARY,
    }));
    expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({
      PGHA_BACKUP_FROM: 'primary',
      PGHA_BACKUP_SCHEDULE: '0 3 * * *',
      PGHA_BACKUP_RETAIN_COUNT: '7',
      PGHA_BACKUP_RETAIN_SECONDS: '2592000',
    });
  });

  test('compression: gzip by default, rendered only when set to none; the agent reads what is rendered', () => {
    const byDefault = envOf(container(renderWith(store), 'pg', 'agent'));
    expect(byDefault.PGHA_BACKUP_COMPRESSION).toBeUndefined();
    expect(readBackupConfig(byDefault)?.compression).toBe('gzip');
    expect(envOf(container(renderWith((chart) => ({ ...store(chart), compression: BackupCompression.GZIP })), 'pg', 'agent'))).toEqual(byDefault);
    const none = envOf(container(renderWith((chart) => ({ ...store(chart), compression: BackupCompression.NONE })), 'pg', 'agent'));
    expect(none.PGHA_BACKUP_COMPRESSION).toBe('none');
    expect(readBackupConfig(none)?.compression).toBe('none');
    const zstd = envOf(container(renderWith((chart) => ({ ...store(chart), compression: BackupCompression.ZSTD })), 'pg', 'agent'));
    expect(zstd).toEqual({ ...byDefault, PGHA_BACKUP_COMPRESSION: 'zstd' });
    expect(readBackupConfig(zstd)?.compression).toBe('zstd');
  });

  test('compression: a value this library does not know is refused', () => {
    const forged = { value: 'lz4' } as unknown as BackupCompression;
    expect(() => renderWith((chart) => ({ ...store(chart), compression: forged }))).toThrow('backup.compression must be BackupCompression.GZIP, ZSTD or NONE, got "lz4"');
  });

  test('pg_basebackup may connect over the pod\'s socket for replication', () => {
    const { manifests } = render();
    expect(find(manifests, 'ConfigMap', 'pg-config').data['pg_hba.conf']).toContain('local   replication   postgres     trust');
  });

  test('without backup: archive_mode off and no wal.sh', () => {
    const { manifests } = render();
    const config = find(manifests, 'ConfigMap', 'pg-config').data;
    expect(config['postgresql.conf']).toContain('archive_mode = off');
    expect(config['wal.sh']).toBeUndefined();
  });

  test.each([
    [{ bucket: 'DB' }, 'backup.bucket must be an S3 bucket name (3 to 63 lowercase letters, digits, \'.\' and \'-\', starting and ending with a letter or digit), got "DB"'],
    [{ endpoint: 'https://minio/path' }, 'backup.endpoint must be an http:// or https:// URL with a host and an optional port, no path, got "https://minio/path"'],
    [{ region: 'EU West' }, 'backup.region must be a region name such as eu-west-1, got "EU West"'],
    [{ prefix: '/abs/' }, 'backup.prefix must be letters, digits and \'-_./\' without a leading, trailing or double \'/\', got "/abs/"'],
    [{ archiveTimeout: Duration.millis(1500) }, 'backup.archiveTimeout must be a whole number of seconds from 1 to 86400, got 1.5s'],
    [{ schedule: '0 3 * *' }, 'backup.schedule must be a cron expression of 5 fields (minute hour day-of-month month day-of-week, UTC), got "0 3 * *"'],
    [{ schedule: '0 25 * * *' }, 'backup.schedule "0 25 * * *": the hour field "25" is outside 0-23'],
    [{ retainCount: 0 }, 'backup.retainCount must be a whole number from 1 to 10000, got 0'],
    [{ retainFor: Duration.minutes(5) }, 'backup.retainFor must be a whole number of seconds of at least one hour, got 300s'],
  ])('fails on %j', (override, message) => {
    expect(() => renderWith((chart) => ({ ...store(chart), ...override }))).toThrow(message);
  });
});
