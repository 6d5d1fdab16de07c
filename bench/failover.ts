/**
 * The failover benchmark (issue 5):
 *
 *   npx ts-node --transpile-only bench/failover.ts [--only name[,name]] [--trials N]
 *
 * Runs each scenario's trials on a fresh local cluster of the rendered manifests (see bench/README.md),
 * then writes bench/results/failover.json, failover.md and one SVG timeline per scenario.
 * Needs what `npm run e2e` needs (root, PostgreSQL 15, iproute2); without it, says so and exits 1.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAgentBundle } from '../e2e/support/agent-build';
import type { LocalCluster } from '../e2e/harness/cluster';
import { missingPrerequisites } from '../e2e/harness/prerequisites';
import { runCommand } from './cli';
import { benchChart, clusterName, NAMESPACE, type Standby } from './charts';
import { ClusterView, type LeaseSettings } from './cluster-view';
import { ServiceWriter } from '../e2e/load/writer';
import { describeMachine } from './machine';
import { renderMarkdown, renderSummary, replaceBetween } from './report/markdown';
import { renderTimeline } from './report/svg';
import { measureAgents, type AgentFootprint } from './resources';
import { mergeResults, readResults, summarize, trialValues, type ResultsFile, type ScenarioResult, type TrialValues } from './results';
import { BENCH_SCENARIOS, scenarioKey, selectScenarios, type BenchScenario } from './scenarios';
import { busyNote, foreignLoadWindow, waitForQuietMachine } from './quiet-machine';
import { startCluster } from './start-cluster';
import { createTables, runTrial, waitHealthy, type TrialResult } from './trial';

const RESULTS_DIR = join(__dirname, 'results');
/** bench/README.md and the top-level README show the latest table between these markers. */
const RESULTS_START = '<!-- latest results: written by bench/failover.ts -->';
const RESULTS_END = '<!-- end of latest results -->';
const BOOT_TIMEOUT_MS = 120_000;
const HEALTH_TIMEOUT_MS = 120_000;
const WARM_UP_MS = 2000;
const FOOTPRINT_WINDOW_MS = 5000;
/** How long a trial waits for other processes to calm down before it runs anyway (and says so). */
const QUIET_WAIT_LIMIT_MS = 5 * 60_000;

interface Options {
  readonly only?: readonly string[];
  readonly trials: number;
  readonly standby: Standby;
  /** Only re-render failover.md and the README's table from failover.json (after a change of the report's format). */
  readonly reportOnly: boolean;
}

export function parseArgs(argv: readonly string[]): Options {
  let only: string[] | undefined;
  let trials = 3;
  let standby: Standby = 'hot';
  let reportOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--only') only = value().split(',').filter(Boolean);
    else if (flag === '--trials') trials = Number(value());
    else if (flag === '--standby') standby = value() as Standby;
    else if (flag === '--report-only') reportOnly = true;
    else throw new Error(`unknown argument ${argv[i]}; usage: bench/failover.ts [--only name[,name]] [--trials N] [--standby hot|warm]`);
  }
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials must be a whole number ≥ 1, got ${trials}`);
  if (standby !== 'hot' && standby !== 'warm') throw new Error(`--standby must be hot or warm, got ${standby}`);
  return { only, trials, standby, reportOnly };
}

let current: LocalCluster | undefined;

async function runScenario(scenario: BenchScenario, trials: number, standby: Standby): Promise<ScenarioResult> {
  const key = scenarioKey(scenario, standby);
  console.log(`\n▶ ${scenario.fault.number}. ${scenario.fault.title} (${scenario.mode}, ${clusterName(standby)})`);
  const started = Date.now();
  const values: TrialValues[] = [];
  const results: Array<{ trial: number; result: TrialResult }> = [];
  let footprint: AgentFootprint[] = [];
  let lease: LeaseSettings | undefined;
  let view: ClusterView | undefined;
  try {
    for (let trial = 1; trial <= trials; trial++) {
      if (!view) {
        try {
          current = await startCluster(benchChart(scenario.mode, standby), `bench-${key}${scenario.clusterPerTrial ? `-${trial}` : ''}`, console.log);
          view = new ClusterView(current, clusterName(standby), NAMESPACE);
          lease = view.leaseSettings();
          await waitHealthy(view, BOOT_TIMEOUT_MS);
          if (footprint.length === 0) footprint = await steadyStateFootprint(view);
        } catch (error) {
          values.push(failedTrial(trial, `the cluster did not come up: ${(error as Error).message}`));
          console.log(`  ✗ trial ${trial}: the cluster did not come up: ${(error as Error).message}`);
          view?.close();
          await current?.stop().catch(() => undefined);
          current = undefined;
          view = undefined;
          continue;
        }
      }
      const busyBefore = await waitForQuietMachine(QUIET_WAIT_LIMIT_MS, console.log);
      const endLoadWindow = foreignLoadWindow();
      const result = await runTrial(view, {
        fault: scenario.fault, trial, warmUpMs: WARM_UP_MS, healthTimeoutMs: HEALTH_TIMEOUT_MS,
        chooseStandby: (standbys) => standbys[(trial - 1) % standbys.length],
      }).catch((error: Error) => error);
      const busy = [busyBefore, busyNote(endLoadWindow())].filter((n): n is string => n !== null).join('; ');
      if (result instanceof Error) {
        values.push(failedTrial(trial, result.message));
        console.log(`  ✗ trial ${trial}: ${result.message}`);
      } else {
        results.push({ trial, result });
        const measured = trialValues(trial, result);
        values.push(busy ? { ...measured, notes: [...measured.notes, busy] } : measured);
        console.log(`  ${result.error ? '✗' : '✓'} trial ${trial}: ${describeTrial(values[values.length - 1])}`);
      }
      // A trial that failed may leave the cluster broken; one that needs a fresh cluster gets one.
      if (scenario.clusterPerTrial || (result instanceof Error || result.error)) {
        view.close();
        await current?.stop();
        current = undefined;
        view = undefined;
      }
    }
  } finally {
    view?.close();
    await current?.stop();
    current = undefined;
  }
  const timeline = writeTimeline(scenario, key, results);
  const summary = summarize(scenario, lease ?? { durationMs: NaN, renewDeadlineMs: NaN, retryPeriodMs: NaN }, values, footprint, {
    ranAt: new Date(started).toISOString(), commit: describeMachine().commit, timeline, standby,
  });
  console.log(`  medians: writable ${show(summary.median.timeToWritableS)}, max gap ${show(summary.median.maxGapS)}, rejoin ${show(summary.median.rejoinS)}; lost ${summary.totalLostAckedWrites}; worst window ${show(summary.worstDualPrimaryWindowS)}; agent RSS ${summary.agent.rssMiB.max ?? '—'} MiB (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return summary;
}

/** The agents' RSS and CPU on the healthy cluster with the writer's load on it. */
async function steadyStateFootprint(view: ClusterView): Promise<AgentFootprint[]> {
  await createTables(view, (await waitHealthy(view, BOOT_TIMEOUT_MS)).primary);
  const writer = new ServiceWriter(view.service(), () => view.credentials(), 0, (address) => view.podOf(address));
  try {
    return await measureAgents(view.cluster, view.members(), FOOTPRINT_WINDOW_MS);
  } finally {
    await writer.stop();
  }
}

function failedTrial(trial: number, error: string): TrialValues {
  return {
    trial, faultAt: null, timeToWritableS: null, maxGapS: null, lostAckedWrites: null, dualPrimaryWindowS: null, rejoinS: null,
    victim: '', oldPrimary: '', newPrimary: null, ackedWrites: 0, failedAttempts: 0, notes: [], error,
  };
}

function describeTrial(t: TrialValues): string {
  const change = t.newPrimary === null ? `${t.oldPrimary} → ?` : t.newPrimary === t.oldPrimary ? `${t.oldPrimary} stays primary` : `${t.oldPrimary} → ${t.newPrimary}`;
  return `writable ${show(t.timeToWritableS)}, max gap ${show(t.maxGapS)}, rejoin ${show(t.rejoinS)}, lost ${t.lostAckedWrites ?? '?'}, window ${show(t.dualPrimaryWindowS)} (${change}, ${t.ackedWrites} acked, ${t.failedAttempts} failed attempts)${t.error ? ` — ${t.error}` : ''}${t.notes.length ? ` [${t.notes.join('; ')}]` : ''}`;
}

function show(s: number | null): string {
  return s === null ? '—' : `${s.toFixed(2)} s`;
}

/** The median trial by time to writable (by max gap when the scenario has no failover). */
function writeTimeline(scenario: BenchScenario, key: string, results: ReadonlyArray<{ trial: number; result: TrialResult }>): string | null {
  if (results.length === 0) return null;
  const metric = results.some(({ result }) => result.after !== null && result.after.primary !== result.before.primary) ? 'timeToWritableMs' : 'maxGapMs';
  const sorted = [...results].sort((a, b) => (a.result.metrics[metric] ?? Infinity) - (b.result.metrics[metric] ?? Infinity));
  const { trial: index, result: chosen } = sorted[Math.floor((sorted.length - 1) / 2)];
  const file = `timeline-${key}.svg`;
  const m = chosen.metrics;
  const svg = renderTimeline({
    title: `${scenario.fault.number}. ${scenario.fault.title} (${scenario.mode})`,
    subtitle: `trial ${index}: writable after ${show(m.timeToWritableMs === null ? null : m.timeToWritableMs / 1000)}, max gap ${show(m.maxGapMs === null ? null : m.maxGapMs / 1000)}, rejoin ${show(m.rejoinMs === null ? null : m.rejoinMs / 1000)}, lost ${m.lostAckedWrites ?? '?'}`,
    pods: [...new Set([...chosen.before.standbys, chosen.before.primary])].sort(),
    writes: chosen.log.writes,
    probes: chosen.log.probes,
    faultAt: chosen.log.faultAt,
    marks: chosen.marks,
    gap: m.maxGap,
  });
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, file), svg);
  return file;
}

/** The READMEs that show the latest table, each with the path from it to results/ (for the timelines' links). */
const READMES: readonly { readonly file: string; readonly toResults: string }[] = [
  { file: join(__dirname, 'README.md'), toResults: 'results/' },
  { file: join(__dirname, '..', 'README.md'), toResults: 'bench/results/' },
];

/** failover.md, and the table in bench/README.md and the top-level README. */
function writeReports(results: ResultsFile): void {
  writeFileSync(join(RESULTS_DIR, 'failover.md'), renderMarkdown(results));
  const summary = renderSummary(results);
  for (const readme of READMES) {
    const table = summary.replace(/\]\(timeline-/g, `](${readme.toResults}timeline-`);
    writeFileSync(readme.file, replaceBetween(readFileSync(readme.file, 'utf8'), RESULTS_START, RESULTS_END, table));
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options.reportOnly) {
    const existing = readResults(join(RESULTS_DIR, 'failover.json'));
    if (!existing) throw new Error('no bench/results/failover.json to render');
    writeReports(existing);
    return 0;
  }
  const scenarios = selectScenarios(options.only);
  const missing = missingPrerequisites(true);
  if (missing.length > 0) {
    console.log(`\n!!! the failover benchmark cannot run here; this machine lacks:\n${missing.map((m) => `!!!   - ${m}`).join('\n')}\n`);
    return 1;
  }
  if (ensureAgentBundle()) console.log('built build/agent/agent.js (it was missing or older than agent/)');
  const started = Date.now();
  const fresh: ScenarioResult[] = [];
  for (const scenario of scenarios) fresh.push(await runScenario(scenario, options.trials, options.standby));

  const file = join(RESULTS_DIR, 'failover.json');
  const previous = readResults(file);
  const results: ResultsFile = {
    generatedAt: new Date().toISOString(),
    machine: describeMachine(),
    trialsPerScenario: options.trials,
    scenarios: mergeResults(previous?.scenarios ?? [], fresh, [...BENCH_SCENARIOS.map((s) => scenarioKey(s)), ...BENCH_SCENARIOS.map((s) => scenarioKey(s, 'warm'))]),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeReports(results);
  const unsafe = fresh.filter((s) => !s.safe).map((s) => s.key);
  console.log(`\nwrote ${file} and failover.md (${((Date.now() - started) / 60000).toFixed(1)} min)${unsafe.length ? `; UNSAFE or failed: ${unsafe.join(', ')}` : ''}`);
  return unsafe.length > 0 ? 1 : 0;
}

if (require.main === module) runCommand(main, () => current);
