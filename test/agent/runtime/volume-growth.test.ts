// A member's check of its own claim: grow it once, tell the API server's refusal once, never shrink.
import type { ClaimView } from '../../../agent/core/volume';
import type { Claims } from '../../../agent/kube/claims';
import { KubeApiError } from '../../../agent/kube/client';
import type { EventRecorder } from '../../../agent/kube/events';
import { jsonLogger } from '../../../agent/runtime/log';
import { VolumeGrowth } from '../../../agent/runtime/volume-growth';

const MI = 1024n * 1024n;

function setup(view: ClaimView, refuse?: KubeApiError) {
  const resized: string[] = [];
  const events: string[] = [];
  const claims = {
    get: async () => view,
    resize: async (name: string, size: string) => {
      if (refuse) throw refuse;
      resized.push(`${name} ${size}`);
    },
  } as unknown as Claims;
  const recorder = { record: async (_pod: unknown, type: string, reason: string, message: string) => (events.push(`${type} ${reason}: ${message}`), true) } as unknown as EventRecorder;
  const growth = new VolumeGrowth(claims, recorder, 'pg-0', { text: '60Mi', bytes: 60n * MI }, jsonLogger('pg-0', () => undefined));
  return { growth, resized, events };
}

describe('VolumeGrowth', () => {
  it('raises its claim to storageSize and tells it once', async () => {
    const { growth, resized, events } = setup({ requestedBytes: 50n * MI, capacityBytes: 50n * MI, conditions: [] });
    expect(await growth.check()).toBe('growing data-pg-0 from 50Mi to storageSize 60Mi');
    await growth.check();
    expect(resized).toEqual(['data-pg-0 60Mi', 'data-pg-0 60Mi']);
    expect(events).toEqual(['Normal VolumeExpansion: growing data-pg-0 from 50Mi to storageSize 60Mi']);
  });

  it('tells the API server\'s refusal once as VolumeExpansionRefused', async () => {
    const refusal = new KubeApiError(403, 'Forbidden', 'PATCH …/data-pg-0: 403 Forbidden: only dynamically provisioned pvc can be resized');
    const { growth, events } = setup({ requestedBytes: 50n * MI, capacityBytes: 50n * MI, conditions: [] }, refusal);
    expect(await growth.check()).toBe(`cannot grow data-pg-0 to 60Mi: ${refusal.message}`);
    await growth.check();
    expect(events).toEqual([`Warning VolumeExpansionRefused: cannot grow data-pg-0 to 60Mi: ${refusal.message}`]);
  });

  it('never shrinks a larger claim, and warns once', async () => {
    const { growth, resized, events } = setup({ requestedBytes: 80n * MI, capacityBytes: 80n * MI, conditions: [] });
    await growth.check();
    await growth.check();
    expect(resized).toEqual([]);
    expect(events).toEqual(['Warning VolumeShrinkRefused: data-pg-0 requests 80Mi, more than storageSize 60Mi: a volume never shrinks, so it stays as it is']);
  });
});
