import { App } from 'cdk8s';
import { haPostgres } from '../../../e2e/charts';
import { admitPod } from '../../../e2e/harness/admission';
import type { Pod, StatefulSet } from '../../../e2e/harness/kube';
import { mountPlan } from '../../../e2e/harness/mount-plan';
import { podForOrdinal } from '../../../e2e/harness/stateful-set-pods';

/** The first member as the StatefulSet controller and admission would create it from the rendered chart. */
function renderedPod(): Pod {
  const sts = haPostgres(new App()).toJson().find((o: { kind: string }) => o.kind === 'StatefulSet') as StatefulSet;
  return admitPod(podForOrdinal(sts, 0), (namespace, name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name } }));
}

describe('mountPlan of the rendered ha-postgres pod', () => {
  const pod = renderedPod();
  const dirs = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, `/work/${v.name}`]));
  const plan = (container: string) => mountPlan(pod.spec?.containers.find((c) => c.name === container) ?? { name: container }, dirs);
  const serviceAccount = [...dirs.keys()].find((name) => name.startsWith('kube-api-access-'));

  it('mounts the postgres container\'s volumes at their rendered paths (shallow first), config read-only', () => {
    expect(plan('postgres')).toEqual([
      { source: '/work/tmp', target: '/tmp', readOnly: false },
      { source: '/work/config', target: '/etc/pgha', readOnly: true },
      { source: '/work/run', target: '/run/pgha', readOnly: false },
      { source: '/work/data', target: '/var/lib/postgresql/data', readOnly: false },
      { source: `/work/${serviceAccount}`, target: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ]);
  });

  it('mounts the agent\'s bundle, the shared run folder, and the data read-only', () => {
    expect(plan('agent')).toEqual([
      { source: '/work/tmp', target: '/tmp', readOnly: false },
      { source: '/work/agent', target: '/opt/pgha', readOnly: true },
      { source: '/work/run', target: '/run/pgha', readOnly: false },
      { source: '/work/data', target: '/var/lib/postgresql/data', readOnly: true },
      { source: `/work/${serviceAccount}`, target: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ]);
  });
});

describe('mountPlan', () => {
  it('mounts parents before children and resolves subPath', () => {
    const container = { name: 'c', volumeMounts: [{ name: 'b', mountPath: '/a/b', subPath: 'x/y' }, { name: 'a', mountPath: '/a' }] };
    expect(mountPlan(container, new Map([['a', '/v/a'], ['b', '/v/b']]))).toEqual([
      { source: '/v/a', target: '/a', readOnly: false },
      { source: '/v/b/x/y', target: '/a/b', readOnly: false },
    ]);
  });

  it('mounts over /tmp last when the volumes\' host folders are under /tmp (a checkout in /tmp)', () => {
    const pod = renderedPod();
    const dirs = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, `/tmp/ci/e2e/.work/pods/p/${v.name}`]));
    const plan = mountPlan(pod.spec?.containers.find((c) => c.name === 'postgres') ?? { name: 'postgres' }, dirs);
    expect(plan.map((m) => m.target)).toEqual(['/etc/pgha', '/run/pgha', '/var/lib/postgresql/data', '/var/run/secrets/kubernetes.io/serviceaccount', '/tmp']);
  });

  it('fails clearly when no order works: a child mount whose folder its parent mount hides', () => {
    const container = { name: 'c', volumeMounts: [{ name: 'a', mountPath: '/v' }, { name: 'b', mountPath: '/v/b' }] };
    expect(() => mountPlan(container, new Map([['a', '/x/a'], ['b', '/v/host-b']])))
      .toThrow('container c: the e2e harness cannot order the mounts at /v, /v/b: each hides a folder another one needs');
  });

  it('fails on a mount of a volume the pod does not define', () => {
    expect(() => mountPlan({ name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, new Map()))
      .toThrow('container c mounts volume "nope", which the pod does not define');
  });
});
