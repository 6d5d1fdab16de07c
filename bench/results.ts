/**
 * bench/results/failover.json: what a run measured, per scenario and per trial, with the medians and
 * each target's verdict. `--only` runs replace their scenarios' entries and keep the others.
 */
import { existsSync, readFileSync } from 'node:fs';
import { clusterName, type Standby } from './charts';
import type { LeaseSettings } from './cluster-view';
import type { Machine } from './machine';
import type { AgentFootprint } from './resources';
import type { BenchScenario, TimedMetric } from './scenarios';
import { SAFETY_TARGETS, scenarioKey } from './scenarios';
import { maximum, median, roundSeconds } from './stats';
import type { TrialResult } from './trial';

export interface TrialValues {
  readonly trial: number;
  /** When the fault hit (ISO time, the clock of the agents' and the harness's logs). */
  readonly faultAt: string | null;
  readonly timeToWritableS: number | null;
  readonly maxGapS: number | null;
  /** null: not counted (the trial never settled). */
  readonly lostAckedWrites: number | null;
  readonly dualPrimaryWindowS: number | null;
  readonly rejoinS: number | null;
  readonly victim: string;
  readonly oldPrimary: string;
  readonly newPrimary: string | null;
  readonly ackedWrites: number;
  readonly failedAttempts: number;
  readonly notes: readonly string[];
  readonly error?: string;
}

export interface TargetVerdict {
  readonly metric: TimedMetric;
  readonly target: string;
  readonly limitS: number;
  readonly source: string;
  readonly patroni: string;
  /** The median over the trials. */
  readonly medianS: number | null;
  readonly worstS: number | null;
  /** Judged on the median; null when no trial measured it. */
  readonly met: boolean | null;
}

export interface ScenarioResult {
  readonly key: string;
  /** The cluster: `hot-postgres` (hot standbys) or `ha-postgres` (warm). */
  readonly cluster: string;
  readonly standby: 'hot' | 'warm';
  readonly name: string;
  readonly number: number;
  readonly title: string;
  readonly mode: 'async' | 'sync';
  readonly lease: { readonly durationS: number; readonly renewDeadlineS: number; readonly retryPeriodS: number };
  readonly ranAt: string;
  readonly commit: string;
  readonly trials: readonly TrialValues[];
  readonly median: {
    readonly timeToWritableS: number | null;
    readonly maxGapS: number | null;
    readonly lostAckedWrites: number | null;
    readonly dualPrimaryWindowS: number | null;
    readonly rejoinS: number | null;
  };
  readonly worstDualPrimaryWindowS: number | null;
  readonly totalLostAckedWrites: number;
  readonly targets: readonly TargetVerdict[];
  /** No trial showed a positive dual-primary window; in sync mode, no trial lost an acknowledged write; no trial failed. */
  readonly safe: boolean;
  readonly agent: {
    readonly rssMiB: { readonly median: number | null; readonly max: number | null };
    readonly cpuPercent: { readonly median: number | null; readonly max: number | null };
    readonly perPod: readonly AgentFootprint[];
    readonly rssTargetMet: boolean | null;
  };
  readonly timeline: string | null;
}

export interface ResultsFile {
  readonly generatedAt: string;
  readonly machine: Machine;
  readonly trialsPerScenario: number;
  readonly scenarios: readonly ScenarioResult[];
}

export function trialValues(index: number, result: TrialResult): TrialValues {
  const m = result.metrics;
  return {
    trial: index,
    faultAt: new Date(result.log.faultAt).toISOString(),
    timeToWritableS: roundSeconds(m.timeToWritableMs),
    maxGapS: roundSeconds(m.maxGapMs),
    lostAckedWrites: m.lostAckedWrites,
    dualPrimaryWindowS: roundSeconds(m.dualPrimaryWindowMs),
    rejoinS: roundSeconds(m.rejoinMs),
    victim: result.victim,
    oldPrimary: result.before.primary,
    newPrimary: result.after?.primary ?? null,
    ackedWrites: result.counts.acked,
    failedAttempts: result.counts.failed,
    notes: [...result.notes, ...(m.lostIds.length > 0 ? [`lost ids: ${m.lostIds.slice(0, 20).join(', ')}${m.lostIds.length > 20 ? ', …' : ''}`] : [])],
    ...(result.error ? { error: result.error } : {}),
  };
}

export function summarize(
  scenario: BenchScenario,
  lease: LeaseSettings,
  trials: readonly TrialValues[],
  footprint: readonly AgentFootprint[],
  context: { ranAt: string; commit: string; timeline: string | null; standby: Standby },
): ScenarioResult {
  const column = (metric: TimedMetric) => trials.map((t) => t[metric]);
  const targets = scenario.targets.map((target): TargetVerdict => {
    const limitS = target.limitS(lease);
    const medianS = median(column(target.metric));
    return {
      metric: target.metric, target: target.text, limitS, source: target.source, patroni: target.patroni,
      medianS, worstS: maximum(column(target.metric)), met: medianS === null ? null : medianS <= limitS,
    };
  });
  const worstWindow = maximum(trials.map((t) => t.dualPrimaryWindowS));
  const totalLost = trials.reduce((sum, t) => sum + (t.lostAckedWrites ?? 0), 0);
  const rss = footprint.map((f) => f.rssMiB);
  const cpu = footprint.map((f) => f.cpuPercent);
  return {
    key: scenarioKey(scenario, context.standby),
    cluster: clusterName(context.standby),
    standby: context.standby,
    name: scenario.fault.key,
    number: scenario.fault.number,
    title: scenario.fault.title,
    mode: scenario.mode,
    lease: { durationS: lease.durationMs / 1000, renewDeadlineS: lease.renewDeadlineMs / 1000, retryPeriodS: lease.retryPeriodMs / 1000 },
    ranAt: context.ranAt,
    commit: context.commit,
    trials,
    median: {
      timeToWritableS: median(column('timeToWritableS')),
      maxGapS: median(column('maxGapS')),
      lostAckedWrites: median(trials.map((t) => t.lostAckedWrites)),
      dualPrimaryWindowS: median(trials.map((t) => t.dualPrimaryWindowS)),
      rejoinS: median(column('rejoinS')),
    },
    worstDualPrimaryWindowS: worstWindow,
    totalLostAckedWrites: totalLost,
    targets,
    safe: (worstWindow === null || worstWindow <= 0) && (scenario.mode !== 'sync' || totalLost === 0) && trials.every((t) => !t.error),
    agent: {
      rssMiB: { median: median(rss), max: maximum(rss) },
      cpuPercent: { median: median(cpu), max: maximum(cpu) },
      perPod: footprint,
      rssTargetMet: rss.length === 0 ? null : (maximum(rss) ?? 0) <= SAFETY_TARGETS.agentRss.limitMiB,
    },
    timeline: context.timeline,
  };
}

/** The previous results, to keep the scenarios a `--only` run did not touch. */
export function readResults(file: string): ResultsFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
  } catch {
    return undefined;
  }
}

/** New entries replace old ones of the same key; the order is the benchmark's scenario order. */
export function mergeResults(previous: readonly ScenarioResult[], fresh: readonly ScenarioResult[], order: readonly string[]): ScenarioResult[] {
  const byKey = new Map(previous.map((s) => [s.key, s]));
  for (const s of fresh) byKey.set(s.key, s);
  const rank = (key: string) => {
    const index = order.indexOf(key);
    return index === -1 ? order.length : index;
  };
  return [...byKey.values()].sort((a, b) => rank(a.key) - rank(b.key));
}
