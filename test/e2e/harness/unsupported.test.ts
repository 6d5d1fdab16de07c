import { unsupportedFeatures } from '../../../e2e/harness/unsupported';

describe('unsupportedFeatures', () => {
  it('accepts the pod shapes the harness implements', () => {
    expect(unsupportedFeatures({ containers: [{ name: 'c', readinessProbe: { httpGet: { port: 80 } } }] })).toEqual([]);
  });

  it('names what it does not implement, so such a pod fails instead of running differently', () => {
    expect(unsupportedFeatures({
      shareProcessNamespace: true,
      initContainers: [{ name: 'init' }],
      containers: [{ name: 'c', lifecycle: { preStop: { exec: { command: ['x'] } } }, livenessProbe: { grpc: { port: 1 } } }],
    })).toEqual(['initContainers', 'shareProcessNamespace', 'containers[c].lifecycle', 'containers[c] grpc probe']);
  });
});
