// The statistics queries /metrics runs on the local PostgreSQL, chosen by server_version_num, and what
// their rows mean. Pure: the connection and its limits live in stats-reader.ts.
//
// Every number is cast to float8 in SQL, so node-postgres hands back JavaScript numbers (bigint and
// numeric would come back as strings); Prometheus stores float64 anyway. WAL positions are byte offsets
// (`lsn - '0/0'`). Expressions that only exist on one side of recovery sit behind
// `pg_is_in_recovery()`, so one text serves a primary and a hot standby alike.

/** PostgreSQL 17 moved the checkpoint counters from pg_stat_bgwriter to pg_stat_checkpointer. */
const CHECKPOINTER_VERSION = 170000;

/**
 * PostgreSQL stops assigning transaction ids this many before the wraparound point (xidStopLimit,
 * 3 million since 14): `pg_xid_wraparound_remaining` counts down to that stop, not to the wrap itself.
 */
const XID_STOP_MARGIN = 3_000_000;
/** MaxTransactionId >> 1: how far datfrozenxid may age before the wrap. */
const XID_WRAP_DISTANCE = 2 ** 31 - 1;

/** The states pg_stat_activity shows for client backends; each gets a series even at zero. */
export const CONNECTION_STATES = ['active', 'idle', 'idle in transaction', 'idle in transaction (aborted)', 'fastpath function call', 'disabled'] as const;

function checkpointColumns(versionNum: number): string {
  return versionNum >= CHECKPOINTER_VERSION
    ? `c.num_timed::float8 as checkpoints_timed, c.num_requested::float8 as checkpoints_requested,
       (c.write_time / 1000)::float8 as checkpoint_write_seconds, (c.sync_time / 1000)::float8 as checkpoint_sync_seconds
       from pg_stat_checkpointer c`
    : `c.checkpoints_timed::float8 as checkpoints_timed, c.checkpoints_req::float8 as checkpoints_requested,
       (c.checkpoint_write_time / 1000)::float8 as checkpoint_write_seconds, (c.checkpoint_sync_time / 1000)::float8 as checkpoint_sync_seconds
       from pg_stat_bgwriter c`;
}

/**
 * Five statements in one simple-protocol round trip: they run in one implicit transaction, so the
 * cumulative statistics are read from one snapshot, and statement_timeout applies to each (PostgreSQL 13+).
 */
export function statsSql(versionNum: number): string {
  const position = `case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end`;
  return [
    `select pg_is_in_recovery() as in_recovery,
       current_setting('max_connections')::float8 as max_connections,
       (${position} - '0/0')::float8 as wal_lsn,
       (pg_last_wal_receive_lsn() - '0/0')::float8 as receive_lsn,
       (pg_last_wal_replay_lsn() - '0/0')::float8 as replay_lsn,
       extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as last_replay_age,
       (select status = 'streaming' from pg_stat_wal_receiver) as receiver_streaming,
       (select wal_bytes::float8 from pg_stat_wal) as wal_bytes,
       greatest(
         (select extract(epoch from now() - min(xact_start)) from pg_stat_activity),
         (select extract(epoch from now() - min(prepared)) from pg_prepared_xacts),
         0)::float8 as oldest_xact_age,
       (${XID_WRAP_DISTANCE} - ${XID_STOP_MARGIN} - (select max(age(datfrozenxid)) from pg_database))::float8 as xid_remaining,
       current_setting('archive_mode') <> 'off' as archiving,
       (select archived_count::float8 from pg_stat_archiver) as archived,
       (select failed_count::float8 from pg_stat_archiver) as archive_failed,
       (select extract(epoch from now() - last_archived_time)::float8 from pg_stat_archiver) as last_archive_age,
       case when current_setting('archive_mode') <> 'off'
         then (select count(*)::float8 from pg_ls_archive_statusdir() where name like '%.ready') end as archive_pending,
       ${checkpointColumns(versionNum)}`,
    `select state, count(*)::float8 as n from pg_stat_activity
       where backend_type = 'client backend' and state is not null group by state`,
    `select datname, xact_commit::float8, xact_rollback::float8, tup_returned::float8, tup_fetched::float8,
       tup_inserted::float8, tup_updated::float8, tup_deleted::float8, deadlocks::float8, temp_bytes::float8,
       pg_database_size(datid)::float8 as size_bytes
       from pg_stat_database where datname is not null and datname not in ('template0', 'template1')`,
    // One row per standby name: a reconnecting standby can briefly have two walsenders; the streaming,
    // most advanced one is the one that counts. Base backups (pg_basebackup, a clone) are not standbys.
    `select distinct on (application_name) application_name, state, sync_state,
       (pg_current_wal_lsn() - write_lsn)::float8 as write_lag_bytes,
       (pg_current_wal_lsn() - flush_lsn)::float8 as flush_lag_bytes,
       (pg_current_wal_lsn() - replay_lsn)::float8 as replay_lag_bytes,
       coalesce(extract(epoch from write_lag), 0)::float8 as write_lag_seconds,
       coalesce(extract(epoch from flush_lag), 0)::float8 as flush_lag_seconds,
       coalesce(extract(epoch from replay_lag), 0)::float8 as replay_lag_seconds
       from pg_stat_replication where state <> 'backup' and not pg_is_in_recovery()
       order by application_name, state = 'streaming' desc, flush_lsn desc nulls last`,
    `select slot_name, greatest(0, ${position} - restart_lsn)::float8 as retained_bytes
       from pg_replication_slots where restart_lsn is not null`,
  ].join(';\n');
}

/** The first row, as statsSql() names its columns. */
export interface ServerRow {
  readonly in_recovery: boolean;
  readonly max_connections: number;
  readonly wal_lsn: number | null;
  readonly receive_lsn: number | null;
  readonly replay_lsn: number | null;
  readonly last_replay_age: number | null;
  readonly receiver_streaming: boolean | null;
  readonly wal_bytes: number;
  readonly oldest_xact_age: number;
  readonly xid_remaining: number;
  readonly archiving: boolean;
  readonly archived: number;
  readonly archive_failed: number;
  readonly last_archive_age: number | null;
  readonly archive_pending: number | null;
  readonly checkpoints_timed: number;
  readonly checkpoints_requested: number;
  readonly checkpoint_write_seconds: number;
  readonly checkpoint_sync_seconds: number;
}

export interface DatabaseRow {
  readonly datname: string;
  readonly xact_commit: number;
  readonly xact_rollback: number;
  readonly tup_returned: number;
  readonly tup_fetched: number;
  readonly tup_inserted: number;
  readonly tup_updated: number;
  readonly tup_deleted: number;
  readonly deadlocks: number;
  readonly temp_bytes: number;
  /** null when the database went away between the two reads. */
  readonly size_bytes: number | null;
}

export interface StandbyRow {
  readonly application_name: string;
  readonly state: string;
  readonly sync_state: string;
  /** null while the standby has not reported that position yet. */
  readonly write_lag_bytes: number | null;
  readonly flush_lag_bytes: number | null;
  readonly replay_lag_bytes: number | null;
  readonly write_lag_seconds: number;
  readonly flush_lag_seconds: number;
  readonly replay_lag_seconds: number;
}

export interface SlotRow {
  readonly slot_name: string;
  readonly retained_bytes: number;
}

/** One collection: what statsSql() returned, statement by statement. */
export interface PostgresStats {
  readonly versionNum: number;
  readonly server: ServerRow;
  readonly connections: readonly { readonly state: string; readonly n: number }[];
  readonly databases: readonly DatabaseRow[];
  readonly standbys: readonly StandbyRow[];
  readonly slots: readonly SlotRow[];
}
