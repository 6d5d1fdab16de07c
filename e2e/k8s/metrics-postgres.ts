/**
 * The metrics scenario's chart: `hot-postgres` with monitoring on, its PodMonitor scraping every 2 s
 * and its alerts firing after 5 s, so a fault shows in the alerts within seconds instead of the
 * defaults' minutes. Hot standbys answer SQL, so each reports its own WAL receiver. No committed
 * render: the suite renders it on every run, like tls-postgres.
 */
import { Chart, Duration, Size } from 'cdk8s';
import type { Construct } from 'constructs';
import { PostgresCluster, StandbyMode, type PostgresVersion } from '../../lib';

export const METRICS_POSTGRES = 'metrics-postgres';
export const SCRAPE_INTERVAL_S = 2;
export const ALERT_PENDING_S = 5;

export class MetricsPostgresChart extends Chart {
  constructor(scope: Construct, id: string, version: PostgresVersion) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, METRICS_POSTGRES, {
      version,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
      monitoring: { scrapeInterval: Duration.seconds(SCRAPE_INTERVAL_S), alertPendingPeriod: Duration.seconds(ALERT_PENDING_S) },
    });
  }
}
