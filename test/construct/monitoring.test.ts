import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Duration, Size } from 'cdk8s';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { stringify } from 'yaml';
import { METRIC_NAMES } from '../../agent/http/metric-names';
import { ClusterMonitoring, PostgresClusterProps } from '../../lib';
import { find, Manifest, render } from './helpers';
import { validatePodMonitor } from './monitoring-schema';
import { referencedSeries } from './promql';

const PROMTOOL = process.env.PGHA_PROMTOOL ?? '/usr/bin/promtool';
const MEMBERS = { 'app.kubernetes.io/instance': 'pg', 'app.kubernetes.io/name': 'postgres' };

const monitored = (monitoring: PostgresClusterProps['monitoring'] = {}, props: PostgresClusterProps = {}) => render({ ...props, monitoring }).manifests;
const rules = (manifests: Manifest[]) => find(manifests, 'PrometheusRule', 'pg').spec.groups.flatMap((g: any) => g.rules);
const rule = (manifests: Manifest[], alert: string, severity = 'warning') => rules(manifests).find((r: any) => r.alert === alert && r.labels.severity === severity);
const dashboardOf = (manifests: Manifest[]) => JSON.parse(find(manifests, 'ConfigMap', 'pg-dashboard').data['pg.json']);

/** `promtool check rules` on the rule groups, as prometheus-operator hands them to Prometheus. */
function promtoolCheck(manifest: Manifest): string {
  if (!existsSync(PROMTOOL)) {
    throw new Error(`${PROMTOOL} does not exist: install Debian's prometheus package (apt-get install prometheus), `
      + 'or set PGHA_PROMTOOL to a promtool binary');
  }
  const dir = mkdtempSync(join(tmpdir(), 'pgha-rules-'));
  try {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, stringify({ groups: manifest.spec.groups }));
    return execFileSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('monitoring', () => {
  test('renders nothing for monitoring without the prop', () => {
    const { cluster, manifests } = render();
    expect(cluster.monitoring).toBeUndefined();
    expect(manifests.filter((m) => m.apiVersion.startsWith('monitoring.coreos.com/') || m.metadata.name === 'pg-dashboard')).toEqual([]);
  });

  describe('with the defaults (monitoring: {})', () => {
    const { cluster, manifests } = render({ monitoring: {} });

    test('a PodMonitor scrapes /metrics on the agents\' named port every 30s, labelling each series with the cluster', () => {
      const podMonitor = find(manifests, 'PodMonitor', 'pg');
      expect(podMonitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(podMonitor.metadata.namespace).toBe('demo');
      expect(podMonitor.spec).toEqual({
        selector: { matchLabels: MEMBERS },
        namespaceSelector: { matchNames: ['demo'] },
        podMetricsEndpoints: [{
          port: 'agent-api',
          path: '/metrics',
          interval: '30s',
          relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'pgha_cluster' }],
        }],
      });
      expect(cluster.monitoring?.podMonitor).toBeDefined();
    });

    test('the port it scrapes is the agent container\'s, and its selector picks the StatefulSet\'s pods', () => {
      const template = find(manifests, 'StatefulSet', 'pg').spec.template;
      const agent = template.spec.containers.find((c: any) => c.name === 'agent');
      expect(agent.ports).toEqual([{ name: 'agent-api', containerPort: 8008 }, { name: 'agent-members', containerPort: 8009 }]);
      expect(template.metadata.labels).toEqual(expect.objectContaining(MEMBERS));
    });

    test('the PodMonitor validates against the vendored CRD', () => {
      expect(() => validatePodMonitor(find(manifests, 'PodMonitor', 'pg'))).not.toThrow();
    });

    test('the NetworkPolicy admits prometheus-operator\'s Prometheus pods, from any namespace, to the agents\' port only', () => {
      const policy = find(manifests, 'NetworkPolicy', 'pg');
      expect(policy.spec.ingress[1]).toEqual({
        from: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: [{ port: 8008, protocol: 'TCP' }],
      });
      expect(() => new NetworkPolicy(policy as any).validate()).not.toThrow();
    });

    test('the PrometheusRule has every alert, each with a severity, a summary, a description and a runbook anchor', () => {
      const prometheusRule = find(manifests, 'PrometheusRule', 'pg');
      expect(prometheusRule.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(prometheusRule.spec.groups.map((g: any) => g.name)).toEqual(['cdk8s-postgres-ha.demo.pg']);
      expect(rules(manifests).map((r: any) => `${r.alert}/${r.labels.severity}`)).toEqual([
        'PostgresHANoPrimary/critical',
        'PostgresHAMultiplePrimaries/critical',
        'PostgresHAMemberDown/warning',
        'PostgresHAStandbyNotStreaming/warning',
        'PostgresHAStandbysMissing/warning',
        'PostgresHAReplicationLagHigh/warning',
        'PostgresHAFenced/warning',
        'PostgresHALeaseRenewalsFailing/warning',
        'PostgresHAArchivingFailing/warning',
        'PostgresHAArchiveBacklog/warning',
        'PostgresHAArchiveStale/warning',
        'PostgresHAWraparoundNear/warning',
        'PostgresHAWraparoundNear/critical',
      ]);
      for (const r of rules(manifests)) {
        expect(r.labels).toEqual({ severity: r.labels.severity, namespace: 'demo', pgha_cluster: 'pg' });
        expect(r.annotations.summary).not.toBe('');
        expect(r.annotations.description).not.toBe('');
        expect(r.annotations.runbook_url).toBe(`https://www.npmjs.com/package/cdk8s-postgres-ha#${r.alert.toLowerCase()}`);
      }
    });

    test('every alert reads only this cluster\'s series', () => {
      for (const r of rules(manifests)) {
        const selectors: string[] = r.expr.match(/\{[^}]*\}/g);
        expect(selectors.length).toBeGreaterThan(0);
        for (const s of selectors) expect(s).toContain('namespace="demo",pgha_cluster="pg"');
      }
    });

    test('every alert waits the one-minute default before it fires, except the fencing event', () => {
      for (const r of rules(manifests)) expect(r.for).toBe(r.alert === 'PostgresHAFenced' ? undefined : '60s');
    });

    test('the lag alert fires over maximumLagOnFailover (16Mi by default)', () => {
      expect(rule(manifests, 'PostgresHAReplicationLagHigh').expr).toMatch(/> 16777216$/);
    });

    test('the standbys-missing alert expects replicas - 1 streaming standbys', () => {
      expect(rule(manifests, 'PostgresHAStandbysMissing').expr).toContain('< 2 and on ()');
    });

    test('promtool check rules accepts the rules', () => {
      expect(promtoolCheck(find(manifests, 'PrometheusRule', 'pg'))).toMatch(/SUCCESS: 13 rules found/);
    });

    test('a ConfigMap with the dashboard carries the Grafana sidecar\'s label, preset to this cluster', () => {
      const configMap = find(manifests, 'ConfigMap', 'pg-dashboard');
      expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
      expect(() => new ConfigMap(configMap as any).validate()).not.toThrow();
      const dashboard = dashboardOf(manifests);
      expect(dashboard.title).toBe('PostgreSQL HA: demo/pg');
      expect(dashboard.uid).toMatch(/^pgha-[0-9a-f]{16}$/);
      const variables = Object.fromEntries(dashboard.templating.list.map((v: any) => [v.name, v.current?.value]));
      expect(variables).toEqual({ datasource: undefined, namespace: 'demo', cluster: 'pg' });
    });

    test('clusters of other names or namespaces get dashboards of other uids', () => {
      const other = JSON.parse(find(render({ monitoring: {} }, { id: 'pg', namespace: 'other' }).manifests, 'ConfigMap', 'pg-dashboard').data['pg.json']);
      expect(other.uid).not.toBe(dashboardOf(manifests).uid);
    });
  });

  test('the alerts and the dashboard reference only series the agent exports (agent/http/metric-names.ts), and Prometheus\'s up', () => {
    const known = new Set([...METRIC_NAMES, 'up']);
    const manifests = monitored();
    const exprs = [
      ...rules(manifests).map((r: any) => r.expr),
      ...dashboardOf(manifests).panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr)),
      ...dashboardOf(manifests).templating.list.filter((v: any) => v.type === 'query').map((v: any) => v.query.query),
    ];
    const used = new Set(exprs.flatMap(referencedSeries));
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    // The reader is not vacuous: it finds the role gauge and PostgreSQL's series.
    expect([...used]).toEqual(expect.arrayContaining(['pgha_role', 'pg_standby_streaming', 'pg_xact_commit_total', 'up']));
  });

  test('the series reader skips functions, labels, ranges, grouping clauses and Grafana variables', () => {
    expect(referencedSeries('max by (member) (rate(foo_total{a="b",c=~"d"}[$__rate_interval])) > 1e9 and on (x, y) bar unless baz == 1'))
      .toEqual(['bar', 'baz', 'foo_total']);
    expect(referencedSeries('label_values(pgha_role{namespace="$namespace"}, pgha_cluster)')).toEqual(['pgha_role']);
  });

  test('the shipped dashboard (ClusterMonitoring.GRAFANA_DASHBOARD) is the ConfigMap\'s, without a preset cluster', () => {
    const shipped = JSON.parse(ClusterMonitoring.GRAFANA_DASHBOARD);
    const perCluster = dashboardOf(monitored());
    expect(shipped.uid).toBe('cdk8s-postgres-ha');
    expect(shipped.panels).toEqual(perCluster.panels);
    expect(shipped.templating.list.every((v: any) => v.current === undefined)).toBe(true);
  });

  test('each part can be turned off', () => {
    const manifests = monitored({ podMonitor: false, alertRules: false, grafanaDashboard: false });
    expect(manifests.filter((m) => ['PodMonitor', 'PrometheusRule'].includes(m.kind) || m.metadata.name === 'pg-dashboard')).toEqual([]);
    expect(find(manifests, 'NetworkPolicy', 'pg').spec.ingress).toHaveLength(1);
  });

  test('with networkPolicy: false, the PodMonitor is rendered and no policy', () => {
    const manifests = monitored({}, { networkPolicy: false });
    expect(manifests.filter((m) => m.kind === 'NetworkPolicy')).toEqual([]);
    expect(find(manifests, 'PodMonitor', 'pg')).toBeDefined();
  });

  test('custom interval, pending period, Prometheus labels, selector labels and runbook URL', () => {
    const manifests = monitored({
      scrapeInterval: Duration.seconds(10),
      alertPendingPeriod: Duration.minutes(5),
      prometheusPodLabels: { app: 'prometheus' },
      prometheusNamespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
      labels: { release: 'kube-prometheus-stack' },
      runbookUrl: 'https://wiki.example.com/postgres',
    }, { maximumLagOnFailover: Size.mebibytes(64) });
    expect(find(manifests, 'PodMonitor', 'pg').spec.podMetricsEndpoints[0].interval).toBe('10s');
    expect(find(manifests, 'PodMonitor', 'pg').metadata.labels.release).toBe('kube-prometheus-stack');
    expect(find(manifests, 'PrometheusRule', 'pg').metadata.labels.release).toBe('kube-prometheus-stack');
    expect(rule(manifests, 'PostgresHANoPrimary', 'critical').for).toBe('300s');
    expect(rule(manifests, 'PostgresHANoPrimary', 'critical').annotations.runbook_url).toBe('https://wiki.example.com/postgres#postgreshanoprimary');
    expect(rule(manifests, 'PostgresHAReplicationLagHigh').expr).toMatch(/> 67108864$/);
    expect(find(manifests, 'NetworkPolicy', 'pg').spec.ingress[1].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { app: 'prometheus' } },
    }]);
    expect(promtoolCheck(find(manifests, 'PrometheusRule', 'pg'))).toMatch(/SUCCESS/);
  });

  test('a one-member cluster has no standbys-missing alert', () => {
    const manifests = monitored({}, { replicas: 1 });
    expect(rules(manifests).map((r: any) => r.alert)).not.toContain('PostgresHAStandbysMissing');
    expect(promtoolCheck(find(manifests, 'PrometheusRule', 'pg'))).toMatch(/SUCCESS: 12 rules found/);
  });

  test('fails on a scrape interval of zero', () => {
    expect(() => monitored({ scrapeInterval: Duration.seconds(0) }))
      .toThrow('monitoring.scrapeInterval must be a whole number of seconds, at least 1s, got 0s');
  });

  test('fails on a scrape interval of a fraction of a second', () => {
    expect(() => monitored({ scrapeInterval: Duration.millis(1500) }))
      .toThrow('monitoring.scrapeInterval must be a whole number of seconds, at least 1s, got 1500ms');
  });

  test('fails on a pending period of zero', () => {
    expect(() => monitored({ alertPendingPeriod: Duration.seconds(0) }))
      .toThrow('monitoring.alertPendingPeriod must be a whole number of seconds, at least 1s, got 0s');
  });

  test('fails on a label that is not a Kubernetes label', () => {
    expect(() => monitored({ labels: { 'release name': 'x' } }))
      .toThrow('monitoring.labels must be Kubernetes labels (names like app.kubernetes.io/name, values of at most 63 letters, digits, \'-\', \'_\' and \'.\'), got {"release name":"x"}');
  });

  test('fails on a runbook URL with a fragment', () => {
    expect(() => monitored({ runbookUrl: 'https://wiki.example.com/pg#alerts' }))
      .toThrow('monitoring.runbookUrl must be an http(s) URL without a fragment (the alert\'s anchor is appended), got "https://wiki.example.com/pg#alerts"');
  });
});
