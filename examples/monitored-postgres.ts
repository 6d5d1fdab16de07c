import { Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { PostgresCluster, PostgresVersion, StandbyMode } from '../lib';

/**
 * `hot-postgres` watched by a kube-prometheus-stack installed as Helm release `kube-prometheus-stack`:
 * a PodMonitor and a PrometheusRule its Prometheus selects (`release: kube-prometheus-stack`, that
 * chart's default selector), the alerts, and the Grafana dashboard in a ConfigMap. Applying it needs
 * prometheus-operator's CRDs in the cluster.
 */
export class MonitoredPostgresChart extends Chart {
  public readonly cluster: PostgresCluster;

  public constructor(scope: Construct, id = 'monitored-postgres', version = PostgresVersion.V17) {
    super(scope, id, { namespace: 'demo' });
    this.cluster = new PostgresCluster(this, 'monitored-postgres', {
      version,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
      monitoring: { labels: { release: 'kube-prometheus-stack' } },
    });
  }
}
