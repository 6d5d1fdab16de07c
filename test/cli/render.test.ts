// The two ways status prints its report: an aligned table for people, a stable JSON document for scripts.
import { renderJson } from '../../cli/render-json';
import { ago, bytes, renderTable } from '../../cli/render-table';
import type { ClusterFacts } from '../../cli/cluster-reads';
import { buildReport } from '../../cli/report';
import { recordedFacts } from './recorded';

describe('status as a table', () => {
  it('heads with the cluster, its modes and the Lease holder, saying whose clock timed the renewal', async () => {
    const lines = renderTable(buildReport(await recordedFacts('switched'))).split('\n');
    expect(lines[0]).toBe('Cluster hot-postgres in namespace demo: 3 members, hot standbys, asynchronous replication');
    expect(lines[1]).toBe("Primary: hot-postgres-0 (holds Lease hot-postgres-leader: renewed 1s ago by this machine's clock, lease 10s, 1 transition)");
  });

  it('says when synchronous replication is strict (the agent container\'s PGHA_SYNCHRONOUS_STRICT)', async () => {
    const strict = JSON.parse(JSON.stringify(await recordedFacts('switched'))) as ClusterFacts;
    const agent = strict.statefulSet.spec.template.spec.containers.find((c) => c.name === 'agent')!;
    (agent as { env: readonly unknown[] }).env = [...(agent.env ?? []).filter((e) => e.name !== 'PGHA_REPLICATION_MODE'), { name: 'PGHA_REPLICATION_MODE', value: 'sync' }, { name: 'PGHA_SYNCHRONOUS_STRICT', value: 'true' }];
    const lines = renderTable(buildReport(strict)).split('\n');
    expect(lines[0]).toBe('Cluster hot-postgres in namespace demo: 3 members, hot standbys, synchronous replication (ANY 1, strict: the primary never commits alone)');
  });

  it('aligns the members in columns', async () => {
    const lines = renderTable(buildReport(await recordedFacts('ready'))).split('\n');
    expect(lines.slice(3, 7)).toEqual([
      'POD             NODE    IP          ROLE     READY  AGENT SAYS                 POSTGRES  TL  LSN        LAG  STREAMING  SYNC',
      'hot-postgres-0  node-1  10.210.1.3  replica  yes    standby of hot-postgres-2  running   1   0/5000000  0 B  yes        async',
      'hot-postgres-1  node-1  10.210.1.5  replica  yes    standby of hot-postgres-2  running   1   0/5000000  0 B  yes        async',
      'hot-postgres-2  node-1  10.210.1.4  primary  yes    primary                    running   1   0/5000000  -    -          -',
    ]);
  });

  it('shows an agent that did not answer, the last change of primary, and the problems', async () => {
    const text = renderTable(buildReport(await recordedFacts('failing')));
    expect(text).toContain('hot-postgres-0  node-1  10.210.1.3  replica  yes    no answer: dial tcp 10.210.1.3:8008: connect: connection refused  -         -   -          -      no         async\n');
    expect(text).toContain('Last change of primary: Failover on hot-postgres-1, 1s ago (2026-12-04T16:10:31Z): hot-postgres-1 took the lease from hot-postgres-0: ');
    expect(text.endsWith([
      'Problems:',
      "  - hot-postgres-0's agent did not answer: dial tcp 10.210.1.3:8008: connect: connection refused",
      '  - hot-postgres-0 is not streaming from hot-postgres-1',
      '  - hot-postgres-2 is not streaming from hot-postgres-1',
      '',
    ].join('\n'))).toBe(true);
  });

  it('says when there are no problems and no change of primary in the Events kept', async () => {
    const text = renderTable(buildReport(await recordedFacts('ready')));
    expect(text).toContain('Last change of primary: none in the Events kept (the API server keeps Events for an hour by default)\n');
    expect(text.endsWith('Problems: none\n')).toBe(true);
  });

  it('writes sizes in binary units and ages in seconds, minutes, hours', () => {
    expect([0, 1023, 1024, 16 * 1024 * 1024, 3 * 1024 ** 3].map(bytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '16.0 MiB', '3.0 GiB']);
    expect([null, 4, 125, 3720].map(ago)).toEqual(['-', '4s', '2m05s', '1h02m']);
  });
});

describe('status as JSON', () => {
  it('is the report itself, parseable, with a schema version', async () => {
    const report = buildReport(await recordedFacts('failedover'));
    const text = renderJson(report);
    expect(JSON.parse(text)).toEqual(report);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('keeps every field in a fixed order, null when unknown, so scripts can rely on the shape', async () => {
    const doc = JSON.parse(renderJson(buildReport(await recordedFacts('failing'))));
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'cluster', 'namespace', 'observedAt', 'settings', 'primary', 'lease', 'members', 'lagReference', 'lastChange', 'events', 'eventsError', 'problems']);
    expect(doc.schemaVersion).toBe(1);
    const keys = ['pod', 'node', 'ip', 'phase', 'roleLabel', 'ready', 'deleting', 'restarts', 'agent', 'timeline', 'lsn', 'lagBytes', 'streaming', 'sync'];
    const agentKeys = ['answered', 'error', 'role', 'ready', 'reason', 'postgres', 'leaseHolder', 'apiReachable', 'systemIdentifier'];
    for (const member of doc.members) {
      expect(Object.keys(member)).toEqual(keys);
      expect(Object.keys(member.agent)).toEqual(agentKeys);
    }
    expect(doc.members[0].agent).toEqual({ answered: false, error: 'dial tcp 10.210.1.3:8008: connect: connection refused', role: null, ready: null, reason: null, postgres: null, leaseHolder: null, apiReachable: null, systemIdentifier: null });
    expect(Object.keys(doc.lease)).toEqual(['name', 'holder', 'renewTime', 'renewedSecondsAgo', 'leaseDurationSeconds', 'acquireTime', 'transitions', 'previousHolder', 'switchoverTo', 'primaryLsn', 'primaryTimeline', 'systemIdentifier', 'syncStandbys']);
  });
});
