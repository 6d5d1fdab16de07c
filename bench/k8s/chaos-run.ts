/**
 * The chaos run on the real cluster: faults drawn at random (seeded) from every fault the real cluster
 * can inject (faults.ts, silent-faults.ts), one after another on ONE synchronous-mode cluster, with the
 * writer through the primary Service and the direct probe to every pod. After each fault the cluster must
 * be healthy again, no two pods may have acknowledged writes over the same stretch of time, and no
 * acknowledged write may be missing on the final primary. The kubelet's crash-loop back-off is waited out
 * and reported, never counted as the product's failure (back-off.ts).
 */
import { ScenarioContext } from '../../e2e/support/scenario';
import type { Database } from '../../e2e/k8s/database';
import type { KubeCluster } from '../../e2e/k8s/kube-cluster';
import { Prng } from '../prng';
import { startPgbench } from './pgbench-trial';
import { pendingBackOffs, type PendingBackOff, type PodStatusJson } from './back-off';
import { readControllerManagerState } from './control-plane';
import { K8S_FAULTS, type K8sFault } from './faults';
import { PRODUCTION_FAULTS } from './production-faults';
import { SILENT_FAULTS } from './silent-faults';
import { healthy, runTrial, type K8sTrialResult } from './trial';

export const CHAOS_FAULTS: readonly K8sFault[] = [...K8S_FAULTS, ...SILENT_FAULTS, ...PRODUCTION_FAULTS];

/** How long the cluster gets to heal after a fault, beyond any back-off the kubelet announced. */
const HEAL_MS = 180_000;
/** After a back-off ends, the container still has to start, and the member to rejoin. */
const AFTER_BACK_OFF_MS = 90_000;
const BACK_OFF_POLL_MS = 5000;

export interface ChaosStep {
  readonly fault: K8sFault;
  /** In [0, 1): which standby a switchover hands to and a standby fault hits. */
  readonly standbyPick: number;
}

/** The faults a run draws from: every one, or those `only` names. */
export function catalogue(only?: readonly string[]): readonly K8sFault[] {
  return only ? CHAOS_FAULTS.filter((f) => only.includes(f.key)) : CHAOS_FAULTS;
}

export function chaosPlan(seed: number, faults: number, catalogue: readonly K8sFault[] = CHAOS_FAULTS): ChaosStep[] {
  const prng = new Prng(seed);
  return Array.from({ length: faults }, () => ({ fault: prng.pick(catalogue), standbyPick: prng.next() }));
}

/** The named faults in this order (the CI run's fixed set, unchanged when the catalogue grows); the seed picks the standbys. */
export function fixedPlan(seed: number, keys: readonly string[]): ChaosStep[] {
  const prng = new Prng(seed);
  return keys.map((key) => {
    const fault = CHAOS_FAULTS.find((f) => f.key === key);
    if (!fault) throw new Error(`no chaos fault named ${key}; the faults are ${CHAOS_FAULTS.map((f) => f.key).join(', ')}`);
    return { fault, standbyPick: prng.next() };
  });
}

export interface ChaosOutcome {
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly K8sTrialResult[];
  /** Every crash-loop back-off the run waited out. */
  readonly backOffs: readonly PendingBackOff[];
  /** How often the next fault waited for kube-controller-manager to lead again (control-plane.ts). */
  readonly controlPlaneWaits: number;
}

type Waits = Pick<ScenarioContext<KubeCluster>, 'waitFor'>;

/**
 * ScenarioContext's waitFor, with its deadline moved past any crash-loop back-off of the cluster's pods:
 * the kubelet restarts a container only when its back-off ends, so a wait that gave up first would blame
 * the product. While it waits it reads the pods every BACK_OFF_POLL_MS; when it times out while a
 * back-off seen meanwhile ends later than AFTER_BACK_OFF_MS ago, it waits again until then.
 */
export class BackOffAwareWaits implements Waits {
  readonly seen = new Map<string, PendingBackOff>();

  constructor(private readonly t: Waits, private readonly db: Database, private readonly print: (line: string) => void) {}

  async waitFor<T>(description: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
    let latestEnd = 0;
    let nextCheck = 0;
    const watched = async () => {
      if (Date.now() >= nextCheck) {
        nextCheck = Date.now() + BACK_OFF_POLL_MS;
        for (const b of await this.backOffs()) latestEnd = Math.max(latestEnd, this.note(b));
      }
      return probe();
    };
    let budget = timeoutMs;
    for (;;) {
      try {
        return await this.t.waitFor(description, watched, budget);
      } catch (error) {
        const until = latestEnd + AFTER_BACK_OFF_MS;
        if (until <= Date.now()) throw error;
        budget = until - Date.now();
      }
    }
  }

  /** Records and prints a back-off the first time it is seen; returns when it ends. */
  private note(b: PendingBackOff): number {
    const key = `${b.pod}/${b.container}#${b.restarts}`;
    if (!this.seen.has(key)) {
      this.seen.set(key, b);
      this.print(`    … the kubelet holds ${b.container} of ${b.pod} in crash-loop back-off ${(b.backOffMs / 1000).toFixed(0)} s (restart ${b.restarts}); waiting it out`);
    }
    return b.endsAt;
  }

  private async backOffs(): Promise<PendingBackOff[]> {
    try {
      const list = await this.db.cluster.kubectl.json<{ items: PodStatusJson[] }>(['get', 'pods', '-n', this.db.namespace, '-l', this.db.selector]);
      return pendingBackOffs(list.items);
    } catch {
      return [];
    }
  }
}

export interface ChaosOptions {
  readonly faults: number;
  readonly seed: number;
  readonly only?: readonly string[];
  /** These faults in this order instead of a random draw (fixedPlan). */
  readonly sequence?: readonly string[];
  /** pgbench through the primary Service during every fault, beside the writer (initialised already). */
  readonly pgbench?: boolean;
  readonly print: (line: string) => void;
  /** Numbers the trials' rows in the writer's table apart from earlier runs on the same database. */
  readonly firstTrialId?: number;
}

/** The faults a run injects, in order: the fixed sequence, or the seeded draw. */
export function planFor(options: Pick<ChaosOptions, 'faults' | 'seed' | 'only' | 'sequence'>): ChaosStep[] {
  return options.sequence ? fixedPlan(options.seed, options.sequence) : chaosPlan(options.seed, options.faults, catalogue(options.only));
}

export async function runK8sChaos(cluster: KubeCluster, db: Database, options: ChaosOptions): Promise<ChaosOutcome> {
  const plan = planFor(options);
  const waits = new BackOffAwareWaits(new ScenarioContext(cluster, options.print), db, options.print);
  const results: K8sTrialResult[] = [];
  let passed = 0;
  let failed = 0;
  let controlPlaneWaits = 0;
  for (const [index, step] of plan.entries()) {
    const label = `${index + 1}/${plan.length} ${step.fault.key}`;
    const started = Date.now();
    let load: Awaited<ReturnType<typeof startPgbench>> | undefined;
    try {
      load = options.pgbench ? await startPgbench(db, waits) : undefined;
      const result = await runTrial(cluster, db, waits, step.fault, 'sync', index + 1, (options.firstTrialId ?? 0) + index + 1, {
        chooseStandby: (standbys) => standbys[Math.floor(step.standbyPick * standbys.length)],
        healthyWaitMs: HEAL_MS,
      });
      results.push(result);
      const pgbench = load ? await load.finish() : undefined;
      load = undefined;
      const problems = [
        ...(result.dualPrimaryMs > 0 ? [`TWO PRIMARIES: two pods acknowledged writes over ${result.dualPrimaryMs} ms`] : []),
        ...(result.lostAckedWrites > 0 ? [`LOST ${result.lostAckedWrites} acknowledged writes`] : []),
        ...(pgbench && pgbench.lost > 0 ? [`LOST ${pgbench.lost} acknowledged pgbench transactions`] : []),
        ...(step.fault.stays && result.newPrimary !== result.oldPrimary ? [`MOVED: the primary moved to ${result.newPrimary}, and this fault gives no member a reason to take over`] : []),
      ];
      const moved = result.oldPrimary === result.newPrimary ? `${result.oldPrimary} stays primary` : `${result.oldPrimary} → ${result.newPrimary}`;
      const underLoad = pgbench ? `, pgbench ${pgbench.tps.toFixed(0)} tps, ${pgbench.lost} of ${pgbench.transactions} lost` : '';
      const line = `${label} (hit ${result.victim}): ${moved}, writable ${seconds(result.timeToWritableMs)}, max gap ${seconds(result.maxGapMs)}, rejoin ${seconds(result.rejoinMs)}, lost ${result.lostAckedWrites}, two primaries ${result.dualPrimaryMs} ms${underLoad} (${seconds(Date.now() - started)})`;
      if (problems.length === 0) {
        passed++;
        options.print(`  ✓ ${line}`);
        // Why writes failed under a fault that should not stop them: the writer's errors, grouped.
        if (!step.fault.moves && result.failureKinds) options.print(`      writes failed: ${result.failureKinds}`);
      } else {
        failed++;
        options.print(`  ✗ ${line}: ${problems.join('; ')}`);
      }
    } catch (error) {
      failed++;
      options.print(`  ✗ ${label}: ${(error as Error).message}`);
      // A trial that failed must not leave its load running into the next fault.
      await load?.finish().catch(() => undefined);
    }
    if (index < plan.length - 1) {
      try {
        await healthy(waits, db, HEAL_MS);
        if (await controllerManagerSettled(cluster, waits, options.print)) controlPlaneWaits++;
      } catch (error) {
        const rest = plan.length - index - 1;
        options.print(`  ✗ stopping: the cluster did not heal (${(error as Error).message}); ${rest} fault(s) not run, counted as failed`);
        failed += rest;
        break;
      }
    }
  }
  return { passed, failed, results, backOffs: [...waits.seen.values()], controlPlaneWaits };
}

/** Waits until kube-controller-manager leads with its controllers running; true when it had to wait. */
async function controllerManagerSettled(cluster: KubeCluster, waits: Waits, print: (line: string) => void): Promise<boolean> {
  const first = await readControllerManagerState(cluster);
  if (first === 'leading') return false;
  const started = Date.now();
  print(`    … kube-controller-manager is ${first} (it lost its leader Lease); the next fault waits for it`);
  await waits.waitFor('kube-controller-manager leading', async () => (await readControllerManagerState(cluster)) === 'leading', 120_000);
  print(`    … kube-controller-manager leads again after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`;
}
