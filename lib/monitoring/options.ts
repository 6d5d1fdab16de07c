import { Duration } from 'cdk8s';

/**
 * What `PostgresClusterProps.monitoring` renders for a Prometheus and a Grafana run by
 * prometheus-operator (kube-prometheus-stack, or any other install of the operator): a `PodMonitor`
 * that scrapes every member's agent (`/metrics` on port `agent-api`), a `PrometheusRule` with this
 * cluster's alerts, a ConfigMap with a Grafana dashboard, and the NetworkPolicy rule that admits the
 * scraper. Both custom resources need prometheus-operator's CRDs in the cluster.
 *
 * @see https://prometheus-operator.dev/docs/developer/getting-started/
 */
export interface MonitoringOptions {
  /**
   * Render the `PodMonitor` `<name>` (monitoring.coreos.com/v1).
   *
   * @default true
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
   */
  readonly podMonitor?: boolean;

  /**
   * Render the `PrometheusRule` `<name>` (monitoring.coreos.com/v1) with this cluster's alerts
   * (README.md, "Alerts", says what each means and what to do).
   *
   * @default true
   */
  readonly alertRules?: boolean;

  /**
   * Render the ConfigMap `<name>-dashboard` with a Grafana dashboard of this cluster, labelled
   * `grafana_dashboard: "1"`, the label the dashboard sidecar of kube-prometheus-stack's Grafana loads
   * (it must watch this namespace: `grafana.sidecar.dashboards.searchNamespace`).
   *
   * @default true
   */
  readonly grafanaDashboard?: boolean;

  /**
   * How often Prometheus scrapes each member. At least one second, a whole number of seconds.
   *
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;

  /**
   * How long a condition must hold before its alert fires (the rules' `for`), for every alert but
   * `PostgresHAFenced`, which reports an event and fires at once. A whole number of seconds, at
   * least one.
   *
   * @default Duration.minutes(1)
   * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
   */
  readonly alertPendingPeriod?: Duration;

  /**
   * The labels of the Prometheus pods the NetworkPolicy lets reach the agents' port (8008). Nothing
   * is added with `networkPolicy: false` or `podMonitor: false`.
   *
   * @default { 'app.kubernetes.io/name': 'prometheus' } - the label prometheus-operator puts on the pods of every `Prometheus`
   */
  readonly prometheusPodLabels?: { [key: string]: string };

  /**
   * The labels of the namespaces those Prometheus pods may run in.
   *
   * @default - any namespace
   */
  readonly prometheusNamespaceLabels?: { [key: string]: string };

  /**
   * Extra labels on the `PodMonitor` and the `PrometheusRule`, for a `Prometheus` whose
   * `podMonitorSelector` and `ruleSelector` pick objects by label (kube-prometheus-stack selects
   * `release: <its release name>` unless told otherwise).
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };

  /**
   * Where the alerts' `runbook_url` points: this URL with `#<alert name in lowercase>` appended. The
   * default is this package's README, whose "Alerts" section has a heading per alert.
   *
   * @default 'https://www.npmjs.com/package/cdk8s-postgres-ha'
   */
  readonly runbookUrl?: string;
}
