/**
 * A real Prometheus (Debian's `prometheus` package, on the host) scraping the test cluster the way
 * prometheus-operator would make it scrape a PodMonitor, with a PrometheusRule's groups as its rule file.
 *
 * STAND-IN for prometheus-operator (which cannot run here: no image registry to pull it from). It
 * translates one PodMonitor into the scrape configuration the operator generates for it: pods of the
 * PodMonitor's namespaces, a `keep` on each `selector.matchLabels` label and on the endpoint's named
 * port, the operator's target labels (`namespace`, `pod`, `container`, `job` = `<namespace>/<name>`,
 * `endpoint`), then the endpoint's own `relabelings`, path and interval; Prometheus applies these
 * relabelings itself.
 *
 * STAND-IN for Prometheus's Kubernetes service discovery: Debian builds Prometheus without it
 * (`kubernetes_sd_configs` is an unknown field there). So this module lists the pods itself
 * (`kubectl get pods -o json`, every second) and writes one `file_sd_configs` target per container
 * port with the `__meta_kubernetes_*` labels that `role: pod` discovery sets (namespace, pod name,
 * phase, IP, labels and labelpresent, container name, port name and number). Only those labels are
 * produced (no annotations, node, controller or readiness labels), and a change reaches Prometheus
 * within about a second plus its file watch, where the Kubernetes discovery watches the API.
 *
 * How the whole differs from the operator: only what the rendered PodMonitor uses is translated
 * (`matchLabels`, `matchNames`, `port`, `path`, `interval`, `relabelings`; no `matchExpressions`,
 * `podTargetLabels`, TLS or auth); the rule file is written once at start (the operator reloads
 * Prometheus when rules change); Prometheus reaches the pod addresses from the host (the node's
 * bridge) instead of from a pod; and there is no Alertmanager: alerts are read from Prometheus's own
 * API, where firing and resolving happen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { delay } from '../support/sleep';
import type { Kubectl } from '../cluster/kubectl';

const BINARY = process.env.PGHA_PROMETHEUS ?? '/usr/bin/prometheus';
const ADDRESS = '127.0.0.1:19090';
/** Alert rules are evaluated this often: short, so a fault shows within seconds. */
const EVALUATION_INTERVAL = '1s';

interface PodMonitorJson {
  metadata: { name: string; namespace: string };
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector?: { matchNames?: string[] };
    podMetricsEndpoints: Array<{ port: string; path?: string; interval?: string; relabelings?: Array<{ sourceLabels?: string[]; targetLabel?: string; regex?: string; replacement?: string; action?: string }> }>;
  };
}

export interface Alert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
}

export interface Target {
  readonly labels: Record<string, string>;
  readonly health: string;
  readonly lastError: string;
}

/** Prometheus's name for a Kubernetes label in discovery metadata. */
const sanitize = (label: string) => label.replace(/[^a-zA-Z0-9_]/g, '_');

/** The scrape configs prometheus-operator generates for a PodMonitor (one job per endpoint). */
export function scrapeConfigs(podMonitor: PodMonitorJson, targetsFile: string): unknown[] {
  const { name, namespace } = podMonitor.metadata;
  return podMonitor.spec.podMetricsEndpoints.map((endpoint, index) => ({
    job_name: `podMonitor/${namespace}/${name}/${index}`,
    honor_labels: false,
    ...(endpoint.interval ? { scrape_interval: endpoint.interval } : {}),
    metrics_path: endpoint.path ?? '/metrics',
    // The operator writes kubernetes_sd_configs role pod in these namespaces; see podTargets().
    file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)', action: 'drop' },
      ...Object.entries(podMonitor.spec.selector.matchLabels).map(([label, value]) => ({
        source_labels: [`__meta_kubernetes_pod_label_${sanitize(label)}`, `__meta_kubernetes_pod_labelpresent_${sanitize(label)}`],
        regex: `(${value});true`,
        action: 'keep',
      })),
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: endpoint.port, action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { target_label: 'job', replacement: `${namespace}/${name}` },
      { target_label: 'endpoint', replacement: endpoint.port },
      ...(endpoint.relabelings ?? []).map((r) => ({
        ...(r.sourceLabels ? { source_labels: r.sourceLabels } : {}),
        ...(r.targetLabel ? { target_label: r.targetLabel } : {}),
        ...(r.regex ? { regex: r.regex } : {}),
        ...(r.replacement !== undefined ? { replacement: r.replacement } : {}),
        ...(r.action ? { action: r.action.toLowerCase() } : {}),
      })),
    ],
  }));
}

interface PodJson {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  status: { phase?: string; podIP?: string };
  spec: { containers: Array<{ name: string; ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }> };
}

/** What Prometheus's `role: pod` discovery makes of pods: one target per container port. */
export function podTargets(pods: readonly PodJson[]): Array<{ targets: string[]; labels: Record<string, string> }> {
  return pods.filter((p) => p.status.podIP).flatMap((pod) => pod.spec.containers.flatMap((container) => (container.ports ?? []).map((port) => ({
    targets: [`${pod.status.podIP}:${port.containerPort}`],
    labels: {
      __meta_kubernetes_namespace: pod.metadata.namespace,
      __meta_kubernetes_pod_name: pod.metadata.name,
      __meta_kubernetes_pod_ip: pod.status.podIP!,
      __meta_kubernetes_pod_phase: pod.status.phase ?? '',
      ...Object.fromEntries(Object.entries(pod.metadata.labels ?? {}).flatMap(([k, v]) => [
        [`__meta_kubernetes_pod_label_${sanitize(k)}`, v],
        [`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`, 'true'],
      ])),
      __meta_kubernetes_pod_container_name: container.name,
      __meta_kubernetes_pod_container_port_name: port.name ?? '',
      __meta_kubernetes_pod_container_port_number: String(port.containerPort),
      __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP',
    },
  }))));
}

export class HostPrometheus {
  private process: ChildProcess | undefined;
  private output = '';
  private discovering = false;
  private discovery: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string, private readonly kubectl: Kubectl) {}

  /** Lists the pods every second and rewrites the targets file when they change (atomically, for the file watch). */
  private async discover(namespaces: readonly string[], file: string): Promise<void> {
    let last = '';
    while (this.discovering) {
      try {
        const pods = (await Promise.all(namespaces.map((n) => this.kubectl.json<{ items: PodJson[] }>(['get', 'pods', '-n', n])))).flatMap((l) => l.items);
        const text = JSON.stringify(podTargets(pods), undefined, 1);
        if (text !== last) {
          writeFileSync(`${file}.tmp`, text);
          renameSync(`${file}.tmp`, file);
          last = text;
        }
      } catch (error) {
        this.output += `discovery: ${error instanceof Error ? error.message : String(error)}\n`;
      }
      await delay(1000);
    }
  }

  /** Starts Prometheus on a fresh data folder with the PodMonitor's scrape jobs and the rule groups. */
  async start(podMonitor: PodMonitorJson, ruleGroups: unknown[]): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    const targets = join(this.dir, 'targets.json');
    writeFileSync(targets, '[]');
    this.discovering = true;
    this.discovery = this.discover(podMonitor.spec.namespaceSelector?.matchNames ?? [podMonitor.metadata.namespace], targets);
    const rules = join(this.dir, 'rules.yaml');
    writeFileSync(rules, stringify({ groups: ruleGroups }));
    const config = join(this.dir, 'prometheus.yaml');
    writeFileSync(config, stringify({
      global: { evaluation_interval: EVALUATION_INTERVAL },
      rule_files: [rules],
      scrape_configs: scrapeConfigs(podMonitor, targets),
    }));
    this.process = spawn(BINARY, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(this.dir, 'data')}`,
      `--web.listen-address=${ADDRESS}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => { this.output = (this.output + chunk.toString()).slice(-20_000); };
    this.process.stdout?.on('data', keep);
    this.process.stderr?.on('data', keep);
    for (let i = 0; i < 100; i++) {
      if (this.process.exitCode !== null) throw new Error(`prometheus exited with ${this.process.exitCode}:\n${this.output}`);
      try {
        if ((await fetch(`http://${ADDRESS}/-/ready`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await delay(100);
    }
    throw new Error(`prometheus did not become ready:\n${this.output}`);
  }

  async stop(): Promise<void> {
    this.discovering = false;
    await this.discovery;
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Prometheus's own log, for a failed run's diagnostics. */
  get log(): string {
    return this.output;
  }

  private async api<T>(path: string): Promise<T> {
    const response = await fetch(`http://${ADDRESS}/api/v1/${path}`, { signal: AbortSignal.timeout(5000) });
    const body = await response.json() as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`GET /api/v1/${path}: ${body.error}`);
    return body.data;
  }

  /** An instant query's samples: labels and value. */
  async query(expr: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
    const data = await this.api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`query?query=${encodeURIComponent(expr)}`);
    return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  async targets(): Promise<Target[]> {
    const data = await this.api<{ activeTargets: Target[] }>('targets?state=active');
    return data.activeTargets;
  }

  async alerts(): Promise<Alert[]> {
    return (await this.api<{ alerts: Alert[] }>('alerts')).alerts;
  }
}
