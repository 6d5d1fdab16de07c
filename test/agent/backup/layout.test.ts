import { archiveRoot, isWalFileName, walKey } from '../../../agent/backup/layout';

describe('archive layout', () => {
  const root = archiveRoot('pgha', 'demo', '7412345678901234567');

  test('every WAL file lands under its timeline, gzip-named', () => {
    expect(root).toBe('pgha/demo/7412345678901234567/');
    expect(walKey(root, '000000010000000000000003')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000003.gz');
    expect(walKey(root, '00000002.history')).toBe('pgha/demo/7412345678901234567/wal/00000002/00000002.history.gz');
    expect(walKey(root, '000000010000000000000004.partial')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000004.partial.gz');
    expect(walKey(root, '000000010000000000000005.00000028.backup')).toBe('pgha/demo/7412345678901234567/wal/00000001/000000010000000000000005.00000028.backup.gz');
  });

  test('keys sort in WAL order within a timeline', () => {
    const names = ['00000001000000000000000A', '000000010000000100000000', '000000010000000000000009'];
    expect(names.map((n) => walKey(root, n)).sort()).toEqual([names[2], names[0], names[1]].map((n) => walKey(root, n)));
  });

  test.each(['RECOVERYXLOG', '00000001000000000000000', '0000000100000000000000zz', '../etc/passwd', '00000002.history.tmp'])('%s is not a WAL file name', (name) => {
    expect(isWalFileName(name)).toBe(false);
  });

  test('fails on a name that is not a WAL file', () => {
    expect(() => walKey(root, 'RECOVERYHISTORY')).toThrow("'RECOVERYHISTORY' is not a WAL file name");
  });
});
