// The synchronous quorum is changed in an order that never lets the lease promise more than is true.
import { EMPTY_SYNC, planSync, quorumEvent, standbyNamesSetting, type SyncInput } from '../../../agent/core/sync-standbys';
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
  ...overrides,
});

const both = { k: 1, members: ['pg-1', 'pg-2'] };

describe('planSync', () => {
  it('from an empty record, applies the new quorum but records nothing until it caught up', () => {
    const plan = planSync(input({ replication: [row('pg-1'), row('pg-2')] }));
    expect(plan).toEqual({ record: EMPTY_SYNC, apply: both, pending: { target: both, lsn: null } });
  });

  it('learns the position at which the applied quorum took effect one tick later', () => {
    const plan = planSync(input({ applied: both, replication: [row('pg-1'), row('pg-2')], currentLsn: 500n, pending: { target: both, lsn: null } }));
    expect(plan).toEqual({ record: EMPTY_SYNC, apply: both, pending: { target: both, lsn: 500n } });
  });

  it('keeps waiting while fewer than k members flushed past that position', () => {
    const plan = planSync(input({ applied: both, replication: [row('pg-1', 499n), row('pg-2', 10n)], pending: { target: both, lsn: 500n } }));
    expect(plan.record).toEqual(EMPTY_SYNC);
  });

  it('records the quorum once k of its members flushed past that position', () => {
    const plan = planSync(input({ applied: both, replication: [row('pg-1', 500n), row('pg-2', 10n)], pending: { target: both, lsn: 500n } }));
    expect(plan).toEqual({ record: both, apply: both, pending: null });
  });

  it('shrinking the quorum records the union with the smaller k first', () => {
    const plan = planSync(input({ k: 2, recorded: { k: 2, members: ['pg-1', 'pg-2'] }, applied: { k: 2, members: ['pg-1', 'pg-2'] }, replication: [row('pg-1')] }));
    expect(plan).toEqual({ record: { k: 1, members: ['pg-1', 'pg-2'] }, apply: { k: 1, members: ['pg-1'] }, pending: { target: { k: 1, members: ['pg-1'] }, lsn: null } });
  });

  it('with no healthy standby records the empty set, so nobody may be promoted, and stops waiting for standbys', () => {
    const plan = planSync(input({ recorded: both, applied: both, replication: [row('pg-1', 100n, 'catchup')] }));
    expect(plan).toEqual({ record: EMPTY_SYNC, apply: EMPTY_SYNC, pending: null });
  });

  it('ignores its own name and strangers in pg_stat_replication', () => {
    const plan = planSync(input({ replication: [row('pg-0'), row('pg_basebackup'), row('pg-2')] }));
    expect(plan.apply).toEqual({ k: 1, members: ['pg-2'] });
  });

  it('is steady once recorded and applied agree', () => {
    const plan = planSync(input({ recorded: both, applied: both, replication: [row('pg-1'), row('pg-2')] }));
    expect(plan).toEqual({ record: both, apply: both, pending: null });
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
