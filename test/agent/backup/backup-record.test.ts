import { BaseBackupRecord, parseBackupRecord } from '../../../agent/backup/backup-record';

const record: BaseBackupRecord = {
  format: 1,
  id: '20261204T190507Z',
  cluster: 'demo',
  systemIdentifier: '7412345678901234567',
  member: 'demo-1',
  postgresMajor: 17,
  timeline: 2,
  startLsn: '0/5000028',
  endLsn: '0/5000138',
  startWalFile: '000000020000000000000005',
  endWalFile: '000000020000000000000005',
  startedAt: '2026-12-04T19:05:07.123Z',
  finishedAt: '2026-12-04T19:05:19.456Z',
  compression: 'gzip',
  bytes: 31457280,
  compressedBytes: 4194304,
  compressedSha256: 'ab'.repeat(32),
};

describe('backup.json', () => {
  test('a record reads back as written', () => {
    expect(parseBackupRecord(JSON.stringify(record))).toEqual(record);
  });

  test('a record of compression none reads back as written', () => {
    const plain = { ...record, compression: 'none' as const, compressedBytes: record.bytes };
    expect(parseBackupRecord(JSON.stringify(plain))).toEqual(plain);
  });

  test('a record written before the compression setting existed is gzip', () => {
    const { compression: _, ...older } = record;
    expect(parseBackupRecord(JSON.stringify(older))).toEqual({ ...older, compression: 'gzip' });
  });

  test('fails on a compression this agent does not know', () => {
    expect(() => parseBackupRecord(JSON.stringify({ ...record, compression: 'lz4' }))).toThrow('backup.json compression must be one of gzip, none, zstd, got "lz4"');
  });

  test('fails on a format this agent does not know', () => {
    expect(() => parseBackupRecord(JSON.stringify({ ...record, format: 2 }))).toThrow('backup.json format must be 1, got 2');
  });

  test('fails on a start position that is not an LSN', () => {
    expect(() => parseBackupRecord(JSON.stringify({ ...record, startLsn: '5000028' }))).toThrow('backup.json startLsn is not valid, got "5000028"');
  });

  test('fails on a size that is not a whole number', () => {
    expect(() => parseBackupRecord(JSON.stringify({ ...record, bytes: -1 }))).toThrow('backup.json bytes must be a whole number, got -1');
  });
});
