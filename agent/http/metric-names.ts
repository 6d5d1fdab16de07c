// Every metric family /metrics can expose, by name. They are contract: the rendered PrometheusRule, the
// shipped Grafana dashboard and users' own queries refer to them, so a test checks that the exporter
// emits nothing outside this list and that the rules and the dashboard use nothing outside it.
// Conventions: Prometheus naming (base units, `_total` for counters); every sample carries `member`
// (the pod name); other labels stay low-cardinality (datname, standby = application_name, slot, state).

/** The agent's own state. */
export const AGENT_METRICS = [
  'pgha_role',
  'pgha_replication_lag_bytes',
  'pgha_promotions_total',
  'pgha_fencings_total',
  'pgha_lease_renewals_total',
  'pgha_lease_renew_failures_total',
  'pgha_lease_renew_latency_seconds',
  'pgha_kubernetes_api_reachable',
  'pgha_decisions_total',
] as const;

/** PostgreSQL itself, collected by the agent from the local server. */
export const POSTGRES_METRICS = [
  // 1 when the local PostgreSQL answered this scrape as its mode allows (a warm standby: its postmaster
  // runs and its control file says in recovery), else 0; pg_sql_available says whether SQL stats exist.
  'pg_up',
  'pg_sql_available',
  'pg_scrape_duration_seconds',
  'pg_scrape_errors_total',
  'pg_connections', // {state}
  'pg_connections_max',
  'pg_xact_commit_total', // {datname}
  'pg_xact_rollback_total', // {datname}
  'pg_tuples_total', // {datname, op: returned|fetched|inserted|updated|deleted}
  'pg_deadlocks_total', // {datname}
  'pg_temp_bytes_total', // {datname}
  'pg_database_size_bytes', // {datname}
  'pg_checkpoints_total', // {kind: timed|requested}
  'pg_checkpoint_write_seconds_total',
  'pg_checkpoint_sync_seconds_total',
  'pg_wal_bytes_total',
  'pg_wal_lsn_bytes', // current write (primary) or replay (standby) position as a byte offset
  // On the primary, per standby (application_name):
  'pg_replication_standby_streaming', // {standby, state, sync_state}: a series per connected standby, 1 while streaming
  'pg_replication_lag_bytes', // {standby, kind: write|flush|replay}
  'pg_replication_lag_seconds', // {standby, kind: write|flush|replay}
  'pg_replication_slot_retained_bytes', // {slot}
  // On a standby:
  'pg_standby_streaming', // 1 when the WAL receiver streams (a warm standby: when the primary lists it)
  'pg_standby_receive_lsn_bytes',
  'pg_standby_replay_lsn_bytes',
  'pg_standby_last_replay_age_seconds',
  // Wraparound and long transactions:
  'pg_oldest_xact_age_seconds',
  'pg_xid_wraparound_remaining', // transactions left before the wraparound stop, oldest database
  // Archiving (pg_stat_archiver):
  'pg_archiver_archived_total',
  'pg_archiver_failed_total',
  'pg_archiver_last_archive_age_seconds',
  'pg_archiver_pending_wal_files', // .ready files in pg_wal/archive_status: the archive backlog
] as const;

export const METRIC_NAMES: readonly string[] = [...AGENT_METRICS, ...POSTGRES_METRICS];
