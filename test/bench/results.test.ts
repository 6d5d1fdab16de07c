import { parseChaosArgs } from '../../bench/chaos';
import { chaosPlan } from '../../bench/chaos-run';
import { parseArgs } from '../../bench/failover';
import { renderMarkdown, replaceBetween } from '../../bench/report/markdown';
import { parseCpuTicks, statusKiB } from '../../bench/resources';
import { mergeResults, summarize, type ResultsFile, type ScenarioResult, type TrialValues } from '../../bench/results';
import { BENCH_SCENARIOS, scenarioKey, selectScenarios } from '../../bench/scenarios';
import { median } from '../../bench/stats';

const LEASE = { durationMs: 10_000, renewDeadlineMs: 6000, retryPeriodMs: 1000 };

function trial(n: number, values: Partial<TrialValues> = {}): TrialValues {
  return {
    trial: n, faultAt: '2026-01-01T00:00:00.000Z', timeToWritableS: 0.8, maxGapS: 0.7, lostAckedWrites: 0, dualPrimaryWindowS: -0.5, rejoinS: 1.5,
    victim: 'hot-postgres-0', oldPrimary: 'hot-postgres-0', newPrimary: 'hot-postgres-1', ackedWrites: 200, failedAttempts: 10, notes: [],
    ...values,
  };
}

const graceful = BENCH_SCENARIOS.find((s) => scenarioKey(s) === 'graceful-delete-sync')!;
const context = { ranAt: '2026-01-01T00:00:00.000Z', commit: 'abc1234', timeline: 'timeline-graceful-delete-sync.svg', standby: 'hot' as const };
const footprint = [{ pod: 'hot-postgres-0', rssMiB: 48, anonMiB: 15, cpuPercent: 3 }, { pod: 'hot-postgres-1', rssMiB: 52, anonMiB: 17, cpuPercent: 2 }];

describe('scenario summaries', () => {
  it('takes medians over the trials that measured a value', () => {
    expect(median([3, null, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([null])).toBeNull();
  });

  it('judges timing targets on the median and safety on every trial', () => {
    const s = summarize(graceful, LEASE, [trial(1, { timeToWritableS: 0.9 }), trial(2, { timeToWritableS: 1.4 }), trial(3, { timeToWritableS: 0.95 })], footprint, context);
    expect(s.key).toBe('graceful-delete-sync');
    expect(s.cluster).toBe('hot-postgres');
    expect(s.median.timeToWritableS).toBe(0.95);
    expect(s.targets.find((t) => t.metric === 'timeToWritableS')).toMatchObject({ limitS: 1, medianS: 0.95, worstS: 1.4, met: true, patroni: '2.95 s' });
    expect(s.safe).toBe(true);
    expect(s.agent.rssMiB).toEqual({ median: 50, max: 52 });
    expect(s.agent.rssTargetMet).toBe(false);
  });

  it('is unsafe when any trial shows a positive dual-primary window', () => {
    const s = summarize(graceful, LEASE, [trial(1), trial(2, { dualPrimaryWindowS: 0.04 }), trial(3)], footprint, context);
    expect(s.worstDualPrimaryWindowS).toBe(0.04);
    expect(s.safe).toBe(false);
  });

  it('is unsafe when a trial in sync mode lost an acknowledged write, or failed', () => {
    expect(summarize(graceful, LEASE, [trial(1, { lostAckedWrites: 1 })], footprint, context).safe).toBe(false);
    expect(summarize(graceful, LEASE, [trial(1, { error: 'the cluster was not healthy within 120 s' })], footprint, context).safe).toBe(false);
  });

  it('sizes lease-relative targets by the cluster\'s lease duration', () => {
    const silent = BENCH_SCENARIOS.find((s) => scenarioKey(s) === 'primary-silent-async')!;
    const s = summarize(silent, { ...LEASE, durationMs: 15_000 }, [trial(1, { timeToWritableS: 15.5 })], footprint, context);
    expect(s.targets.find((t) => t.metric === 'timeToWritableS')).toMatchObject({ limitS: 16, met: true });
  });

  it('merges a partial run into the previous results in the benchmark\'s order', () => {
    const order = BENCH_SCENARIOS.map((s) => scenarioKey(s));
    const entry = (key: string, ranAt: string) => ({ key, ranAt }) as unknown as ScenarioResult;
    const merged = mergeResults([entry('switchover-sync', 'old'), entry('graceful-delete-async', 'old')], [entry('switchover-sync', 'new')], order);
    expect(merged.map((s) => [s.key, s.ranAt])).toEqual([['graceful-delete-async', 'old'], ['switchover-sync', 'new']]);
  });

  it('renders the table with Patroni\'s figure, the target and the verdict', () => {
    const s = summarize(graceful, LEASE, [trial(1, { timeToWritableS: 1.2 })], footprint, context);
    const results: ResultsFile = {
      generatedAt: '2026-01-01T00:00:00.000Z',
      machine: { cores: 2, cpuModel: 'CPU', memoryGiB: 4, kernel: 'Linux 6', node: 'v20', postgres: '15.18', commit: 'abc1234' },
      trialsPerScenario: 1,
      scenarios: [s],
    };
    const md = renderMarkdown(results);
    expect(md).toContain('| 1 | graceful delete of the primary pod | sync | 1.20 s (1.20 s) |');
    expect(md).toContain('writable: 2.95 s');
    expect(md).toContain('writable ≤ 1.0 s');
    expect(md).toContain('✗ ✓');
    expect(md).toContain('2 cores (CPU)');
    expect(md).toContain('![graceful-delete-sync](timeline-graceful-delete-sync.svg)');
  });
});

describe('command lines', () => {
  it('reads --only and --trials, in both spellings', () => {
    expect(parseArgs([])).toEqual({ only: undefined, trials: 3, standby: 'hot', reportOnly: false });
    expect(parseArgs(['--only', 'switchover,api-down', '--trials=5', '--standby', 'warm'])).toEqual({ only: ['switchover', 'api-down'], trials: 5, standby: 'warm', reportOnly: false });
  });

  it('fails on unknown arguments and scenarios', () => {
    expect(() => parseArgs(['--trails', '3'])).toThrow('unknown argument --trails');
    expect(() => parseArgs(['--trials', '0'])).toThrow('--trials must be a whole number ≥ 1, got 0');
    expect(() => selectScenarios(['switchover', 'nope'])).toThrow(/unknown scenario\(s\) nope; known: .*switchover-sync/);
  });

  it('selects every mode of a fault, or one scenario', () => {
    expect(selectScenarios(['switchover']).map((s) => scenarioKey(s))).toEqual(['switchover-async', 'switchover-sync']);
    expect(selectScenarios(['switchover-sync']).map((s) => scenarioKey(s))).toEqual(['switchover-sync']);
    expect(selectScenarios(undefined)).toHaveLength(BENCH_SCENARIOS.length);
  });

  it('reads the chaos run\'s --trials and --seed, defaulting the seed', () => {
    expect(parseChaosArgs([], 99)).toEqual({ trials: 5, seed: 99, dryRun: false });
    expect(parseChaosArgs(['--trials', '50', '--seed=7', '--dry-run'], 99)).toEqual({ trials: 50, seed: 7, dryRun: true });
    expect(() => parseChaosArgs(['--seed', 'x'], 1)).toThrow('--seed must be a whole number ≥ 0, got NaN');
  });

  it('draws the same chaos plan from the same seed', () => {
    const keys = (seed: number) => chaosPlan(seed, 10).map((step) => `${step.fault.key}@${step.warmUpMs}`);
    expect(keys(5)).toEqual(keys(5));
    expect(keys(5)).not.toEqual(keys(6));
    for (const step of chaosPlan(3, 50)) {
      expect(step.warmUpMs).toBeGreaterThanOrEqual(300);
      expect(step.warmUpMs).toBeLessThanOrEqual(2500);
    }
  });
});

describe('agent footprint readings', () => {
  it('reads VmRSS and RssAnon from /proc/<pid>/status and CPU ticks from /proc/<pid>/stat', () => {
    const status = 'Name:\tnode\nVmHWM:\t   68412 kB\nVmRSS:\t   63440 kB\nRssAnon:\t   17976 kB\nRssFile:\t   45464 kB\n';
    expect(statusKiB(status, 'VmRSS')).toBe(63440);
    expect(statusKiB(status, 'RssAnon')).toBe(17976);
    expect(statusKiB('', 'VmRSS')).toBe(0);
    // The command name may hold spaces and parentheses; utime and stime are fields 14 and 15.
    const stat = '123 (node (x) y) S 1 123 123 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 11 0 100 1000000 15000';
    expect(parseCpuTicks(stat)).toBe(300);
  });
});

describe('the README\'s results section', () => {
  it('replaces what lies between the markers and keeps the rest', () => {
    const doc = 'intro\n<!-- a -->\nold table\n<!-- b -->\nrest\n';
    expect(replaceBetween(doc, '<!-- a -->', '<!-- b -->', 'new table\n')).toBe('intro\n<!-- a -->\nnew table\n<!-- b -->\nrest\n');
    expect(() => replaceBetween('no markers', '<!-- a -->', '<!-- b -->', 'x')).toThrow('the document has no <!-- a --> … <!-- b --> section');
  });
});
