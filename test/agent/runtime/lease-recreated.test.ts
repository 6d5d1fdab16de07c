// kubectl delete lease between the primary's read and its renewal: the API server creates a Lease that an
// update finds missing, so the renewal itself brings it back. The primary tells it by the new uid and
// says so, as it does when it creates the missing Lease at its next tick.
import type { Lease, LeaseWrite } from '../../../agent/kube/lease-store';
import type { ActorDeps } from '../../../agent/runtime/actor-deps';
import { LeaseWrites } from '../../../agent/runtime/lease-writes';
import { config, lease } from '../core/observation-builder';

function renewal(returnedUid: string) {
  const events: Array<{ type: string; reason: string; message: string }> = [];
  const deps = {
    config: config({ podName: 'pg-0' }),
    now: () => 1000,
    wallNow: () => Date.parse('2026-11-26T00:00:02Z'),
    leases: { update: async (_base: Lease, write: LeaseWrite) => ({ ok: true, lease: { ...write, resourceVersion: '43', uid: returnedUid } }) },
    supervisor: { writeHeartbeat: async () => undefined },
    events: { record: async (_on: unknown, type: string, reason: string, message: string) => void events.push({ type, reason, message }) },
    state: { memory: {}, metrics: { renewals: 0, renewFailures: 0 }, renewalListeners: [] },
  } as unknown as ActorDeps;
  return { writes: new LeaseWrites(deps), events };
}

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
