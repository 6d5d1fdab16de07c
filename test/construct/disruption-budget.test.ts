import { find, render } from './helpers';

describe('PodDisruptionBudget', () => {
  test('lets voluntary disruptions take one member at a time', () => {
    const pdb = find(render().manifests, 'PodDisruptionBudget', 'pg');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'pg' } },
    });
  });
});
