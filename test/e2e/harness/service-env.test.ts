import type { Service } from '../../../e2e/harness/kube';
import { serviceLinkEnv } from '../../../e2e/harness/service-env';

const service = (name: string, clusterIP: string, ports: NonNullable<Service['spec']>['ports']): Service =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'demo' }, spec: { clusterIP, ports } });

describe('serviceLinkEnv', () => {
  it('writes the kubelet\'s variables for each port of a Service', () => {
    expect(serviceLinkEnv([service('kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }])])).toEqual({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    });
  });

  it('turns dashes into underscores and skips headless Services', () => {
    const env = serviceLinkEnv([
      service('ha-postgres-replicas', '10.96.0.11', [{ name: 'postgres', port: 5432 }]),
      service('ha-postgres-pods', 'None', [{ name: 'postgres', port: 5432 }]),
    ]);
    expect(env.HA_POSTGRES_REPLICAS_SERVICE_PORT_POSTGRES).toBe('5432');
    expect(Object.keys(env).some((k) => k.startsWith('HA_POSTGRES_PODS'))).toBe(false);
  });
});
