import { answerFailsafe } from '../../../agent/core/failsafe';
import { liveness, readiness, servesAs } from '../../../agent/core/probes';
import { asPrimary, config, lease, observation } from './observation-builder';

describe('readiness', () => {
  it('is ready as a primary that holds the lease and accepts connections', () => {
    expect(readiness(asPrimary())).toEqual({ ok: true, reason: 'primary' });
  });

  it('stays ready as a strict synchronous primary without standbys, saying that its commits wait', () => {
    const strict = { config: config({ podName: 'pg-1', replicationMode: 'sync', synchronousStrict: true }) } as const;
    expect(readiness(asPrimary(strict))).toEqual({
      ok: true,
      reason: 'primary; commits are waiting: no synchronous standby streams, and in strict mode (synchronousStrict) a commit is acknowledged only once ANY 1 ("pg-0", "pg-2") flushed it',
    });
    const streaming = { inRecovery: false, timeline: 1, lsn: 0x3000060n, slots: [], replication: [{ applicationName: 'pg-2', state: 'streaming', flushLsn: 0x3000060n, syncState: 'quorum' }] };
    expect(readiness(asPrimary({ ...strict, local: { sql: streaming } }))).toEqual({ ok: true, reason: 'primary' });
    expect(readiness(asPrimary({ config: config({ replicationMode: 'sync' }) }))).toEqual({ ok: true, reason: 'primary' });
  });

  it('is ready as a warm standby while PostgreSQL runs, even though it accepts no SQL', () => {
    expect(readiness(observation())).toEqual({ ok: true, reason: 'standby of pg-0' });
  });

  it('stays ready as a standby on a full volume (it serves reads), and says why it falls behind', () => {
    const o = observation({ local: { volume: { availableBytes: 0, sizeBytes: 384 * 1024 * 1024 } } });
    expect(readiness(o)).toEqual({
      ok: true,
      reason: 'standby of pg-0, behind: the data volume is full (0.0 MiB free of 384.0 MiB, less than one 16 MiB WAL segment): PostgreSQL cannot write its WAL ("No space left on device"); grow the volume (storageSize) or free space on it',
    });
  });

  it('stays ready as a standby while its primary is gone, so it is routed to the moment it is promoted', () => {
    expect(readiness(observation({ lease: lease({ silentForMs: 60_000 }) })).ok).toBe(true);
  });

  it('is not ready as a hot standby that does not accept connections yet', () => {
    const o = observation({ config: { ...observation().config, standbyMode: 'hot' } });
    expect(readiness(o)).toEqual({ ok: false, reason: 'hot standby not accepting connections yet' });
  });

  it('is not ready while PostgreSQL is stopped, with the reason', () => {
    expect(readiness(observation({ local: { supervisor: { postgres: 'fenced', mode: 'primary' } } }))).toEqual({ ok: false, reason: 'PostgreSQL is fenced' });
  });

  it('is not ready when running a primary without holding the lease', () => {
    expect(readiness(asPrimary({ lease: lease({ holder: 'pg-0' }) }))).toEqual({ ok: false, reason: 'runs a primary without holding the lease' });
  });

  it('stays ready as the primary while the Lease is missing (deleted by hand), so the standbys wait for it to create it again', () => {
    expect(readiness(asPrimary({ lease: { kind: 'absent' } }))).toEqual({ ok: true, reason: 'primary' });
    expect(servesAs(asPrimary({ lease: { kind: 'absent' } }), 'primary').ok).toBe(true);
  });

  it('is not ready while shutting down', () => {
    expect(readiness(asPrimary({ memory: { shuttingDown: true } })).ok).toBe(false);
  });
});

describe('/primary and /replica', () => {
  it('answer for the role this member serves', () => {
    expect(servesAs(asPrimary(), 'primary').ok).toBe(true);
    expect(servesAs(asPrimary(), 'replica')).toEqual({ ok: false, reason: 'this member is a primary' });
    expect(servesAs(observation(), 'replica').ok).toBe(true);
  });
});

describe('liveness', () => {
  const base = { now: 100_000, startedAt: 0, actionStartedAt: null, actionLimitMs: 0, stallLimitMs: 30_000 };
  it('is alive while the loop ticks', () => expect(liveness({ ...base, lastTickAt: 99_000 }).ok).toBe(true));
  it('is dead when the loop stalled', () => expect(liveness({ ...base, lastTickAt: 60_000 })).toEqual({ ok: false, reason: 'no tick for 40s' }));
  it('is alive during a long clone within its limit', () => expect(liveness({ ...base, lastTickAt: 0, actionStartedAt: 10_000, actionLimitMs: 3_600_000 }).ok).toBe(true));
  it('is dead when an action outlived its limit', () => expect(liveness({ ...base, lastTickAt: 0, actionStartedAt: 0, actionLimitMs: 60_000 }).ok).toBe(false));
});

describe('failsafe confirmations', () => {
  const apiDown = observation({ lease: { kind: 'unreachable', error: 'timeout' } });
  it('confirms the known holder when the API is unreachable here too', () => {
    expect(answerFailsafe(apiDown, 'pg-0', 'pg-0').confirm).toBe(true);
  });
  it('refuses when this member reaches the API (it may be about to take over)', () => {
    expect(answerFailsafe(observation(), 'pg-0', 'pg-0')).toEqual({ confirm: false, reason: 'this member reaches the Kubernetes API' });
  });
  it('refuses a member that is not the last holder seen', () => {
    expect(answerFailsafe(apiDown, 'pg-2', 'pg-0').confirm).toBe(false);
  });
  it('confirms while one of its own API requests has waited a second without an answer (a hung API server)', () => {
    expect(answerFailsafe(observation(), 'pg-0', 'pg-0', 1000)).toEqual({ confirm: true, reason: "confirming pg-0: this member's API request has had no answer for 1000 ms" });
    expect(answerFailsafe(observation(), 'pg-0', 'pg-0', 999).confirm).toBe(false);
    expect(answerFailsafe(observation(), 'pg-2', 'pg-0', 5000).confirm).toBe(false);
  });
});

describe('readiness of a member that refuses newer binaries on older data', () => {
  it('is not ready and says why', () => {
    const o = observation({ local: { supervisor: { postgres: 'stopped', mode: 'none' }, majors: { binaries: '17', data: '15' } } });
    expect(readiness(o)).toEqual({ ok: false, reason: expect.stringMatching(/^refusing to start: the data directory is PostgreSQL 15, this pod's binaries are PostgreSQL 17/) });
  });
});
