import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/prometheus-podmonitors-monitoring.coreos.com';
import { clusterLabels, selectorLabels } from '../labels';

/**
 * The label every series scraped from a cluster carries: the cluster's name, copied from the pods'
 * `app.kubernetes.io/instance`. Not `cluster`, which multi-cluster setups (Thanos, federation) use as
 * an external label for the Kubernetes cluster; a series label of that name would override it.
 */
export const CLUSTER_LABEL = 'pgha_cluster';
/** The agent container's named port (lib/stateful-set.ts), which serves /metrics. */
export const AGENT_PORT_NAME = 'agent-api';
export const METRICS_PATH = '/metrics';

export interface PodMonitorInputs {
  readonly name: string;
  readonly namespace: string;
  readonly scrapeIntervalSeconds: number;
  readonly labels: Record<string, string>;
}

/**
 * A PodMonitor that scrapes the agent of every member: selected by the cluster's selector labels in
 * its own namespace, on the named port, so a changed port number needs no change here.
 */
export function createPodMonitor(scope: Construct, c: PodMonitorInputs): PodMonitor {
  return new PodMonitor(scope, 'PodMonitor', {
    metadata: { name: c.name, namespace: c.namespace, labels: { ...c.labels, ...clusterLabels(c.name) } },
    spec: {
      selector: { matchLabels: selectorLabels(c.name) },
      namespaceSelector: { matchNames: [c.namespace] },
      podMetricsEndpoints: [{
        port: AGENT_PORT_NAME,
        path: METRICS_PATH,
        interval: `${c.scrapeIntervalSeconds}s`,
        relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: CLUSTER_LABEL }],
      }],
    },
  });
}
