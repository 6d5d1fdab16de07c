import { RestartBackoff } from '../../../e2e/harness/backoff';
import { untilNextRelist } from '../../../e2e/harness/pleg';

describe('RestartBackoff', () => {
  it('restarts at once, then after 10 s, 20 s, 40 s … capped at 300 s', () => {
    const backoff = new RestartBackoff();
    const waits = [...Array(9).keys()].map(() => backoff.next(0, 1000));
    expect(waits).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('starts over after a container ran for 10 minutes', () => {
    const backoff = new RestartBackoff();
    backoff.next(0, 1000);
    backoff.next(0, 1000);
    expect(backoff.next(0, 600_000)).toBe(0);
    expect(backoff.next(0, 1000)).toBe(10_000);
  });
});

describe('untilNextRelist', () => {
  it.each([
    [1000, 0],
    [1001, 999],
    [1999, 1],
    [2500, 500],
  ])('an exit at %i ms after the relist loop started is noticed %i ms later', (exitedAt, wait) => {
    expect(untilNextRelist(0, exitedAt)).toBe(wait);
  });
});
