// Carries out the rolling update's steps that decide() chose (core/rollout.ts): the eviction of one
// member through the Eviction API, so the PodDisruptionBudget is honoured, and the Events that tell the
// rollout's story. The switchover itself is handover.ts's.
import type { RolloutStep } from '../core/rollout';
import type { ActorDeps } from './actor-deps';
import type { Effects } from './effects';

export class RolloutSteps {
  /** The rollout this agent has seen under way, so its end is told once (by the primary that finished it). */
  private underWay: string | null = null;

  constructor(
    private readonly d: ActorDeps,
    private readonly effects: Effects,
  ) {}

  /** After the renewal of a serving primary: evict when the plan says so; tell a finished rollout. */
  async step(step: RolloutStep): Promise<string | null> {
    if (step.kind === 'current') {
      if (this.underWay === null) return null;
      this.underWay = null;
      void this.effects.event('Normal', 'RollingUpdateDone', step.reason);
      return `rolling update done: ${step.reason}`;
    }
    if (step.kind === 'idle') return null;
    this.underWay = step.reason;
    if (step.kind !== 'evict') return null;
    const outcome = await this.d.pods.evict(step.pod);
    if (!outcome.evicted) {
      void this.effects.eventOnce('Warning', 'RollingUpdateBlocked', `eviction of ${step.pod} refused: ${outcome.reason}`);
      return `eviction of ${step.pod} refused (${outcome.reason})`;
    }
    void this.effects.event('Normal', 'RollingUpdate', `evicted ${step.pod}: ${step.reason}`);
    return `evicted ${step.pod}`;
  }

  /** Before the rolling update's switchover: the Event that says why the primary moves. */
  announceSwitchover(target: string, reason: string): void {
    this.underWay = reason;
    void this.effects.event('Normal', 'RollingUpdate', `switching over to ${target}: ${reason}`);
  }
}
