/**
 * The harness's chart: the seed's ha-postgres as in examples/ (namespace `demo`, the same props), except
 * the version, which is PostgreSQL 15 because that is what the harness's machine has. (The scenarios
 * that applied it moved to the real cluster; the harness's own tests still start it.)
 */
import { App, Chart, Size } from 'cdk8s';
import { PostgresCluster, PostgresVersion } from '../lib';

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
