/**
 * The charts the scenarios run: the seed's two objects as in examples/ (namespace `demo`, the same
 * props), except the version, which is PostgreSQL 15 because that is what the harness's machine has.
 */
import { App, Chart, Size } from 'cdk8s';
import { PostgresCluster, PostgresVersion, ReplicationMode, StandbyMode } from '../lib';

export const NAMESPACE = 'demo';

/** examples/ha-postgres.ts with version 15: three members, warm standbys. */
export function haPostgres(app: App): Chart {
  const chart = new Chart(app, 'ha-postgres', { namespace: NAMESPACE });
  new PostgresCluster(chart, 'ha-postgres', {
    version: PostgresVersion.V15,
    replicas: 3,
    storageClassName: 'standard',
    storageSize: Size.mebibytes(50),
  });
  return chart;
}

/** examples/hot-postgres.ts with version 15: three members, hot standbys. */
export function hotPostgres(app: App): Chart {
  const chart = new Chart(app, 'hot-postgres', { namespace: NAMESPACE });
  new PostgresCluster(chart, 'hot-postgres', {
    version: PostgresVersion.V15,
    replicas: 3,
    standbyMode: StandbyMode.HOT,
    storageClassName: 'standard',
    storageSize: Size.mebibytes(50),
  });
  return chart;
}

/** examples/sync-app.ts's cluster with version 15: three members, synchronous replication (ANY 1), hot standbys. */
export function syncPostgres(app: App): Chart {
  const chart = new Chart(app, 'sync-postgres', { namespace: NAMESPACE });
  new PostgresCluster(chart, 'sync-postgres', {
    version: PostgresVersion.V15,
    replicas: 3,
    standbyMode: StandbyMode.HOT,
    replicationMode: ReplicationMode.SYNC,
    storageClassName: 'standard',
    storageSize: Size.mebibytes(50),
  });
  return chart;
}
