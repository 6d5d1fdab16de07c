import type { ContainerStatus } from '../../../e2e/harness/kube';
import { podStatus } from '../../../e2e/harness/pod-status';

const container = (ready: boolean): ContainerStatus => ({ name: 'c', image: 'i', imageID: '', ready, restartCount: 0 });
const observation = (ready: boolean, created = true) => ({ podIP: '10.244.1.2', hostIP: '10.244.0.1', startTime: 't0', allContainersCreated: created, containerStatuses: [container(ready), container(true)] });

describe('podStatus', () => {
  it('is Pending until every container was created, then Running', () => {
    expect(podStatus(observation(false, false), undefined, 't1').phase).toBe('Pending');
    expect(podStatus(observation(false), undefined, 't1').phase).toBe('Running');
  });

  it('is Ready when every container is ready', () => {
    const ready = (status: ReturnType<typeof podStatus>) => status.conditions?.filter((c) => c.type === 'Ready' || c.type === 'ContainersReady').map((c) => c.status);
    expect(ready(podStatus(observation(false), undefined, 't1'))).toEqual(['False', 'False']);
    expect(ready(podStatus(observation(true), undefined, 't1'))).toEqual(['True', 'True']);
  });

  it('moves a condition\'s transition time only when it flips', () => {
    const first = podStatus(observation(false), undefined, 't1');
    const same = podStatus(observation(false), first, 't2');
    const flipped = podStatus(observation(true), same, 't3');
    const readyAt = (status: ReturnType<typeof podStatus>) => status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
    expect([readyAt(first), readyAt(same), readyAt(flipped)]).toEqual(['t1', 't1', 't3']);
  });

  it('carries the addresses', () => {
    expect(podStatus(observation(true), undefined, 't1')).toMatchObject({ podIP: '10.244.1.2', podIPs: [{ ip: '10.244.1.2' }], hostIP: '10.244.0.1', startTime: 't0' });
  });
});
