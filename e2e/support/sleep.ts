/** Sleeps that can be cut short, so stopping a pod never waits out a back-off or a probe period. */
export class Interruptible {
  private stopped = false;
  private readonly sleepers = new Set<() => void>();

  get interrupted(): boolean {
    return this.stopped;
  }

  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.sleepers.add(done);
    });
  }

  /** Ends every current and future sleep at once. */
  interrupt(): void {
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
