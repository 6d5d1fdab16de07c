// The synchronous quorum is changed in an order that never lets the lease promise more than is true.
import { EMPTY_SYNC, planSync, quorumEvent, standbyNamesSetting, startingQuorum, waitingEvent, type SyncInput } from '../../../agent/core/sync-standbys';
import { config } from './observation-builder';
import type { ReplicationRow } from '../../../agent/core/types';

const row = (name: string, flushLsn = 100n, state = 'streaming'): ReplicationRow => ({ applicationName: name, state, flushLsn, syncState: 'quorum' });

const input = (overrides: Partial<SyncInput>): SyncInput => ({
  self: 'pg-0',
  members: ['pg-0', 'pg-1', 'pg-2'],
  k: 1,
  recorded: EMPTY_SYNC,
  applied: EMPTY_SYNC,
  replication: [],
  currentLsn: 100n,
  pending: null,
  strict: false,
  ...overrides,
});

const both = { k: 1, members: ['pg-1', 'pg-2'] };

describe('planSync', () => {
  it('from an empty record, applies the new quorum but records nothing until it caught up', () => {
    const plan = planSync(input({ replication: [row('pg-1'), row('pg-2')] }));
    expect(plan).toEqual({ record: EMPTY_SYNC, apply: both, pending: { target: both, lsn: null }, waiting: null });
  });

  it('learns the position at which the applied quorum took effect one tick later', () => {
    const plan = planSync(input({ applied: both, replication: [row('pg-1'), row('pg-2')], currentLsn: 500n, pending: { target: both, lsn: null } }));
    expect(plan).toEqual({ record: EMPTY_SYNC, apply: both, pending: { target: both, lsn: 500n }, waiting: null });
  });

  it('keeps waiting while fewer than k members flushed past that position', () => {
    const plan = planSync(input({ applied: both, replication: [row('pg-1', 499n), row('pg-2', 10n)], pending: { target: both, lsn: 500n } }));
    expect(plan.record).toEqual(EMPTY_SYNC);
  });

  it('records the quorum once k of its members flushed past that position', () => {
    const plan = planSync(input({ applied: both, replication: [row('pg-1', 500n), row('pg-2', 10n)], pending: { target: both, lsn: 500n } }));
    expect(plan).toEqual({ record: both, apply: both, pending: null, waiting: null });
  });

  it('shrinking the quorum records the union with the smaller k first', () => {
    const plan = planSync(input({ k: 2, recorded: { k: 2, members: ['pg-1', 'pg-2'] }, applied: { k: 2, members: ['pg-1', 'pg-2'] }, replication: [row('pg-1')] }));
    expect(plan).toEqual({ record: { k: 1, members: ['pg-1', 'pg-2'] }, apply: { k: 1, members: ['pg-1'] }, pending: { target: { k: 1, members: ['pg-1'] }, lsn: null }, waiting: null });
  });

  it('with no healthy standby records the empty set, so nobody may be promoted, and stops waiting for standbys', () => {
    const plan = planSync(input({ recorded: both, applied: both, replication: [row('pg-1', 100n, 'catchup')] }));
    expect(plan).toEqual({ record: EMPTY_SYNC, apply: EMPTY_SYNC, pending: null, waiting: null });
  });

  it('ignores its own name and strangers in pg_stat_replication', () => {
    const plan = planSync(input({ replication: [row('pg-0'), row('pg_basebackup'), row('pg-2')] }));
    expect(plan.apply).toEqual({ k: 1, members: ['pg-2'] });
  });

  it('is steady once recorded and applied agree', () => {
    const plan = planSync(input({ recorded: both, applied: both, replication: [row('pg-1'), row('pg-2')] }));
    expect(plan).toEqual({ record: both, apply: both, pending: null, waiting: null });
  });
});

describe('planSync in strict mode', () => {
  const strict = (overrides: Partial<SyncInput>) => input({ strict: true, ...overrides });
  const waitingNone = 'commits are waiting: no synchronous standby streams, and in strict mode (synchronousStrict) a commit is acknowledged only once ANY 1 ("pg-1", "pg-2") flushed it';

  it('plans as without it while k standbys stream', () => {
    const plan = planSync(strict({ recorded: both, applied: both, replication: [row('pg-1'), row('pg-2', 100n, 'catchup')] }));
    expect(plan).toEqual({ record: both, apply: { k: 1, members: ['pg-1'] }, pending: { target: { k: 1, members: ['pg-1'] }, lsn: null }, waiting: null });
  });

  it('with no standby streaming keeps waiting for any k of the other members, and the recorded quorum stays', () => {
    const plan = planSync(strict({ recorded: both, applied: both, replication: [] }));
    expect(plan).toEqual({ record: both, apply: both, pending: null, waiting: waitingNone });
  });

  it('from a quorum of one standby that stopped, widens to any of the others, recording their union first', () => {
    const one = { k: 1, members: ['pg-2'] };
    const plan = planSync(strict({ recorded: one, applied: one, replication: [row('pg-2', 100n, 'catchup')] }));
    expect(plan).toEqual({ record: both, apply: both, pending: { target: both, lsn: null }, waiting: waitingNone });
  });

  it('never lowers k: with 2 required and one streaming, commits wait for any 2 of the others', () => {
    const plan = planSync(strict({ k: 2, members: ['pg-0', 'pg-1', 'pg-2', 'pg-3'], recorded: EMPTY_SYNC, applied: EMPTY_SYNC, replication: [row('pg-3')] }));
    const all = { k: 2, members: ['pg-1', 'pg-2', 'pg-3'] };
    expect(plan).toEqual({
      record: EMPTY_SYNC,
      apply: all,
      pending: { target: all, lsn: null },
      waiting: 'commits are waiting: only pg-3 streams, and in strict mode (synchronousStrict) a commit is acknowledged only once ANY 2 ("pg-1", "pg-2", "pg-3") flushed it',
    });
  });

  it('a new primary (empty record) waits for its standbys and records nothing until one caught up', () => {
    const plan = planSync(strict({ recorded: EMPTY_SYNC, applied: both, replication: [], pending: { target: both, lsn: 500n } }));
    expect(plan).toEqual({ record: EMPTY_SYNC, apply: both, pending: { target: both, lsn: 500n }, waiting: waitingNone });
  });

  it('once a standby streams again, narrows to it and records it alone only after it caught up', () => {
    const back = planSync(strict({ recorded: both, applied: both, replication: [row('pg-1', 400n)] }));
    const one = { k: 1, members: ['pg-1'] };
    expect(back).toEqual({ record: both, apply: one, pending: { target: one, lsn: null }, waiting: null });
    const caughtUp = planSync(strict({ recorded: both, applied: one, replication: [row('pg-1', 500n)], pending: { target: one, lsn: 500n } }));
    expect(caughtUp).toEqual({ record: one, apply: one, pending: null, waiting: null });
  });

  it('ignores strangers: pg_basebackup streaming counts as no standby', () => {
    expect(planSync(strict({ recorded: both, applied: both, replication: [row('pg_basebackup')] })).waiting).toBe(waitingNone);
  });
});

describe('startingQuorum', () => {
  const recordedOthers = { k: 1, members: ['pg-0', 'pg-2'] };

  it('is empty outside synchronous mode, whatever the Lease records', () => {
    expect(startingQuorum(config({ replicationMode: 'async' }), recordedOthers)).toEqual(EMPTY_SYNC);
    expect(startingQuorum(config({ replicationMode: 'async', synchronousStrict: true }), recordedOthers)).toEqual(EMPTY_SYNC);
  });

  it('without strict mode is the quorum the Lease records, so a restarted primary acknowledges no commit alone while the Lease names a standby', () => {
    const sync = config({ replicationMode: 'sync' });
    expect(startingQuorum(sync, recordedOthers)).toEqual(recordedOthers);
    expect(startingQuorum(sync, { k: 2, members: ['pg-2', 'pg-0'] })).toEqual({ k: 2, members: ['pg-0', 'pg-2'] });
  });

  it('without strict mode is empty only when the Lease records no standby', () => {
    const sync = config({ replicationMode: 'sync' });
    expect(startingQuorum(sync, EMPTY_SYNC)).toEqual(EMPTY_SYNC);
    expect(startingQuorum(sync, null)).toEqual(EMPTY_SYNC);
  });

  it('without strict mode leaves out the promoting member itself: it holds every commit, so k counts only the others', () => {
    const sync = config({ replicationMode: 'sync' });
    // A handover records the target alone: nobody else may be promoted, so the new primary commits alone.
    expect(startingQuorum(sync, { k: 1, members: ['pg-1'] })).toEqual(EMPTY_SYNC);
    expect(startingQuorum(sync, { k: 1, members: ['pg-0', 'pg-1'] })).toEqual({ k: 1, members: ['pg-0'] });
    // Every member recorded holds every commit: all the others must flush.
    expect(startingQuorum(sync, { k: 3, members: ['pg-0', 'pg-1', 'pg-2'] })).toEqual({ k: 2, members: ['pg-0', 'pg-2'] });
  });

  it('in strict mode is any k of the other members, so not one commit is acknowledged alone', () => {
    const strict = config({ replicationMode: 'sync', synchronousStrict: true });
    expect(startingQuorum(strict, EMPTY_SYNC)).toEqual({ k: 1, members: ['pg-0', 'pg-2'] });
    expect(startingQuorum(strict, { k: 1, members: ['pg-2'] })).toEqual({ k: 1, members: ['pg-0', 'pg-2'] });
  });
});

describe('waitingEvent', () => {
  const why = 'commits are waiting: no synchronous standby streams, and in strict mode (synchronousStrict) a commit is acknowledged only once ANY 1 ("pg-1", "pg-2") flushed it';

  it('warns once when commits start waiting', () => {
    expect(waitingEvent(null, why, both)).toEqual({
      type: 'Warning',
      reason: 'SynchronousStandbysMissing',
      message: `${why}. No commit returns until then; the quorum recorded on the Lease still names the standbys that hold every acknowledged commit, so a failover loses none`,
    });
    expect(waitingEvent(why, why, both)).toBeNull();
  });

  it('says when commits go on again', () => {
    expect(waitingEvent(why, null, { k: 1, members: ['pg-1'] })).toEqual({ type: 'Normal', reason: 'SynchronousStandbys', message: 'commits go on: enough standbys stream again; commits wait for ANY 1 ("pg-1")' });
    expect(waitingEvent(null, null, both)).toBeNull();
  });
});

describe('standbyNamesSetting', () => {
  it('renders a quorum', () => expect(standbyNamesSetting(both)).toBe('ANY 1 ("pg-1", "pg-2")'));
  it('renders the empty set as asynchronous', () => expect(standbyNamesSetting(EMPTY_SYNC)).toBe(''));
});

describe('quorumEvent', () => {
  it('says which standbys commits wait for once one starts streaming', () => {
    expect(quorumEvent(EMPTY_SYNC, { k: 1, members: ['pg-1'] })).toEqual({ type: 'Normal', reason: 'SynchronousStandbys', message: 'commits wait for ANY 1 ("pg-1") (pg-1 streaming)' });
  });

  it('names the standby that stopped streaming when the quorum shrinks', () => {
    expect(quorumEvent(both, { k: 1, members: ['pg-2'] })).toEqual({ type: 'Normal', reason: 'SynchronousStandbys', message: 'commits wait for ANY 1 ("pg-2") (pg-1 stopped streaming)' });
  });

  it('warns that the primary commits alone and no standby may be promoted when none streams', () => {
    expect(quorumEvent(both, EMPTY_SYNC)).toEqual({
      type: 'Warning',
      reason: 'SynchronousStandbysNone',
      message: 'no standby streams (pg-1, pg-2 stopped streaming): commits are acknowledged by this primary alone, and the quorum recorded on the Lease is empty, so no standby may be promoted until one has caught up',
    });
  });

  it('posts nothing while the quorum stays the same', () => {
    expect(quorumEvent(both, { k: 1, members: ['pg-2', 'pg-1'] })).toBeNull();
  });
});
