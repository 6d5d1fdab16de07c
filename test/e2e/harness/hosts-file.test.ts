import { dnsNames, hostsFile, resolvConf } from '../../../e2e/harness/hosts-file';

describe('hostsFile', () => {
  const text = hostsFile({
    pod: { name: 'ha-postgres-0', namespace: 'demo', address: '10.244.1.2', subdomain: 'ha-postgres-pods' },
    members: [
      { name: 'ha-postgres-0', namespace: 'demo', subdomain: 'ha-postgres-pods', address: '10.244.1.2' },
      { name: 'ha-postgres-1', namespace: 'demo', subdomain: 'ha-postgres-pods', address: '10.244.1.3' },
    ],
    services: [
      { name: 'ha-postgres', namespace: 'demo', address: '10.96.0.10' },
      { name: 'kubernetes', namespace: 'default', address: '10.96.0.1' },
    ],
    clusterDomain: 'cluster.local',
  });
  const lines = text.split('\n');

  it('starts with what the kubelet writes: localhost and the pod\'s own FQDN and hostname', () => {
    expect(lines.slice(0, 8)).toEqual([
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      '10.244.1.2\tha-postgres-0.ha-postgres-pods.demo.svc.cluster.local\tha-postgres-0',
    ]);
  });

  it('lists every StatefulSet member under its governing Service, in every spelling the search path resolves', () => {
    expect(lines).toContain('10.244.1.3\tha-postgres-1.ha-postgres-pods ha-postgres-1.ha-postgres-pods.demo ha-postgres-1.ha-postgres-pods.demo.svc ha-postgres-1.ha-postgres-pods.demo.svc.cluster.local');
  });

  it('lists Services; the short name only inside the viewer\'s namespace', () => {
    expect(lines).toContain('10.96.0.10\tha-postgres ha-postgres.demo ha-postgres.demo.svc ha-postgres.demo.svc.cluster.local');
    expect(lines).toContain('10.96.0.1\tkubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local');
  });
});

describe('dnsNames', () => {
  it('spells a name for a viewer in another namespace without the short form', () => {
    expect(dnsNames('db', 'a', 'b', 'example.org')).toEqual(['db.a', 'db.a.svc', 'db.a.svc.example.org']);
  });
});

describe('resolvConf', () => {
  it('has the pod search path and a nameserver that answers at once', () => {
    expect(resolvConf('demo', 'cluster.local')).toBe('search demo.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5 attempts:1 timeout:1\n');
  });
});
