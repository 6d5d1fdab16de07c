import type { ActorDeps } from '../../../agent/runtime/actor-deps';
import type { Effects } from '../../../agent/runtime/effects';
import { HolderSteps } from '../../../agent/runtime/holder-steps';
import type { LeaseWrites } from '../../../agent/runtime/lease-writes';
import { config } from '../core/observation-builder';

/**
 * HolderSteps of pg-0 whose peers confirm once `confirmsAfterMs[peer]` has passed (never when absent):
 * a peer confirms only after it noticed the outage itself.
 */
function primary(confirmsAfterMs: Record<string, number>) {
  const started = Date.now();
  const heartbeats: number[] = [];
  const asked: string[] = [];
  const state = { memory: { lastRenewSentAt: started - 3000, failsafeConfirmedAt: null } };
  const deps = {
    config: config({ retryPeriodMs: 1000, renewDeadlineMs: 6000, members: ['pg-0', 'pg-1', 'pg-2'], podName: 'pg-0' }),
    now: () => Date.now(),
    bootNow: () => Date.now(),
    state,
    peers: {
      failsafe: async (name: string) => {
        asked.push(name);
        const after = confirmsAfterMs[name];
        return after !== undefined && Date.now() - started >= after;
      },
    },
    supervisor: { writeHeartbeat: async (deadline: number) => void heartbeats.push(deadline) },
  } as unknown as ActorDeps;
  return { steps: new HolderSteps(deps, {} as Effects, {} as LeaseWrites), state, heartbeats, asked, started };
}

describe('the failsafe round of a primary that lost the API', () => {
  it('asks a member that has not yet noticed the outage again, and serves on once every member confirms', async () => {
    const p = primary({ 'pg-1': 0, 'pg-2': 450 });
    await expect(p.steps.failsafe()).resolves.toBe('all 2 members confirm this primary; serving on');
    expect(p.asked.filter((n) => n === 'pg-1')).toHaveLength(1);
    expect(p.asked.filter((n) => n === 'pg-2').length).toBeGreaterThan(1);
    // The proof dates from the earliest request it counts (pg-1's, at the start), not from the last.
    expect(p.state.memory.failsafeConfirmedAt).not.toBeNull();
    expect(p.state.memory.failsafeConfirmedAt! - p.started).toBeLessThan(100);
    expect(p.heartbeats).toHaveLength(1);
    expect(p.heartbeats[0] - p.started).toBeLessThan(6000 + 100);
  });

  it('gives up after a retry period when a member never confirms, and moves no heartbeat', async () => {
    const p = primary({ 'pg-1': 0 });
    await expect(p.steps.failsafe()).resolves.toBe('only 1 of 2 members confirm this primary');
    expect(Date.now() - p.started).toBeGreaterThanOrEqual(1000);
    expect(p.state.memory.failsafeConfirmedAt).toBeNull();
    expect(p.heartbeats).toEqual([]);
  });
});
