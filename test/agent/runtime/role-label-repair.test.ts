// A role label changed by hand (kubectl label pod … role=primary --overwrite on a standby): the primary,
// or the standby itself, whichever looks first, takes it off again and says so in a Warning Event.
import type { ActorDeps } from '../../../agent/runtime/actor-deps';
import { Effects } from '../../../agent/runtime/effects';
import { FollowerSteps } from '../../../agent/runtime/follower-steps';
import { HolderSteps } from '../../../agent/runtime/holder-steps';
import type { LeaseWrites } from '../../../agent/runtime/lease-writes';
import { asPrimary, config, observation } from '../core/observation-builder';

function primarySteps() {
  const patches: Array<{ pod: string; labels: Record<string, string> }> = [];
  const events: Array<{ type: string; reason: string; message: string }> = [];
  const deps = {
    config: config(),
    now: () => Date.now(),
    pods: { patchLabels: async (pod: string, labels: Record<string, string>) => void patches.push({ pod, labels }) },
    events: { record: async (_on: unknown, type: string, reason: string, message: string) => void events.push({ type, reason, message }) },
    sql: { query: async () => [] },
    state: { memory: {} },
  } as unknown as ActorDeps;
  return { holder: new HolderSteps(deps, new Effects(deps), {} as LeaseWrites), patches, events };
}

const slots = ['pg_0', 'pg_2'];
const pods = (pg2Role: string) => [
  { name: 'pg-0', role: 'replica', ready: true, deleting: false, revision: 'r' },
  { name: 'pg-1', role: 'primary', ready: true, deleting: false, revision: 'r' },
  { name: 'pg-2', role: pg2Role, ready: true, deleting: false, revision: 'r' },
];

describe('a serving primary', () => {
  it('labels a standby that was labelled primary by hand replica again, with a RoleLabelRepaired Event', async () => {
    const { holder, patches, events } = primarySteps();
    const o = asPrimary({ pods: pods('primary'), local: { sql: { inRecovery: false, timeline: 1, lsn: 0x3000060n, replication: [], slots } } });
    await expect(holder.serve(o, null)).resolves.toBe('pg-2 relabelled replica');
    expect(patches).toEqual([{ pod: 'pg-2', labels: { 'cdk8s-postgres-ha/role': 'replica' } }]);
    expect(events).toEqual([{ type: 'Warning', reason: 'RoleLabelRepaired', message: 'pg-2 was labelled primary while pg-1 holds the Lease: labelled replica again' }]);
  });

  it('changes no label and posts no Event while the labels are right', async () => {
    const { holder, patches, events } = primarySteps();
    const o = asPrimary({ pods: pods('replica'), local: { sql: { inRecovery: false, timeline: 1, lsn: 0x3000060n, replication: [], slots } } });
    await expect(holder.serve(o, null)).resolves.toBe('lease renewed');
    expect(patches).toEqual([]);
    expect(events).toEqual([]);
  });
});

describe('a streaming standby', () => {
  it('labels itself replica again when labelled primary by hand, with a RoleLabelRepaired Event', async () => {
    const patches: Array<{ pod: string; labels: Record<string, string> }> = [];
    const events: Array<{ reason: string; message: string }> = [];
    const deps = {
      config: config(),
      pods: { patchLabels: async (pod: string, labels: Record<string, string>) => void patches.push({ pod, labels }) },
      events: { record: async (_on: unknown, _type: string, reason: string, message: string) => void events.push({ reason, message }) },
    } as unknown as ActorDeps;
    const follower = new FollowerSteps(deps, new Effects(deps));
    const o = observation({ pods: [{ name: 'pg-0', role: 'primary', ready: true, deleting: false, revision: 'r' }, { name: 'pg-1', role: 'primary', ready: true, deleting: false, revision: 'r' }] });
    await expect(follower.run('stream', 'pg-0', o)).resolves.toBe('streaming from pg-0; relabelled replica');
    expect(patches).toEqual([{ pod: 'pg-1', labels: { 'cdk8s-postgres-ha/role': 'replica' } }]);
    expect(events).toEqual([{ reason: 'RoleLabelRepaired', message: 'pg-1 was labelled primary while pg-0 holds the Lease: labelled replica again' }]);
  });
});
