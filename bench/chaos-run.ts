/**
 * The chaos run: faults drawn at random (seeded) from the benchmark's list, one after another on ONE
 * cluster, each at a random moment. After each, the cluster must be healthy again (one primary, every
 * standby streaming), no two members may have acknowledged writes over the same stretch of time, and no
 * acknowledged write may be missing on the final primary. Used by `npm run chaos` and the e2e scenario.
 */
import type { ClusterView } from './cluster-view';
import { FAULTS, type Fault } from './faults';
import { Prng } from './prng';
import { runTrial, waitHealthy } from './trial';

export interface ChaosOptions {
  readonly faults: number;
  readonly seed: number;
  readonly print: (line: string) => void;
  /** @default every fault of the benchmark */
  readonly catalogue?: readonly Fault[];
  /** How long the cluster gets to be healthy after a fault (kubelet back-offs included). @default 180 s */
  readonly healthTimeoutMs?: number;
}

export interface ChaosOutcome {
  readonly passed: number;
  readonly failed: number;
}

/** A fault hits somewhere between these many milliseconds after the writer started. */
const WARM_UP_RANGE_MS: readonly [number, number] = [300, 2500];
const HEALTH_TIMEOUT_MS = 180_000;

/** The faults a seed draws, without running them (for `--dry-run` and for choosing the CI seed). */
export function chaosPlan(seed: number, faults: number, catalogue: readonly Fault[] = FAULTS): Array<{ fault: Fault; warmUpMs: number; standbyPick: number }> {
  const prng = new Prng(seed);
  return Array.from({ length: faults }, () => ({
    fault: prng.pick(catalogue),
    warmUpMs: Math.round(prng.between(...WARM_UP_RANGE_MS)),
    standbyPick: prng.next(),
  }));
}

export async function runChaos(view: ClusterView, options: ChaosOptions): Promise<ChaosOutcome> {
  const plan = chaosPlan(options.seed, options.faults, options.catalogue);
  const healthTimeoutMs = options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS;
  let passed = 0;
  let failed = 0;
  for (const [index, step] of plan.entries()) {
    const label = `${index + 1}/${plan.length} ${step.fault.key}`;
    const started = Date.now();
    try {
      const result = await runTrial(view, {
        fault: step.fault,
        trial: index + 1,
        warmUpMs: step.warmUpMs,
        healthTimeoutMs,
        chooseStandby: (standbys) => standbys[Math.floor(step.standbyPick * standbys.length)],
      });
      const m = result.metrics;
      const problems = [
        ...(result.error ? [result.error] : []),
        ...(m.dualPrimaryWindowMs !== null && m.dualPrimaryWindowMs > 0 ? [`SPLIT BRAIN: two members acknowledged writes for ${(m.dualPrimaryWindowMs / 1000).toFixed(3)} s`] : []),
        ...(m.lostAckedWrites !== null && m.lostAckedWrites > 0 ? [`LOST ${m.lostAckedWrites} acknowledged writes (ids ${m.lostIds.slice(0, 10).join(', ')}${m.lostIds.length > 10 ? ', …' : ''})`] : []),
      ];
      const after = result.after ? (result.after.primary === result.before.primary ? `${result.before.primary} stays primary` : `${result.before.primary} → ${result.after.primary}`) : 'not healthy';
      const numbers = `writable ${seconds(m.timeToWritableMs)}, max gap ${seconds(m.maxGapMs)}, lost ${m.lostAckedWrites ?? '?'}, window ${seconds(m.dualPrimaryWindowMs)}`;
      const line = `${label} (hit ${result.victim} after ${(step.warmUpMs / 1000).toFixed(1)} s): ${after}, ${numbers} (${((Date.now() - started) / 1000).toFixed(1)} s)`;
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
        await waitHealthy(view, healthTimeoutMs);
      } catch (error) {
        const rest = plan.length - index - 1;
        options.print(`  ✗ stopping: the cluster did not recover (${(error as Error).message}); ${rest} fault(s) not run, counted as failed`);
        failed += rest;
        break;
      }
    }
  }
  return { passed, failed };
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`;
}
