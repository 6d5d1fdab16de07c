// Times the lease holder's silence on this member's own clock. Clocks of different machines are never
// compared: a renewTime is only checked for change, and the change is timed locally. A member that just
// started has seen nothing yet, so it waits a whole lease duration before calling anyone silent.
export class LeaseClock {
  private holder: string | null = null;
  private renewTime: string | null = null;
  private lastSignAt: number;

  constructor(startedAt: number) {
    this.lastSignAt = startedAt;
  }

  /** Records what the lease shows now and returns how long its holder has been silent. */
  observe(holder: string | null, renewTime: string | null, now: number): number {
    if (holder !== this.holder || renewTime !== this.renewTime) {
      this.holder = holder;
      this.renewTime = renewTime;
      this.lastSignAt = now;
    }
    return now - this.lastSignAt;
  }

  /**
   * A sign of life that did not go through the API: the holder asked us to confirm it while the API is
   * unreachable (POST /failsafe). Counting it keeps us from taking over for a lease duration after we
   * confirmed, which is what lets that primary keep serving.
   */
  noteHolderAlive(holder: string, now: number): void {
    if (holder === this.holder) this.lastSignAt = Math.max(this.lastSignAt, now);
  }

  get knownHolder(): string | null {
    return this.holder;
  }
}
