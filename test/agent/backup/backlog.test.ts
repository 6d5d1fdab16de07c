import { archiveStatus, backlogWarning, WARNING_INTERVAL_MS, type ArchiveStatus } from '../../../agent/backup/backlog';

const at = (s: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, s));
const failing: ArchiveStatus = archiveStatus(3, {
  archived: 10,
  archiveFailures: 2,
  lastArchived: { verb: 'archive', name: '000000010000000000000007', ok: true, detail: 'stored', at: at(0) },
  lastFailure: { verb: 'archive', name: '000000010000000000000008', ok: false, detail: 'S3 HEAD b/k: connect ECONNREFUSED', at: at(5) },
});

describe('backlog warning', () => {
  test('is due while the last attempt failed and files wait', () => {
    expect(backlogWarning(failing, 0, null)).toBe(
      'WAL archiving is failing: 3 file(s) wait in pg_wal and are kept until archived; last error (000000010000000000000008): S3 HEAD b/k: connect ECONNREFUSED',
    );
  });

  test('is not repeated within the interval, and is again after it', () => {
    expect(backlogWarning(failing, WARNING_INTERVAL_MS - 1, 0)).toBeNull();
    expect(backlogWarning(failing, WARNING_INTERVAL_MS, 0)).not.toBeNull();
  });

  test('is not due once a later attempt succeeded, or when nothing waits', () => {
    expect(backlogWarning({ ...failing, lastArchived: { name: '000000010000000000000008', at: at(9).toISOString() } }, 0, null)).toBeNull();
    expect(backlogWarning({ ...failing, backlog: 0 }, 0, null)).toBeNull();
  });

  test('the status document names the last success and failure', () => {
    expect(failing).toEqual({
      backlog: 3,
      archived: 10,
      failures: 2,
      lastArchived: { name: '000000010000000000000007', at: '2026-12-04T12:00:00.000Z' },
      lastFailure: { name: '000000010000000000000008', error: 'S3 HEAD b/k: connect ECONNREFUSED', at: '2026-12-04T12:00:05.000Z' },
    });
  });
});
