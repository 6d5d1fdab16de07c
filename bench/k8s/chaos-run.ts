/**
 * The chaos run on the real cluster: faults drawn at random (seeded) from every fault the real cluster
 * can inject (faults.ts, silent-faults.ts), one after another on ONE synchronous-mode cluster, with the
 * writer through the primary Service and the direct probe to every pod. After each fault the cluster must
 * be healthy again, no two pods may have acknowledged writes over the same stretch of time, and no
 * acknowledged write may be missing on the final primary. The kubelet's crash-loop back-off is waited out
 * and reported, never counted as the product's failure (back-off.ts).
 */
import type { ScenarioContext } from '../../e2e/support/scenario';
import type { Database } from '../../e2e/k8s/database';
import type { KubeCluster } from '../../e2e/k8s/kube-cluster';
import { Prng } from '../prng';
import { pendingBackOffs, type PendingBackOff, type PodStatusJson } from './back-off';
import { K8S_FAULTS, type K8sFault } from './faults';
import { SILENT_FAULTS } from './silent-faults';
import { healthy, runTrial, type K8sTrialResult } from './trial';

export const CHAOS_FAULTS: readonly K8sFault[] = [...K8S_FAULTS, ...SILENT_FAULTS];

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

export interface ChaosOutcome {
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly K8sTrialResult[];
  /** Every crash-loop back-off the run waited out. */
  readonly backOffs: readonly PendingBackOff[];
}

type Waits = Pick<ScenarioContext<KubeCluster>, 'waitFor'>;

/**
 * waitFor whose deadline moves past any crash-loop back-off of the cluster's pods: the kubelet restarts
 * a container only when its back-off ends, so a wait that gave up first would blame the product.
 */
export class BackOffAwareWaits implements Waits {
  readonly seen = new Map<string, PendingBackOff>();

  constructor(private readonly db: Database, private readonly print: (line: string) => void) {}

  async waitFor<T>(description: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
    let deadline = Date.now() + timeoutMs;
    let nextBackOffCheck = 0;
    let last = 'no answer yet';
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
        last = `got ${String(value)}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() >= nextBackOffCheck) {
        nextBackOffCheck = Date.now() + BACK_OFF_POLL_MS;
        for (const b of await this.backOffs()) {
          deadline = Math.max(deadline, b.endsAt + AFTER_BACK_OFF_MS);
          const key = `${b.pod}/${b.container}#${b.restarts}`;
          if (!this.seen.has(key)) {
            this.seen.set(key, b);
            this.print(`    … the kubelet holds ${b.container} of ${b.pod} in crash-loop back-off ${(b.backOffMs / 1000).toFixed(0)} s (restart ${b.restarts}); waiting it out`);
          }
        }
      }
      if (Date.now() >= deadline) throw new Error(`timed out waiting for ${description}; last: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
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
  readonly print: (line: string) => void;
  /** Numbers the trials' rows in the writer's table apart from earlier runs on the same database. */
  readonly firstTrialId?: number;
}

export async function runK8sChaos(cluster: KubeCluster, db: Database, options: ChaosOptions): Promise<ChaosOutcome> {
  const plan = chaosPlan(options.seed, options.faults, catalogue(options.only));
  const waits = new BackOffAwareWaits(db, options.print);
  const results: K8sTrialResult[] = [];
  let passed = 0;
  let failed = 0;
  for (const [index, step] of plan.entries()) {
    const label = `${index + 1}/${plan.length} ${step.fault.key}`;
    const started = Date.now();
    try {
      const result = await runTrial(cluster, db, waits, step.fault, 'sync', index + 1, (options.firstTrialId ?? 0) + index + 1, {
        chooseStandby: (standbys) => standbys[Math.floor(step.standbyPick * standbys.length)],
        healthyWaitMs: HEAL_MS,
      });
      results.push(result);
      const problems = [
        ...(result.dualPrimaryMs > 0 ? [`TWO PRIMARIES: two pods acknowledged writes over ${result.dualPrimaryMs} ms`] : []),
        ...(result.lostAckedWrites > 0 ? [`LOST ${result.lostAckedWrites} acknowledged writes`] : []),
      ];
      const moved = result.oldPrimary === result.newPrimary ? `${result.oldPrimary} stays primary` : `${result.oldPrimary} → ${result.newPrimary}`;
      const line = `${label} (hit ${result.victim}): ${moved}, writable ${seconds(result.timeToWritableMs)}, max gap ${seconds(result.maxGapMs)}, rejoin ${seconds(result.rejoinMs)}, lost ${result.lostAckedWrites}, two primaries ${result.dualPrimaryMs} ms (${seconds(Date.now() - started)})`;
      if (problems.length === 0) {
        passed++;
        options.print(`  ✓ ${line}`);
      } else {
        failed++;
        options.print(`  ✗ ${line}: ${problems.join('; ')}`);
      }
    } catch (error) {
      failed++;
      options.print(`  ✗ ${label}: ${(error as Error).message}`);
    }
    if (index < plan.length - 1) {
      try {
        await healthy(waits, db, HEAL_MS);
      } catch (error) {
        const rest = plan.length - index - 1;
        options.print(`  ✗ stopping: the cluster did not heal (${(error as Error).message}); ${rest} fault(s) not run, counted as failed`);
        failed += rest;
        break;
      }
    }
  }
  return { passed, failed, results, backOffs: [...waits.seen.values()] };
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`;
}
