import { Testing, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { BackupCompression, BackupProps, PostgresCluster, PostgresClusterProps, RecoveryTarget } from '../../lib';
import { container, envOf, find } from './helpers';

function renderWith(props: (chart: Chart) => PostgresClusterProps) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
  new PostgresCluster(chart, 'pg', props(chart));
  return Testing.synth(chart);
}

const store = (chart: Chart, bucket = 'db-backups', secret = 's3-credentials'): BackupProps => ({
  bucket,
  credentialsSecret: kplus.Secret.fromSecretName(chart, `S3-${bucket}`, secret),
});

const restoreEnv = (manifests: any[]) =>
  Object.fromEntries(Object.entries(envOf(container(manifests, 'pg', 'agent'))).filter(([name]) => name.startsWith('PGHA_RESTORE_')));

describe('restore', () => {
  test('defaults: the latest state of this cluster\'s own store and name', () => {
    const manifests = renderWith((chart) => ({ backup: store(chart), restore: {} }));
    expect(restoreEnv(manifests)).toEqual({
      PGHA_RESTORE_BUCKET: 'db-backups',
      PGHA_RESTORE_ENDPOINT: 'https://s3.us-east-1.amazonaws.com',
      PGHA_RESTORE_REGION: 'us-east-1',
      PGHA_RESTORE_PREFIX: 'pgha',
      PGHA_RESTORE_PATH_STYLE: 'false',
      PGHA_RESTORE_SECRET: 's3-credentials',
      PGHA_RESTORE_CLUSTER: 'pg',
      PGHA_RESTORE_TARGET: 'latest',
    });
    expect(find(manifests, 'Role', 'pg').rules.find((r: any) => r.resources.includes('secrets') && r.verbs.includes('get')).resourceNames.filter((n: string) => n === 's3-credentials')).toHaveLength(1);
  });

  test('a clone: another cluster\'s store, name and life, to a time; its Secret and CA for the agent', () => {
    const manifests = renderWith((chart) => ({
      backup: store(chart),
      restore: {
        store: { ...store(chart, 'prod-backups', 'prod-s3'), endpoint: 'https://minio.storage:9000', pathStyle: true, prefix: 'prod', caConfigMap: kplus.ConfigMap.fromConfigMapName(chart, 'Ca', 'storage-ca') },
        cluster: 'orders',
        systemIdentifier: '7445103513374823147',
        target: RecoveryTarget.time('2026-12-04T19:05:07Z'),
      },
    }));
    expect(restoreEnv(manifests)).toEqual({
      PGHA_RESTORE_BUCKET: 'prod-backups',
      PGHA_RESTORE_ENDPOINT: 'https://minio.storage:9000',
      PGHA_RESTORE_REGION: 'us-east-1',
      PGHA_RESTORE_PREFIX: 'prod',
      PGHA_RESTORE_PATH_STYLE: 'true',
      PGHA_RESTORE_SECRET: 'prod-s3',
      PGHA_RESTORE_CA_FILE: '/etc/pgha-restore-ca/ca.crt',
      PGHA_RESTORE_CLUSTER: 'orders',
      PGHA_RESTORE_SYSTEM_IDENTIFIER: '7445103513374823147',
      PGHA_RESTORE_TARGET: 'time:2026-12-04T19:05:07Z',
    });
    const get = find(manifests, 'Role', 'pg').rules.find((r: any) => r.resources.includes('secrets') && r.verbs.includes('get'));
    expect(get.resourceNames).toEqual(expect.arrayContaining(['s3-credentials', 'prod-s3']));
    const sts = find(manifests, 'StatefulSet', 'pg');
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'restore-ca', configMap: { name: 'storage-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(container(manifests, 'pg', 'agent').volumeMounts).toContainEqual({ name: 'restore-ca', mountPath: '/etc/pgha-restore-ca', readOnly: true });
  });

  test('without backup: restores from restore.store, ships wal.sh for restore_command, archives nothing', () => {
    const manifests = renderWith((chart) => ({ restore: { store: store(chart), target: RecoveryTarget.lsn('0/5000028') } }));
    const config = find(manifests, 'ConfigMap', 'pg-config').data;
    expect(config['wal.sh']).toContain('wal.sh restore');
    expect(config['postgresql.conf']).toContain('archive_mode = off');
    expect(restoreEnv(manifests).PGHA_RESTORE_TARGET).toBe('lsn:0/5000028');
    expect(Object.keys(envOf(container(manifests, 'pg', 'agent'))).filter((n) => n.startsWith('PGHA_BACKUP_'))).toEqual([]);
  });

  test('renders every kind of target for the agent', () => {
    expect([
      RecoveryTarget.latest(),
      RecoveryTarget.time('2026-12-04T20:05:07.5+01:00'),
      RecoveryTarget.lsn('16/b374d848'),
      RecoveryTarget.transactionId(1234),
      RecoveryTarget.restorePoint('before-migration'),
    ].map(String)).toEqual(['latest', 'time:2026-12-04T20:05:07.5+01:00', 'lsn:16/B374D848', 'xid:1234', 'name:before-migration']);
  });

  test('the source store is only read: the backup store\'s schedule and retention are not rendered as PGHA_RESTORE_*', () => {
    const manifests = renderWith((chart) => ({ backup: { ...store(chart), schedule: '0 3 * * *', retainCount: 7 }, restore: {} }));
    expect(Object.keys(restoreEnv(manifests)).filter((name) => /FROM|SCHEDULE|RETAIN/.test(name))).toEqual([]);
    expect(envOf(container(manifests, 'pg', 'agent'))).toMatchObject({ PGHA_BACKUP_SCHEDULE: '0 3 * * *', PGHA_BACKUP_RETAIN_COUNT: '7' });
  });

  test('fails on base backup props in restore.store, naming the prop', () => {
    expect(() => renderWith((chart) => ({ restore: { store: { ...store(chart), schedule: '0 3 * * *' } } }))).toThrow(
      "restore.store.schedule has no effect: a restore's source store is only read; set it in backup",
    );
  });

  test('fails on compression in restore.store, naming the prop: a restore reads either kind', () => {
    expect(() => renderWith((chart) => ({ restore: { store: { ...store(chart), compression: BackupCompression.NONE } } }))).toThrow(
      "restore.store.compression has no effect: a restore's source store is only read; set it in backup",
    );
  });

  test('fails without a store to restore from', () => {
    expect(() => renderWith(() => ({ restore: {} }))).toThrow(
      "restore.store is required when the cluster has no backup: the source's backups are read from an object store; got neither restore.store nor backup",
    );
  });

  test('fails on a bad source, naming the prop and the value', () => {
    expect(() => renderWith((chart) => ({ backup: store(chart), restore: { cluster: 'Orders' } }))).toThrow('restore.cluster must be a cluster name (a DNS-1035 label), got "Orders"');
    expect(() => renderWith((chart) => ({ backup: store(chart), restore: { systemIdentifier: '0x1f' } }))).toThrow(
      'restore.systemIdentifier must be a PostgreSQL system identifier (digits, as in the store\'s folder names), got "0x1f"',
    );
    expect(() => renderWith((chart) => ({ restore: { store: { ...store(chart), bucket: 'Bad_Bucket' } } }))).toThrow(/^restore\.store\.bucket must be an S3 bucket name .*, got "Bad_Bucket"$/);
  });

  test('fails on a target PostgreSQL could not read, naming what is allowed', () => {
    expect(() => RecoveryTarget.time('2026-12-04 19:05:07')).toThrow('restore.target RecoveryTarget.time() needs an ISO 8601 time with seconds and a zone such as 2026-12-04T19:05:07Z, got "2026-12-04 19:05:07"');
    expect(() => RecoveryTarget.lsn('5000028')).toThrow('restore.target RecoveryTarget.lsn() needs a WAL position such as 0/5000028 (two hex numbers of up to 8 digits), got "5000028"');
    expect(() => RecoveryTarget.transactionId(0)).toThrow('restore.target RecoveryTarget.transactionId() needs a positive whole number, got 0');
    expect(() => RecoveryTarget.restorePoint('')).toThrow('restore.target RecoveryTarget.restorePoint() needs a name of 1 to 63 printable characters, got ""');
  });
});
