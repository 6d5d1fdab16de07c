import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/prometheus-podmonitors-monitoring.coreos.com';
import { clusterLabels } from '../labels';
import { AGENT_API_PORT } from '../pod-layout';
import { alertGroups } from './alerts';
import { grafanaDashboard } from './dashboard';
import { createPodMonitor } from './pod-monitor';
import { MonitoringSettings } from './settings';

/** What a cluster's monitoring is rendered from (resolved by lib/settings.ts). */
export interface MonitoringInputs {
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly maximumLagOnFailoverBytes: number;
  readonly settings: MonitoringSettings;
}

/** The objects `PostgresClusterProps.monitoring` renders; `cluster.monitoring`. */
export class ClusterMonitoring {
  /**
   * The Grafana dashboard (its JSON model), for every cluster: pick one with its namespace and cluster
   * variables. Import it into a Grafana that the per-cluster ConfigMap does not reach.
   */
  public static readonly GRAFANA_DASHBOARD: string = JSON.stringify(grafanaDashboard(), undefined, 2);
  /** The label kube-prometheus-stack's Grafana dashboard sidecar loads ConfigMaps by (its default). */
  public static readonly DASHBOARD_LABEL = 'grafana_dashboard';

  /** PodMonitor `<name>`, unless `podMonitor: false`. */
  public readonly podMonitor?: PodMonitor;
  /** PrometheusRule `<name>` with the cluster's alerts, unless `alertRules: false`. */
  public readonly prometheusRule?: ApiObject;
  /** ConfigMap `<name>-dashboard`, unless `grafanaDashboard: false`. */
  public readonly dashboardConfigMap?: k8s.KubeConfigMap;

  /**
   * Renders a cluster's monitoring objects. A factory rather than a constructor: jsii publishes every
   * constructor, and only a cluster makes these.
   *
   * @internal
   */
  public static _of(scope: Construct, c: MonitoringInputs, networkPolicy?: kplus.NetworkPolicy): ClusterMonitoring {
    return new ClusterMonitoring(scope, c, networkPolicy);
  }

  private constructor(scope: Construct, c: MonitoringInputs, networkPolicy?: kplus.NetworkPolicy) {
    const s = c.settings;
    if (s.podMonitor) {
      this.podMonitor = createPodMonitor(scope, { name: c.name, namespace: c.namespace, scrapeIntervalSeconds: s.scrapeIntervalSeconds, labels: s.labels });
      networkPolicy?.addIngressRule(prometheusPeer(scope, s), [kplus.NetworkPolicyPort.tcp(AGENT_API_PORT)]);
    }
    if (s.alertRules) {
      this.prometheusRule = new ApiObject(scope, 'PrometheusRule', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: c.name, namespace: c.namespace, labels: { ...s.labels, ...clusterLabels(c.name) } },
        spec: {
          groups: alertGroups({
            name: c.name,
            namespace: c.namespace,
            replicas: c.replicas,
            maximumLagOnFailoverBytes: c.maximumLagOnFailoverBytes,
            pendingSeconds: s.alertPendingSeconds,
            runbookUrl: s.runbookUrl,
          }),
        },
      });
    }
    if (s.grafanaDashboard) {
      // A uid of its own per cluster: Grafana refuses a second dashboard with the same uid.
      const uid = `pgha-${createHash('sha256').update(`${c.namespace}/${c.name}`).digest('hex').slice(0, 16)}`;
      const dashboard = grafanaDashboard({ cluster: { namespace: c.namespace, name: c.name, uid } });
      this.dashboardConfigMap = new k8s.KubeConfigMap(scope, 'DashboardConfigMap', {
        metadata: { name: `${c.name}-dashboard`, namespace: c.namespace, labels: { ...clusterLabels(c.name), [ClusterMonitoring.DASHBOARD_LABEL]: '1' } },
        data: { [`${c.name}.json`]: `${JSON.stringify(dashboard, undefined, 2)}\n` },
      });
    }
  }
}

/** The Prometheus pods, in the namespaces given (or any). */
function prometheusPeer(scope: Construct, s: MonitoringSettings): kplus.Pods {
  const namespaces = s.prometheusNamespaceLabels
    ? kplus.Namespaces.select(scope, 'PrometheusNamespaces', { labels: s.prometheusNamespaceLabels })
    : kplus.Namespaces.all(scope, 'PrometheusNamespaces');
  return kplus.Pods.select(scope, 'Prometheus', { labels: s.prometheusPodLabels, namespaces });
}
