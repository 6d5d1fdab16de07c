// status's report, built from kubectl output recorded on the real cluster at five moments of one run.
import { ROLE_LABEL } from '../../agent/core/annotations';
import type { ClusterFacts } from '../../cli/cluster-reads';
import { buildReport, shortError } from '../../cli/report';
import { recordedFacts } from './recorded';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
const edit = (facts: ClusterFacts, change: (f: Mutable<ClusterFacts>) => void): ClusterFacts => {
  const copy = JSON.parse(JSON.stringify(facts)) as Mutable<ClusterFacts>;
  change(copy);
  return copy;
};
const setAgentEnv = (f: Mutable<ClusterFacts>, name: string, value: string) => {
  const agent = f.statefulSet.spec.template.spec.containers.find((c) => c.name === 'agent')!;
  agent.env!.find((e) => e.name === name)!.value = value;
};

describe('status report', () => {
  it('shows a healthy cluster: members, roles, readiness, timeline, positions, lag, streaming, the Lease', async () => {
    const r = buildReport(await recordedFacts('ready'));
    expect(r.primary).toBe('hot-postgres-2');
    expect(r.members.map((m) => [m.pod, m.node, m.ip, m.roleLabel, m.ready, m.agent.reason, m.timeline, m.lsn, m.lagBytes, m.streaming, m.sync])).toEqual([
      ['hot-postgres-0', 'node-1', '10.210.1.3', 'replica', true, 'standby of hot-postgres-2', 1, '0/5000000', 0, true, 'async'],
      ['hot-postgres-1', 'node-1', '10.210.1.5', 'replica', true, 'standby of hot-postgres-2', 1, '0/5000000', 0, true, 'async'],
      ['hot-postgres-2', 'node-1', '10.210.1.4', 'primary', true, 'primary', 1, '0/5000000', null, null, null],
    ]);
    expect(r.lease).toMatchObject({ name: 'hot-postgres-leader', holder: 'hot-postgres-2', renewTime: '2026-12-04T16:10:20.928000Z', renewedSecondsAgo: 0.9, leaseDurationSeconds: 10, transitions: 0 });
    expect(r.settings).toMatchObject({ replicas: 3, standbyMode: 'hot', replicationMode: 'async', synchronousStrict: false, maximumLagOnFailoverBytes: 16777216 });
    expect(r.lagReference).toBe("hot-postgres-2's WAL end (its agent's status)");
    expect(r.events.map((e) => e.reason)).toEqual(['Bootstrapped', 'Cloned', 'Cloned']);
    expect(r.lastChange).toBeNull();
    expect(r.problems).toEqual([]);
  });

  it('names the last change of primary and its reason from the Events: a switchover', async () => {
    const r = buildReport(await recordedFacts('switched'));
    expect(r.primary).toBe('hot-postgres-0');
    expect(r.lease).toMatchObject({ previousHolder: 'hot-postgres-2', transitions: 1 });
    expect(r.lastChange).toEqual({
      time: '2026-12-04T16:10:23Z', secondsAgo: 4, pod: 'hot-postgres-2', type: 'Normal', reason: 'Switchover',
      message: 'handed the primary role to hot-postgres-0 at 0/50000A0 in 194 ms',
    });
    expect(r.problems).toEqual([]);
  });

  it('names the last change of primary and its reason from the Events: a failover', async () => {
    const r = buildReport(await recordedFacts('failedover'));
    expect(r.lastChange).toMatchObject({
      pod: 'hot-postgres-1', type: 'Warning', reason: 'Failover',
      message: 'hot-postgres-1 took the lease from hot-postgres-0: holder hot-postgres-0 is down: its agent and PostgreSQL refuse connections; most advanced of 2 reachable members at 0/50002B0',
    });
    expect(r.members.map((m) => [m.pod, m.roleLabel, m.timeline])).toEqual([['hot-postgres-0', 'replica', 3], ['hot-postgres-1', 'primary', 3], ['hot-postgres-2', 'replica', 3]]);
  });

  it('orders Events of the same second by the order they were written', async () => {
    const r = buildReport(await recordedFacts('failedover'));
    const at31 = r.events.filter((e) => e.time === '2026-12-04T16:10:31Z').map((e) => e.reason);
    expect(at31).toEqual(['Failover', 'Promoted']);
  });

  it('reports right after a failover: the dead member\'s agent, standbys not streaming yet, a standby on the old timeline', async () => {
    const r = buildReport(await recordedFacts('failing'));
    const dead = r.members[0];
    expect(dead.agent).toMatchObject({ answered: false, error: 'dial tcp 10.210.1.3:8008: connect: connection refused' });
    expect(r.members[2]).toMatchObject({ timeline: 2, lsn: '0/50002B0', lagBytes: 0x50004c0 - 0x50002b0, streaming: false });
    expect(r.problems).toEqual([
      "hot-postgres-0's agent did not answer: dial tcp 10.210.1.3:8008: connect: connection refused",
      'hot-postgres-0 is not streaming from hot-postgres-1',
      'hot-postgres-2 is not streaming from hot-postgres-1',
    ]);
  });

  it('reports a bootstrapping cluster: members not ready with the agents\' reasons', async () => {
    const r = buildReport(await recordedFacts('booting'));
    expect(r.members.map((m) => [m.pod, m.roleLabel, m.agent.role, m.agent.postgres])).toEqual([
      ['hot-postgres-0', null, 'none', 'stopped'],
      ['hot-postgres-1', null, 'none', 'stopped'],
      ['hot-postgres-2', 'primary', 'primary', 'running'],
    ]);
    expect(r.problems).toEqual([
      'hot-postgres-0 is not ready: PostgreSQL is stopped',
      'hot-postgres-0 is not streaming from hot-postgres-2',
      'hot-postgres-1 is not ready: PostgreSQL is stopped',
      'hot-postgres-1 is not streaming from hot-postgres-2',
      "hot-postgres-2 is not ready: its agent says primary, the kubelet's probe has not seen it yet",
    ]);
  });

  it('measures the renewal\'s age on the observer\'s clock and flags one older than the lease duration', async () => {
    const facts = await recordedFacts('ready');
    const r = buildReport({ ...facts, observedAt: facts.observedAt + 30_000 });
    expect(r.lease?.renewedSecondsAgo).toBe(30.9);
    expect(r.problems).toContain("hot-postgres-2 last renewed the Lease 30.9s ago (this machine's clock), longer than the lease duration of 10s");
  });

  it('shows the synchronous quorum recorded on the Lease', async () => {
    const r = buildReport(edit(await recordedFacts('ready'), (f) => {
      setAgentEnv(f, 'PGHA_REPLICATION_MODE', 'sync');
      f.lease!.metadata.annotations!['cdk8s-postgres-ha/sync-standbys'] = '{"k":1,"members":["hot-postgres-0"]}';
    }));
    expect(r.lease?.syncStandbys).toEqual({ k: 1, members: ['hot-postgres-0'] });
    expect(r.members.map((m) => m.sync)).toEqual(['quorum', 'not in quorum', null]);
    expect(r.problems).toEqual(['hot-postgres-1 is not in the synchronous quorum: a failover may not promote it']);
  });

  it('flags a standby further behind than maximumLagOnFailover', async () => {
    const r = buildReport(edit(await recordedFacts('failing'), (f) => setAgentEnv(f, 'PGHA_MAX_LAG_ON_FAILOVER_BYTES', '100')));
    expect(r.problems).toContain('hot-postgres-2 is 528 bytes behind, more than maximumLagOnFailover (100): a failover may not promote it');
  });

  it('flags two pods labelled primary, and a label that disagrees with the Lease and the agent', async () => {
    const r = buildReport(edit(await recordedFacts('ready'), (f) => {
      f.pods[0].metadata.labels![ROLE_LABEL] = 'primary';
    }));
    expect(r.problems).toEqual([
      '2 pods are labelled primary: hot-postgres-0, hot-postgres-2',
      "hot-postgres-0's agent says replica but its label says primary",
    ]);
  });

  it('flags no pod labelled primary, a missing member and a pending switchover', async () => {
    const r = buildReport(edit(await recordedFacts('ready'), (f) => {
      f.pods = f.pods.filter((p) => p.metadata.name !== 'hot-postgres-2');
      delete f.agents['hot-postgres-2'];
      f.lease!.metadata.annotations!['cdk8s-postgres-ha/switchover-to'] = 'hot-postgres-1';
    }));
    expect(r.lease?.switchoverTo).toBe('hot-postgres-1');
    expect(r.lagReference).toBe("the Lease's primary-lsn (the primary's last renewal; its agent did not answer)");
    expect(r.problems).toEqual([
      'a switchover to hot-postgres-1 is pending',
      'no pod is labelled primary: Service hot-postgres has no endpoint',
      'hot-postgres-2 has no pod',
    ]);
    expect(r.members.map((m) => m.streaming)).toEqual([null, null]);
  });

  it('flags a cluster without a Lease as not bootstrapped', async () => {
    const r = buildReport(edit(await recordedFacts('booting'), (f) => {
      f.lease = null;
    }));
    expect(r.primary).toBeNull();
    expect(r.problems[0]).toBe('no Lease hot-postgres-leader: the cluster has not bootstrapped yet (the first agent creates it)');
  });

  it('flags a member with another cluster\'s data', async () => {
    const r = buildReport(edit(await recordedFacts('ready'), (f) => {
      (f.agents['hot-postgres-1'].status as { systemIdentifier: string }).systemIdentifier = '7000000000000000001';
    }));
    expect(r.problems).toEqual(['hot-postgres-1 has the data of another cluster (system identifier 7000000000000000001, the cluster\'s is 7715481884692348954)']);
  });

  it('drops kubectl\'s wrapping from an agent\'s error but keeps the kind of refusal', () => {
    expect(shortError('Error from server (ServiceUnavailable): error trying to reach service: dial tcp 10.210.1.3:8008: connect: connection refused')).toBe('dial tcp 10.210.1.3:8008: connect: connection refused');
    expect(shortError('Error from server (Forbidden): pods "hot-postgres-0:8008" is forbidden: User "u" cannot get resource "pods/proxy"')).toBe('Forbidden: pods "hot-postgres-0:8008" is forbidden: User "u" cannot get resource "pods/proxy"');
  });
});
