/**
 * The chaos run on the real cluster (chaos-run.ts), as a command:
 *
 *   npm run chaos:k8s -- [--faults N] [--seed S] [--only fault,fault] [--pgbench] [--dry-run] [--out FILE]
 *
 * N faults (default 25) drawn by a PRNG seeded with S (default: the clock, printed so the run can be
 * replayed) on the sync-postgres example (postgres:17; the chaos chart, e2e/k8s/chaos-postgres.ts, when the
 * draw holds a production fault), one line per fault, then `N passed, N failed`
 * and the crash-loop back-offs waited out; exit 1 on any failure. `--only` draws from the named faults;
 * `--pgbench` adds pgbench's load (4 clients) through the primary Service to every fault. `--dry-run` prints the draw without a
 * cluster; `--out` also writes the lines to FILE (the committed results in bench/results/).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { nodePlan, VERSIONS } from '../../e2e/cluster/plan';
import { clusterUp, upOptionsFromEnv } from '../../e2e/cluster/up';
import { ensureAgentBundle } from '../../e2e/support/agent-build';
import { ScenarioContext } from '../../e2e/support/scenario';
import { renderedFile } from '../../e2e/k8s/charts';
import { Database } from '../../e2e/k8s/database';
import { KubeCluster } from '../../e2e/k8s/kube-cluster';
import { createNamespace, deleteNamespace } from '../../e2e/k8s/namespace';
import { CHAOS_FAULTS, catalogue, chaosPlan, planFor, runK8sChaos, type ChaosOutcome } from './chaos-run';
import { CHAOS_POSTGRES, CHAOS_VOLUMES } from '../../e2e/k8s/chaos-postgres';
import type { ChartName } from '../../e2e/k8s/scenario';
import { initializePgbench } from '../../e2e/load/pgbench';
import { healthy, prepareTables } from './trial';

const NAMESPACE = 'demo';

export interface ChaosArgs {
  readonly faults: number;
  readonly seed: number;
  readonly dryRun: boolean;
  readonly out?: string;
  readonly only?: readonly string[];
  readonly pgbench?: boolean;
}

export function parseChaosArgs(argv: readonly string[], defaultSeed: number): ChaosArgs {
  let faults = 25;
  let seed = defaultSeed;
  let dryRun = false;
  let out: string | undefined;
  let only: string[] | undefined;
  let pgbench = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--faults') faults = Number(value());
    else if (flag === '--seed') seed = Number(value());
    else if (flag === '--dry-run') dryRun = true;
    else if (flag === '--pgbench') pgbench = true;
    else if (flag === '--out') out = value();
    else if (flag === '--only') only = value().split(',').filter(Boolean);
    else throw new Error(`unknown argument ${argv[i]}; usage: bench/k8s/chaos.ts [--faults N] [--seed S] [--only fault,fault] [--pgbench] [--dry-run] [--out FILE]`);
  }
  if (!Number.isInteger(faults) || faults < 1) throw new Error(`--faults must be a whole number ≥ 1, got ${faults}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a whole number ≥ 0, got ${seed}`);
  const unknown = (only ?? []).filter((key) => !CHAOS_FAULTS.some((f) => f.key === key));
  if (unknown.length > 0) throw new Error(`--only names unknown fault(s) ${unknown.join(', ')}; known: ${CHAOS_FAULTS.map((f) => f.key).join(', ')}`);
  return { faults, seed, dryRun, out, ...(only ? { only } : {}), ...(pgbench ? { pgbench } : {}) };
}

/**
 * The chart a run's faults need: the sync-postgres example users commit, or, when the draw holds a
 * production fault, the chaos chart (the same cluster with real small filesystems, a memory limit and
 * libfaketime agents).
 */
export function chartFor(args: { faults: number; seed: number; only?: readonly string[]; sequence?: readonly string[] }): ChartName {
  return planFor(args).some((step) => step.fault.chaosChart) ? CHAOS_POSTGRES : 'sync-postgres';
}

/** Brings the cluster up, runs the chaos on a fresh cluster of the chart it needs, and tears the namespace down. */
export async function chaosOnCluster(args: { faults: number; seed: number; only?: readonly string[]; sequence?: readonly string[]; pgbench?: boolean }, print: (line: string) => void): Promise<ChaosOutcome> {
  if (ensureAgentBundle()) print('built build/agent/agent.js (it was missing or older than agent/)');
  const up = { ...upOptionsFromEnv(), majors: ['17'] };
  const cluster = new KubeCluster(await clusterUp(up));
  const chart = chartFor(args);
  const db = new Database(cluster, chart, NAMESPACE);
  await deleteNamespace(cluster, NAMESPACE, up.nodes);
  await createNamespace(cluster, NAMESPACE);
  try {
    if (chart === CHAOS_POSTGRES) await CHAOS_VOLUMES.create(cluster, Array.from({ length: up.nodes }, (_, i) => nodePlan(i + 1).name));
    await cluster.sh(`kubectl apply --server-side --validate=strict -f ${renderedFile(chart, '17')}`);
    await healthy(new ScenarioContext(cluster, print), db);
    await prepareTables(db);
    if (args.pgbench) await initializePgbench(await db.service(), await db.credentials());
    return await runK8sChaos(cluster, db, { ...args, print });
  } finally {
    await deleteNamespace(cluster, NAMESPACE, up.nodes).catch((error: Error) => print(`could not delete namespace ${NAMESPACE}: ${error.message}`));
    if (chart === CHAOS_POSTGRES) await CHAOS_VOLUMES.remove(cluster).catch((error: Error) => print(`could not remove the small volumes: ${error.message}`));
  }
}

async function main(): Promise<number> {
  const args = parseChaosArgs(process.argv.slice(2), Date.now() % 2 ** 31);
  const print = (line: string) => {
    console.log(line);
    if (args.out) appendFileSync(args.out, `${line}\n`);
  };
  if (args.out) writeFileSync(args.out, '');
  print(`chaos on the real cluster: ${args.faults} faults, seed ${args.seed} (replay with --seed ${args.seed})`);
  if (args.dryRun) {
    for (const [i, step] of chaosPlan(args.seed, args.faults, catalogue(args.only)).entries()) print(`  ${i + 1}. ${step.fault.key}${step.fault.victim === 'standby' || step.fault.key === 'switchover' ? ` (standby pick ${step.standbyPick.toFixed(2)})` : ''}`);
    return 0;
  }
  const code = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  print(`Kubernetes ${VERSIONS.kubernetes} (e2e/cluster), ${chartFor(args)} on postgres:17, sync mode; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; code ${code}; ${new Date().toISOString()}`);
  return runAndReport(args, print);
}

/** Runs the chaos, prints the back-offs waited out and `N passed, N failed`; the exit code. */
export async function runAndReport(args: { faults: number; seed: number; only?: readonly string[]; sequence?: readonly string[]; pgbench?: boolean }, print: (line: string) => void): Promise<number> {
  const started = Date.now();
  const outcome = await chaosOnCluster(args, print);
  for (const b of outcome.backOffs) print(`back-off waited out: ${b.container} of ${b.pod}, ${(b.backOffMs / 1000).toFixed(0)} s at restart ${b.restarts}`);
  if (outcome.controlPlaneWaits > 0) print(`kube-controller-manager had lost its leader Lease before ${outcome.controlPlaneWaits} fault(s); each waited for it to lead again`);
  print(`\n${outcome.passed} passed, ${outcome.failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return outcome.failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
