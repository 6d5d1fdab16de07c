// The rolling update's order, planned by the primary (pg-1 here): outdated standbys one at a time, the
// highest ordinal first, each back and streaming before the next; then one switchover; then the old primary.
import { decide } from '../../../agent/core/decide';
import { keptMembers, planRollout } from '../../../agent/core/rollout';
import type { Observation, PodView } from '../../../agent/core/types';
import { asPrimary, lease, peerOk } from './observation-builder';

const NEW = 'pg-new';
const OLD = 'pg-old';

function pod(name: string, revision: string, overrides: Partial<PodView> = {}): PodView {
  return { name, role: name === 'pg-1' ? 'primary' : 'replica', ready: true, deleting: false, revision, ...overrides };
}

/** pg-1 the primary; the revisions of pg-0, pg-1, pg-2; `streaming` the standbys its pg_stat_replication lists. */
function rolling(revisions: [string, string, string], options: { pods?: PodView[]; streaming?: string[]; lsn?: Record<string, bigint>; replicas?: number; updateStrategy?: string } = {}): Observation {
  const streaming = options.streaming ?? ['pg-0', 'pg-2'];
  const lsn = options.lsn ?? {};
  return asPrimary({
    statefulSet: { kind: 'read', updateRevision: NEW, replicas: options.replicas ?? 3, updateStrategy: options.updateStrategy ?? 'OnDelete' },
    pods: options.pods ?? [pod('pg-0', revisions[0]), pod('pg-1', revisions[1]), pod('pg-2', revisions[2])],
    peers: [peerOk('pg-0', { role: 'replica', lsn: lsn['pg-0'] }), peerOk('pg-2', { lsn: lsn['pg-2'] })],
    local: { sql: { inRecovery: false, timeline: 1, lsn: 0x3000060n, replication: streaming.map((m) => ({ applicationName: m, state: 'streaming', flushLsn: 0x3000060n, syncState: 'async' })), slots: [] } },
  });
}

describe('the rolling update plan', () => {
  it('has nothing to do when every member runs the update revision', () => {
    expect(planRollout(rolling([NEW, NEW, NEW]))).toEqual({ kind: 'current', reason: `every member runs revision ${NEW}` });
  });

  it('leaves the pods to the StatefulSet controller when its updateStrategy was patched to RollingUpdate', () => {
    expect(planRollout(rolling([OLD, OLD, OLD], { updateStrategy: 'RollingUpdate' }))).toEqual({
      kind: 'idle',
      reason: "rolling updates are the StatefulSet controller's: its updateStrategy is RollingUpdate, not the rendered OnDelete",
    });
  });

  it('replaces the outdated standby with the highest ordinal first', () => {
    expect(planRollout(rolling([OLD, OLD, OLD]))).toEqual({ kind: 'evict', pod: 'pg-2', reason: `rolling update to ${NEW}: replacing standby pg-2 (${OLD})` });
  });

  it('replaces the next standby once the first is back and streaming', () => {
    expect(planRollout(rolling([OLD, OLD, NEW]))).toMatchObject({ kind: 'evict', pod: 'pg-0' });
  });

  it('waits while a replaced member is being deleted or re-created', () => {
    const o = rolling([OLD, OLD, OLD], { pods: [pod('pg-0', OLD), pod('pg-1', OLD), pod('pg-2', OLD, { deleting: true })] });
    expect(planRollout(o)).toEqual({ kind: 'wait', reason: `rolling update to ${NEW} waits: pg-2 is being replaced` });
    const gone = rolling([OLD, OLD, OLD], { pods: [pod('pg-0', OLD), pod('pg-1', OLD)] });
    expect(planRollout(gone)).toEqual({ kind: 'wait', reason: `rolling update to ${NEW} waits: pg-2 is being replaced` });
  });

  it('plans nothing while members are created and none runs an older revision (bootstrap, last replacement)', () => {
    const o = rolling([NEW, NEW, NEW], { pods: [pod('pg-0', NEW), pod('pg-1', NEW)] });
    expect(planRollout(o)).toEqual({ kind: 'idle', reason: `no member runs an older revision than ${NEW}; pg-2 is being created` });
  });

  it('waits until the replaced standby streams again before the next one', () => {
    expect(planRollout(rolling([OLD, OLD, NEW], { streaming: ['pg-0'] }))).toEqual({ kind: 'wait', reason: `rolling update to ${NEW} waits: pg-2 is not back and streaming yet` });
  });

  it('stops at a replaced standby that refuses to start, with its agent\'s reason', () => {
    const o = rolling([OLD, OLD, NEW], { streaming: ['pg-0'] });
    const refusing = { ...o, peers: [o.peers[0], peerOk('pg-2', { ready: false, role: 'none', postgres: 'stopped', reason: 'refusing to start: the data directory is PostgreSQL 15' })] };
    expect(planRollout(refusing)).toEqual({ kind: 'wait', reason: `rolling update to ${NEW} waits: pg-2 is not back and streaming yet (refusing to start: the data directory is PostgreSQL 15)` });
  });

  it('waits until the replaced standby is ready again before the next one', () => {
    const o = rolling([OLD, OLD, NEW], { pods: [pod('pg-0', OLD), pod('pg-1', OLD), pod('pg-2', NEW, { ready: false })] });
    expect(planRollout(o)).toEqual({ kind: 'wait', reason: `rolling update to ${NEW} waits: pg-2 is not back and streaming yet` });
  });

  it('replaces an outdated standby that does not serve first, since that costs nothing', () => {
    expect(planRollout(rolling([OLD, OLD, OLD], { streaming: ['pg-2'] }))).toMatchObject({ kind: 'evict', pod: 'pg-0' });
  });

  it('switches over to the most advanced updated standby once every standby is updated and streaming', () => {
    const o = rolling([NEW, OLD, NEW], { lsn: { 'pg-0': 0x3000000n, 'pg-2': 0x3000060n } });
    expect(planRollout(o)).toEqual({ kind: 'switchover', target: 'pg-2', reason: `rolling update to ${NEW}: every standby is updated; switching over to pg-2 (at 0/3000060)` });
  });

  it('switches over to the lowest ordinal among equally advanced standbys', () => {
    expect(planRollout(rolling([NEW, OLD, NEW]))).toMatchObject({ kind: 'switchover', target: 'pg-0' });
  });

  it('does not switch over while a standby does not stream', () => {
    expect(planRollout(rolling([NEW, OLD, NEW], { streaming: ['pg-0'] }))).toEqual({ kind: 'wait', reason: `rolling update to ${NEW} waits: pg-2 is not back and streaming yet` });
  });

  it('replaces the old primary, now a standby of an updated primary, last', () => {
    // Seen from the new primary pg-1: pg-0 was the primary before the switchover.
    expect(planRollout(rolling([OLD, NEW, NEW]))).toMatchObject({ kind: 'evict', pod: 'pg-0' });
  });

  it('replaces a single member itself, the only way to update it', () => {
    const o = { ...rolling([OLD, OLD, OLD]), config: { ...rolling([OLD, OLD, OLD]).config, members: ['pg-1'] }, pods: [pod('pg-1', OLD)] };
    expect(planRollout(o)).toEqual({ kind: 'evict', pod: 'pg-1', reason: `rolling update to ${NEW}: replacing the only member (writes stop until it is back)` });
  });

  it('leaves out the members a lower replicas removes, rather than waiting for them', () => {
    const o = rolling([OLD, OLD, OLD], { replicas: 2, pods: [pod('pg-0', OLD), pod('pg-1', OLD)], streaming: ['pg-0'] });
    expect(planRollout(o)).toMatchObject({ kind: 'evict', pod: 'pg-0' });
  });

  it('leaves the members a higher replicas adds to the updated primary', () => {
    const o = rolling([NEW, OLD, NEW], { replicas: 5, pods: [pod('pg-0', NEW), pod('pg-1', OLD), pod('pg-2', NEW), pod('pg-3', NEW), pod('pg-4', NEW)] });
    expect(planRollout(o)).toMatchObject({ kind: 'switchover', target: 'pg-0' });
    expect(keptMembers(o)).toEqual(['pg-0', 'pg-1', 'pg-2', 'pg-3', 'pg-4']);
  });

  it('plans nothing when the StatefulSet was not read, and says why when it could not be', () => {
    expect(planRollout({ ...rolling([OLD, OLD, OLD]), statefulSet: null }).kind).toBe('idle');
    expect(planRollout({ ...rolling([OLD, OLD, OLD]), statefulSet: { kind: 'unreadable', error: '403 Forbidden' } }))
      .toEqual({ kind: 'idle', reason: 'rolling updates stopped: cannot read the StatefulSet (403 Forbidden)' });
  });
});

describe('the primary carrying out the rolling update (decide)', () => {
  it('serves and evicts the next outdated standby', () => {
    const a = decide(rolling([OLD, OLD, OLD]));
    expect(a).toMatchObject({ type: 'lead', step: 'serve', rollout: { kind: 'evict', pod: 'pg-2' } });
  });

  it('serves with the reason it waits', () => {
    const a = decide(rolling([OLD, OLD, NEW], { streaming: ['pg-0'] }));
    expect(a).toEqual({ type: 'lead', step: 'serve', reason: `primary; rolling update to ${NEW} waits: pg-2 is not back and streaming yet`, rollout: { kind: 'wait', reason: `rolling update to ${NEW} waits: pg-2 is not back and streaming yet` } });
  });

  it('switches over to the updated standby when it is caught up', () => {
    const a = decide(rolling([NEW, OLD, NEW]));
    expect(a).toEqual({ type: 'switchover', target: 'pg-0', reason: `rolling update to ${NEW}: every standby is updated; switching over to pg-0 (at 0/3000060): pg-0 is 0 bytes behind`, rollout: true });
  });

  it('does not switch over to an updated standby further behind than maximumLagOnFailover', () => {
    const a = decide(rolling([NEW, OLD, NEW], { lsn: { 'pg-0': 0x1000000n, 'pg-2': 0x1000000n } }));
    expect(a).toMatchObject({ type: 'lead', step: 'serve', reason: `primary; rolling update to ${NEW}: every standby is updated; switching over to pg-0 (at 0/1000000): waits, pg-0 is ${0x3000060 - 0x1000000} bytes behind, more than maximumLagOnFailover (16777216 bytes)` });
  });

  it('serves a user\'s switchover request before the rolling update', () => {
    const o = { ...rolling([OLD, OLD, OLD]), lease: lease({ holder: 'pg-1', switchoverTo: 'pg-2' }) };
    expect(decide(o)).toEqual({ type: 'switchover', target: 'pg-2', reason: 'switchover requested: pg-2 is 0 bytes behind' });
  });

  it('serves plainly once every member is updated, telling the rollout is current', () => {
    expect(decide(rolling([NEW, NEW, NEW]))).toEqual({ type: 'lead', step: 'serve', reason: 'primary', rollout: { kind: 'current', reason: `every member runs revision ${NEW}` } });
  });
});
