import { nextTickDelay } from '../../../agent/runtime/loop';
import { asPrimary, lease, NOW, observation, peerDown, peerOk } from '../core/observation-builder';

describe('when the next tick runs', () => {
  it('runs a retry period after the last tick started', () => {
    expect(nextTickDelay(observation(), 1000, NOW, NOW + 200)).toBe(800);
  });

  it('runs right after another holder’s lease would expire, when that comes first', () => {
    const o = observation({ lease: lease({ silentForMs: 9_700 }) });
    expect(nextTickDelay(o, 1000, NOW, NOW + 100)).toBe(205);
  });

  it('keeps the retry period once the lease already expired (the takeover is under way)', () => {
    expect(nextTickDelay(observation({ lease: lease({ silentForMs: 12_000 }) }), 1000, NOW, NOW + 100)).toBe(900);
  });

  it('ignores its own lease', () => {
    expect(nextTickDelay(asPrimary({ lease: lease({ holder: 'pg-1', silentForMs: 9_900 }) }), 1000, NOW, NOW)).toBe(1000);
  });

  it('never waits a negative time', () => {
    expect(nextTickDelay(observation(), 1000, NOW, NOW + 5000)).toBe(0);
  });

  it('looks again within 100 ms while the holder’s agent has just started refusing (its PostgreSQL may die next)', () => {
    const o = observation({ peers: [peerDown('pg-0', 'refused', 'open'), peerOk('pg-2')], lease: lease({ silentForMs: 800 }) });
    expect(nextTickDelay(o, 1000, NOW, NOW + 20)).toBe(100);
  });

  it('looks again within 100 ms when the holder’s agent just failed mid-request (killed while it accepted the connection)', () => {
    const o = observation({ peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2')], lease: lease({ silentForMs: 220 }) });
    expect(nextTickDelay(o, 1000, NOW, NOW + 20)).toBe(100);
  });

  it('keeps the retry period for a holder whose agent stopped answering but renewed long ago (crash-looping, partitioned)', () => {
    const crashLooping = observation({ peers: [peerDown('pg-0', 'refused', 'open'), peerOk('pg-2')], lease: lease({ silentForMs: 2_500 }) });
    expect(nextTickDelay(crashLooping, 1000, NOW, NOW + 20)).toBe(980);
    const silent = observation({ peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2')], lease: lease({ silentForMs: 2_500 }) });
    expect(nextTickDelay(silent, 1000, NOW, NOW + 20)).toBe(980);
  });
});
