/**
 * The chaos run on one synchronous-mode cluster:
 *
 *   npx ts-node --transpile-only bench/chaos.ts [--trials N] [--seed S] [--dry-run]
 *
 * N faults (default 5) drawn by a PRNG seeded with S (default: the clock, printed so the run can be
 * replayed), one line per fault, then `N passed, N failed`; exit 1 on any failure. `--dry-run` prints the
 * faults the seed draws without starting a cluster.
 */
import { ensureAgentBundle } from '../e2e/support/agent-build';
import type { LocalCluster } from '../e2e/harness/cluster';
import { missingPrerequisites } from '../e2e/harness/prerequisites';
import { runCommand } from './cli';
import { chaosPlan, runChaos } from './chaos-run';
import { benchChart, clusterName, NAMESPACE } from './charts';
import { ClusterView } from './cluster-view';
import { describeMachine, machineLine } from './machine';
import { startCluster } from './start-cluster';
import { waitHealthy } from './trial';

const BOOT_TIMEOUT_MS = 120_000;

interface Options {
  readonly trials: number;
  readonly seed: number;
  readonly dryRun: boolean;
}

export function parseChaosArgs(argv: readonly string[], defaultSeed: number): Options {
  let trials = 5;
  let seed = defaultSeed;
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--trials') trials = Number(value());
    else if (flag === '--seed') seed = Number(value());
    else if (flag === '--dry-run') dryRun = true;
    else throw new Error(`unknown argument ${argv[i]}; usage: bench/chaos.ts [--trials N] [--seed S] [--dry-run]`);
  }
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials must be a whole number ≥ 1, got ${trials}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a whole number ≥ 0, got ${seed}`);
  return { trials, seed, dryRun };
}

let current: LocalCluster | undefined;

async function main(): Promise<number> {
  const options = parseChaosArgs(process.argv.slice(2), Date.now() % 2 ** 31);
  console.log(`chaos: ${options.trials} faults, seed ${options.seed} (replay with --seed ${options.seed})`);
  if (!options.dryRun) console.log(`machine: ${machineLine(describeMachine())}`);
  if (options.dryRun) {
    for (const [i, step] of chaosPlan(options.seed, options.trials).entries()) console.log(`  ${i + 1}. ${step.fault.key} after ${(step.warmUpMs / 1000).toFixed(1)} s`);
    return 0;
  }
  const missing = missingPrerequisites(true);
  if (missing.length > 0) {
    console.log(`\n!!! the chaos run cannot run here; this machine lacks:\n${missing.map((m) => `!!!   - ${m}`).join('\n')}\n`);
    return 1;
  }
  if (ensureAgentBundle()) console.log('built build/agent/agent.js (it was missing or older than agent/)');
  const started = Date.now();
  current = await startCluster(benchChart('sync'), 'chaos', console.log);
  const view = new ClusterView(current, clusterName('hot'), NAMESPACE);
  let outcome = { passed: 0, failed: options.trials };
  try {
    await waitHealthy(view, BOOT_TIMEOUT_MS);
    outcome = await runChaos(view, { faults: options.trials, seed: options.seed, print: console.log });
  } finally {
    view.close();
    await current.stop();
    current = undefined;
  }
  console.log(`\n${outcome.passed} passed, ${outcome.failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s; logs in e2e/.work/logs/chaos/)`);
  return outcome.failed === 0 ? 0 : 1;
}

if (require.main === module) runCommand(main, () => current);
