// A primary whose PostgreSQL hangs while its agent is fine: the silence clock and the rule that makes the
// holder stop renewing (decide() fences instead of renewing; the lease then expires to a standby).
import { decide } from '../../../agent/core/decide';
import { PostgresSilenceClock, unresponsivePrimary } from '../../../agent/core/postgres-silence';
import type { Action } from '../../../agent/core/types';
import { asPrimary, config, observation } from './observation-builder';

const kind = (a: Action) => (a.type === 'lead' || a.type === 'follow' ? `${a.type}/${a.step}` : a.type);

describe('PostgresSilenceClock', () => {
  it('times the silence from the last answer and counts the failed probes in a row', () => {
    const clock = new PostgresSilenceClock();
    expect(clock.update('b/10', true, 1000)).toBeNull();
    expect(clock.update('b/10', false, 3000)).toEqual({ forMs: 2000, probes: 1 });
    expect(clock.update('b/10', false, 5500)).toEqual({ forMs: 4500, probes: 2 });
  });

  it('starts over after any answer', () => {
    const clock = new PostgresSilenceClock();
    clock.update('b/10', true, 0);
    clock.update('b/10', false, 4000);
    expect(clock.update('b/10', true, 5000)).toBeNull();
    expect(clock.update('b/10', false, 6000)).toEqual({ forMs: 1000, probes: 1 });
  });

  it('does not call a postmaster silent before it ever answered (start-up, crash recovery)', () => {
    const clock = new PostgresSilenceClock();
    expect(clock.update('b/10', false, 0)).toBeNull();
    expect(clock.update('b/10', false, 60_000)).toBeNull();
  });

  it('starts over with a new postmaster', () => {
    const clock = new PostgresSilenceClock();
    clock.update('b/10', true, 0);
    clock.update('b/10', false, 5000);
    expect(clock.update('b/11', false, 9000)).toBeNull();
    expect(clock.update('b/11', true, 9500)).toBeNull();
    expect(clock.update('b/11', false, 10_000)).toEqual({ forMs: 500, probes: 1 });
  });

  it('reports nothing while no probe is made, and forgets the postmaster once none runs', () => {
    const clock = new PostgresSilenceClock();
    clock.update('b/10', true, 0);
    expect(clock.update('b/10', null, 5000)).toBeNull();
    expect(clock.update(null, null, 6000)).toBeNull();
    expect(clock.update('b/10', false, 7000)).toBeNull();
  });
});

describe('a primary whose PostgreSQL stops answering', () => {
  const hung = (forMs: number, probes: number) => asPrimary({ local: { sql: null }, postgresSilence: { forMs, probes } });

  it('stops renewing (fences) once silent for the lease duration over at least three probes', () => {
    expect(decide(hung(10_000, 3))).toEqual({
      type: 'fence',
      reason: 'PostgreSQL has not answered for 10.0s (3 probes in a row, limit 10.0s): a primary that cannot serve stops renewing the lease, so a standby takes over',
    });
  });

  it('keeps the lease while silent for less than the lease duration (a checkpoint, a slow fsync, a busy server)', () => {
    expect(kind(decide(hung(9_999, 8)))).toBe('lead/wait-ready');
  });

  it('keeps the lease after a single long failed probe (its own agent was paused)', () => {
    expect(kind(decide(hung(60_000, 2)))).toBe('lead/wait-ready');
  });

  it('scales the limit with the lease duration', () => {
    const o = asPrimary({ config: config({ leaseDurationMs: 30_000, renewDeadlineMs: 20_000 }), local: { sql: null }, postgresSilence: { forMs: 20_000, probes: 10 } });
    expect(unresponsivePrimary(o)).toBeNull();
    expect(unresponsivePrimary({ ...o, postgresSilence: { forMs: 30_000, probes: 10 } })).toMatch(/^PostgreSQL has not answered for 30.0s/);
  });

  it('leaves a standby alone: only a primary holds the cluster hostage', () => {
    expect(unresponsivePrimary(observation({ postgresSilence: { forMs: 60_000, probes: 30 } }))).toBeNull();
  });
});
