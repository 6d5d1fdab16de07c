import { CronSchedule } from '../../../lib/cron';
import { ANNOTATIONS } from '../../../agent/core/annotations';
import { planBackup, type BackupCandidate, type PlanInput } from '../../../agent/backup/schedule';

const idle = { running: null, last: null };
const now = new Date('2026-12-04T20:10:30Z');

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    now,
    schedule: null,
    annotations: {},
    self: 'pg-0',
    selfStatus: idle,
    standbys: [
      { name: 'pg-2', eligible: true, reported: idle },
      { name: 'pg-1', eligible: true, reported: idle },
    ],
    preferStandby: true,
    ...overrides,
  };
}

describe('who takes a base backup (the holder plans)', () => {
  it('a request goes to the first eligible standby by name, and the request annotation is removed', () => {
    const plan = planBackup(input({ annotations: { [ANNOTATIONS.backup]: 'now' } }));
    const assigned = { slot: now.toISOString(), member: 'pg-1', reason: 'requested', at: now.toISOString() };
    expect(plan).toEqual({ annotations: { [ANNOTATIONS.backup]: null, [ANNOTATIONS.backupAssigned]: JSON.stringify(assigned) }, assigned });
  });

  it('the primary takes it when no standby is eligible (warm, not streaming, not ready), or when backupFrom is PRIMARY', () => {
    const none: BackupCandidate[] = [{ name: 'pg-1', eligible: false, reported: idle }];
    expect(planBackup(input({ annotations: { [ANNOTATIONS.backup]: 'now' }, standbys: none }))?.assigned?.member).toBe('pg-0');
    expect(planBackup(input({ annotations: { [ANNOTATIONS.backup]: 'now' }, preferStandby: false }))?.assigned?.member).toBe('pg-0');
  });

  it('a schedule gives out its latest due slot once, recording it on the Lease', () => {
    const schedule = CronSchedule.parse('0 */6 * * *');
    const plan = planBackup(input({ schedule, annotations: { [ANNOTATIONS.backupSlot]: '2026-12-04T12:00:00.000Z' } }));
    expect(plan?.assigned).toMatchObject({ slot: '2026-12-04T18:00:00.000Z', reason: 'scheduled', member: 'pg-1' });
    expect(plan?.annotations[ANNOTATIONS.backupSlot]).toBe('2026-12-04T18:00:00.000Z');
    expect(planBackup(input({ schedule, annotations: { [ANNOTATIONS.backupSlot]: '2026-12-04T18:00:00.000Z' } }))).toBeNull();
  });

  it('a cluster that never gave out a slot takes its first backup at once', () => {
    expect(planBackup(input({ schedule: CronSchedule.parse('0 3 * * 0') }))?.assigned?.slot).toBe('2026-11-29T03:00:00.000Z');
  });

  it('one assignment at a time: a request waits while a backup runs, and the assignment clears once its member reports the slot', () => {
    const assignment = { slot: '2026-12-04T20:00:00.000Z', member: 'pg-1', reason: 'requested', at: '2026-12-04T20:00:01.000Z' };
    const annotations = { [ANNOTATIONS.backupAssigned]: JSON.stringify(assignment), [ANNOTATIONS.backup]: 'now' };
    const running = { running: { slot: assignment.slot, since: assignment.at, waitingForWal: false }, last: null };
    expect(planBackup(input({ annotations, standbys: [{ name: 'pg-1', eligible: true, reported: running }] }))).toBeNull();
    const last = { slot: assignment.slot, ok: true, id: '20261204T200001Z', error: null, finishedAt: '2026-12-04T20:05:00.000Z', seconds: 299, bytes: 1, compressedBytes: 1 };
    expect(planBackup(input({ annotations, standbys: [{ name: 'pg-1', eligible: true, reported: { running: null, last } }] }))).toEqual({
      annotations: { [ANNOTATIONS.backupAssigned]: null },
      finished: { assignment, last },
    });
  });

  it('abandons an assignment its member has not started within two minutes', () => {
    const assignment = { slot: '2026-12-04T20:00:00.000Z', member: 'pg-1', reason: 'scheduled', at: '2026-12-04T20:08:00.000Z' };
    const plan = planBackup(input({ annotations: { [ANNOTATIONS.backupAssigned]: JSON.stringify(assignment) } }));
    expect(plan).toEqual({ annotations: { [ANNOTATIONS.backupAssigned]: null }, abandoned: { assignment, reason: 'pg-1 did not start the backup within 120 s' } });
  });
});

describe('cron schedules (UTC)', () => {
  it.each([
    ['0 3 * * *', '2026-12-04T03:00:00.000Z'],
    ['*/15 * * * *', '2026-12-04T20:00:00.000Z'],
    ['30 1-5/2 * * *', '2026-12-04T05:30:00.000Z'],
    ['0 0 1 * *', '2026-12-01T00:00:00.000Z'],
    ['0 12 * * 7', '2026-11-29T12:00:00.000Z'],
    ['0 0 25 12 *', '2025-12-25T00:00:00.000Z'],
    ['0 0 13 * 5', '2026-12-04T00:00:00.000Z'], // day 13 or any Friday (2026-12-04 is one)
  ])('%s: the latest slot at or before 2026-12-04 20:10 is %s', (expression, slot) => {
    expect(CronSchedule.parse(expression).previous(now)?.toISOString()).toBe(slot);
  });

  it.each([
    ['0 3 * *', 'schedule must be a cron expression of 5 fields (minute hour day-of-month month day-of-week, UTC), got "0 3 * *"'],
    ['0 24 * * *', 'schedule "0 24 * * *": the hour field "24" is outside 0-23'],
    ['0 3 * * mon', 'schedule "0 3 * * mon": the day-of-week field "mon" is not a number, a range a-b, * or a step x/n (0-7)'],
    ['*/0 * * * *', 'schedule "*/0 * * * *": the minute field "*/0" has a step below 1'],
  ])('fails on %s', (expression, message) => {
    expect(() => CronSchedule.parse(expression)).toThrow(message);
  });
});
