import { planRetention, storedWalFiles, type StoredBackup } from '../../../agent/backup/retention';

const DAY = 86_400_000;
const now = new Date('2026-12-04T12:00:00Z');

function backup(id: string, startWalFile: string | null): StoredBackup {
  const startedAt = `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}Z`;
  return { id, record: startWalFile ? { startedAt, startWalFile } : null };
}

const backups = [
  backup('20261101T000000Z', '000000010000000000000002'),
  backup('20261120T000000Z', '000000010000000000000010'),
  backup('20261125T000000Z', null), // failed
  backup('20261201T000000Z', '000000020000000000000020'),
  backup('20261204T115900Z', null), // running
];
const wal = [
  '000000010000000000000001',
  '000000010000000000000002',
  '00000001000000000000000F',
  '000000010000000000000010',
  '00000002.history',
  '000000010000000000000015.partial',
  '000000020000000000000015',
  '000000020000000000000020',
  '000000020000000000000020.00000028.backup',
];

describe('retention', () => {
  it('keeps the newest N complete backups, deletes failed folders older than the newest, and the WAL before the oldest kept', () => {
    expect(planRetention(backups, wal, { retainCount: 2, retainForMs: null }, now)).toEqual({
      deleteBackups: ['20261101T000000Z', '20261125T000000Z'],
      deleteWal: ['000000010000000000000001', '000000010000000000000002', '00000001000000000000000F'],
    });
  });

  it('with retainCount 1 keeps only the newest, its WAL and every history file', () => {
    expect(planRetention(backups, wal, { retainCount: 1, retainForMs: null }, now)).toEqual({
      deleteBackups: ['20261101T000000Z', '20261120T000000Z', '20261125T000000Z'],
      deleteWal: ['000000010000000000000001', '000000010000000000000002', '00000001000000000000000F', '000000010000000000000010', '000000010000000000000015.partial', '000000020000000000000015'],
    });
  });

  it('by age: deletes complete backups older than retainFor', () => {
    expect(planRetention(backups, wal, { retainCount: null, retainForMs: 30 * DAY }, now).deleteBackups).toEqual(['20261101T000000Z', '20261125T000000Z']);
  });

  it('both set: a backup stays only while it is within both', () => {
    expect(planRetention(backups, wal, { retainCount: 3, retainForMs: 10 * DAY }, now).deleteBackups).toEqual(['20261101T000000Z', '20261120T000000Z', '20261125T000000Z']);
  });

  it('always keeps the newest complete backup, however old', () => {
    const old = [backup('20250101T000000Z', '000000010000000000000002')];
    expect(planRetention(old, wal, { retainCount: 1, retainForMs: DAY }, now)).toEqual({ deleteBackups: [], deleteWal: ['000000010000000000000001'] });
  });

  it('deletes nothing while no backup is complete', () => {
    expect(planRetention([backup('20261204T115900Z', null)], wal, { retainCount: 1, retainForMs: DAY }, now)).toEqual({ deleteBackups: [], deleteWal: [] });
  });

  it('counts WAL files stored any way (gzip, none or zstd), each with every key it is stored under', () => {
    const root = 'pgha/demo/7412345678901234567/wal/';
    const files = storedWalFiles([
      `${root}00000001/000000010000000000000001.gz`,
      `${root}00000001/000000010000000000000002.gz`,
      `${root}00000001/000000010000000000000002`,
      `${root}00000001/000000010000000000000002.zst`,
      `${root}00000001/000000010000000000000003`,
      `${root}00000001/000000010000000000000004.zst`,
      `${root}00000002/00000002.history`,
      `${root}00000001/readme.txt`,
    ]);
    expect(Object.fromEntries(files)).toEqual({
      '000000010000000000000001': [`${root}00000001/000000010000000000000001.gz`],
      '000000010000000000000002': [`${root}00000001/000000010000000000000002.gz`, `${root}00000001/000000010000000000000002`, `${root}00000001/000000010000000000000002.zst`],
      '000000010000000000000003': [`${root}00000001/000000010000000000000003`],
      '000000010000000000000004': [`${root}00000001/000000010000000000000004.zst`],
      '00000002.history': [`${root}00000002/00000002.history`],
    });
    const plan = planRetention([backup('20261201T000000Z', '000000010000000000000003')], [...files.keys()], { retainCount: 1, retainForMs: null }, now);
    expect(plan.deleteWal).toEqual(['000000010000000000000001', '000000010000000000000002']);
  });
});
