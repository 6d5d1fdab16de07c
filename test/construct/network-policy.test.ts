import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PostgresCluster } from '../../lib';
import { container, find, Manifest, render } from './helpers';

const MEMBERS = { matchLabels: { 'app.kubernetes.io/instance': 'pg', 'app.kubernetes.io/name': 'postgres' } };
const POSTGRES = { port: 5432, protocol: 'TCP' };
const AGENT_API = { port: 8008, protocol: 'TCP' };
const AGENT_MEMBERS = { port: 8009, protocol: 'TCP' };

/** A cluster `pg` in namespace `demo`, with whatever `setup` adds and allows; its rendered NetworkPolicy. */
function policyWith(setup: (chart: Chart, cluster: PostgresCluster) => void): Manifest {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
  const cluster = new PostgresCluster(chart, 'pg');
  setup(chart, cluster);
  return find(Testing.synth(chart), 'NetworkPolicy', 'pg');
}

describe('NetworkPolicy', () => {
  test('admits PostgreSQL and the agents\' member API from the members only (not the open API), and leaves egress open', () => {
    expect(find(render().manifests, 'NetworkPolicy', 'pg').spec).toEqual({
      podSelector: MEMBERS,
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: MEMBERS }], ports: [POSTGRES, AGENT_MEMBERS] }],
    });
  });

  test('selects exactly the StatefulSet\'s pods, on the ports their containers declare', () => {
    const { manifests } = render();
    const template = find(manifests, 'StatefulSet', 'pg').spec.template;
    const policy = find(manifests, 'NetworkPolicy', 'pg');
    expect(template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(find(manifests, 'StatefulSet', 'pg').spec.selector).toEqual(policy.spec.podSelector);
    expect(container(manifests, 'pg', 'postgres').ports).toEqual([{ name: 'postgres', containerPort: POSTGRES.port }]);
    expect(container(manifests, 'pg', 'agent').ports).toEqual([{ name: 'agent-api', containerPort: AGENT_API.port }, { name: 'agent-members', containerPort: AGENT_MEMBERS.port }]);
  });

  test('is applied before the StatefulSet, so the members never run without it', () => {
    const kinds = render().manifests.map((m) => m.kind);
    expect(kinds.indexOf('NetworkPolicy')).toBeLessThan(kinds.indexOf('StatefulSet'));
  });

  test('allowFrom a workload opens PostgreSQL, not the agents\' API, to its pods in its namespace', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
    const cluster = new PostgresCluster(chart, 'pg');
    cluster.connections.allowFrom(new kplus.Deployment(chart, 'App', { metadata: { name: 'app' }, containers: [{ image: 'my-app' }] }));
    const manifests = Testing.synth(chart);
    expect(find(manifests, 'NetworkPolicy', 'pg').spec.ingress[1]).toEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'demo' } },
        podSelector: { matchLabels: find(manifests, 'Deployment', 'app').spec.template.metadata.labels },
      }],
      ports: [POSTGRES],
    });
  });

  test('allowFrom takes selected pods, namespaces and address ranges, in the order given', () => {
    const policy = policyWith((chart, cluster) => {
      cluster.connections.allowFrom(kplus.Pods.select(chart, 'Reporting', { labels: { team: 'reporting' } }));
      cluster.connections.allowFrom(kplus.Namespaces.select(chart, 'Apps', { names: ['apps'] }));
      cluster.connections.allowFrom(kplus.NetworkPolicyIpBlock.ipv4(chart, 'Office', '192.0.2.0/24'));
    });
    expect(policy.spec.ingress.slice(1)).toEqual([
      { from: [{ podSelector: { matchLabels: { team: 'reporting' } } }], ports: [POSTGRES] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: {} }], ports: [POSTGRES] },
      { from: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [POSTGRES] },
    ]);
  });

  test('allowing the same peer twice renders one rule', () => {
    const policy = policyWith((chart, cluster) => {
      const app = new kplus.Deployment(chart, 'App', { containers: [{ image: 'my-app' }] });
      cluster.connections.allowFrom(app);
      cluster.connections.allowFrom(app);
    });
    expect(policy.spec.ingress).toHaveLength(2);
  });

  test('can open further ports through the rendered policy, e.g. the agents\' metrics to Prometheus', () => {
    const policy = policyWith((chart, cluster) => {
      const prometheus = kplus.Pods.select(chart, 'Prometheus', {
        labels: { 'app.kubernetes.io/name': 'prometheus' },
        namespaces: kplus.Namespaces.select(chart, 'Monitoring', { names: ['monitoring'] }),
      });
      cluster.networkPolicy!.addIngressRule(prometheus, [kplus.NetworkPolicyPort.tcp(8008)]);
    });
    expect(policy.spec.ingress[1]).toEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      }],
      ports: [AGENT_API],
    });
  });

  test('validates against the Kubernetes schema with every kind of peer', () => {
    const policy = policyWith((chart, cluster) => {
      cluster.connections.allowFrom(new kplus.Deployment(chart, 'App', { containers: [{ image: 'my-app' }] }));
      cluster.connections.allowFrom(kplus.Namespaces.all(chart, 'Everywhere'));
      cluster.connections.allowFrom(kplus.NetworkPolicyIpBlock.ipv6(chart, 'V6', '2001:db8::/32', ['2001:db8:1::/48']));
    });
    expect(() => new NetworkPolicy(policy as any).validate()).not.toThrow();
  });

  test('each cluster\'s policy selects its own members only', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
    new PostgresCluster(chart, 'orders');
    new PostgresCluster(chart, 'billing');
    const manifests = Testing.synth(chart);
    for (const name of ['orders', 'billing']) {
      const policy = find(manifests, 'NetworkPolicy', name);
      expect(policy.spec.podSelector.matchLabels['app.kubernetes.io/instance']).toBe(name);
      expect(policy.spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/instance']).toBe(name);
    }
  });

  test('is not rendered with networkPolicy: false, and allowFrom then changes nothing', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
    const cluster = new PostgresCluster(chart, 'pg', { networkPolicy: false });
    cluster.connections.allowFrom(new kplus.Deployment(chart, 'App', { containers: [{ image: 'my-app' }] }));
    expect(cluster.networkPolicy).toBeUndefined();
    expect(Testing.synth(chart).filter((m) => m.kind === 'NetworkPolicy')).toEqual([]);
  });
});
