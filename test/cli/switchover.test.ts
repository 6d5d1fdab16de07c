// switchover: the target is checked as the primary's agent would check it, the request is written once,
// and its outcome is read from the Lease, the target's label and the agents' Events.
import { ROLE_LABEL } from '../../agent/core/annotations';
import type { EventJson, LeaseJson, PodJson } from '../../cli/kube-types';
import { buildReport } from '../../cli/report';
import { switchover } from '../../cli/switchover';
import { Refusal, checkSwitchover, clusterOf, progress, type SwitchoverPlan } from '../../cli/switchover-check';
import { fixture, recordedFacts, RecordedKubectl, type RecordedState } from './recorded';

const report = async (state: RecordedState) => buildReport(await recordedFacts(state));
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(Refusal);
    return (error as Error).message;
  }
  throw new Error('not refused');
};
const json = <T>(path: string) => JSON.parse(fixture(path)) as T;
const pod = (state: RecordedState, name: string) => json<{ items: PodJson[] }>(`${state}/pods.json`).items.find((p) => p.metadata.name === name)!;
const events = (state: RecordedState) => json<{ items: EventJson[] }>(`${state}/events.json`).items;

describe('switchover checks', () => {
  it('accepts a ready streaming standby and plans the handover from the Lease holder', async () => {
    expect(checkSwitchover('hot-postgres-0', await report('ready'))).toEqual({ cluster: 'hot-postgres', namespace: 'demo', leaseName: 'hot-postgres-leader', from: 'hot-postgres-2', target: 'hot-postgres-0' });
  });

  it('finds the cluster from the pod\'s labels', () => {
    expect(clusterOf(pod('ready', 'hot-postgres-1'))).toBe('hot-postgres');
  });

  it('fails for a pod that is not a cdk8s-postgres-ha member', () => {
    const other = { metadata: { name: 'web-0', labels: { 'app.kubernetes.io/instance': 'web' } }, spec: { containers: [] }, status: {} } as PodJson;
    expect(refusal(() => clusterOf(other))).toBe('web-0 is not a member of a cdk8s-postgres-ha cluster: it lacks the label app.kubernetes.io/managed-by=cdk8s-postgres-ha');
  });

  it('fails for the primary itself', async () => {
    const r = await report('ready');
    expect(refusal(() => checkSwitchover('hot-postgres-2', r))).toBe('hot-postgres-2 is already the primary (it holds the Lease hot-postgres-leader)');
  });

  it('fails for a pod outside the members', async () => {
    const r = await report('ready');
    expect(refusal(() => checkSwitchover('hot-postgres-3', r))).toBe('hot-postgres-3 is not a member of cluster hot-postgres (its members: hot-postgres-0, hot-postgres-1, hot-postgres-2)');
  });

  it('fails for a member that is not a standby yet', async () => {
    const r = await report('booting');
    expect(refusal(() => checkSwitchover('hot-postgres-0', r))).toBe('hot-postgres-0 is not a standby: its cdk8s-postgres-ha/role label is missing');
  });

  it('fails for a standby whose agent does not answer', async () => {
    const r = await report('failing');
    expect(refusal(() => checkSwitchover('hot-postgres-0', r))).toBe("hot-postgres-0's agent did not answer (dial tcp 10.210.1.3:8008: connect: connection refused): the primary could not check it either");
  });

  it('fails for a standby that is not streaming from the primary', async () => {
    const r = await report('failing');
    expect(refusal(() => checkSwitchover('hot-postgres-2', r))).toBe('hot-postgres-2 is not streaming from hot-postgres-1');
  });

  it('fails while another switchover is pending, saying how to withdraw it', async () => {
    const r = await report('ready');
    const pending = { ...r, lease: { ...r.lease!, switchoverTo: 'hot-postgres-1' } };
    expect(refusal(() => checkSwitchover('hot-postgres-0', pending))).toBe(
      'a switchover to hot-postgres-1 is already pending; wait for it, or withdraw it with: kubectl annotate lease hot-postgres-leader -n demo cdk8s-postgres-ha/switchover-to-',
    );
  });

  it('fails for a standby further behind than maximumLagOnFailover', async () => {
    const r = await report('ready');
    const behind = { ...r, members: r.members.map((m) => (m.pod === 'hot-postgres-0' ? { ...m, lagBytes: 20_000_000 } : m)) };
    expect(refusal(() => checkSwitchover('hot-postgres-0', behind))).toBe(
      'hot-postgres-0 is 20000000 bytes behind hot-postgres-2, more than maximumLagOnFailover (16777216): the primary would wait up to 30 s for it to catch up, then refuse',
    );
  });

  it('fails when the primary\'s agent does not answer', async () => {
    const r = await report('ready');
    const silent = { ...r, members: r.members.map((m) => (m.pod === 'hot-postgres-2' ? { ...m, agent: { ...m.agent, answered: false, error: 'dial tcp: i/o timeout' } } : m)) };
    expect(refusal(() => checkSwitchover('hot-postgres-0', silent))).toBe("the primary hot-postgres-2's agent did not answer (dial tcp: i/o timeout): nobody could carry out the switchover");
  });

  it('fails before bootstrap, when there is no Lease', async () => {
    const r = await report('ready');
    expect(refusal(() => checkSwitchover('hot-postgres-0', { ...r, lease: null }))).toBe('cluster hot-postgres has no Lease hot-postgres-leader yet: it has not bootstrapped');
  });
});

describe('switchover progress', () => {
  const plan: SwitchoverPlan = { cluster: 'hot-postgres', namespace: 'demo', leaseName: 'hot-postgres-leader', from: 'hot-postgres-2', target: 'hot-postgres-0' };
  const requested = Date.parse('2026-12-04T16:10:22.900Z');
  const withRequest = (lease: LeaseJson, target: string): LeaseJson => ({ ...lease, metadata: { ...lease.metadata, annotations: { ...lease.metadata.annotations, 'cdk8s-postgres-ha/switchover-to': target } } });

  it('waits while the request is on the Lease', () => {
    const lease = withRequest(json<LeaseJson>('ready/lease.json'), 'hot-postgres-0');
    expect(progress(plan, lease, pod('ready', 'hot-postgres-0'), events('ready'), requested)).toEqual({ state: 'waiting' });
  });

  it('waits while the target holds the Lease but is not labelled primary yet', () => {
    const unlabelled = pod('switched', 'hot-postgres-0');
    const before = { ...unlabelled, metadata: { ...unlabelled.metadata, labels: { ...unlabelled.metadata.labels, [ROLE_LABEL]: 'replica' } } };
    expect(progress(plan, json<LeaseJson>('switched/lease.json'), before, events('switched'), requested)).toEqual({ state: 'waiting' });
  });

  it('is done when the target holds the Lease and carries the primary label, with the old primary\'s Event', () => {
    expect(progress(plan, json<LeaseJson>('switched/lease.json'), pod('switched', 'hot-postgres-0'), events('switched'), requested)).toEqual({
      state: 'done', event: 'handed the primary role to hot-postgres-0 at 0/50000A0 in 194 ms',
    });
  });

  it('fails with the agent\'s refusal when the request is dropped', () => {
    const target: SwitchoverPlan = { ...plan, from: 'hot-postgres-0', target: 'nobody-7' };
    const at = Date.parse('2026-12-04T16:10:27.500Z');
    expect(progress(target, json<LeaseJson>('failedover/lease.json'), null, events('failedover'), at)).toEqual({
      state: 'failed',
      reason: 'SwitchoverRejected from hot-postgres-0: switchover request ignored: nobody-7 is not a member (hot-postgres-0, hot-postgres-1, hot-postgres-2)',
    });
  });

  it('does not take an older refusal for this request\'s', () => {
    const at = Date.parse('2026-12-04T16:10:40Z');
    expect(progress({ ...plan, target: 'hot-postgres-2' }, json<LeaseJson>('failedover/lease.json'), pod('failedover', 'hot-postgres-2'), events('failedover'), at)).toEqual({
      state: 'unexplained', reason: 'the request was removed from the Lease, and hot-postgres-1 holds it, and no agent Event says why',
    });
  });

  it('fails when another request replaced it', () => {
    const lease = withRequest(json<LeaseJson>('ready/lease.json'), 'hot-postgres-1');
    expect(progress(plan, lease, pod('ready', 'hot-postgres-0'), [], requested)).toEqual({
      state: 'failed', reason: 'the request was replaced: the Lease now asks for a switchover to hot-postgres-1',
    });
  });
});

describe('switchover command', () => {
  it('writes the annotation once, without overwriting, after checking the target', async () => {
    const kubectl = new RecordedKubectl('ready');
    const said: string[] = [];
    await switchover(kubectl, { pod: 'hot-postgres-1', namespace: 'demo', wait: false, timeoutSeconds: 60, agentAccess: 'proxy' }, (l) => said.push(l));
    expect(kubectl.calls[0]).toEqual(['get', 'pod', 'hot-postgres-1', '-n', 'demo', '-o', 'json']);
    expect(kubectl.calls.filter((c) => c[0] === 'annotate')).toEqual([['annotate', 'lease', 'hot-postgres-leader', '-n', 'demo', 'cdk8s-postgres-ha/switchover-to=hot-postgres-1']]);
    expect(said).toEqual(['requested: switchover from hot-postgres-2 to hot-postgres-1 (annotation cdk8s-postgres-ha/switchover-to on Lease hot-postgres-leader)']);
  });

  it('waits until the target holds the Lease and is labelled primary', async () => {
    const kubectl = new RecordedKubectl('ready');
    kubectl.afterAnnotate = 'switched';
    const said: string[] = [];
    await switchover(kubectl, { pod: 'hot-postgres-0', namespace: 'demo', wait: true, timeoutSeconds: 60, agentAccess: 'proxy' }, (l) => said.push(l));
    expect(said).toHaveLength(2);
    expect(said[1]).toMatch(/^done: hot-postgres-0 is the primary \(holds Lease hot-postgres-leader, labelled primary\) \d+\.\ds after the request$/);
    expect(kubectl.calls.slice(-3)).toEqual([
      ['get', 'lease', 'hot-postgres-leader', '-n', 'demo', '-o', 'json'],
      ['get', 'pod', 'hot-postgres-0', '-n', 'demo', '-o', 'json'],
      ['get', 'events', '-n', 'demo', '--field-selector', 'source=cdk8s-postgres-ha-agent', '-o', 'json'],
    ]);
  });

  it('fails with the agent\'s refusal when the primary drops the request', async () => {
    const kubectl = new RecordedKubectl('switched');
    kubectl.afterAnnotate = 'failedover';
    const events = JSON.parse(fixture('failedover/events.json')) as { items: EventJson[] };
    const original = kubectl.run.bind(kubectl);
    // The recorded refusal, dated now: the request is this one's.
    kubectl.run = async (args) => (args[1] === 'events' && kubectl.annotated
      ? JSON.stringify({ items: events.items.map((e) => (e.reason === 'SwitchoverRejected' ? { ...e, lastTimestamp: new Date().toISOString() } : e)) })
      : original(args));
    await expect(switchover(kubectl, { pod: 'hot-postgres-2', namespace: 'demo', wait: true, timeoutSeconds: 60, agentAccess: 'proxy' }, () => undefined)).rejects.toThrow(
      new Error('switchover to hot-postgres-2 did not happen: SwitchoverRejected from hot-postgres-0: switchover request ignored: nobody-7 is not a member (hot-postgres-0, hot-postgres-1, hot-postgres-2)'),
    );
  });

  it('fails when the Lease may not be annotated, saying what switchover needs', async () => {
    const kubectl = new RecordedKubectl('ready');
    kubectl.forbidden.add('annotate');
    await expect(switchover(kubectl, { pod: 'hot-postgres-1', namespace: 'demo', wait: false, timeoutSeconds: 60, agentAccess: 'proxy' }, () => undefined)).rejects.toThrow(
      new Error(
        'could not write the request: Error from server (Forbidden): leases.coordination.k8s.io "hot-postgres-leader" is forbidden: User "system:serviceaccount:demo:default" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "demo"\n' +
          'switchover needs get and patch on the Lease hot-postgres-leader in namespace demo',
      ),
    );
  });

  it('fails when another request landed between the check and the write, replacing nothing', async () => {
    const kubectl = new RecordedKubectl('ready');
    kubectl.annotated = true;
    await expect(switchover(kubectl, { pod: 'hot-postgres-1', namespace: 'demo', wait: false, timeoutSeconds: 60, agentAccess: 'proxy' }, () => undefined)).rejects.toThrow(
      new Error("could not write the request: --overwrite is false but found the following declared annotation(s): 'cdk8s-postgres-ha/switchover-to' already has a value (nobody-7)"),
    );
  });

  it('fails for a pod that does not exist, writing nothing', async () => {
    const kubectl = new RecordedKubectl('ready');
    await expect(switchover(kubectl, { pod: 'hot-postgres-7', namespace: 'demo', wait: false, timeoutSeconds: 60, agentAccess: 'proxy' }, () => undefined)).rejects.toThrow(new Refusal('pod hot-postgres-7 not found in namespace demo'));
    expect(kubectl.calls.some((c) => c[0] === 'annotate')).toBe(false);
  });

  it('fails for the primary, writing nothing', async () => {
    const kubectl = new RecordedKubectl('ready');
    await expect(switchover(kubectl, { pod: 'hot-postgres-2', namespace: 'demo', wait: false, timeoutSeconds: 60, agentAccess: 'proxy' }, () => undefined)).rejects.toThrow(
      new Refusal('hot-postgres-2 is already the primary (it holds the Lease hot-postgres-leader)'),
    );
    expect(kubectl.calls.some((c) => c[0] === 'annotate')).toBe(false);
  });
});
