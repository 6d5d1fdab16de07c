// A primary in synchronous mode says in an Event when the standbys its commits wait for change, and warns
// when none is left: from then on it commits alone (synchronous mode is not strict), which nothing else
// a person looks at shows.
// In strict mode it also says when commits start and stop waiting. A promotion, and a primary restarted
// on its data, load their starting quorum first (strict: any k of the others; otherwise: what the Lease
// records), so no commit is acknowledged alone while the Lease names a standby that may be promoted.
import type { ActorDeps } from '../../../agent/runtime/actor-deps';
import { EMPTY_SYNC, type SyncPlan } from '../../../agent/core/sync-standbys';
import { Effects } from '../../../agent/runtime/effects';
import { HolderSteps } from '../../../agent/runtime/holder-steps';
import type { LeaseWrites } from '../../../agent/runtime/lease-writes';
import { asPrimary, config, lease } from '../core/observation-builder';

function primarySteps(reloadOk = true) {
  const events: Array<{ type: string; reason: string; message: string }> = [];
  const written: unknown[] = [];
  const deps = {
    config: config({ replicationMode: 'sync' }),
    now: () => Date.now(),
    pods: { patchLabels: async () => undefined },
    events: { record: async (_on: unknown, type: string, reason: string, message: string) => void events.push({ type, reason, message }) },
    sql: { query: async () => [] },
    dynamicConf: { write: async (conf: { sync: unknown }) => void written.push(conf.sync) },
    tls: { conninfo: () => null },
    supervisor: { run: async () => ({ ok: reloadOk, message: reloadOk ? 'reloaded' : 'the supervisor is not running' }) },
    state: { memory: {} },
  } as unknown as ActorDeps;
  return { holder: new HolderSteps(deps, new Effects(deps), {} as LeaseWrites), events, written };
}

const both = { k: 1, members: ['pg-0', 'pg-2'] };
const slots = ['pg_0', 'pg_2'];
const plan = (apply: SyncPlan['apply'], waiting: string | null = null): SyncPlan => ({ record: apply, apply, pending: null, waiting });
const pods = [
  { name: 'pg-0', role: 'replica', ready: true, deleting: false, revision: 'r' },
  { name: 'pg-1', role: 'primary', ready: true, deleting: false, revision: 'r' },
  { name: 'pg-2', role: 'replica', ready: true, deleting: false, revision: 'r' },
];
const applied = (sync: SyncPlan['apply']) => asPrimary({ pods, local: { appliedSync: sync, sql: { inRecovery: false, timeline: 1, lsn: 0x3000060n, replication: [], slots } } });

describe('a primary in synchronous mode', () => {
  it('warns with a SynchronousStandbysNone Event when no standby is left to wait for', async () => {
    const { holder, events, written } = primarySteps();
    await expect(holder.serve(applied(both), plan(EMPTY_SYNC))).resolves.toBe('synchronous standbys now none (reloaded)');
    expect(written).toEqual([EMPTY_SYNC]);
    expect(events).toEqual([{
      type: 'Warning',
      reason: 'SynchronousStandbysNone',
      message: 'no standby streams (pg-0, pg-2 stopped streaming): commits are acknowledged by this primary alone, and the quorum recorded on the Lease is empty, so no standby may be promoted until one has caught up',
    }]);
  });

  it('says which standbys commits wait for when one comes back', async () => {
    const { holder, events } = primarySteps();
    await holder.serve(applied({ k: 1, members: ['pg-2'] }), plan(both));
    expect(events).toEqual([{ type: 'Normal', reason: 'SynchronousStandbys', message: 'commits wait for ANY 1 ("pg-0", "pg-2") (pg-0 streaming)' }]);
  });

  it('posts no Event while the quorum is unchanged', async () => {
    const { holder, events } = primarySteps();
    await expect(holder.serve(applied(both), plan(both))).resolves.toBe('lease renewed');
    expect(events).toEqual([]);
  });

  it('in strict mode warns once when commits start waiting for a standby, and says when they go on', async () => {
    const { holder, events } = primarySteps();
    const why = 'commits are waiting: no synchronous standby streams, and in strict mode (synchronousStrict) a commit is acknowledged only once ANY 1 ("pg-0", "pg-2") flushed it';
    await expect(holder.serve(applied(both), plan(both, why))).resolves.toBe(why);
    await expect(holder.serve(applied(both), plan(both, why))).resolves.toBe('lease renewed');
    await holder.serve(applied(both), plan({ k: 1, members: ['pg-2'] }));
    expect(events).toEqual([
      { type: 'Warning', reason: 'SynchronousStandbysMissing', message: `${why}. No commit returns until then; the quorum recorded on the Lease still names the standbys that hold every acknowledged commit, so a failover loses none` },
      { type: 'Normal', reason: 'SynchronousStandbys', message: 'commits wait for ANY 1 ("pg-2") (pg-0 stopped streaming)' },
      { type: 'Normal', reason: 'SynchronousStandbys', message: 'commits go on: enough standbys stream again; commits wait for ANY 1 ("pg-2")' },
    ]);
  });

  it('posts no Event when PostgreSQL did not reload the new quorum', async () => {
    const { holder, events } = primarySteps(false);
    await holder.serve(applied(both), plan(EMPTY_SYNC));
    expect(events).toEqual([]);
  });
});

function startingSteps(strict: boolean, reloadOk = true) {
  const steps: string[] = [];
  const deps = {
    config: config({ podName: 'pg-1', replicationMode: 'sync', synchronousStrict: strict }),
    now: () => Date.now(),
    pods: { patchLabels: async () => undefined },
    events: { record: async () => undefined },
    sql: { query: async (text: string) => (text.includes('pg_is_in_recovery') ? [{ r: false }] : []) },
    dynamicConf: { write: async (conf: { sync: { members: string[] } }) => void steps.push(`write ${JSON.stringify(conf.sync)}`) },
    tls: { conninfo: () => null, ensure: async () => ({ ok: true }) },
    supervisor: { run: async (verb: string) => (steps.push(verb), verb !== 'reload' || reloadOk ? { ok: true, message: 'done' } : { ok: false, message: 'the supervisor is not running' }) },
    state: { memory: {}, metrics: { promotions: 0 } },
  } as unknown as ActorDeps;
  return { holder: new HolderSteps(deps, new Effects(deps), {} as LeaseWrites), steps };
}

describe('a promotion', () => {
  it('in strict mode loads the quorum of every other member before promoting, so no commit is acknowledged alone', async () => {
    const { holder, steps } = startingSteps(true);
    await holder.promote(asPrimary({ pods }), 'failover', EMPTY_SYNC);
    expect(steps).toEqual(['write {"k":1,"members":["pg-0","pg-2"]}', 'reload', 'promote']);
  });

  it('without strict mode loads the quorum the Lease records (but for itself) before promoting', async () => {
    const { holder, steps } = startingSteps(false);
    await holder.promote(asPrimary({ pods }), 'holding the lease', { k: 1, members: ['pg-1', 'pg-2'] });
    expect(steps).toEqual(['write {"k":1,"members":["pg-2"]}', 'reload', 'promote']);
  });

  it('without strict mode promotes with no synchronous standby when the Lease records none but itself (a failover, a handover)', async () => {
    for (const recorded of [EMPTY_SYNC, { k: 1, members: ['pg-1'] }]) {
      const { holder, steps } = startingSteps(false);
      await holder.promote(asPrimary({ pods }), 'failover', recorded);
      expect(steps).toEqual(['write {"k":0,"members":[]}', 'promote']);
    }
  });

  it('fails to promote when the quorum does not load: not one commit may be acknowledged without it', async () => {
    const { holder, steps } = startingSteps(false, false);
    expect(await holder.promote(asPrimary({ pods }), 'holding the lease', { k: 1, members: ['pg-0', 'pg-2'] })).toBe(
      'promotion postponed: the synchronous quorum did not load (the supervisor is not running)',
    );
    expect(steps).toEqual(['write {"k":1,"members":["pg-0","pg-2"]}', 'reload']);
  });
});

describe('a primary restarted on its data (start-primary)', () => {
  const recorded = { k: 1, members: ['pg-0', 'pg-2'] };

  it('without strict mode starts with the quorum the Lease records, so no commit is acknowledged alone while a standby may be promoted', async () => {
    const { holder, steps } = startingSteps(false);
    await holder.start('start-primary', lease({ holder: 'pg-1', syncStandbys: recorded }));
    expect(steps).toEqual(['write {"k":1,"members":["pg-0","pg-2"]}', 'start-primary']);
  });

  it('without strict mode starts with no synchronous standby only when the Lease records none', async () => {
    const { holder, steps } = startingSteps(false);
    await holder.start('start-primary', lease({ holder: 'pg-1', syncStandbys: EMPTY_SYNC }));
    expect(steps).toEqual(['write {"k":0,"members":[]}', 'start-primary']);
  });

  it('in strict mode starts with any k of the other members', async () => {
    const { holder, steps } = startingSteps(true);
    await holder.start('start-primary', lease({ holder: 'pg-1', syncStandbys: { k: 1, members: ['pg-2'] } }));
    expect(steps).toEqual(['write {"k":1,"members":["pg-0","pg-2"]}', 'start-primary']);
  });

  it('bootstrapping (no cluster on the Lease yet) starts with none: its own roles must commit alone', async () => {
    const { holder, steps } = startingSteps(true);
    await holder.start('start-primary', lease({ holder: 'pg-1', systemIdentifier: null, syncStandbys: recorded }));
    expect(steps).toEqual(['write {"k":0,"members":[]}', 'start-primary']);
  });

  it('with standby data starts without a quorum, and promotes next', async () => {
    const { holder, steps } = startingSteps(false);
    await holder.start('start-standby', lease({ holder: 'pg-1', syncStandbys: recorded }));
    expect(steps).toEqual(['write {"k":0,"members":[]}', 'start-standby']);
  });
});
