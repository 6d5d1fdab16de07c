import { Size } from 'cdk8s';
import { StandbyMode } from '../../lib';
import { find, render } from './helpers';

function postgresqlConf(props: Parameters<typeof render>[0] = {}): string {
  return find(render(props).manifests, 'ConfigMap', 'pg-config').data['postgresql.conf'];
}

/** The `name = value` lines, without comments and blank lines. */
function settingLines(conf: string): string[] {
  return conf.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('postgresql.conf', () => {
  test('renders the defaults, then the owned parameters, then the agent\'s file', () => {
    expect(postgresqlConf()).toBe([
      '# postgresql.conf of the PostgreSQL cluster "pg", rendered by cdk8s-postgres-ha.',
      '# Change the construct\'s props and render again instead of editing it in place.',
      '',
      '# Defaults; the `parameters` prop overrides them by name.',
      'wal_keep_size = \'128MB\'',
      'max_slot_wal_keep_size = \'256MB\'',
      'wal_receiver_status_interval = \'1s\'',
      'wal_sender_timeout = \'10s\'',
      'wal_receiver_timeout = \'10s\'',
      'recovery_init_sync_method = \'syncfs\'',
      'log_line_prefix = \'%m [%p] %q%u@%d \'',
      '',
      '# Owned by the cluster: replication and failover depend on these.',
      'listen_addresses = \'*\'',
      'port = 5432',
      'unix_socket_directories = \'/run/pgha/socket\'',
      'unix_socket_permissions = 0700',
      'hba_file = \'/etc/pgha/pg_hba.conf\'',
      'password_encryption = \'scram-sha-256\'',
      'wal_level = \'replica\'',
      'wal_log_hints = on',
      'hot_standby = off',
      'max_wal_senders = 68',
      'max_replication_slots = 7',
      'archive_mode = off',
      'recovery_target_timeline = \'latest\'',
      'ssl = on',
      'ssl_cert_file = \'/run/pgha/tls/server.crt\'',
      'ssl_key_file = \'/run/pgha/tls/server.key\'',
      'ssl_min_protocol_version = \'TLSv1.2\'',
      '',
      '# Written by the failover agent at run time: primary_conninfo, primary_slot_name and',
      '# synchronous_standby_names. Included last, so it has the final word.',
      'include_if_exists = \'/run/pgha/dynamic.conf\'',
      '',
    ].join('\n'));
  });

  test('turns hot standby and its feedback on for hot standbys', () => {
    const lines = settingLines(postgresqlConf({ standbyMode: StandbyMode.HOT }));
    expect(lines).toContain('hot_standby = on');
    expect(lines).toContain('hot_standby_feedback = on');
    expect(lines).not.toContain('hot_standby = off');
  });

  test('leaves hot standby feedback out for warm standbys', () => {
    expect(postgresqlConf()).not.toContain('hot_standby_feedback');
  });

  test('sizes replication slots for every member plus a clone and a rewind', () => {
    expect(settingLines(postgresqlConf({ replicas: 5 }))).toContain('max_replication_slots = 9');
  });

  test('sizes WAL senders for the largest cluster whatever replicas says, so a standby rolled to fewer replicas still starts under its primary', () => {
    expect(settingLines(postgresqlConf({ replicas: 2 }))).toContain('max_wal_senders = 68');
    expect(settingLines(postgresqlConf({ replicas: 5 }))).toContain('max_wal_senders = 68');
  });

  test('keeps the WAL held for standbys to a quarter of the volume', () => {
    const large = settingLines(postgresqlConf({ storageSize: Size.gibibytes(20) }));
    expect(large).toContain('wal_keep_size = \'128MB\'');
    expect(large).toContain('max_slot_wal_keep_size = \'5120MB\'');
    const medium = settingLines(postgresqlConf({ storageSize: Size.mebibytes(400) }));
    expect(medium).toContain('wal_keep_size = \'100MB\'');
    expect(medium).toContain('max_slot_wal_keep_size = \'100MB\'');
  });

  test('never lets the slot budget drop below four WAL segments, where every checkpoint would invalidate the slots', () => {
    const small = settingLines(postgresqlConf({ storageSize: Size.mebibytes(50) }));
    expect(small).toContain('wal_keep_size = \'64MB\'');
    expect(small).toContain('max_slot_wal_keep_size = \'64MB\'');
  });

  test('renders the user\'s parameters quoted, sorted by lowercase name, between defaults and owned ones', () => {
    const conf = postgresqlConf({ parameters: { work_mem: '8MB', Shared_Buffers: '512MB' } });
    expect(conf).toContain([
      '# From the `parameters` prop.',
      'shared_buffers = \'512MB\'',
      'work_mem = \'8MB\'',
      '',
      '# Owned by the cluster',
    ].join('\n'));
    expect(conf.indexOf('log_line_prefix')).toBeLessThan(conf.indexOf('shared_buffers'));
  });

  test('a parameter that overrides a default appears once, with the user\'s value', () => {
    const lines = settingLines(postgresqlConf({ parameters: { wal_keep_size: '1GB', LOG_LINE_PREFIX: '%m ' } }));
    expect(lines.filter((line) => line.startsWith('wal_keep_size'))).toEqual(['wal_keep_size = \'1GB\'']);
    expect(lines.filter((line) => line.startsWith('log_line_prefix'))).toEqual(['log_line_prefix = \'%m \'']);
  });

  test('escapes quotes and backslashes in values, so PostgreSQL reads them as given', () => {
    const lines = settingLines(postgresqlConf({ parameters: { application_name: 'it\'s a \\ test' } }));
    expect(lines).toContain('application_name = \'it\'\'s a \\\\ test\'');
  });

  test('accepts extension parameters', () => {
    const lines = settingLines(postgresqlConf({ parameters: { 'auto_explain.log_min_duration': '250ms' } }));
    expect(lines).toContain('auto_explain.log_min_duration = \'250ms\'');
  });

  test('includes the agent\'s dynamic settings last', () => {
    const lines = settingLines(postgresqlConf({ parameters: { work_mem: '8MB' } }));
    expect(lines[lines.length - 1]).toBe('include_if_exists = \'/run/pgha/dynamic.conf\'');
  });
});

describe('pg_hba.conf', () => {
  test('trusts the private socket and requires SCRAM over TLS over the network', () => {
    const hba: string = find(render().manifests, 'ConfigMap', 'pg-config').data['pg_hba.conf'];
    const rules = hba.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => line.split(/\s+/));
    expect(rules).toEqual([
      ['local', 'all', 'all', 'trust'],
      ['local', 'replication', 'postgres', 'trust'],
      ['hostssl', 'replication', 'replicator', 'all', 'scram-sha-256'],
      ['hostssl', 'all', 'all', 'all', 'scram-sha-256'],
    ]);
    expect(hba).toContain('mode 0700');
  });
});
