// A primary's pod deleted (SIGTERM): Handover.run stops PostgreSQL, waits for a standby to confirm the
// final WAL position, and hands it the Lease, or releases the Lease when none confirms in time. What the
// release records decides who may take over next, so each case ends with decide() run by a standby on the
// Lease exactly as the step-down wrote it.
import { ANNOTATIONS, readLeaseAnnotations } from '../../../agent/core/annotations';
import { decide } from '../../../agent/core/decide';
import type { PeerView, PresentLease, SyncSet } from '../../../agent/core/types';
import type { AgentConfig } from '../../../agent/config';
import type { Lease, LeaseWrite } from '../../../agent/kube/lease-store';
import type { ActorDeps } from '../../../agent/runtime/actor-deps';
import { Effects } from '../../../agent/runtime/effects';
import { Handover } from '../../../agent/runtime/handover';
import { LeaseWrites } from '../../../agent/runtime/lease-writes';
import { asPrimary, config, lease, observation, peerOk, SYSID } from '../core/observation-builder';

/** Where the stepping-down primary's shutdown checkpoint ends; the standbys stream up to just before it. */
const FINAL = 0x3000100n;
const BEFORE = 0x3000060n;
const QUORUM: SyncSet = { k: 1, members: ['pg-1', 'pg-2'] };

/**
 * pg-0 steps down as primary while its standbys report `standbyLsn` (never FINAL: none confirms). The
 * monotonic clock moves 2.5 s per reading, so the 5 s catch-up limits pass in a few polls.
 */
async function stepDown(settings: Partial<AgentConfig>, recorded: SyncSet | null, standbyLsn = BEFORE): Promise<{ write: LeaseWrite; outcome: string }> {
  const writes: LeaseWrite[] = [];
  let clock = 0;
  const standby = (name: string): PeerView => peerOk(name, { lsn: standbyLsn, leaseHolder: 'pg-0' });
  const deps = {
    config: config({ podName: 'pg-0', ...settings }),
    now: () => (clock += 2500),
    wallNow: () => Date.parse('2026-11-26T00:00:02Z'),
    leases: { update: async (_base: Lease, write: LeaseWrite) => (writes.push(write), { ok: true, lease: { ...write, resourceVersion: '43', uid: 'lease-uid-1' } }) },
    supervisor: { run: async () => ({ ok: true, message: 'stopped' }) },
    walEnd: { read: async () => ({ timeline: 1, lsn: FINAL }) },
    peers: { observe: async (names: readonly string[]) => names.map(standby), wake: async () => true },
    pods: { patchLabels: async () => undefined },
    events: { record: async () => undefined },
    state: { memory: { lastRenewSentAt: 0 }, metrics: {}, renewalListeners: [] },
  } as unknown as ActorDeps;
  const held = lease({ holder: 'pg-0', syncStandbys: recorded });
  const o = asPrimary({
    config: deps.config,
    lease: held,
    peers: [standby('pg-1'), standby('pg-2')],
    memory: { shuttingDown: true },
  });
  const outcome = await new Handover(deps, new Effects(deps), new LeaseWrites(deps)).run(o, held, null, 'StepDown');
  expect(writes).toHaveLength(1);
  return { write: writes[0], outcome };
}

/** The Lease as a standby's next observation reads it (observer.ts), just after the release. */
function observed(write: LeaseWrite): PresentLease {
  const record: Lease = { ...write, resourceVersion: '43', uid: 'lease-uid-1' };
  return { kind: 'present', record, holder: record.holder, silentForMs: 0, durationMs: 10_000, ...readLeaseAnnotations(record) };
}

/** pg-1, a running standby at BEFORE, with pg-2 likewise and pg-0 gone (its pod deleted). */
function standbyPg1(settings: Partial<AgentConfig>, released: PresentLease) {
  return decide(observation({
    config: config(settings),
    lease: released,
    local: { wal: { timeline: 1, lsn: BEFORE } },
    peers: [peerOk('pg-2', { lsn: BEFORE, leaseHolder: null })],
  }));
}

describe('a step-down no standby confirmed in time', () => {
  const sync = { replicationMode: 'sync' as const };

  it('releases the Lease keeping the recorded quorum in synchronous mode, so a caught-up quorum standby takes over', async () => {
    const { write, outcome } = await stepDown(sync, QUORUM);
    expect(outcome).toMatch(/^released the lease in \d+ ms \(no standby caught up\)$/);
    expect(write.holder).toBeNull();
    const released = observed(write);
    expect(standbyPg1(sync, released)).toEqual({ type: 'acquire', reason: 'the lease was released; most advanced of 2 reachable members at 0/3000060', previousHolder: null });
    expect(released).toMatchObject({ syncStandbys: QUORUM, previousHolder: 'pg-0', primaryLsn: FINAL });
  });

  it('keeps the strict quorum too: a candidate must still see enough of it', async () => {
    const strict = { ...sync, synchronousStrict: true };
    const released = observed((await stepDown(strict, QUORUM)).write);
    expect(released.syncStandbys).toEqual(QUORUM);
    expect(standbyPg1(strict, released)).toMatchObject({ type: 'acquire' });
    const alone = decide(observation({ config: config(strict), lease: released, local: { wal: { timeline: 1, lsn: BEFORE } }, peers: [] }));
    expect(alone).toEqual({ type: 'wait', reason: 'the lease was released; not taking over: sees 1 of the 2 quorum members, needs 2 to be sure it has every acknowledged commit' });
  });

  it('records itself as the quorum when the recorded one is empty: no standby holds what it committed alone, and it takes the Lease back once its pod is back', async () => {
    const released = observed((await stepDown(sync, { k: 0, members: [] })).write);
    expect(released.syncStandbys).toEqual({ k: 1, members: ['pg-0'] });
    expect(standbyPg1(sync, released)).toEqual({ type: 'wait', reason: 'the lease was released; not taking over: not in the synchronous quorum the primary recorded (pg-0)' });
    const back = decide(observation({
      config: config({ ...sync, podName: 'pg-0' }),
      lease: released,
      local: {
        supervisor: { postgres: 'stopped', mode: 'none' },
        data: { kind: 'present', systemIdentifier: SYSID, state: 'shut down', standbySignal: false },
        wal: { timeline: 1, lsn: FINAL },
        upstream: null,
      },
      peers: [peerOk('pg-1', { lsn: BEFORE, leaseHolder: null }), peerOk('pg-2', { lsn: BEFORE, leaseHolder: null })],
    }));
    expect(back).toEqual({ type: 'acquire', reason: 'the lease was released; most advanced of 1 reachable members at 0/3000100', previousHolder: null });
  });

  it('records no quorum in asynchronous mode, where a standby within maximumLagOnFailover takes over', async () => {
    const { write } = await stepDown({}, null);
    expect(write.annotations[ANNOTATIONS.syncStandbys]).toBeUndefined();
    expect(standbyPg1({}, observed(write))).toMatchObject({ type: 'acquire' });
  });
});

it('hands the Lease to the standby that confirmed the final WAL, recording it alone as the quorum', async () => {
  const { write, outcome } = await stepDown({ replicationMode: 'sync' }, QUORUM, FINAL);
  expect(outcome).toMatch(/^handed over to pg-1 in \d+ ms$/);
  expect(write.holder).toBe('pg-1');
  expect(observed(write)).toMatchObject({ syncStandbys: { k: 1, members: ['pg-1'] }, previousHolder: 'pg-0', primaryLsn: FINAL });
});
