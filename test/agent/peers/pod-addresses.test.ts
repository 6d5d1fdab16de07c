import { PodAddresses } from '../../../agent/peers/pod-addresses';

const dns = (member: string) => `${member}.pg-pods.demo.svc.cluster.local`;

describe('PodAddresses', () => {
  it('reaches a member at the address of the latest Pod list', () => {
    const addresses = new PodAddresses(dns);
    addresses.update([{ name: 'pg-0', podIP: '10.0.0.5' }, { name: 'pg-1', podIP: '10.0.0.6' }]);
    expect(addresses.host('pg-1')).toBe('10.0.0.6');
  });

  it('uses the per-pod DNS name before any list, and for a pod without an address yet', () => {
    const addresses = new PodAddresses(dns);
    expect(addresses.host('pg-2')).toBe('pg-2.pg-pods.demo.svc.cluster.local');
    addresses.update([{ name: 'pg-2', podIP: null }]);
    expect(addresses.host('pg-2')).toBe('pg-2.pg-pods.demo.svc.cluster.local');
  });

  it('follows a re-created pod to its new address, and forgets a pod that is gone', () => {
    const addresses = new PodAddresses(dns);
    addresses.update([{ name: 'pg-0', podIP: '10.0.0.5' }]);
    addresses.update([{ name: 'pg-0', podIP: '10.0.0.9' }]);
    expect(addresses.host('pg-0')).toBe('10.0.0.9');
    addresses.update([]);
    expect(addresses.host('pg-0')).toBe('pg-0.pg-pods.demo.svc.cluster.local');
  });
});
