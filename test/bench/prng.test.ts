import { Prng } from '../../bench/prng';

describe('Prng', () => {
  it('gives the same sequence for the same seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const first = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(first);
  });

  it('gives different sequences for different seeds', () => {
    const a = Array.from({ length: 5 }, ((p) => () => p.next())(new Prng(1)));
    const b = Array.from({ length: 5 }, ((p) => () => p.next())(new Prng(2)));
    expect(a).not.toEqual(b);
  });

  it('is pinned to the reference mulberry32 (seed 1)', () => {
    const p = new Prng(1);
    expect([p.next(), p.next(), p.next()].map((v) => v.toFixed(10))).toEqual(['0.6270739406', '0.0027357212', '0.5274470400']);
  });

  it('stays within [0, 1) and covers the range evenly', () => {
    const p = new Prng(7);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const v = p.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      buckets[Math.floor(v * 10)]++;
    }
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });

  it('picks whole numbers below n and items of a list', () => {
    const p = new Prng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const v = p.int(4);
      expect(Number.isInteger(v) && v >= 0 && v < 4).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(4);
    expect(['a', 'b', 'c']).toContain(p.pick(['a', 'b', 'c']));
    const x = p.between(2, 3);
    expect(x >= 2 && x < 3).toBe(true);
  });

  it('fails on a seed that is not a whole number and on empty picks', () => {
    expect(() => new Prng(1.5)).toThrow('the seed must be a whole number, got 1.5');
    expect(() => new Prng(1).pick([])).toThrow('pick() from an empty list');
    expect(() => new Prng(1).int(0)).toThrow('int(n) needs a whole number n ≥ 1, got 0');
  });
});
