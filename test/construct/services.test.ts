import { StandbyMode } from '../../lib';
import { find, render } from './helpers';

const SELECTOR = { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'pg' };
const POSTGRES_PORT = { name: 'postgres', port: 5432, targetPort: 'postgres' };

describe('Services', () => {
  test('the primary Service selects the member labelled primary', () => {
    for (const standbyMode of [StandbyMode.WARM, StandbyMode.HOT]) {
      expect(find(render({ standbyMode }).manifests, 'Service', 'pg').spec).toEqual({
        type: 'ClusterIP',
        ports: [POSTGRES_PORT],
        selector: { ...SELECTOR, 'cdk8s-postgres-ha/role': 'primary' },
      });
    }
  });

  test('the replicas Service selects the hot standbys', () => {
    expect(find(render({ standbyMode: StandbyMode.HOT }).manifests, 'Service', 'pg-replicas').spec).toEqual({
      type: 'ClusterIP',
      ports: [POSTGRES_PORT],
      selector: { ...SELECTOR, 'cdk8s-postgres-ha/role': 'replica' },
    });
  });

  test('the replicas Service selects the primary when standbys are warm, since they refuse connections', () => {
    expect(find(render({ standbyMode: StandbyMode.WARM }).manifests, 'Service', 'pg-replicas').spec.selector)
      .toEqual({ ...SELECTOR, 'cdk8s-postgres-ha/role': 'primary' });
  });

  test('the headless pods Service publishes every member, ready or not, on both ports', () => {
    expect(find(render().manifests, 'Service', 'pg-pods').spec).toEqual({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      ports: [POSTGRES_PORT, { name: 'agent-api', port: 8008, targetPort: 'agent-api' }],
      selector: SELECTOR,
    });
  });

  test('every Service targets ports the pod template declares', () => {
    const { manifests } = render();
    const declared = find(manifests, 'StatefulSet', 'pg').spec.template.spec.containers
      .flatMap((c: any) => c.ports.map((p: any) => p.name));
    for (const name of ['pg', 'pg-replicas', 'pg-pods']) {
      for (const port of find(manifests, 'Service', name).spec.ports) {
        expect(declared).toContain(port.targetPort);
      }
    }
  });
});
