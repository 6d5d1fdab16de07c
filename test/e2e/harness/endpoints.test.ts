import { serviceEndpoints } from '../../../e2e/harness/endpoints';
import type { Pod, Service } from '../../../e2e/harness/kube';

const ROLE = 'cdk8s-postgres-ha/role';

function pod(name: string, options: { role?: string; ready?: boolean; ip?: string | null; terminating?: boolean; namespace?: string } = {}): Pod {
  const { role = 'replica', ready = true, ip = `10.244.1.${name.slice(-1)}`, terminating = false, namespace = 'demo' } = options;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'db', [ROLE]: role }, ...(terminating ? { deletionTimestamp: '2030-01-01T00:00:00Z' } : {}) },
    spec: { containers: [{ name: 'postgres', ports: [{ name: 'postgres', containerPort: 5432 }] }, { name: 'agent', ports: [{ name: 'agent-api', containerPort: 8008 }] }] },
    status: { phase: 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function service(selector: Record<string, string> | undefined, targetPort: string | number, publishNotReadyAddresses = false): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'demo' }, spec: { selector, publishNotReadyAddresses, ports: [{ port: 5432, targetPort }] } };
}

const endpoints = (svc: Service, pods: Pod[]) => serviceEndpoints(svc, svc.spec?.ports?.[0] ?? { port: 0 }, pods);

describe('serviceEndpoints', () => {
  it('routes to the ready pods whose labels match the selector', () => {
    const pods = [pod('db-0', { role: 'primary' }), pod('db-1'), pod('db-2')];
    expect(endpoints(service({ app: 'db', [ROLE]: 'primary' }, 'postgres'), pods)).toEqual([{ pod: 'db-0', address: '10.244.1.0', port: 5432 }]);
  });

  it('resolves a named targetPort against the pod\'s containers', () => {
    expect(endpoints(service({ app: 'db' }, 'agent-api'), [pod('db-1')])).toEqual([{ pod: 'db-1', address: '10.244.1.1', port: 8008 }]);
  });

  it('leaves out a pod that declares no port of that name', () => {
    expect(endpoints(service({ app: 'db' }, 'metrics'), [pod('db-1')])).toEqual([]);
  });

  it('takes a numeric targetPort as it is', () => {
    expect(endpoints(service({ app: 'db' }, 6000), [pod('db-1')])).toEqual([{ pod: 'db-1', address: '10.244.1.1', port: 6000 }]);
  });

  it('leaves out pods that are unready, terminating, without an address, or in another namespace', () => {
    const pods = [pod('db-1', { ready: false }), pod('db-2', { terminating: true }), pod('db-3', { ip: null }), pod('db-4', { namespace: 'other' })];
    expect(endpoints(service({ app: 'db' }, 'postgres'), pods)).toEqual([]);
  });

  it('includes unready and terminating pods when the Service publishes not-ready addresses', () => {
    const pods = [pod('db-1', { ready: false }), pod('db-2', { terminating: true })];
    expect(endpoints(service({ app: 'db' }, 'postgres', true), pods).map((e) => e.pod)).toEqual(['db-1', 'db-2']);
  });

  it('has no endpoints for a Service without a selector', () => {
    expect(endpoints(service(undefined, 'postgres'), [pod('db-1')])).toEqual([]);
  });
});
