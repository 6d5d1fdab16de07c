import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { MetricsPostgresChart } from '../../../e2e/k8s/metrics-postgres';
import { podTargets, scrapeConfigs } from '../../../e2e/k8s/prometheus';
import { PostgresVersion } from '../../../lib';

const PROMTOOL = process.env.PGHA_PROMTOOL ?? '/usr/bin/promtool';

/** The metrics scenario's rendered PodMonitor. */
function podMonitor(): any {
  const app = Testing.app();
  const chart = new MetricsPostgresChart(app, 'metrics-postgres', PostgresVersion.V17);
  return Testing.synth(chart).find((m) => m.kind === 'PodMonitor');
}

describe('the e2e stand-in for prometheus-operator and Kubernetes discovery', () => {
  test('translates the rendered PodMonitor into a scrape job promtool accepts', () => {
    if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} does not exist: install Debian's prometheus package (apt-get install prometheus)`);
    const dir = mkdtempSync(join(tmpdir(), 'pgha-prometheus-'));
    try {
      const targets = join(dir, 'targets.json');
      writeFileSync(targets, '[]');
      const config = join(dir, 'prometheus.yaml');
      writeFileSync(config, stringify({ scrape_configs: scrapeConfigs(podMonitor(), targets) }));
      expect(execFileSync(PROMTOOL, ['check', 'config', config], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toMatch(/SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('keeps the selector\'s labels and the named port, labels as the operator does, then the PodMonitor\'s relabelings', () => {
    const [job] = scrapeConfigs(podMonitor(), '/t.json') as any[];
    expect(job.job_name).toBe('podMonitor/demo/metrics-postgres/0');
    expect(job.metrics_path).toBe('/metrics');
    expect(job.scrape_interval).toBe('2s');
    expect(job.relabel_configs).toEqual([
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)', action: 'drop' },
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance', '__meta_kubernetes_pod_labelpresent_app_kubernetes_io_instance'], regex: '(metrics-postgres);true', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name'], regex: '(postgres);true', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'agent-api', action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { target_label: 'job', replacement: 'demo/metrics-postgres' },
      { target_label: 'endpoint', replacement: 'agent-api' },
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], target_label: 'pgha_cluster' },
    ]);
  });

  test('discovers one target per container port, with the meta labels of role: pod', () => {
    const pod = {
      metadata: { name: 'pg-0', namespace: 'demo', labels: { 'app.kubernetes.io/instance': 'pg', 'cdk8s-postgres-ha/role': 'primary' } },
      status: { phase: 'Running', podIP: '10.210.1.7' },
      spec: { containers: [{ name: 'postgres', ports: [{ name: 'postgres', containerPort: 5432 }] }, { name: 'agent', ports: [{ name: 'agent-api', containerPort: 8008 }] }] },
    };
    const pending = { ...pod, metadata: { ...pod.metadata, name: 'pg-1' }, status: { phase: 'Pending' } };
    const targets = podTargets([pod, pending]);
    expect(targets.map((t) => t.targets)).toEqual([['10.210.1.7:5432'], ['10.210.1.7:8008']]);
    expect(targets[1].labels).toEqual({
      __meta_kubernetes_namespace: 'demo',
      __meta_kubernetes_pod_name: 'pg-0',
      __meta_kubernetes_pod_ip: '10.210.1.7',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_label_app_kubernetes_io_instance: 'pg',
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_instance: 'true',
      __meta_kubernetes_pod_label_cdk8s_postgres_ha_role: 'primary',
      __meta_kubernetes_pod_labelpresent_cdk8s_postgres_ha_role: 'true',
      __meta_kubernetes_pod_container_name: 'agent',
      __meta_kubernetes_pod_container_port_name: 'agent-api',
      __meta_kubernetes_pod_container_port_number: '8008',
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
    });
  });
});
