import { computeMetrics, dualPrimaryWindow, longestGap, lostAcknowledged, timeToWritable } from '../../bench/metrics';
import type { AckedWrite, TrialLog } from '../../e2e/load/write-log';

const A = 'ha-postgres-0';
const B = 'ha-postgres-1';

/** Writes every 20 ms from `from` (inclusive) to `to` (exclusive), served by `pod`, ids from `firstId`. */
function writes(pod: string, from: number, to: number, firstId: number): AckedWrite[] {
  const result: AckedWrite[] = [];
  for (let at = from, id = firstId; at < to; at += 20, id++) result.push({ id, sentAt: at - 5, at, pod });
  return result;
}

function trial(overrides: Partial<TrialLog> = {}): TrialLog {
  // A serves until 1000 ms, the fault at 1010, B takes writes from 1800 on (ids continue after the failures).
  const before = writes(A, 0, 1000, 1);
  const after = writes(B, 1800, 2400, 200);
  return {
    faultAt: 1010,
    oldPrimary: A,
    finalPrimary: B,
    writes: [...before, ...after],
    failures: [{ id: 51, sentAt: 1005, at: 1012, error: 'terminating connection due to administrator command' }],
    probes: [],
    presentIds: [...before, ...after].map((w) => w.id),
    backAt: 3000,
    rejoinedAt: 4200,
    ...overrides,
  };
}

describe('failover metrics', () => {
  it('measures time to writable from the fault to the first acknowledged write on the new primary', () => {
    expect(timeToWritable(trial())).toBe(790);
  });

  it('ignores late acknowledgements of the old primary when the primary changed', () => {
    const log = trial();
    const late: AckedWrite = { id: 60, sentAt: 1100, at: 1300, pod: A };
    expect(timeToWritable({ ...log, writes: [...log.writes, late] })).toBe(790);
  });

  it('has no time to writable when no other member ever took a write', () => {
    expect(timeToWritable(trial({ writes: writes(A, 0, 1000, 1), finalPrimary: B }))).toBeNull();
  });

  it('measures time to writable of a primary that recovered in place from the first write sent after the first failure', () => {
    const log = trial({
      finalPrimary: A,
      writes: [...writes(A, 0, 1000, 1), { id: 51, sentAt: 1005, at: 1015, pod: A }, ...writes(A, 2500, 3000, 80)],
      failures: [{ id: 52, sentAt: 1020, at: 1030, error: 'ECONNRESET' }],
    });
    // The write acknowledged at 1015 was sent before the failure: it was in flight when the fault hit.
    expect(timeToWritable(log)).toBe(1490);
  });

  it('counts a primary that never stopped taking writes as writable at its first write after the fault', () => {
    expect(timeToWritable(trial({ finalPrimary: A, writes: writes(A, 0, 3000, 1), failures: [] }))).toBe(10);
  });

  it('finds the longest interval between consecutive acknowledged writes, in any order', () => {
    const log = trial();
    expect(longestGap([...log.writes].reverse())).toEqual({ from: 980, to: 1800 });
    expect(longestGap([])).toBeNull();
    expect(longestGap(writes(A, 0, 20, 1))).toBeNull();
  });

  it('counts acknowledged ids missing on the final primary as lost', () => {
    const log = trial();
    const present = (log.presentIds ?? []).filter((id) => id !== 50 && id !== 49);
    expect(lostAcknowledged(log.writes, present)).toEqual([49, 50]);
    expect(computeMetrics({ ...log, presentIds: present }).lostAckedWrites).toBe(2);
  });

  it('does not count unacknowledged writes that are missing', () => {
    expect(computeMetrics(trial()).lostAckedWrites).toBe(0);
  });

  it('gives a negative dual-primary window when the old primary stopped before the new one took writes', () => {
    expect(dualPrimaryWindow(trial())).toBe(980 - 1800);
  });

  it('gives a positive dual-primary window when the old primary acknowledged a probe write after the new primary took one', () => {
    const log = trial({ probes: [{ pod: A, at: 1900 }, { pod: B, at: 1750 }] });
    // The new primary's first acknowledgement is the probe's at 1750; the old one still acknowledged at 1900.
    expect(dualPrimaryWindow(log)).toBe(150);
  });

  it('takes the worst overlap of any two members', () => {
    const C = 'ha-postgres-2';
    const log = trial({ probes: [{ pod: C, at: 2000 }, { pod: C, at: 2500 }] });
    // B's last write is at 2380, C's first at 2000.
    expect(dualPrimaryWindow(log)).toBe(380);
  });

  it('has no dual-primary window when only one member took writes', () => {
    expect(dualPrimaryWindow({ writes: writes(A, 0, 1000, 1), probes: [{ pod: A, at: 5 }] })).toBeNull();
  });

  it('measures rejoin from the pod being back to it streaming, when both happened', () => {
    expect(computeMetrics(trial()).rejoinMs).toBe(1200);
    expect(computeMetrics(trial({ rejoinedAt: null })).rejoinMs).toBeNull();
    expect(computeMetrics(trial({ backAt: null })).rejoinMs).toBeNull();
  });

  it('computes every metric of a trial together', () => {
    expect(computeMetrics(trial())).toEqual({
      timeToWritableMs: 790,
      maxGapMs: 820,
      maxGap: { from: 980, to: 1800 },
      lostAckedWrites: 0,
      lostIds: [],
      dualPrimaryWindowMs: -820,
      rejoinMs: 1200,
      newPrimaryFirstAckAt: 1800,
    });
  });
});

describe('lost writes of a trial that never settled', () => {
  it('are unknown, not all lost', () => {
    const log: TrialLog = {
      faultAt: 10, oldPrimary: 'a', finalPrimary: 'a', failures: [], probes: [], presentIds: null, backAt: null, rejoinedAt: null,
      writes: [{ id: 1, sentAt: 0, at: 5, pod: 'a' }],
    };
    expect(computeMetrics(log).lostAckedWrites).toBeNull();
  });
});
