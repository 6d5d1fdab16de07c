// Volume growth (core/volume.ts decides): every member checks its own claim at start and every minute,
// apart from the decision loop (the size of a volume never changes a role), raises its request when the
// pod template asks for more, and tells each outcome once as an Event.
import { planVolume } from '../core/volume';
import { KubeApiError } from '../kube/client';
import type { Claims } from '../kube/claims';
import type { EventRecorder } from '../kube/events';
import type { Logger } from './log';

const FIRST_CHECK_MS = 5_000;
const CHECK_EVERY_MS = 60_000;

export class VolumeGrowth {
  private readonly told = new Set<string>();
  /** The last outcome, logged only when it changes. */
  private latest: string | null = null;

  constructor(
    private readonly claims: Claims,
    private readonly events: EventRecorder,
    private readonly pod: string,
    private readonly desired: { readonly text: string; readonly bytes: bigint },
    private readonly log: Logger,
  ) {}

  start(): void {
    setTimeout(() => void this.check().finally(() => setInterval(() => void this.check(), CHECK_EVERY_MS).unref()), FIRST_CHECK_MS).unref();
  }

  async check(): Promise<string> {
    const claim = `data-${this.pod}`;
    let outcome: string;
    try {
      const step = planVolume(claim, this.desired, await this.claims.get(claim));
      if (step.kind === 'grow') {
        outcome = await this.grow(claim, step.reason);
      } else {
        outcome = step.reason;
        if (step.kind === 'shrink-refused') this.tellOnce('Warning', 'VolumeShrinkRefused', step.reason);
      }
    } catch (error) {
      outcome = `cannot read ${claim}: ${(error as Error).message}`;
    }
    if (outcome !== this.latest) this.log.info('volume', { outcome });
    this.latest = outcome;
    return outcome;
  }

  private async grow(claim: string, reason: string): Promise<string> {
    try {
      await this.claims.resize(claim, this.desired.text);
      this.tellOnce('Normal', 'VolumeExpansion', reason);
      return reason;
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      const refusal = `cannot grow ${claim} to ${this.desired.text}: ${error.message}`;
      this.tellOnce('Warning', 'VolumeExpansionRefused', refusal);
      return refusal;
    }
  }

  private tellOnce(type: 'Normal' | 'Warning', reason: string, message: string): void {
    const key = `${reason}:${message}`;
    if (this.told.has(key)) return;
    this.told.add(key);
    void this.events.record({ name: this.pod }, type, reason, message);
  }
}
