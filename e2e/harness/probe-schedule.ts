/**
 * The kubelet's probe bookkeeping (pkg/kubelet/prober/worker.go), without timers: when a probe runs,
 * and how consecutive outcomes turn into a result under successThreshold / failureThreshold.
 */
import type { Probe } from './kube';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** The API server's defaults for unset fields (pkg/apis/core/v1/defaults.go). */
export function probeTiming(probe: Probe): ProbeTiming {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: (probe.periodSeconds ?? 10) * 1000,
    timeoutMs: (probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/**
 * One probe of one container incarnation. The first run is due `initialDelay` after the container
 * started, then one every period.
 */
export class ProbeTracker {
  /** A container starts unready, alive, and with its start-up undecided, as in the kubelet. */
  private current: ProbeResult;
  private lastOutcome: ProbeResult = 'unknown';
  private run = 0;

  constructor(readonly kind: ProbeKind, readonly timing: ProbeTiming) {
    this.current = kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
  }

  get result(): ProbeResult {
    return this.current;
  }

  /** When the n-th run (0-based) is due, in ms after the container started. */
  dueAt(n: number): number {
    return this.timing.initialDelayMs + n * this.timing.periodMs;
  }

  /** Records one probe outcome; returns true when the result changed. */
  record(ok: boolean): boolean {
    const outcome: ProbeResult = ok ? 'success' : 'failure';
    if (outcome === this.lastOutcome) this.run++;
    else {
      this.lastOutcome = outcome;
      this.run = 1;
    }
    const threshold = ok ? this.timing.successThreshold : this.timing.failureThreshold;
    if (this.run < threshold || outcome === this.current) return false;
    this.current = outcome;
    // A failed liveness or start-up probe restarts the container; counting starts over after it.
    if (!ok && this.kind !== 'readiness') this.run = 0;
    return true;
  }
}
