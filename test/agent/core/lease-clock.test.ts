import { LeaseClock } from '../../../agent/core/lease-clock';

describe('LeaseClock', () => {
  it('counts a member that just started as having seen the holder at start-up', () => {
    const clock = new LeaseClock(1000);
    expect(clock.observe('pg-0', 't1', 1500)).toBe(0);
    expect(clock.observe('pg-0', 't1', 4000)).toBe(2500);
  });

  it('times silence from the moment renewTime last changed, on the local clock only', () => {
    const clock = new LeaseClock(0);
    clock.observe('pg-0', 't1', 0);
    expect(clock.observe('pg-0', 't2', 3000)).toBe(0);
    expect(clock.observe('pg-0', 't2', 9000)).toBe(6000);
  });

  it('treats a change of holder as a sign of life', () => {
    const clock = new LeaseClock(0);
    clock.observe('pg-0', 't1', 0);
    expect(clock.observe('pg-1', 't1', 20_000)).toBe(0);
  });

  it('counts a failsafe ping from the known holder as a sign of life, and ignores others', () => {
    const clock = new LeaseClock(0);
    clock.observe('pg-0', 't1', 0);
    clock.noteHolderAlive('pg-2', 5000);
    expect(clock.observe('pg-0', 't1', 8000)).toBe(8000);
    clock.noteHolderAlive('pg-0', 7000);
    expect(clock.observe('pg-0', 't1', 8000)).toBe(1000);
  });

  it('times the silence from a renewal heard on the holder\'s stream, not from the later poll that sees it', () => {
    const clock = new LeaseClock(0);
    clock.observe('pg-0', 't1', 0);
    clock.observe('pg-0', 't2', 1_050); // `renewed t2` on GET /watch, 50 ms after it landed
    expect(clock.observe('pg-0', 't2', 1_900)).toBe(850); // the poll sees t2: no new sign of life
    expect(clock.observe('pg-0', 't2', 11_050)).toBe(10_000);
  });
});
