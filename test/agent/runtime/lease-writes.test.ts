// What a renewal does besides the write: the fencing heartbeat on the boot clock, and a LeaseRecreated
// Event when kubectl delete lease came between the primary's read and its renewal (the API server creates
// a Lease that an update finds missing, so the renewal itself brings it back, under a new uid). And what a
// holder that releases the Lease with no successor leaves as the synchronous quorum.
import { ANNOTATIONS, formatSyncSet } from '../../../agent/core/annotations';
import type { AgentConfig } from '../../../agent/config';
import type { Observation, PresentLease } from '../../../agent/core/types';
import type { Lease, LeaseWrite } from '../../../agent/kube/lease-store';
import type { ActorDeps } from '../../../agent/runtime/actor-deps';
import { LeaseWrites, nextMicroTime } from '../../../agent/runtime/lease-writes';
import { asPrimary, config, lease } from '../core/observation-builder';

function renewal(returnedUid: string) {
  const events: Array<{ type: string; reason: string; message: string }> = [];
  const heartbeats: number[] = [];
  const deps = {
    config: config({ podName: 'pg-0' }),
    now: () => 1000,
    wallNow: () => Date.parse('2026-11-26T00:00:02Z'),
    bootNow: () => 86_400_000,
    leases: { update: async (_base: Lease, write: LeaseWrite) => ({ ok: true, lease: { ...write, resourceVersion: '43', uid: returnedUid } }) },
    supervisor: { writeHeartbeat: async (deadline: number) => void heartbeats.push(deadline) },
    events: { record: async (_on: unknown, type: string, reason: string, message: string) => void events.push({ type, reason, message }) },
    state: { memory: {}, metrics: { renewals: 0, renewFailures: 0 }, renewalListeners: [] },
  } as unknown as ActorDeps;
  return { writes: new LeaseWrites(deps), events, heartbeats };
}

it('moves the supervisor\'s heartbeat to the boot clock at sending plus the renew deadline, whatever the wall clock says', async () => {
  const { writes, heartbeats } = renewal('lease-uid-1');
  await writes.renew(lease({ holder: 'pg-0' }).record);
  expect(heartbeats).toEqual([86_400_000 + 6000]);
});

it('posts a LeaseRecreated Event when its renewal created the Lease again (a new uid)', async () => {
  const { writes, events } = renewal('lease-uid-2');
  await expect(writes.renew(lease({ holder: 'pg-0' }).record)).resolves.toMatchObject({ holder: 'pg-0', uid: 'lease-uid-2' });
  expect(events).toEqual([{ type: 'Warning', reason: 'LeaseRecreated', message: 'the Lease pg-leader was missing (deleted by hand?): this renewal created it again, pg-0 holding it' }]);
});

it('posts nothing for a renewal of the same Lease', async () => {
  const { writes, events } = renewal('lease-uid-1');
  await writes.renew(lease({ holder: 'pg-0' }).record);
  expect(events).toEqual([]);
});

it('renews with the wall clock\'s time, skewed or not: observers only look for a change', async () => {
  const { writes } = renewal('lease-uid-1');
  await expect(writes.renew({ ...lease({ holder: 'pg-0' }).record, renewTime: '2026-11-26T00:10:00.000000Z' })).resolves.toMatchObject({ renewTime: '2026-11-26T00:00:02.000000Z' });
});

it('never repeats the renewTime in the Lease: on a wall clock that stands still the renewal still shows a change', async () => {
  const { writes } = renewal('lease-uid-1');
  const renewed = await writes.renew({ ...lease({ holder: 'pg-0' }).record, renewTime: '2026-11-26T00:00:02.000000Z' });
  expect(renewed?.renewTime).toBe('2026-11-26T00:00:02.000001Z');
  await expect(writes.renew(renewed!)).resolves.toMatchObject({ renewTime: '2026-11-26T00:00:02.000000Z' });
});

it('counts a microsecond on from any MicroTime, carrying into the milliseconds', () => {
  expect(nextMicroTime('2026-11-26T00:00:02.000000Z')).toBe('2026-11-26T00:00:02.000001Z');
  expect(nextMicroTime('2026-11-26T00:00:02.123998Z')).toBe('2026-11-26T00:00:02.123999Z');
  expect(nextMicroTime('2026-11-26T00:00:02.999999Z')).toBe('2026-11-26T00:00:03.000000Z');
});

it('fails on a time that is not a MicroTime', () => {
  expect(() => nextMicroTime('2026-11-26T00:00:02Z')).toThrow('not a MicroTime: 2026-11-26T00:00:02Z');
});

function releasing(settings: Partial<AgentConfig>) {
  const writes: LeaseWrite[] = [];
  const deps = {
    config: config({ podName: 'pg-0', ...settings }),
    now: () => 1000,
    wallNow: () => Date.parse('2026-11-26T00:00:02Z'),
    leases: { update: async (_base: Lease, write: LeaseWrite) => (writes.push(write), { ok: true, lease: { ...write, resourceVersion: '43', uid: 'u' } }) },
    state: { memory: { lastRenewSentAt: 900 }, metrics: {}, renewalListeners: [] },
  } as unknown as ActorDeps;
  /** pg-0, the holder, releasing with its data (or `data`) on disk. */
  const release = async (held: PresentLease, data?: Observation['local']['data']) => {
    await new LeaseWrites(deps).release(asPrimary({ config: deps.config, lease: held, ...(data ? { local: { data } } : {}) }), held);
    expect(writes).toHaveLength(1);
    return writes[0];
  };
  return { deps, release };
}

it('releases the Lease for an abdicating holder keeping the recorded quorum, so a quorum member may take over', async () => {
  const { deps, release } = releasing({ replicationMode: 'sync' });
  const write = await release(lease({ holder: 'pg-0', syncStandbys: { k: 1, members: ['pg-1', 'pg-2'] } }));
  expect(write.holder).toBeNull();
  expect(write.annotations).toMatchObject({ [ANNOTATIONS.syncStandbys]: formatSyncSet({ k: 1, members: ['pg-1', 'pg-2'] }), [ANNOTATIONS.previousHolder]: 'pg-0' });
  expect(deps.state.memory.lastRenewSentAt).toBeNull();
});

it('releases naming itself alone as the quorum when the recorded one is empty: it alone holds what it committed alone', async () => {
  const { release } = releasing({ replicationMode: 'sync' });
  const write = await release(lease({ holder: 'pg-0', syncStandbys: { k: 0, members: [] } }));
  expect(write.annotations[ANNOTATIONS.syncStandbys]).toBe(formatSyncSet({ k: 1, members: ['pg-0'] }));
});

it('keeps the empty quorum when it holds none of this cluster\'s data (abdicating for lack of it)', async () => {
  const { release } = releasing({ replicationMode: 'sync' });
  const write = await release(lease({ holder: 'pg-0', syncStandbys: { k: 0, members: [] } }), { kind: 'none' });
  expect(write.annotations[ANNOTATIONS.syncStandbys]).toBe(formatSyncSet({ k: 0, members: [] }));
});

it('records no quorum on release in asynchronous mode', async () => {
  const { release } = releasing({});
  const write = await release(lease({ holder: 'pg-0' }));
  expect(write.annotations[ANNOTATIONS.syncStandbys]).toBeUndefined();
});
