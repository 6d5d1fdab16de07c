import { failureKinds, maxGap } from '../../bench/k8s/trial';
import { dualPrimary } from '../../e2e/load/dual-primary';

describe('the real-cluster failover trial', () => {
  it('measures the longest gap between acknowledged writes from the fault on', () => {
    const writes = [0, 20, 40, 1000, 1020, 1500].map((at, i) => ({ id: i + 1, sentAt: at, at, pod: 'p' }));
    expect(maxGap(writes, 30)).toBe(960);
    expect(maxGap(writes, 1010)).toBe(480);
  });

  it('finds no dual primary when one pod stopped acknowledging before the other started', () => {
    const acks = [{ pod: 'a', at: 0 }, { pod: 'a', at: 100 }, { pod: 'b', at: 400 }, { pod: 'b', at: 900 }];
    expect(dualPrimary(acks)).toBe(0);
  });

  it('reports how long two pods acknowledged direct writes over the same stretch', () => {
    const acks = [{ pod: 'a', at: 0 }, { pod: 'b', at: 300 }, { pod: 'a', at: 450 }, { pod: 'b', at: 900 }];
    expect(dualPrimary(acks)).toBe(150);
  });
});

describe('why writes failed during a fault', () => {
  it('groups the failures by their first line, the most frequent first', () => {
    expect(failureKinds([
      { error: 'ECONNREFUSED connect ECONNREFUSED 10.211.0.9:5432' },
      { error: 'Query read timeout' },
      { error: 'ECONNREFUSED connect ECONNREFUSED 10.211.0.9:5432' },
    ])).toBe('2× ECONNREFUSED connect ECONNREFUSED 10.211.0.9:5432; 1× Query read timeout');
    expect(failureKinds([])).toBe('');
  });
});
