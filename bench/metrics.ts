/**
 * The benchmark's measurements, computed from one trial's write log. Definitions (issue 5):
 *
 * - time to writable: fault → the first acknowledged write through the Service on the new primary. When
 *   the primary did not change (the same pod recovered), the first acknowledgement sent after the writer's
 *   first failure following the fault; when the writer never failed, the first acknowledgement after it.
 * - max gap: the longest interval between consecutive acknowledged writes.
 * - lost acked writes: acknowledged ids missing on the final primary once everything settled (unknown
 *   when the cluster never settled).
 * - dual-primary window: how long after the new primary's first acknowledged write (writer or probe) the
 *   old primary still acknowledged one (writer or probe); ≤ 0 means never. Generalised to any two pods:
 *   for every pod Y whose first acknowledgement came after pod X's first, how long X kept acknowledging
 *   after Y started; the largest such value. With one serving pod only, there is no window (null).
 * - rejoin: the fault's pod back → it streams from the final primary.
 */
import type { AckedWrite, TrialLog } from '../e2e/load/write-log';

export interface TrialMetrics {
  readonly timeToWritableMs: number | null;
  readonly maxGapMs: number | null;
  /** Where the longest gap lies (for the timeline). */
  readonly maxGap: { readonly from: number; readonly to: number } | null;
  readonly lostAckedWrites: number | null;
  readonly lostIds: readonly number[];
  readonly dualPrimaryWindowMs: number | null;
  readonly rejoinMs: number | null;
  /** The first acknowledgement on a pod other than the old primary after the fault, if any. */
  readonly newPrimaryFirstAckAt: number | null;
}

export function computeMetrics(log: TrialLog): TrialMetrics {
  const firstOnNew = firstAckOnNewPrimary(log);
  const gap = longestGap(log.writes);
  const lostIds = log.presentIds === null ? [] : lostAcknowledged(log.writes, log.presentIds);
  return {
    timeToWritableMs: timeToWritable(log, firstOnNew),
    maxGapMs: gap === null ? null : gap.to - gap.from,
    maxGap: gap,
    lostAckedWrites: log.presentIds === null ? null : lostIds.length,
    lostIds,
    dualPrimaryWindowMs: dualPrimaryWindow(log),
    rejoinMs: log.backAt !== null && log.rejoinedAt !== null ? log.rejoinedAt - log.backAt : null,
    newPrimaryFirstAckAt: firstOnNew?.at ?? null,
  };
}

export function firstAckOnNewPrimary(log: TrialLog): AckedWrite | undefined {
  return byAckTime(log.writes).find((w) => w.at >= log.faultAt && w.pod !== log.oldPrimary);
}

export function timeToWritable(log: TrialLog, firstOnNew = firstAckOnNewPrimary(log)): number | null {
  if (log.finalPrimary !== log.oldPrimary) return firstOnNew ? firstOnNew.at - log.faultAt : null;
  const failure = [...log.failures].sort((a, b) => a.at - b.at).find((f) => f.at >= log.faultAt);
  const after = failure ? failure.at : log.faultAt;
  const first = byAckTime(log.writes).find((w) => w.at >= log.faultAt && w.sentAt >= after && w.pod === log.finalPrimary);
  return first ? first.at - log.faultAt : null;
}

export function longestGap(writes: readonly AckedWrite[]): { from: number; to: number } | null {
  const times = writes.map((w) => w.at).sort((a, b) => a - b);
  let best: { from: number; to: number } | null = null;
  for (let i = 1; i < times.length; i++) {
    if (best === null || times[i] - times[i - 1] > best.to - best.from) best = { from: times[i - 1], to: times[i] };
  }
  return best;
}

export function lostAcknowledged(writes: readonly AckedWrite[], presentIds: readonly number[]): number[] {
  const present = new Set(presentIds);
  return writes.filter((w) => !present.has(w.id)).map((w) => w.id).sort((a, b) => a - b);
}

/** Over the writer's and the probe's acknowledgements together. */
export function dualPrimaryWindow(log: Pick<TrialLog, 'writes' | 'probes'>): number | null {
  const spans = new Map<string, { first: number; last: number }>();
  for (const { pod, at } of [...log.writes, ...log.probes]) {
    const span = spans.get(pod);
    if (!span) spans.set(pod, { first: at, last: at });
    else spans.set(pod, { first: Math.min(span.first, at), last: Math.max(span.last, at) });
  }
  const list = [...spans.values()];
  let window: number | null = null;
  for (const earlier of list) {
    for (const later of list) {
      if (later === earlier || later.first <= earlier.first) continue;
      const overlap = earlier.last - later.first;
      if (window === null || overlap > window) window = overlap;
    }
  }
  return window;
}

function byAckTime(writes: readonly AckedWrite[]): AckedWrite[] {
  return [...writes].sort((a, b) => a.at - b.at);
}
