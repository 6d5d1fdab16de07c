/**
 * A seeded pseudo-random generator (mulberry32) for the chaos run: the same seed gives the same faults,
 * victims and delays, so a failing run can be replayed exactly. Math.random cannot be seeded.
 */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`the seed must be a whole number, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new Error(`int(n) needs a whole number n ≥ 1, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** A number in [low, high). */
  between(low: number, high: number): number {
    return low + this.next() * (high - low);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick() from an empty list');
    return items[this.int(items.length)];
  }
}
