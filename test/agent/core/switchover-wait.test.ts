import { SwitchoverClock } from '../../../agent/core/switchover-wait';

describe('the switchover clock', () => {
  it('times one request from the tick the holder first saw it', () => {
    const clock = new SwitchoverClock();
    expect(clock.update('pg-2', 1000)).toBe(0);
    expect(clock.update('pg-2', 31_000)).toBe(30_000);
  });

  it('starts over when the request names another pod, or after none', () => {
    const clock = new SwitchoverClock();
    clock.update('pg-2', 1000);
    expect(clock.update('pg-0', 20_000)).toBe(0);
    expect(clock.update(null, 25_000)).toBeNull();
    expect(clock.update('pg-0', 26_000)).toBe(0);
  });
});
