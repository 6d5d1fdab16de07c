import { archiveRoot, backupId, backupKey, baseTarObject, isBackupId, isWalFileName, walFileOfKey, walKey } from '../../../agent/backup/layout';

describe('archive layout', () => {
  const root = archiveRoot('pgha', 'demo', '7412345678901234567');

  test('every WAL file lands under its timeline, gzip-named', () => {
    expect(root).toBe('pgha/demo/7412345678901234567/');
    expect(walKey(root, '000000010000000000000003', 'gzip')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000003.gz');
    expect(walKey(root, '00000002.history', 'gzip')).toBe('pgha/demo/7412345678901234567/wal/00000002/00000002.history.gz');
    expect(walKey(root, '000000010000000000000004.partial', 'gzip')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000004.partial.gz');
    expect(walKey(root, '000000010000000000000005.00000028.backup', 'gzip')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000005.00000028.backup.gz');
  });

  test('with compression none, a WAL file is stored under its own name', () => {
    expect(walKey(root, '000000010000000000000003', 'none')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000003');
    expect(walKey(root, '00000002.history', 'none')).toBe('pgha/demo/7412345678901234567/wal/00000002/00000002.history');
  });

  test('with zstd, a WAL file is stored with .zst', () => {
    expect(walKey(root, '000000010000000000000003', 'zstd')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000003.zst');
    expect(walKey(root, '000000010000000000000004.partial', 'zstd')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000004.partial.zst');
  });

  test('a key under wal/ names its file and compression, whichever was written', () => {
    for (const compression of ['gzip', 'none', 'zstd'] as const) {
      for (const name of ['000000010000000000000003', '00000002.history', '000000010000000000000004.partial', '000000010000000000000005.00000028.backup']) {
        expect(walFileOfKey(walKey(root, name, compression))).toEqual({ name, compression });
      }
    }
    expect(walFileOfKey(`${root}wal/00000001/notes.txt`)).toBeNull();
    expect(walFileOfKey(`${root}wal/00000001/000000010000000000000003.gz.tmp`)).toBeNull();
    expect(walFileOfKey(`${root}wal/00000001/000000010000000000000003.zst.gz`)).toBeNull();
    expect(walFileOfKey(`${root}wal/00000001/000000010000000000000003.zstd`)).toBeNull();
  });

  test('keys sort in WAL order within a timeline', () => {
    const names = ['00000001000000000000000A', '000000010000000100000000', '000000010000000000000009'];
    expect(names.map((n) => walKey(root, n, 'gzip')).sort()).toEqual([names[2], names[0], names[1]].map((n) => walKey(root, n, 'gzip')));
  });

  test.each(['RECOVERYXLOG', '00000001000000000000000', '0000000100000000000000zz', '../etc/passwd', '00000002.history.tmp'])('%s is not a WAL file name', (name) => {
    expect(isWalFileName(name)).toBe(false);
  });

  test('fails on a name that is not a WAL file', () => {
    expect(() => walKey(root, 'RECOVERYHISTORY', 'gzip')).toThrow("'RECOVERYHISTORY' is not a WAL file name");
  });

  test('a base backup is a folder named by its start time in UTC', () => {
    const id = backupId(new Date('2026-12-04T19:05:07.123Z'));
    expect(id).toBe('20261204T190507Z');
    expect(isBackupId(id)).toBe(true);
    expect(backupKey(root, id, baseTarObject('gzip'))).toBe('pgha/demo/7412345678901234567/base/20261204T190507Z/base.tar.gz');
    expect(backupKey(root, id, baseTarObject('none'))).toBe('pgha/demo/7412345678901234567/base/20261204T190507Z/base.tar');
    expect(backupKey(root, id, baseTarObject('zstd'))).toBe('pgha/demo/7412345678901234567/base/20261204T190507Z/base.tar.zst');
    expect(backupKey(root, id, 'backup.json')).toBe('pgha/demo/7412345678901234567/base/20261204T190507Z/backup.json');
  });

  test('backup ids sort as the backups were taken', () => {
    const ids = ['2026-12-04T19:05:07Z', '2026-01-31T23:59:59Z', '2027-01-01T00:00:00Z'].map((t) => backupId(new Date(t)));
    expect([...ids].sort()).toEqual([ids[1], ids[0], ids[2]]);
  });

  test('fails on a backup id that is not a start time', () => {
    expect(() => backupKey(root, '../wal', 'backup.json')).toThrow("'../wal' is not a backup id (YYYYMMDDTHHMMSSZ)");
  });
});
