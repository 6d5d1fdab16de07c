// The decision table: each row an observation and the one action the agent must take.
import { decide } from '../../../agent/core/decide';
import type { Action } from '../../../agent/core/types';
import { SWITCHOVER_WAIT_LIMIT_MS } from '../../../agent/core/switchover-wait';
import { asPrimary, config, lease, NOW, observation, peerDown, peerOk, status, SYSID } from './observation-builder';

const kind = (a: Action) => (a.type === 'lead' || a.type === 'follow' ? `${a.type}/${a.step}` : a.type);

describe('before anything else', () => {
  it('waits for the postgres container until its supervisor reported a state', () => {
    const a = decide(observation({ local: { supervisor: null } }));
    expect(a).toEqual({ type: 'wait', reason: 'waiting for the postgres container (no supervisor state yet)' });
  });
});

describe('bootstrap (no lease yet)', () => {
  const fresh = { local: { supervisor: { postgres: 'stopped' as const, mode: 'none' as const }, data: { kind: 'none' as const }, wal: null, upstream: null } };
  const noData = (name: string) => peerOk(name, { systemIdentifier: null, wal: null, role: 'none', postgres: 'stopped' });

  it('creates the lease to bootstrap when no member holds any data', () => {
    const a = decide(observation({ ...fresh, lease: { kind: 'absent' }, peers: [noData('pg-0'), noData('pg-2')] }));
    expect(a).toEqual({ type: 'create-lease', reason: 'no lease and no member holds data: bootstrapping a new cluster' });
  });

  it('creates the lease to bootstrap when the other members are not up yet', () => {
    const a = decide(observation({ ...fresh, lease: { kind: 'absent' }, peers: [peerDown('pg-0', 'refused'), peerDown('pg-2', 'unreachable')] }));
    expect(kind(a)).toBe('create-lease');
  });

  it('leaves the lease to a member that holds data when it has none', () => {
    const a = decide(observation({ ...fresh, lease: { kind: 'absent' }, peers: [peerOk('pg-0', { role: 'replica' }), noData('pg-2')] }));
    expect(a).toEqual({ type: 'wait', reason: 'no lease and no data here; pg-0 hold data and will claim it' });
  });

  it('adopts its existing data when no reachable member holds more WAL', () => {
    const a = decide(observation({ lease: { kind: 'absent' }, peers: [peerOk('pg-0', { role: 'replica', lsn: 0x3000000n }), peerDown('pg-2', 'refused')] }));
    expect(a).toEqual({ type: 'create-lease', reason: `no lease: adopting the existing data (system identifier ${SYSID})` });
  });

  it('leaves the lease to a member with more WAL', () => {
    const a = decide(observation({ lease: { kind: 'absent' }, peers: [peerOk('pg-0', { role: 'replica', lsn: 0x4000000n }), peerOk('pg-2')] }));
    expect(a).toEqual({ type: 'wait', reason: 'no lease; pg-0 holds more WAL and will claim it' });
  });

  it('leaves the lease to a member that runs a primary', () => {
    const a = decide(observation({ lease: { kind: 'absent' } }));
    expect(a).toEqual({ type: 'wait', reason: 'no lease; pg-0 runs a primary and will claim it' });
  });

  it('claims a missing lease at once when it runs the primary, with an Event (the Lease was deleted)', () => {
    expect(decide(asPrimary({ lease: { kind: 'absent' } }))).toEqual({ type: 'create-lease', reason: 'no lease: this running primary creates pg-leader again', event: 'LeaseRecreated' });
  });
});

describe('the holder bootstrapping a new cluster', () => {
  const holding = lease({ holder: 'pg-1', systemIdentifier: null });

  it('runs initdb when it has no data', () => {
    const a = decide(observation({ lease: holding, local: { supervisor: { postgres: 'stopped', mode: 'none' }, data: { kind: 'none' }, wal: null } }));
    expect(kind(a)).toBe('lead/initdb');
  });

  it('runs initdb over a partial folder left by an interrupted initdb', () => {
    const a = decide(observation({ lease: holding, local: { supervisor: { postgres: 'stopped', mode: 'none' }, data: { kind: 'partial' }, wal: null } }));
    expect(kind(a)).toBe('lead/initdb');
  });

  it('starts the new cluster as primary once initdb is done', () => {
    const a = decide(observation({ lease: holding, local: { supervisor: { postgres: 'stopped', mode: 'none' }, data: { kind: 'present', systemIdentifier: SYSID, state: 'shut down', standbySignal: false } } }));
    expect(kind(a)).toBe('lead/start-primary');
  });

  it('waits for PostgreSQL to accept connections', () => {
    const a = decide(asPrimary({ lease: holding, local: { sql: null } }));
    expect(kind(a)).toBe('lead/wait-ready');
  });

  it('creates the roles and records the cluster once PostgreSQL accepts connections', () => {
    expect(kind(decide(asPrimary({ lease: holding })))).toBe('lead/finish-bootstrap');
  });

  it('makes the other members wait instead of cloning a cluster that is not finished', () => {
    const a = decide(observation({ lease: lease({ systemIdentifier: null }), local: { data: { kind: 'none' }, wal: null } }));
    expect(a).toEqual({ type: 'wait', reason: 'pg-0 is bootstrapping the cluster' });
  });
});

describe('the holder bootstrapping from a backup (restore)', () => {
  const holding = lease({ holder: 'pg-1', systemIdentifier: null });
  const empty = { supervisor: { postgres: 'stopped' as const, mode: 'none' as const }, data: { kind: 'none' as const }, wal: null };

  it('restores instead of initdb when it has no data', () => {
    const a = decide(observation({ lease: holding, local: empty, memory: { restore: { phase: 'pending' } } }));
    expect(a).toEqual({ type: 'lead', step: 'restore', reason: 'bootstrapping from a backup: this member holds the lease and has no data' });
  });

  it('only renews while the restore runs', () => {
    const a = decide(asPrimary({ lease: holding, local: { sql: null }, memory: { restore: { phase: 'running', detail: 'recovering from base backup 20261204T190000Z to time 2026-12-04T19:05:07Z' } } }));
    expect(a).toEqual({ type: 'lead', step: 'restore-wait', reason: 'bootstrapping from a backup: recovering from base backup 20261204T190000Z to time 2026-12-04T19:05:07Z' });
  });

  it('waits out the pause after a failed restore, with the reason, then restores again', () => {
    const failed = { phase: 'failed' as const, reason: 'no complete base backup in the store under b/pgha/db/', retryAt: NOW + 30_000 };
    expect(decide(observation({ lease: holding, local: empty, memory: { restore: failed } }))).toEqual({
      type: 'lead',
      step: 'restore-wait',
      reason: 'bootstrapping from a backup failed: no complete base backup in the store under b/pgha/db/; retrying in 30.0s',
    });
    expect(kind(decide(observation({ lease: holding, local: empty, memory: { restore: { ...failed, retryAt: NOW } } })))).toBe('lead/restore');
  });

  it('restores again when PostgreSQL stopped on restored data before the bootstrap finished (the agent restarted meanwhile)', () => {
    const data = { kind: 'present' as const, systemIdentifier: SYSID, state: 'in archive recovery' as const, standbySignal: false };
    const a = decide(observation({ lease: holding, local: { supervisor: { postgres: 'exited', mode: 'primary' }, data }, memory: { restore: { phase: 'pending' } } }));
    expect(kind(a)).toBe('lead/restore');
  });

  it('finishes the bootstrap as after initdb once the restore is done, not before recovery ended', () => {
    const done = { restore: { phase: 'done' as const, detail: 'restored' }, lastRenewSentAt: NOW - 1000 };
    expect(decide(asPrimary({ lease: holding, memory: done, local: { sql: { inRecovery: true, timeline: null, lsn: null, replication: [], slots: [] } } }))).toEqual({
      type: 'lead',
      step: 'wait-ready',
      reason: 'bootstrapping: waiting for recovery to end',
    });
    expect(kind(decide(asPrimary({ lease: holding, memory: done })))).toBe('lead/finish-bootstrap');
  });
});

describe('the lease holder', () => {
  it('renews and serves while it runs the primary', () => {
    expect(decide(asPrimary())).toEqual({ type: 'lead', step: 'serve', reason: 'primary' });
  });

  it('fences itself when it could not renew the lease before the renew deadline', () => {
    const a = decide(asPrimary({ memory: { lastRenewSentAt: NOW - 6000 } }));
    expect(a).toEqual({ type: 'fence', reason: 'lease not renewed for 6.0s (renew deadline 6.0s)' });
  });

  it('keeps serving just before the renew deadline', () => {
    expect(kind(decide(asPrimary({ memory: { lastRenewSentAt: NOW - 5999 } })))).toBe('lead/serve');
  });

  it('promotes its standby when the lease was handed to it', () => {
    const a = decide(observation({ lease: lease({ holder: 'pg-1' }) }));
    expect(a).toEqual({ type: 'lead', step: 'promote', reason: 'this member holds the lease and runs a standby' });
  });

  it('starts PostgreSQL as primary when its stopped data was a primary', () => {
    const a = decide(asPrimary({ local: { supervisor: { postgres: 'exited', mode: 'primary' }, sql: null } }));
    expect(kind(a)).toBe('lead/start-primary');
  });

  it('starts standby data as a standby first, to promote it onto a new timeline', () => {
    const a = decide(observation({ lease: lease({ holder: 'pg-1' }), local: { supervisor: { postgres: 'stopped', mode: 'none' } } }));
    expect(kind(a)).toBe('lead/start-standby');
  });

  it('hands the lease back when it lost its data', () => {
    const a = decide(observation({ lease: lease({ holder: 'pg-1' }), local: { supervisor: { postgres: 'stopped', mode: 'none' }, data: { kind: 'none' }, wal: null } }));
    expect(kind(a)).toBe('lead/abdicate');
  });

  it('hands the lease back when its data belongs to another cluster', () => {
    const a = decide(observation({ lease: lease({ holder: 'pg-1' }), local: { data: { kind: 'present', systemIdentifier: '1', state: 'shut down', standbySignal: false } } }));
    expect(a).toEqual({ type: 'lead', step: 'abdicate', reason: `this member's data belongs to another cluster (1, lease records ${SYSID})` });
  });
});

describe('a member running a primary without the lease', () => {
  it('fences at once when another member holds the lease', () => {
    const a = decide(asPrimary({ lease: lease({ holder: 'pg-0' }) }));
    expect(a).toEqual({ type: 'fence', reason: 'pg-0 holds the lease; this member must not run a primary' });
  });

  it('fences at once when the lease was released', () => {
    expect(kind(decide(asPrimary({ lease: lease({ holder: null }) })))).toBe('fence');
  });
});

describe('failover', () => {
  it('follows the holder while it renews', () => {
    expect(decide(observation())).toEqual({ type: 'follow', step: 'stream', upstream: 'pg-0', reason: 'following pg-0' });
  });

  it('does not take over a holder that is silent for less than the lease duration', () => {
    expect(kind(decide(observation({ lease: lease({ silentForMs: 9999 }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2')] })))).toBe('follow/stream');
  });

  it('takes the lease when the holder was silent for the lease duration and it is the most advanced', () => {
    const a = decide(observation({ lease: lease({ silentForMs: 10_000 }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2', { lsn: 0x3000000n })] }));
    expect(a).toEqual({
      type: 'acquire',
      reason: 'holder pg-0 silent for 10.0s (lease 10.0s); most advanced of 2 reachable members at 0/3000060',
      previousHolder: 'pg-0',
    });
  });

  it('lets a more advanced member take over', () => {
    const a = decide(observation({ lease: lease({ silentForMs: 10_000 }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2', { lsn: 0x3000100n })] }));
    expect(a).toEqual({ type: 'wait', reason: 'holder pg-0 silent for 10.0s (lease 10.0s); not taking over: pg-2 is more advanced (0/3000100 vs our 0/3000060)', wake: 'pg-2' });
  });

  it('breaks a tie in favour of the lower ordinal, so exactly one member tries', () => {
    const asTwo = observation({ config: config({ podName: 'pg-2' }), lease: lease({ silentForMs: 10_000 }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-1')] });
    const asOne = observation({ lease: lease({ silentForMs: 10_000 }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2')] });
    expect(kind(decide(asTwo))).toBe('wait');
    expect(kind(decide(asOne))).toBe('acquire');
  });

  it('wakes the member it defers to when the holder is down, so a tie never leaves nobody acting', () => {
    // Seen on the real cluster: pg-2 saw the killed holder and deferred to pg-1 (equal positions, lower
    // ordinal), pg-1 had not looked yet, and the kubelet restarted the old primary a second later.
    const asTwo = observation({ config: config({ podName: 'pg-2' }), lease: lease({ silentForMs: 300 }), peers: [peerDown('pg-0', 'refused', 'refused'), peerOk('pg-1')] });
    const a = decide(asTwo);
    expect(a).toMatchObject({ type: 'wait', wake: 'pg-1' });
    expect(a.reason).toMatch(/not taking over: pg-1 is more advanced/);
  });

  it('wakes nobody when it waits for another reason than a better candidate', () => {
    const a = decide(observation({ lease: lease({ silentForMs: 300, primaryLsn: 0x9000000n }), peers: [peerDown('pg-0', 'refused', 'refused'), peerOk('pg-2')] }));
    expect(a.type).toBe('wait');
    expect(a).not.toHaveProperty('wake');
  });

  it('takes over at once (fast path) when the holder pod refuses on both the agent and PostgreSQL ports', () => {
    const a = decide(observation({ lease: lease({ silentForMs: 300 }), peers: [peerDown('pg-0', 'refused', 'refused'), peerOk('pg-2')] }));
    expect(a.type).toBe('acquire');
    expect(a.reason).toMatch(/^holder pg-0 is down: its agent and PostgreSQL refuse connections/);
  });

  it('does not take the fast path while the holder PostgreSQL still accepts connections', () => {
    const a = decide(observation({ lease: lease({ silentForMs: 300 }), peers: [peerDown('pg-0', 'refused', 'open'), peerOk('pg-2')] }));
    expect(kind(a)).toBe('follow/stream');
  });

  it('does not take the fast path on timeouts: a silent holder costs the full lease', () => {
    const a = decide(observation({ lease: lease({ silentForMs: 300 }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2')] }));
    expect(kind(a)).toBe('follow/stream');
  });

  it('takes a released lease at once, not counting the holder that released it as a rival', () => {
    const a = decide(observation({ lease: lease({ holder: null, previousHolder: 'pg-0' }), peers: [peerOk('pg-0', { role: 'none', postgres: 'stopped', lsn: 0x3000060n }), peerOk('pg-2')] }));
    expect(a.type).toBe('acquire');
  });

  it('stays out in asynchronous mode when further behind than maximumLagOnFailover', () => {
    const a = decide(observation({ lease: lease({ silentForMs: 10_000, primaryLsn: 0x3000060n + 16n * 1024n * 1024n + 1n }), peers: [peerDown('pg-0', 'unreachable'), peerDown('pg-2', 'unreachable')] }));
    expect(a.reason).toMatch(/not taking over: 16777217 bytes behind the primary's last position 0\/4000061, more than maximumLagOnFailover \(16777216\)$/);
  });

  it('never promotes data of another cluster', () => {
    const a = decide(observation({ lease: lease({ holder: null }), local: { data: { kind: 'present', systemIdentifier: '99', state: 'in archive recovery', standbySignal: true } } }));
    expect(a.reason).toMatch(/not taking over: our data belongs to another cluster \(system identifier 99\)$/);
  });
});

describe('failover in synchronous mode', () => {
  const sync = config({ replicationMode: 'sync' });
  const gone = { silentForMs: 10_000 };

  it('takes over when in the recorded quorum and seeing enough of it', () => {
    const a = decide(observation({ config: sync, lease: lease({ ...gone, syncStandbys: { k: 1, members: ['pg-1', 'pg-2'] } }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2')] }));
    expect(a.type).toBe('acquire');
  });

  it('stays out when not in the quorum the primary recorded', () => {
    const a = decide(observation({ config: sync, lease: lease({ ...gone, syncStandbys: { k: 1, members: ['pg-2'] } }), peers: [peerDown('pg-0', 'unreachable'), peerDown('pg-2', 'unreachable')] }));
    expect(a.reason).toMatch(/not taking over: not in the synchronous quorum the primary recorded \(pg-2\)$/);
  });

  it('stays out when it cannot see enough quorum members to be sure it has every acknowledged commit', () => {
    const a = decide(observation({ config: sync, lease: lease({ ...gone, syncStandbys: { k: 1, members: ['pg-1', 'pg-2'] } }), peers: [peerDown('pg-0', 'unreachable'), peerDown('pg-2', 'unreachable')] }));
    expect(a.reason).toMatch(/sees 1 of the 2 quorum members, needs 2 to be sure it has every acknowledged commit$/);
  });

  it('lets nobody take over when the recorded quorum is empty (commits acknowledged by the primary alone)', () => {
    const a = decide(observation({ config: sync, lease: lease({ ...gone, syncStandbys: { k: 0, members: [] } }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2')] }));
    expect(a.reason).toMatch(/not in the synchronous quorum the primary recorded \(none\)$/);
  });

  it('needs only itself when the quorum is ANY 1 of itself', () => {
    const a = decide(observation({ config: sync, lease: lease({ ...gone, syncStandbys: { k: 1, members: ['pg-1'] } }), peers: [peerDown('pg-0', 'unreachable'), peerDown('pg-2', 'unreachable')] }));
    expect(a.type).toBe('acquire');
  });

  it('ignores a lagging member outside the quorum when comparing positions', () => {
    const a = decide(observation({ config: sync, lease: lease({ ...gone, syncStandbys: { k: 1, members: ['pg-1'] } }), peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2', { lsn: 0x9000000n })] }));
    expect(a.type).toBe('acquire');
  });
});

describe('following the holder', () => {
  const noData = { local: { supervisor: { postgres: 'stopped' as const, mode: 'none' as const }, data: { kind: 'none' as const }, wal: null, upstream: null } };

  it('clones from the holder once it serves', () => {
    expect(decide(observation(noData))).toEqual({ type: 'follow', step: 'clone', upstream: 'pg-0', reason: 'no data here: cloning from pg-0' });
  });

  it('waits to clone until the holder serves as primary', () => {
    const a = decide(observation({ ...noData, peers: [peerOk('pg-0', { ready: false }), peerOk('pg-2')] }));
    expect(a).toEqual({ type: 'wait', reason: 'no data here; waiting for pg-0 to serve as primary before cloning' });
  });

  it('refuses to join with data of another cluster', () => {
    const a = decide(observation({ local: { data: { kind: 'present', systemIdentifier: '5', state: 'shut down', standbySignal: false } } }));
    expect(a).toEqual({ type: 'refuse', reason: `refusing to join: local data belongs to cluster 5, the lease records ${SYSID}` });
  });

  it('starts as a standby when its WAL lies on the holder history', () => {
    const a = decide(observation({ local: { supervisor: { postgres: 'stopped', mode: 'none' }, upstream: null } }));
    expect(kind(a)).toBe('follow/start-standby');
  });

  it('rewinds a former primary whose WAL went past the new primary fork point', () => {
    const newPrimary = peerOk('pg-0', { timeline: 2, history: [{ timeline: 1, switchpoint: '0/3000000' }] });
    const a = decide(observation({
      local: { supervisor: { postgres: 'stopped', mode: 'none' }, data: { kind: 'present', systemIdentifier: SYSID, state: 'in production', standbySignal: false }, upstream: null },
      peers: [newPrimary, peerOk('pg-2')],
    }));
    expect(a).toEqual({ type: 'follow', step: 'rewind', upstream: 'pg-0', reason: "local WAL forked off pg-0's timeline 2: rewinding" });
  });

  it('follows without rewinding when its WAL ends at the fork point', () => {
    const newPrimary = peerOk('pg-0', { timeline: 2, history: [{ timeline: 1, switchpoint: '0/3000060' }] });
    const a = decide(observation({ local: { supervisor: { postgres: 'stopped', mode: 'none' }, upstream: null }, peers: [newPrimary, peerOk('pg-2')] }));
    expect(kind(a)).toBe('follow/start-standby');
  });

  it('rewinds when its timeline has the primary number but another history (two promotions that never met)', () => {
    const newPrimary = peerOk('pg-0', { timeline: 2, history: [{ timeline: 1, switchpoint: '0/3000000' }] });
    const a = decide(observation({
      local: { supervisor: { postgres: 'stopped', mode: 'none' }, wal: { timeline: 2, lsn: 0x3000100n }, history: [{ timeline: 1, switchpoint: 0x2000000n }], upstream: null },
      peers: [newPrimary, peerOk('pg-2')],
    }));
    expect(a).toEqual({ type: 'follow', step: 'rewind', upstream: 'pg-0', reason: "local WAL forked off pg-0's timeline 2: rewinding" });
  });

  it('rewinds when the history of its own timeline cannot be read', () => {
    const a = decide(observation({ local: { supervisor: { postgres: 'stopped', mode: 'none' }, history: null, upstream: null } }));
    expect(a.reason).toBe('the history of local timeline 1 is unreadable: rewinding');
  });

  it('clones afresh when its primary has not listed it as streaming for a minute', () => {
    const a = decide(observation({ standbyStalledForMs: 60_000 }));
    expect(a).toEqual({ type: 'follow', step: 'clone', upstream: 'pg-0', reason: 'not streaming from pg-0 for 60.0s: cloning afresh' });
  });

  it('keeps waiting for a standby that has not streamed for less than a minute', () => {
    expect(kind(decide(observation({ standbyStalledForMs: 59_999 })))).toBe('follow/stream');
  });

  it('points a running standby at a new holder without restarting it', () => {
    const a = decide(observation({ lease: lease({ holder: 'pg-2' }), peers: [peerOk('pg-0', { role: 'replica' }), peerOk('pg-2', { role: 'primary', timeline: 1 })] }));
    expect(a).toEqual({ type: 'follow', step: 'repoint', upstream: 'pg-2', reason: 'following the new primary pg-2' });
  });

  it('waits for the holder to report its timeline before starting', () => {
    const a = decide(observation({ local: { supervisor: { postgres: 'stopped', mode: 'none' }, upstream: null }, peers: [peerDown('pg-0', 'unreachable'), peerOk('pg-2')] }));
    expect(a).toEqual({ type: 'wait', reason: 'waiting for pg-0 to report its timeline' });
  });
});

describe('without the Kubernetes API', () => {
  const down = { lease: { kind: 'unreachable' as const, error: 'timeout' } };

  it('makes a standby wait', () => {
    expect(decide(observation(down))).toEqual({ type: 'wait', reason: 'Kubernetes API unreachable (timeout)' });
  });

  it('keeps a primary serving and asks the members to confirm it while its renewal is fresh', () => {
    expect(kind(decide(asPrimary({ ...down, memory: { lastRenewSentAt: NOW - 2000 } })))).toBe('failsafe');
  });

  it('fences a primary whose last renewal and confirmation are older than the renew deadline', () => {
    const a = decide(asPrimary({ ...down, memory: { lastRenewSentAt: NOW - 8000, failsafeConfirmedAt: NOW - 6000 } }));
    expect(a).toEqual({ type: 'fence', reason: 'no lease renewal nor confirmation by every member for 6.0s (renew deadline 6.0s)' });
  });

  it('keeps a primary serving on a recent confirmation by every member', () => {
    expect(kind(decide(asPrimary({ ...down, memory: { lastRenewSentAt: NOW - 60_000, failsafeConfirmedAt: NOW - 1000 } })))).toBe('failsafe');
  });

  it('renews instead of fencing when the API returns, if every member confirmed it meanwhile', () => {
    expect(kind(decide(asPrimary({ memory: { lastRenewSentAt: NOW - 20_000, failsafeConfirmedAt: NOW - 800 } })))).toBe('lead/serve');
  });

  it('fences a primary that never renewed (the agent restarted during the outage)', () => {
    expect(kind(decide(asPrimary({ ...down, memory: { lastRenewSentAt: null } })))).toBe('fence');
  });
});

describe('shutting down (SIGTERM)', () => {
  it('steps down when it holds the lease', () => {
    expect(kind(decide(asPrimary({ memory: { shuttingDown: true } })))).toBe('step-down');
  });

  it('just exits when it does not', () => {
    expect(decide(observation({ memory: { shuttingDown: true } }))).toEqual({ type: 'exit', reason: 'SIGTERM' });
  });
});

describe('switchover', () => {
  it('hands over to a caught-up standby named on the lease', () => {
    const a = decide(asPrimary({ lease: lease({ holder: 'pg-1', switchoverTo: 'pg-2' }) }));
    expect(a).toEqual({ type: 'switchover', target: 'pg-2', reason: 'switchover requested: pg-2 is 0 bytes behind' });
  });

  const lagging = (switchoverWaitedMs: number) => asPrimary({
    lease: lease({ holder: 'pg-1', switchoverTo: 'pg-2' }),
    local: { sql: { inRecovery: false, timeline: 1, lsn: 0x9000000n, replication: [], slots: [] } },
    switchoverWaitedMs,
  });
  const behind = `pg-2 is ${0x9000000 - 0x3000060} bytes behind, more than maximumLagOnFailover (16777216 bytes)`;

  it('waits while the target lags, up to the switchover wait limit', () => {
    expect(decide(lagging(0))).toEqual({ type: 'lead', step: 'serve', reason: `switchover to pg-2 waits: ${behind}` });
    expect(decide(lagging(SWITCHOVER_WAIT_LIMIT_MS - 1))).toEqual({ type: 'lead', step: 'serve', reason: `switchover to pg-2 waits: ${behind}` });
  });

  it('rejects the request, saying how far behind the target is and the limit, once the target has lagged for the wait limit', () => {
    expect(decide(lagging(SWITCHOVER_WAIT_LIMIT_MS))).toEqual({
      type: 'lead',
      step: 'serve',
      reason: 'primary',
      clearSwitchover: `${behind}, still after 30.0s (a switchover waits at most 30.0s for its target)`,
    });
  });

  it('rejects a target whose agent never answers once the wait limit has passed', () => {
    const a = decide(asPrimary({ lease: lease({ holder: 'pg-1', switchoverTo: 'pg-2' }), peers: [peerOk('pg-0', { role: 'replica' }), peerDown('pg-2', 'unreachable')], switchoverWaitedMs: 45_000 }));
    expect(a).toMatchObject({ type: 'lead', step: 'serve', clearSwitchover: expect.stringMatching(/^pg-2's agent does not answer \(.*\), still after 45.0s \(a switchover waits at most 30.0s for its target\)$/) });
  });

  it('rejects a target that is not a member', () => {
    const a = decide(asPrimary({ lease: lease({ holder: 'pg-1', switchoverTo: 'other-7' }) }));
    expect(a).toEqual({ type: 'lead', step: 'serve', reason: 'primary', clearSwitchover: 'other-7 is not a member (pg-0, pg-1, pg-2)' });
  });

  it('waits while the target is not a running standby', () => {
    const a = decide(asPrimary({ lease: lease({ holder: 'pg-1', switchoverTo: 'pg-2' }), peers: [peerOk('pg-0', { role: 'replica' }), peerOk('pg-2', { ...status('pg-2'), postgres: 'stopped', role: 'none', reason: 'PostgreSQL is stopped' })] }));
    expect(a).toEqual({ type: 'lead', step: 'serve', reason: 'switchover to pg-2 waits: pg-2 is not a running standby (PostgreSQL is stopped)' });
  });
});

describe('the major version guard (a changed `version` rolled onto older data)', () => {
  const stopped = { supervisor: { postgres: 'stopped' as const, mode: 'none' as const }, majors: { binaries: '17', data: '15' } };
  const why = 'the data directory is PostgreSQL 15, this pod\'s binaries are PostgreSQL 17: newer binaries never start on older data'
    + ' (a major upgrade is a new cluster, see the README, "Major upgrades"; revert `version` to keep this one)';

  it('refuses to start, follow or take over, with a MajorVersionMismatch Event', () => {
    expect(decide(observation({ local: stopped }))).toEqual({ type: 'refuse', reason: `refusing to start: ${why}`, event: 'MajorVersionMismatch' });
    expect(decide(observation({ local: stopped, lease: lease({ holder: 'pg-0', silentForMs: 60_000 }) })).type).toBe('refuse');
  });

  it('hands the lease back when it holds it', () => {
    expect(decide(observation({ local: stopped, lease: lease({ holder: 'pg-1' }), memory: { lastRenewSentAt: NOW - 1000 } }))).toEqual({ type: 'lead', step: 'abdicate', reason: why });
  });

  it('starts as usual when data and binaries are of the same major', () => {
    expect(kind(decide(observation({ local: { ...stopped, majors: { binaries: '17', data: '17' } } })))).toBe('follow/start-standby');
  });
});

describe('a full data volume', () => {
  const full = { availableBytes: 64 * 1024, sizeBytes: 384 * 1024 * 1024 };
  const FULL = 'the data volume is full (0.1 MiB free of 384.0 MiB, less than one 16 MiB WAL segment): PostgreSQL cannot write its WAL ("No space left on device"); grow the volume (storageSize) or free space on it';

  it('hands the lease on when its primary stopped on a full volume, instead of restarting it in a loop', () => {
    const a = decide(asPrimary({ local: { supervisor: { postgres: 'exited', mode: 'primary' }, sql: null, volume: full } }));
    expect(a).toEqual({ type: 'lead', step: 'abdicate', reason: `${FULL}; handing the lease to a standby instead of restarting the primary` });
  });

  it('hands over to a caught-up standby with room while its primary still runs on a full volume (writes fail there: no table can grow)', () => {
    const fullPeer = peerOk('pg-0', { role: 'replica', volume: { ...full, full: FULL } });
    expect(decide(asPrimary({ local: { volume: full }, peers: [fullPeer, peerOk('pg-2', { lsn: 0x3000000n })] }))).toEqual({
      type: 'switchover', target: 'pg-2', reason: `${FULL}; handing over to pg-2, a standby with room (pg-2 is 96 bytes behind)`,
    });
  });

  it('serves on, saying why, on a full volume when no standby with room is caught up', () => {
    const fullPeer = peerOk('pg-0', { role: 'replica', volume: { ...full, full: FULL } });
    const a = decide(asPrimary({ local: { volume: full }, peers: [fullPeer, peerDown('pg-2', 'refused')] }));
    expect(a).toEqual({ type: 'lead', step: 'serve', reason: `primary; ${FULL}; no caught-up standby with room to hand over to` });
  });

  it('restarts its stopped primary when the volume has room for a WAL segment', () => {
    const room = { availableBytes: 16 * 1024 * 1024, sizeBytes: 384 * 1024 * 1024 };
    expect(kind(decide(asPrimary({ local: { supervisor: { postgres: 'exited', mode: 'primary' }, sql: null, volume: room } })))).toBe('lead/start-primary');
  });

  it('does not take a released lease while its own volume is full', () => {
    const a = decide(observation({ lease: lease({ holder: null, previousHolder: 'pg-0' }), local: { volume: full }, peers: [peerOk('pg-0', { role: 'none', postgres: 'stopped' }), peerOk('pg-2')] }));
    expect(a).toEqual({ type: 'wait', reason: `the lease was released; not taking over: ${FULL}` });
  });

  it('does not wait for a more advanced member whose volume is full', () => {
    const fullRival = peerOk('pg-2', { lsn: 0x3000100n, volume: { ...full, full: FULL } });
    const a = decide(observation({ lease: lease({ holder: null, previousHolder: 'pg-0' }), peers: [peerOk('pg-0', { role: 'none', postgres: 'stopped' }), fullRival] }));
    expect(a).toMatchObject({ type: 'acquire', reason: 'the lease was released; most advanced of 1 reachable members at 0/3000060' });
  });

  it('does not clone afresh a standby that is behind because its volume is full (a clone would not fit either)', () => {
    const a = decide(observation({ local: { volume: full }, standbyStalledForMs: 120_000 }));
    expect(a).toEqual({ type: 'follow', step: 'stream', upstream: 'pg-0', reason: `following pg-0, behind: ${FULL}` });
  });
});
