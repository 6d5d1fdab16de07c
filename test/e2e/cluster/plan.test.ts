import { nodePlan, NETWORK } from '../../../e2e/cluster/plan';
import { upOptionsFromEnv } from '../../../e2e/cluster/up';

describe('the real cluster plan', () => {
  it('gives each node its own /24 of the pod CIDR, bridge, kubelet ports and cgroup root', () => {
    const nodes = [1, 2, 3].map(nodePlan);
    expect(nodes.map((n) => n.podSubnet)).toEqual(['10.210.1.0/24', '10.210.2.0/24', '10.210.3.0/24']);
    const ports = nodes.flatMap((n) => [n.kubeletPort, n.kubeletHealthzPort]);
    expect(new Set(ports).size).toBe(ports.length);
    expect(new Set(nodes.map((n) => n.bridge)).size).toBe(3);
    expect(nodes.every((n) => n.bridge.length <= 15)).toBe(true);
    expect(new Set(nodes.map((n) => n.cgroupRoot)).size).toBe(3);
    for (const n of nodes) expect(n.podSubnet.startsWith(NETWORK.podCidr.split('.').slice(0, 2).join('.'))).toBe(true);
  });

  it('keeps the cluster apart from kubeadm\'s and kind\'s default ranges (10.244/16 pods, 10.96/12 Services)', () => {
    expect(NETWORK.podCidr).not.toMatch(/^10\.244\./);
    expect(NETWORK.serviceCidr).not.toMatch(/^10\.96\./);
    expect(NETWORK.apiServiceAddress.startsWith('10.211.')).toBe(true);
  });

  it('reads PGHA_E2E_NODES and PGHA_E2E_MAJORS, all three majors by default', () => {
    expect(upOptionsFromEnv({})).toEqual({ nodes: 3, majors: ['15', '17', '18'] });
    expect(upOptionsFromEnv({ PGHA_E2E_NODES: '1', PGHA_E2E_MAJORS: '17' })).toEqual({ nodes: 1, majors: ['17'] });
  });

  it('fails on a node count it cannot run, naming the variable and the value', () => {
    expect(() => upOptionsFromEnv({ PGHA_E2E_NODES: '4' })).toThrow('PGHA_E2E_NODES must be 1, 2 or 3, got 4');
    expect(() => upOptionsFromEnv({ PGHA_E2E_NODES: 'two' })).toThrow('PGHA_E2E_NODES must be 1, 2 or 3, got two');
  });

  it('fails on a major it has no image for', () => {
    expect(() => upOptionsFromEnv({ PGHA_E2E_MAJORS: '16,17' })).toThrow('PGHA_E2E_MAJORS may name 15, 17, 18; got 16');
  });
});
