import type { BaseBackupRecord } from '../../../agent/backup/backup-record';
import { chooseBackup, describeTarget, parseRecoveryTarget, recoverySettings } from '../../../agent/backup/recovery-target';
import { readRestoreConfig } from '../../../agent/backup/restore-config';

function record(id: string, startedAt: string, finishedAt: string, endLsn: string): BaseBackupRecord {
  return {
    format: 1, id, cluster: 'db', systemIdentifier: '7400000000000000001', member: 'db-1', postgresMajor: 17, timeline: 1,
    startLsn: '0/2000028', endLsn, startWalFile: '000000010000000000000002', endWalFile: '000000010000000000000002',
    startedAt, finishedAt, compression: 'gzip', bytes: 100, compressedBytes: 10, compressedSha256: 'a'.repeat(64),
  };
}

const monday = record('20261130T020000Z', '2026-11-30T02:00:00.000Z', '2026-11-30T02:10:00.000Z', '0/5000100');
const tuesday = record('20261201T020000Z', '2026-12-01T02:00:00.000Z', '2026-12-01T02:10:00.000Z', '1/0000100');
const wednesday = record('20261202T020000Z', '2026-12-02T02:00:00.000Z', '2026-12-02T02:10:00.000Z', '1/8000100');
const all = [tuesday, wednesday, monday];

describe('choosing the base backup for a target', () => {
  const chosen = (target: string) => {
    const choice = chooseBackup(all, parseRecoveryTarget(target));
    return choice.ok ? choice.record.id : choice.reason;
  };

  test('latest, a transaction id and a restore point start from the newest backup', () => {
    expect(chosen('latest')).toBe(wednesday.id);
    expect(chosen('xid:1234')).toBe(wednesday.id);
    expect(chosen('name:before-migration')).toBe(wednesday.id);
  });

  test('a time starts from the newest backup finished by it', () => {
    expect(chosen('time:2026-12-02T02:10:00Z')).toBe(wednesday.id);
    expect(chosen('time:2026-12-02T02:09:59Z')).toBe(tuesday.id);
    expect(chosen('time:2026-12-01T12:00:00+02:00')).toBe(tuesday.id);
  });

  test('an LSN starts from the newest backup that ended at or before it', () => {
    expect(chosen('lsn:1/8000100')).toBe(wednesday.id);
    expect(chosen('lsn:1/80000FF')).toBe(tuesday.id);
  });

  test('fails when no backup finished before the time, naming the oldest', () => {
    expect(chosen('time:2026-11-30T02:05:00Z')).toBe('no complete base backup finished by 2026-11-30T02:05:00Z (the oldest, 20261130T020000Z, finished at 2026-11-30T02:10:00.000Z)');
  });

  test('fails when no backup ended before the LSN', () => {
    expect(chosen('lsn:0/4000000')).toBe('no complete base backup ended at or before 0/4000000 (the oldest, 20261130T020000Z, ended at 0/5000100)');
  });

  test('fails when the store has no complete backup', () => {
    expect(chooseBackup([], { kind: 'latest' })).toEqual({ ok: false, reason: 'no complete base backup in the store' });
  });
});

describe('the recovery settings', () => {
  const command = '/bin/bash /etc/pgha/wal.sh restore %p %f';

  test('latest: the whole archive along the newest timeline, no target', () => {
    expect(recoverySettings({ kind: 'latest' }, command)).toEqual([
      ['restore_command', command],
      ['recovery_target_timeline', 'latest'],
    ]);
  });

  test('a time in the form recovery_target_time accepts, then promote', () => {
    expect(recoverySettings(parseRecoveryTarget('time:2026-12-04T19:05:07.25Z'), command).slice(2)).toEqual([
      ['recovery_target_time', '2026-12-04 19:05:07.25+00'],
      ['recovery_target_action', 'promote'],
    ]);
  });

  test('an LSN, a transaction id and a restore point', () => {
    expect(recoverySettings(parseRecoveryTarget('lsn:0/5000028'), command)[2]).toEqual(['recovery_target_lsn', '0/5000028']);
    expect(recoverySettings(parseRecoveryTarget('xid:1234'), command)[2]).toEqual(['recovery_target_xid', '1234']);
    expect(recoverySettings(parseRecoveryTarget('name:before-migration'), command)[2]).toEqual(['recovery_target_name', 'before-migration']);
  });

  test('describes each target for Events', () => {
    expect(['latest', 'time:2026-12-04T19:05:07Z', 'lsn:0/5000028', 'xid:7', 'name:x'].map((t) => describeTarget(parseRecoveryTarget(t)))).toEqual([
      'the latest state in the archive', 'time 2026-12-04T19:05:07Z', 'LSN 0/5000028', 'transaction 7', "restore point 'x'",
    ]);
  });
});

describe('PGHA_RESTORE_* variables', () => {
  const env = {
    PGHA_RESTORE_BUCKET: 'db-backups',
    PGHA_RESTORE_ENDPOINT: 'http://minio:9000',
    PGHA_RESTORE_REGION: 'us-east-1',
    PGHA_RESTORE_PREFIX: 'pgha',
    PGHA_RESTORE_PATH_STYLE: 'true',
    PGHA_RESTORE_SECRET: 's3-credentials',
    PGHA_RESTORE_CLUSTER: 'db',
    PGHA_RESTORE_TARGET: 'time:2026-12-04T19:05:07Z',
  };

  test('are null without a bucket (initdb bootstraps)', () => {
    expect(readRestoreConfig({})).toBeNull();
  });

  test('name the source store, cluster, life and target', () => {
    expect(readRestoreConfig({ ...env, PGHA_RESTORE_SYSTEM_IDENTIFIER: '7400000000000000001' })).toEqual({
      location: { endpoint: 'http://minio:9000', region: 'us-east-1', bucket: 'db-backups', pathStyle: true },
      prefix: 'pgha',
      secretName: 's3-credentials',
      cluster: 'db',
      systemIdentifier: '7400000000000000001',
      target: { kind: 'time', value: '2026-12-04T19:05:07Z' },
    });
  });

  test('fails naming the variable', () => {
    expect(() => readRestoreConfig({ ...env, PGHA_RESTORE_CLUSTER: undefined })).toThrow('environment variable PGHA_RESTORE_CLUSTER is required when PGHA_RESTORE_BUCKET is set');
    expect(() => readRestoreConfig({ ...env, PGHA_RESTORE_SECRET: undefined })).toThrow('environment variable PGHA_RESTORE_SECRET is required when PGHA_RESTORE_BUCKET is set');
    expect(() => readRestoreConfig({ ...env, PGHA_RESTORE_TARGET: 'time:yesterday' })).toThrow("environment variable PGHA_RESTORE_TARGET: a time must be ISO 8601 with a zone, got 'time:yesterday'");
    expect(() => readRestoreConfig({ ...env, PGHA_RESTORE_TARGET: 'point:x' })).toThrow("environment variable PGHA_RESTORE_TARGET: must be latest or one of time:, lsn:, xid:, name: followed by a value, got 'point:x'");
    expect(() => readRestoreConfig({ ...env, PGHA_RESTORE_SYSTEM_IDENTIFIER: 'abc' })).toThrow("environment variable PGHA_RESTORE_SYSTEM_IDENTIFIER must be a system identifier (digits), got 'abc'");
  });
});
