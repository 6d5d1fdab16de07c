/**
 * The failover benchmark on the real cluster (e2e/cluster): each fault of faults.ts, in both standby
 * modes (warm: the seed's ha-postgres; hot: hot-postgres), a few trials each, with the writer through
 * the primary Service. Prints one line per trial and a table of medians; writes
 * bench/results/k8s-failover.json and .md. Timings are printed, never asserted; the safety columns (lost
 * acknowledged writes in a planned handover, two primaries at once) fail the run.
 *
 * `--pgbench` runs every trial under pgbench's load (4 clients through the primary Service, beside the
 * writer) and adds what the load lost: acknowledged pgbench transactions missing afterwards, and the WAL
 * the old primary had flushed past the new timeline's fork (wal-loss.ts), the asynchronous modes' price
 * of an abrupt failover. It writes bench/results/k8s-failover-pgbench.json and .md instead.
 *
 *   npm run bench:k8s [-- --trials 3] [--only graceful-delete,kill-pod] [--modes warm,hot] [--pgbench]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { clusterUp, upOptionsFromEnv } from '../../e2e/cluster/up';
import { VERSIONS } from '../../e2e/cluster/plan';
import { ScenarioContext } from '../../e2e/support/scenario';
import { renderedFile } from '../../e2e/k8s/charts';
import { Database } from '../../e2e/k8s/database';
import { KubeCluster } from '../../e2e/k8s/kube-cluster';
import { createNamespace, deleteNamespace } from '../../e2e/k8s/namespace';
import { initializePgbench } from '../../e2e/load/pgbench';
import { K8S_FAULTS as KILL_FAULTS, type K8sFault } from './faults';
import { startPgbench, type PgbenchFigures } from './pgbench-trial';
import { SILENT_FAULTS } from './silent-faults';
import { healthy, prepareTables, runTrial, type K8sTrialResult } from './trial';
import { FlushSampler, walLostBytes } from './wal-loss';

/** The failover faults, and a whole node lost (three nodes: the e2e cluster's default). */
const K8S_FAULTS = [...KILL_FAULTS, ...SILENT_FAULTS.filter((f) => f.key === 'node-lost')];
/** Faults that end the primary without warning: in asynchronous mode they may lose the last commits. */
const ABRUPT = ['kill-pod', 'kill-postmaster', 'node-lost'];

const RESULTS = join(__dirname, '..', 'results');
const MODES = { warm: 'ha-postgres', hot: 'hot-postgres' } as const;

function args(): { trials: number; only?: string[]; modes: Array<keyof typeof MODES>; pgbench: boolean } {
  const argv = process.argv.slice(2);
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const trials = Number(value('--trials') ?? '3');
  const only = value('--only')?.split(',');
  const modes = (value('--modes') ?? 'warm,hot').split(',') as Array<keyof typeof MODES>;
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials must be a whole number from 1, got ${value('--trials')}`);
  for (const key of only ?? []) if (!K8S_FAULTS.some((f) => f.key === key)) throw new Error(`unknown fault ${key}; known: ${K8S_FAULTS.map((f) => f.key).join(', ')}`);
  for (const mode of modes) if (!(mode in MODES)) throw new Error(`--modes may name warm, hot; got ${mode}`);
  return { trials, only, modes, pgbench: argv.includes('--pgbench') };
}

const median = (values: ReadonlyArray<number | undefined>): number | undefined => {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return known.length === 0 ? undefined : known[Math.floor((known.length - 1) / 2)];
};
const ms = (v: number | undefined) => (v === undefined ? '–' : `${(v / 1000).toFixed(2)} s`);

/** A trial, and under `--pgbench` what the load did and lost. */
interface LoadedResult extends K8sTrialResult {
  readonly pgbench?: PgbenchFigures;
  /** WAL bytes the old primary had flushed past the new timeline's fork (faults that move the primary). */
  readonly walLostBytes?: number;
}

function line(r: LoadedResult): string {
  const p = r.phases;
  const load = r.pgbench ? `, pgbench ${r.pgbench.tps.toFixed(0)} tps, ${r.pgbench.lost} of ${r.pgbench.transactions} lost, WAL lost ${bytes(r.walLostBytes)}` : '';
  return `  ${r.mode} ${r.fault} #${r.trial}: writable after ${ms(r.timeToWritableMs)} on ${r.newPrimary} (old label gone ${ms(p.oldLabelGone)}, new label ${ms(p.newLabel)}, EndpointSlice ${ms(p.endpointSlice)}, kube-proxy rules ${ms(p.proxyRules)}), max gap ${ms(r.maxGapMs)}, rejoin ${ms(r.rejoinMs)}, lost acked ${r.lostAckedWrites}, dual primary ${r.dualPrimaryMs} ms${load}`;
}

const bytes = (v: number | undefined) => (v === undefined ? '–' : v < 1024 ? `${v} B` : `${(v / 1024).toFixed(1)} KiB`);

function table(results: readonly LoadedResult[], loaded: boolean): string {
  const rows = [
    `| fault | mode | time to writable | new primary labelled | in the EndpointSlice | in kube-proxy's rules | max gap | rejoin | lost acked writes | dual-primary window |${loaded ? ' pgbench tps | pgbench transactions lost | WAL lost (per trial) |' : ''}`,
    `|---|---|---|---|---|---|---|---|---|---|${loaded ? '---|---|---|' : ''}`,
  ];
  const groups = new Map<string, LoadedResult[]>();
  for (const r of results) groups.set(`${r.fault}|${r.mode}`, [...(groups.get(`${r.fault}|${r.mode}`) ?? []), r]);
  for (const [key, group] of groups) {
    const [fault, mode] = key.split('|');
    const worst = (f: (r: K8sTrialResult) => number | undefined) => ms(Math.max(...group.map((r) => f(r) ?? 0)));
    const load = loaded
      ? ` ${median(group.map((r) => r.pgbench?.tps))?.toFixed(0) ?? '–'} | ${group.reduce((n, r) => n + (r.pgbench?.lost ?? 0), 0)} of ${group.reduce((n, r) => n + (r.pgbench?.transactions ?? 0), 0)} | ${group.map((r) => bytes(r.walLostBytes)).join(', ')} |`
      : '';
    rows.push(`| ${fault} | ${mode} | ${ms(median(group.map((r) => r.timeToWritableMs)))} (${worst((r) => r.timeToWritableMs)}) | ${ms(median(group.map((r) => r.phases.newLabel)))} | ${ms(median(group.map((r) => r.phases.endpointSlice)))} | ${ms(median(group.map((r) => r.phases.proxyRules)))} | ${ms(median(group.map((r) => r.maxGapMs)))} | ${ms(median(group.map((r) => r.rejoinMs)))} | ${group.reduce((n, r) => n + r.lostAckedWrites, 0)} | ${Math.max(...group.map((r) => r.dualPrimaryMs))} ms |${load}`);
  }
  return rows.join('\n');
}

async function main(): Promise<number> {
  const options = args();
  const up = upOptionsFromEnv();
  const kubectl = await clusterUp({ nodes: up.nodes, majors: ['17'] });
  const cluster = new KubeCluster(kubectl);
  const t = new ScenarioContext(cluster, (l) => console.log(l));
  const faults = K8S_FAULTS.filter((f) => !options.only || options.only.includes(f.key));
  const results: LoadedResult[] = [];
  let trialId = 0;
  for (const mode of options.modes) {
    const chart = MODES[mode];
    console.log(`\n${mode} standbys: ${chart} (examples/rendered/${chart}.k8s.yaml, postgres:17)`);
    await deleteNamespace(cluster, 'demo', up.nodes);
    await createNamespace(cluster, 'demo');
    await cluster.sh(`kubectl apply --server-side --validate=strict -f ${renderedFile(chart, '17')}`);
    const db = new Database(cluster, chart, 'demo');
    await healthy(t, db);
    await prepareTables(db);
    if (options.pgbench) await initializePgbench(await db.service(), await db.credentials());
    for (const fault of faults) {
      for (let trial = 1; trial <= options.trials; trial++) {
        const result = options.pgbench ? await loadedTrial(cluster, db, t, fault, mode, trial, ++trialId) : await runTrial(cluster, db, t, fault, mode, trial, ++trialId);
        results.push(result);
        console.log(line(result));
      }
    }
    await deleteNamespace(cluster, 'demo', up.nodes);
  }
  const code = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const header = [
    `- Cluster: Kubernetes ${VERSIONS.kubernetes} built from upstream (e2e/cluster), ${up.nodes === 1 ? 'one node' : `${up.nodes} nodes`}, containerd 1.6.20, kube-proxy iptables mode (minSyncPeriod 1 s, the default); postgres:17 image built from Debian's postgresql-17`,
    `- Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; code ${code}; ${new Date().toISOString()}; ${options.trials} trial(s) per fault and mode`,
    '- Writer: one insert every 20 ms through the primary Service\'s cluster address over TLS (connect and statement timeouts 1 s); times from the fault, median of the trials (worst in brackets)',
    ...(options.pgbench ? ['- Load: pgbench TPC-B (scale 1, 4 clients, 5 s rounds) through the primary Service beside the writer, during every trial; pgbench transactions lost: acknowledged ones missing from pgbench_history afterwards (a lower bound); WAL lost: the old primary\'s last sampled flush position (every 20 ms, a lower bound) past the new timeline\'s switch point'] : []),
  ].join('\n');
  const report = `${header}\n\n${table(results, options.pgbench)}\n`;
  const file = options.pgbench ? 'k8s-failover-pgbench' : 'k8s-failover';
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${file}.json`), `${JSON.stringify({ code, at: new Date().toISOString(), kubernetes: VERSIONS.kubernetes, nodes: up.nodes, postgres: '17', pgbench: options.pgbench, results }, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${file}.md`), `# Failover on the real cluster${options.pgbench ? ', under pgbench' : ''}\n\n${report}`);
  console.log(`\n${report}`);
  const unsafe = results.filter((r) => r.dualPrimaryMs > 0 || (!ABRUPT.includes(r.fault) && (r.lostAckedWrites > 0 || (r.pgbench?.lost ?? 0) > 0)));
  for (const r of unsafe) console.log(`SAFETY: ${r.mode} ${r.fault} #${r.trial}: ${r.lostAckedWrites} acknowledged writes and ${r.pgbench?.lost ?? 0} pgbench transactions lost, two primaries for ${r.dualPrimaryMs} ms`);
  return unsafe.length === 0 ? 0 : 1;
}

/** One trial under pgbench, with the old primary's flush position sampled for the WAL a move threw away. */
async function loadedTrial(cluster: KubeCluster, db: Database, t: ScenarioContext<KubeCluster>, fault: K8sFault, mode: string, trial: number, trialId: number): Promise<LoadedResult> {
  const { primary } = await healthy(t, db);
  const load = await startPgbench(db, t);
  const sampler = new FlushSampler(db, primary);
  const outcome = await runTrial(cluster, db, t, fault, mode, trial, trialId).then((r) => ({ result: r }), (error: Error) => ({ error }));
  // Stopped whatever the trial's outcome: neither may outlive it.
  const lastFlush = await sampler.stop();
  const pgbench = await load.finish();
  if ('error' in outcome) throw outcome.error;
  const { result } = outcome;
  const moved = result.newPrimary !== result.oldPrimary;
  return { ...result, pgbench, ...(moved && lastFlush ? { walLostBytes: await walLostBytes(db, result.newPrimary, lastFlush) } : {}) };
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(error.message);
  process.exit(1);
});
