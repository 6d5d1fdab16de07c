/**
 * What the standbys do besides following the primary.
 *
 * @see https://www.postgresql.org/docs/current/hot-standby.html
 */
export enum StandbyMode {
  /**
   * Warm standbys (`hot_standby = off`): they replay WAL and accept no connection at all until
   * promoted. The `<name>-replicas` Service then points at the primary, the only member that
   * answers queries.
   */
  WARM = 'warm',
  /**
   * Hot standbys (`hot_standby = on`): they replay WAL and answer read-only queries, served by the
   * `<name>-replicas` Service.
   */
  HOT = 'hot',
}

/**
 * When the primary acknowledges a commit.
 *
 * @see https://www.postgresql.org/docs/current/warm-standby.html#SYNCHRONOUS-REPLICATION
 */
export enum ReplicationMode {
  /** A commit is acknowledged once it is durable on the primary; a failover may lose the last commits. */
  ASYNC = 'async',
  /**
   * A commit is acknowledged once `synchronousReplicas` standbys have flushed it
   * (`synchronous_standby_names = 'ANY k (...)'`); a failover never loses an acknowledged commit.
   */
  SYNC = 'sync',
}
