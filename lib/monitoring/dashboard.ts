/**
 * The Grafana dashboard, generated here rather than kept as a JSON file so that it ships in the
 * package's compiled lib/ and its queries are checked like the alerts (only series of
 * agent/http/metric-names.ts, plus `up`). One dashboard for every cluster: variables pick the
 * namespace and the cluster; the per-cluster ConfigMap presets them and gives it a uid of its own.
 */
import { CLUSTER_LABEL } from './pod-monitor';

export interface DashboardTarget {
  readonly cluster?: { readonly namespace: string; readonly name: string; readonly uid: string };
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly description: string;
  /** [expression, legend] */
  readonly queries: ReadonlyArray<readonly [string, string]>;
}

const F = `namespace="$namespace",${CLUSTER_LABEL}="$cluster"`;

const ROWS: ReadonlyArray<readonly [string, readonly Panel[]]> = [
  ['Roles and failover', [
    { title: 'Primary', unit: 'none', description: '1 while the member is the primary: a change of the line is a failover or switchover.', queries: [[`max by (member) (pgha_role{${F},role="primary"})`, '{{member}}']] },
    { title: 'Members scraped', unit: 'none', description: 'Members whose agent Prometheus can scrape.', queries: [[`sum(up{${F}})`, 'up']] },
    { title: 'PostgreSQL up', unit: 'none', description: '1 when the local PostgreSQL answered as its mode allows; SQL available says whether SQL statistics exist (not on a warm standby).', queries: [[`pg_up{${F}}`, '{{member}}'], [`pg_sql_available{${F}}`, '{{member}} SQL available']] },
    { title: 'Promotions and fencings', unit: 'none', description: 'Increases over the interval.', queries: [[`sum by (member) (increase(pgha_promotions_total{${F}}[$__rate_interval]))`, '{{member}} promoted'], [`sum by (member) (increase(pgha_fencings_total{${F}}[$__rate_interval]))`, '{{member}} fenced']] },
    { title: 'Lease renewals', unit: 'ops', description: 'Renewals of the leader Lease by the primary, and failures.', queries: [[`sum by (member) (rate(pgha_lease_renewals_total{${F}}[$__rate_interval]))`, '{{member}} renewed'], [`sum by (member) (rate(pgha_lease_renew_failures_total{${F}}[$__rate_interval]))`, '{{member}} failed']] },
    { title: 'Lease renewal latency', unit: 's', description: 'Duration of the last successful renewal; 0 in the lower graph means the agent could not reach the Kubernetes API.', queries: [[`pgha_lease_renew_latency_seconds{${F}}`, '{{member}}'], [`pgha_kubernetes_api_reachable{${F}}`, '{{member}} API reachable']] },
    { title: 'Agent decisions', unit: 'ops', description: 'What the agents decided each loop, by action.', queries: [[`sum by (action) (rate(pgha_decisions_total{${F}}[$__rate_interval]))`, '{{action}}']] },
  ]],
  ['Replication', [
    { title: 'Lag behind the published primary position', unit: 'bytes', description: 'What an unplanned failover compares with maximumLagOnFailover.', queries: [[`pgha_replication_lag_bytes{${F}}`, '{{member}}']] },
    { title: 'Replication lag (bytes), from the primary', unit: 'bytes', description: 'pg_stat_replication, per standby.', queries: [[`max by (standby, kind) (pg_replication_lag_bytes{${F}})`, '{{standby}} {{kind}}']] },
    { title: 'Replication lag (seconds), from the primary', unit: 's', description: 'pg_stat_replication, per standby.', queries: [[`max by (standby, kind) (pg_replication_lag_seconds{${F}})`, '{{standby}} {{kind}}']] },
    { title: 'Streaming', unit: 'none', description: 'Standbys connected to the primary, and standbys whose WAL receiver streams.', queries: [[`sum by (state, sync_state) (pg_replication_standby_streaming{${F}})`, 'primary: {{state}} {{sync_state}}'], [`pg_standby_streaming{${F}}`, '{{member}} receiving']] },
    { title: 'WAL positions', unit: 'bytes', description: 'The primary\'s write position and each standby\'s receive and replay positions.', queries: [[`pg_wal_lsn_bytes{${F}}`, '{{member}}'], [`pg_standby_receive_lsn_bytes{${F}}`, '{{member}} received'], [`pg_standby_replay_lsn_bytes{${F}}`, '{{member}} replayed']] },
    { title: 'Time since the last replayed transaction', unit: 's', description: 'On each standby; grows on an idle primary too.', queries: [[`pg_standby_last_replay_age_seconds{${F}}`, '{{member}}']] },
    { title: 'WAL retained by replication slots', unit: 'bytes', description: 'Bounded by max_slot_wal_keep_size.', queries: [[`max by (slot) (pg_replication_slot_retained_bytes{${F}})`, '{{slot}}']] },
  ]],
  ['Workload', [
    { title: 'Connections', unit: 'none', description: 'By state, and max_connections.', queries: [[`sum by (member, state) (pg_connections{${F}})`, '{{member}} {{state}}'], [`max(pg_connections_max{${F}})`, 'max_connections']] },
    { title: 'Transactions', unit: 'ops', description: 'Commits and rollbacks per second, by database.', queries: [[`sum by (datname) (rate(pg_xact_commit_total{${F}}[$__rate_interval]))`, '{{datname}} commit'], [`sum by (datname) (rate(pg_xact_rollback_total{${F}}[$__rate_interval]))`, '{{datname}} rollback']] },
    { title: 'Tuples', unit: 'ops', description: 'Rows returned, fetched, inserted, updated and deleted per second.', queries: [[`sum by (op) (rate(pg_tuples_total{${F}}[$__rate_interval]))`, '{{op}}']] },
    { title: 'Deadlocks and temporary files', unit: 'none', description: 'Deadlocks per second and temporary bytes written per second.', queries: [[`sum by (datname) (rate(pg_deadlocks_total{${F}}[$__rate_interval]))`, '{{datname}} deadlocks'], [`sum by (datname) (rate(pg_temp_bytes_total{${F}}[$__rate_interval]))`, '{{datname}} temp bytes']] },
    { title: 'Database size', unit: 'bytes', description: 'On the primary.', queries: [[`max by (datname) (pg_database_size_bytes{${F}})`, '{{datname}}']] },
    { title: 'WAL written', unit: 'Bps', description: 'WAL bytes per second.', queries: [[`sum by (member) (rate(pg_wal_bytes_total{${F}}[$__rate_interval]))`, '{{member}}']] },
    { title: 'Checkpoints', unit: 'none', description: 'Checkpoints by kind, and the time spent writing and syncing.', queries: [[`sum by (kind) (increase(pg_checkpoints_total{${F}}[$__rate_interval]))`, '{{kind}}'], [`sum(rate(pg_checkpoint_write_seconds_total{${F}}[$__rate_interval]))`, 'write s/s'], [`sum(rate(pg_checkpoint_sync_seconds_total{${F}}[$__rate_interval]))`, 'sync s/s']] },
  ]],
  ['Maintenance and archiving', [
    { title: 'Transaction ids left before wraparound', unit: 'short', description: 'In the oldest database.', queries: [[`min by (member) (pg_xid_wraparound_remaining{${F}})`, '{{member}}']] },
    { title: 'Oldest open transaction', unit: 's', description: 'Age of the oldest transaction still open.', queries: [[`max by (member) (pg_oldest_xact_age_seconds{${F}})`, '{{member}}']] },
    { title: 'WAL archiving', unit: 'none', description: 'Segments archived and failures per second, and the age of the last archived segment.', queries: [[`sum by (member) (rate(pg_archiver_archived_total{${F}}[$__rate_interval]))`, '{{member}} archived'], [`sum by (member) (rate(pg_archiver_failed_total{${F}}[$__rate_interval]))`, '{{member}} failed'], [`pg_archiver_last_archive_age_seconds{${F}}`, '{{member}} last archive age']] },
    { title: 'Metrics collection', unit: 's', description: 'How long the agent took to read PostgreSQL\'s statistics, and errors doing so.', queries: [[`pg_scrape_duration_seconds{${F}}`, '{{member}}'], [`sum by (member) (rate(pg_scrape_errors_total{${F}}[$__rate_interval]))`, '{{member}} errors']] },
  ]],
];

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** The dashboard as Grafana's JSON model; stable key order, so its text is deterministic. */
export function grafanaDashboard(target: DashboardTarget = {}): Record<string, unknown> {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const [row, rowPanels] of ROWS) {
    panels.push({ id: id++, type: 'row', title: row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    rowPanels.forEach((p, i) => {
      panels.push({
        id: id++,
        type: 'timeseries',
        title: p.title,
        description: p.description,
        datasource: DATASOURCE,
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
        targets: p.queries.map(([expr, legendFormat], k) => ({ refId: String.fromCharCode(65 + k), datasource: DATASOURCE, expr, legendFormat })),
      });
    });
    y += Math.ceil(rowPanels.length / 2) * 8;
  }
  const preset = (value: string | undefined) => (value === undefined ? {} : { current: { selected: true, text: value, value } });
  return {
    uid: target.cluster?.uid ?? 'cdk8s-postgres-ha',
    title: target.cluster ? `PostgreSQL HA: ${target.cluster.namespace}/${target.cluster.name}` : 'PostgreSQL HA',
    description: 'A cdk8s-postgres-ha cluster: roles, replication, workload, maintenance (metrics of the failover agents).',
    tags: ['postgresql', 'cdk8s-postgres-ha'],
    editable: true,
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', hide: 0 },
        { name: 'namespace', label: 'Namespace', type: 'query', datasource: DATASOURCE, query: { query: 'label_values(pgha_role, namespace)', refId: 'namespace' }, refresh: 2, sort: 1, ...preset(target.cluster?.namespace) },
        { name: 'cluster', label: 'Cluster', type: 'query', datasource: DATASOURCE, query: { query: `label_values(pgha_role{namespace="$namespace"}, ${CLUSTER_LABEL})`, refId: 'cluster' }, refresh: 2, sort: 1, ...preset(target.cluster?.name) },
      ],
    },
    panels,
  };
}
