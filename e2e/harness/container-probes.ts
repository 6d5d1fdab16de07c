/**
 * The probe workers of one container incarnation: a loop per rendered probe, on the schedule of
 * ProbeTracker, with liveness and readiness held back until the startup probe (if any) succeeded.
 */
import type { Container, Probe } from './kube';
import { probeTiming, ProbeTracker, type ProbeKind } from './probe-schedule';
import { runProbe, type ProbeTarget } from './probe-runner';
import { Interruptible } from '../support/sleep';

export interface ProbeHooks {
  /** The startup probe succeeded (called at once when there is none). */
  started(): void;
  readiness(ready: boolean): void;
  /** A liveness or startup probe failed failureThreshold times: the kubelet restarts the container. */
  failed(kind: ProbeKind): void;
}

export class ContainerProbes {
  private readonly sleeps = new Interruptible();
  private isStarted: boolean;

  constructor(container: Container, startedAt: number, target: ProbeTarget, private readonly hooks: ProbeHooks) {
    const probes: Array<[ProbeKind, Probe | undefined]> = [
      ['startup', container.startupProbe],
      ['liveness', container.livenessProbe],
      ['readiness', container.readinessProbe],
    ];
    this.isStarted = !container.startupProbe;
    if (this.isStarted) hooks.started();
    if (!container.readinessProbe) hooks.readiness(true);
    for (const [kind, probe] of probes) {
      if (probe) void this.loop(new ProbeTracker(kind, probeTiming(probe)), probe, startedAt, target);
    }
  }

  stop(): void {
    this.sleeps.interrupt();
  }

  private async loop(tracker: ProbeTracker, probe: Probe, startedAt: number, target: ProbeTarget): Promise<void> {
    for (let n = 0; !this.sleeps.interrupted; n++) {
      await this.sleeps.sleep(startedAt + tracker.dueAt(n) - Date.now());
      if (this.sleeps.interrupted || (tracker.kind === 'startup' && this.isStarted)) return;
      // Liveness and readiness wait for the start-up to succeed; their ticks before that are skipped.
      if (tracker.kind !== 'startup' && !this.isStarted) continue;
      const ok = await runProbe(probe, target, tracker.timing.timeoutMs);
      if (this.sleeps.interrupted) return;
      if (tracker.record(ok)) this.report(tracker);
      // A probe slower than its period skips the ticks it overlapped, as the prober's ticker does.
      n = Math.max(n, Math.floor((Date.now() - startedAt - tracker.timing.initialDelayMs) / tracker.timing.periodMs));
    }
  }

  private report(tracker: ProbeTracker): void {
    const ok = tracker.result === 'success';
    if (tracker.kind === 'readiness') this.hooks.readiness(ok);
    else if (!ok) this.hooks.failed(tracker.kind);
    else if (tracker.kind === 'startup') {
      this.isStarted = true;
      this.hooks.started();
    }
  }
}
