import { probeTiming, ProbeTracker } from '../../../e2e/harness/probe-schedule';

describe('probeTiming', () => {
  it('fills in the API server defaults', () => {
    expect(probeTiming({ httpGet: { port: 80 } })).toEqual({ initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
  });

  it('converts the rendered seconds', () => {
    expect(probeTiming({ initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 6, successThreshold: 2 }))
      .toEqual({ initialDelayMs: 10_000, periodMs: 5000, timeoutMs: 2000, successThreshold: 2, failureThreshold: 6 });
  });
});

describe('ProbeTracker', () => {
  const timing = (over: Partial<ReturnType<typeof probeTiming>> = {}) => ({ ...probeTiming({}), ...over });

  it('runs first after the initial delay, then once a period', () => {
    const tracker = new ProbeTracker('liveness', timing({ initialDelayMs: 10_000, periodMs: 5000 }));
    expect([0, 1, 2].map((n) => tracker.dueAt(n))).toEqual([10_000, 15_000, 20_000]);
  });

  it('starts a container unready, alive, and with its start-up undecided', () => {
    expect(new ProbeTracker('readiness', timing()).result).toBe('failure');
    expect(new ProbeTracker('liveness', timing()).result).toBe('success');
    expect(new ProbeTracker('startup', timing()).result).toBe('unknown');
  });

  it('becomes ready after successThreshold successes in a row', () => {
    const tracker = new ProbeTracker('readiness', timing({ successThreshold: 2 }));
    expect(tracker.record(true)).toBe(false);
    expect(tracker.record(false)).toBe(false);
    expect(tracker.record(true)).toBe(false);
    expect(tracker.record(true)).toBe(true);
    expect(tracker.result).toBe('success');
  });

  it('fails liveness after failureThreshold failures in a row, and counts again after that', () => {
    const tracker = new ProbeTracker('liveness', timing({ failureThreshold: 2 }));
    expect(tracker.record(false)).toBe(false);
    expect(tracker.record(true)).toBe(false);
    expect(tracker.record(false)).toBe(false);
    expect(tracker.record(false)).toBe(true);
    expect(tracker.result).toBe('failure');
    expect(tracker.record(true)).toBe(true);
    expect(tracker.record(false)).toBe(false);
  });

  it('marks a ready container unready on the failure that reaches the threshold', () => {
    const tracker = new ProbeTracker('readiness', timing({ failureThreshold: 2 }));
    tracker.record(true);
    expect(tracker.record(false)).toBe(false);
    expect(tracker.result).toBe('success');
    expect(tracker.record(false)).toBe(true);
    expect(tracker.result).toBe('failure');
  });
});
