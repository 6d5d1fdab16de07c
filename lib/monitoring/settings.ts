import { Duration } from 'cdk8s';
import { MonitoringOptions } from './options';

/** `MonitoringOptions` with every default applied and every value checked. */
export interface MonitoringSettings {
  readonly podMonitor: boolean;
  readonly alertRules: boolean;
  readonly grafanaDashboard: boolean;
  readonly scrapeIntervalSeconds: number;
  readonly alertPendingSeconds: number;
  readonly prometheusPodLabels: Record<string, string>;
  /** Undefined: any namespace. */
  readonly prometheusNamespaceLabels?: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly runbookUrl: string;
}

/** prometheus-operator labels every pod of a `Prometheus` with it. */
const PROMETHEUS_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus' };
/** The package's README on the registry: its "Alerts" section has a heading per alert. */
const DEFAULT_RUNBOOK_URL = 'https://www.npmjs.com/package/cdk8s-postgres-ha';
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function resolveMonitoring(options: MonitoringOptions | undefined): MonitoringSettings | undefined {
  if (options === undefined) return undefined;
  return {
    podMonitor: options.podMonitor ?? true,
    alertRules: options.alertRules ?? true,
    grafanaDashboard: options.grafanaDashboard ?? true,
    scrapeIntervalSeconds: wholeSeconds('scrapeInterval', options.scrapeInterval ?? Duration.seconds(30)),
    alertPendingSeconds: wholeSeconds('alertPendingPeriod', options.alertPendingPeriod ?? Duration.minutes(1)),
    prometheusPodLabels: checkLabels('prometheusPodLabels', options.prometheusPodLabels ?? PROMETHEUS_POD_LABELS),
    prometheusNamespaceLabels: options.prometheusNamespaceLabels && checkLabels('prometheusNamespaceLabels', options.prometheusNamespaceLabels),
    labels: checkLabels('labels', options.labels ?? {}),
    runbookUrl: checkUrl(options.runbookUrl ?? DEFAULT_RUNBOOK_URL),
  };
}

/** Prometheus durations are rendered in whole seconds (`30s`), which every version parses. */
function wholeSeconds(prop: string, duration: Duration): number {
  const ms = duration.toMilliseconds({ integral: false });
  if (ms < 1000 || ms % 1000 !== 0) {
    throw new Error(`monitoring.${prop} must be a whole number of seconds, at least 1s, got ${ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`}`);
  }
  return ms / 1000;
}

function checkLabels(prop: string, labels: { [key: string]: string }): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(key) || key.split('/').pop()!.length > 63 || !LABEL_VALUE.test(value)) {
      throw new Error(`monitoring.${prop} must be Kubernetes labels (names like app.kubernetes.io/name, values of at most `
        + `63 letters, digits, '-', '_' and '.'), got ${JSON.stringify({ [key]: value })}`);
    }
  }
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function checkUrl(url: string): string {
  if (!/^https?:\/\/[^\s#]+$/.test(url)) {
    throw new Error(`monitoring.runbookUrl must be an http(s) URL without a fragment (the alert's anchor is appended), got "${url}"`);
  }
  return url;
}
