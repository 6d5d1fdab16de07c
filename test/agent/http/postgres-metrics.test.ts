// The pg_* and pgha_* families from scrapes of every kind, read back with the strict format reader: what
// each role emits, that every family is in the contract (metric-names.ts) and that each family of the
// contract is emitted in some situation.
import { agentFamilies, renderMetrics, type MetricsInput } from '../../../agent/http/metrics';
import { AGENT_METRICS, METRIC_NAMES, POSTGRES_METRICS } from '../../../agent/http/metric-names';
import { postgresFamilies } from '../../../agent/http/postgres-metrics';
import type { PostgresScrape } from '../../../agent/http/postgres-scrape';
import type { PostgresStats, ServerRow, StandbyRow } from '../../../agent/postgres/stats-sql';
import { parseExposition, type ParsedFamily } from '../../support/exposition-parser';

const server = (overrides: Partial<ServerRow> = {}): ServerRow => ({
  in_recovery: false,
  max_connections: 100,
  wal_lsn: 0x3000060,
  receive_lsn: null,
  replay_lsn: null,
  last_replay_age: null,
  receiver_streaming: null,
  wal_bytes: 123456,
  oldest_xact_age: 0,
  xid_remaining: 2_144_483_000,
  archiving: false,
  archived: 0,
  archive_failed: 0,
  last_archive_age: null,
  archive_pending: null,
  checkpoints_timed: 4,
  checkpoints_requested: 2,
  checkpoint_write_seconds: 0.5,
  checkpoint_sync_seconds: 0.01,
  ...overrides,
});

const standby = (name: string, overrides: Partial<StandbyRow> = {}): StandbyRow => ({
  application_name: name,
  state: 'streaming',
  sync_state: 'async',
  write_lag_bytes: 0,
  flush_lag_bytes: 0,
  replay_lag_bytes: 128,
  write_lag_seconds: 0,
  flush_lag_seconds: 0,
  replay_lag_seconds: 0.002,
  ...overrides,
});

const stats = (overrides: Partial<PostgresStats> = {}): PostgresStats => ({
  versionNum: 170000,
  server: server(),
  connections: [{ state: 'active', n: 1 }, { state: 'idle', n: 3 }],
  databases: [
    { datname: 'postgres', xact_commit: 10, xact_rollback: 1, tup_returned: 5, tup_fetched: 4, tup_inserted: 3, tup_updated: 2, tup_deleted: 1, deadlocks: 0, temp_bytes: 0, size_bytes: 7_500_000 },
    { datname: 'app', xact_commit: 20, xact_rollback: 0, tup_returned: 0, tup_fetched: 0, tup_inserted: 0, tup_updated: 0, tup_deleted: 0, deadlocks: 1, temp_bytes: 8192, size_bytes: null },
  ],
  standbys: [standby('pg-1'), standby('pg-2', { state: 'catchup', write_lag_bytes: null, flush_lag_bytes: null, replay_lag_bytes: null })],
  slots: [{ slot_name: 'pg_1', retained_bytes: 4096 }],
  ...overrides,
});

const scrape = (overrides: Partial<PostgresScrape> = {}): PostgresScrape => ({ up: true, sqlAvailable: true, durationSeconds: 0.003, errors: 0, stats: stats(), warm: null, ...overrides });

const agent: MetricsInput = {
  role: 'primary', lagBytes: null, promotions: 1, fencings: 0, renewals: 7, renewFailures: 0, lastRenewLatencySeconds: 0.004, apiReachable: true, decisions: new Map([['lead/serve', 3]]),
};

const situations: Record<string, { agent: MetricsInput; scrape: PostgresScrape }> = {
  'an archiving primary': { agent, scrape: scrape({ stats: stats({ server: server({ archiving: true, archived: 5, archive_failed: 1, last_archive_age: 12.5, archive_pending: 2 }) }) }) },
  'a hot standby': {
    agent: { ...agent, role: 'replica', lagBytes: 0, lastRenewLatencySeconds: null, decisions: new Map([['follow/stream', 9]]) },
    scrape: scrape({ stats: stats({ server: server({ in_recovery: true, wal_lsn: 0x3000000, receive_lsn: 0x3000060, replay_lsn: 0x3000000, last_replay_age: 4.2, receiver_streaming: true }), standbys: [], slots: [] }) }),
  },
  'a warm standby': { agent: { ...agent, role: 'replica', lagBytes: 96 }, scrape: scrape({ up: true, sqlAvailable: false, stats: null, warm: { receiveLsn: 0x3000060, streaming: true } }) },
  'a failed collection': { agent, scrape: scrape({ up: false, sqlAvailable: false, stats: null, errors: 3 }) },
  'a stopped server': { agent: { ...agent, role: 'none' }, scrape: scrape({ up: false, sqlAvailable: false, stats: null }) },
};

function render(s: { agent: MetricsInput; scrape: PostgresScrape }): Map<string, ParsedFamily> {
  return parseExposition(renderMetrics('pg-0', [...agentFamilies(s.agent), ...postgresFamilies(s.scrape)]));
}

function value(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  return families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('the metrics of each situation', () => {
  it.each(Object.keys(situations))('renders %s in the format, with only contract names and the member on every sample', (name) => {
    const families = render(situations[name]);
    expect([...families.keys()].filter((f) => !METRIC_NAMES.includes(f))).toEqual([]);
    for (const family of families.values()) {
      expect(family.help).not.toBe('');
      expect(family.name.endsWith('_total')).toBe(family.type === 'counter');
      for (const sample of family.samples) expect(sample.labels.member).toBe('pg-0');
    }
  });

  it('emits every family of the contract in some situation', () => {
    const emitted = new Set(Object.values(situations).flatMap((s) => [...render(s).keys()]));
    expect(METRIC_NAMES.filter((name) => !emitted.has(name))).toEqual([]);
    expect(new Set(METRIC_NAMES).size).toBe(AGENT_METRICS.length + POSTGRES_METRICS.length);
  });

  it('reports a primary: connections by every state, each standby, each slot, each database', () => {
    const m = render(situations['an archiving primary']);
    expect(m.get('pg_connections')!.samples.map((s) => [s.labels.state, s.value])).toEqual([
      ['active', 1], ['idle', 3], ['idle in transaction', 0], ['idle in transaction (aborted)', 0], ['fastpath function call', 0], ['disabled', 0],
    ]);
    expect(value(m, 'pg_replication_standby_streaming', { standby: 'pg-1', state: 'streaming', sync_state: 'async' })).toBe(1);
    expect(value(m, 'pg_replication_standby_streaming', { standby: 'pg-2', state: 'catchup' })).toBe(0);
    expect(value(m, 'pg_replication_lag_bytes', { standby: 'pg-1', kind: 'replay' })).toBe(128);
    // A position the standby has not reported yet is no sample, not a lag of 0.
    expect(m.get('pg_replication_lag_bytes')!.samples.filter((s) => s.labels.standby === 'pg-2')).toEqual([]);
    expect(value(m, 'pg_replication_lag_seconds', { standby: 'pg-1', kind: 'replay' })).toBe(0.002);
    expect(value(m, 'pg_replication_slot_retained_bytes', { slot: 'pg_1' })).toBe(4096);
    expect(value(m, 'pg_xact_commit_total', { datname: 'app' })).toBe(20);
    expect(value(m, 'pg_tuples_total', { datname: 'postgres', op: 'fetched' })).toBe(4);
    expect(value(m, 'pg_checkpoints_total', { kind: 'requested' })).toBe(2);
    expect(m.get('pg_database_size_bytes')!.samples.map((s) => s.labels.datname)).toEqual(['postgres']);
    expect(value(m, 'pg_archiver_pending_wal_files')).toBe(2);
    expect(m.has('pg_standby_streaming')).toBe(false);
  });

  it('reports a hot standby: its receive and replay positions, no replication of its own', () => {
    const m = render(situations['a hot standby']);
    expect(value(m, 'pg_standby_streaming')).toBe(1);
    expect(value(m, 'pg_standby_receive_lsn_bytes')).toBe(0x3000060);
    expect(value(m, 'pg_standby_replay_lsn_bytes')).toBe(0x3000000);
    expect(value(m, 'pg_wal_lsn_bytes')).toBe(0x3000000);
    expect(value(m, 'pg_standby_last_replay_age_seconds')).toBe(4.2);
    expect(m.has('pg_replication_standby_streaming')).toBe(false);
    expect(m.has('pg_archiver_archived_total')).toBe(false);
  });

  it('reports a warm standby without SQL: up, no SQL, the positions the agent knows', () => {
    const m = render(situations['a warm standby']);
    expect([...m.keys()].filter((n) => n.startsWith('pg_'))).toEqual([
      'pg_up', 'pg_sql_available', 'pg_scrape_duration_seconds', 'pg_scrape_errors_total', 'pg_standby_streaming', 'pg_standby_receive_lsn_bytes',
    ]);
    expect(value(m, 'pg_up')).toBe(1);
    expect(value(m, 'pg_sql_available')).toBe(0);
    expect(value(m, 'pgha_replication_lag_bytes')).toBe(96);
  });

  it('leaves out whether a warm standby streams when no primary status says so', () => {
    const m = render({ agent, scrape: scrape({ stats: null, sqlAvailable: false, warm: { receiveLsn: null, streaming: null } }) });
    expect(m.has('pg_standby_streaming')).toBe(false);
    expect(m.has('pg_standby_receive_lsn_bytes')).toBe(false);
  });

  it('reports a failed collection as down, counted, with the agent metrics intact', () => {
    const m = render(situations['a failed collection']);
    expect([value(m, 'pg_up'), value(m, 'pg_sql_available'), value(m, 'pg_scrape_errors_total')]).toEqual([0, 0, 3]);
    expect(value(m, 'pgha_role', { role: 'primary' })).toBe(1);
    expect(value(m, 'pgha_decisions_total', { action: 'lead/serve' })).toBe(3);
  });

  it('writes one series per standby name even if PostgreSQL listed one twice', () => {
    const m = render({ agent, scrape: scrape({ stats: stats({ standbys: [standby('pg-1'), standby('pg-1', { replay_lag_bytes: 999 })] }) }) });
    expect(m.get('pg_replication_lag_bytes')!.samples.filter((s) => s.labels.kind === 'replay').map((s) => s.value)).toEqual([128]);
  });
});
