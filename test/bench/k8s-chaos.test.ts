import { controllerManagerState } from '../../bench/k8s/control-plane';
import { goDurationMs, pendingBackOffs } from '../../bench/k8s/back-off';
import { BackOffAwareWaits, CHAOS_FAULTS, catalogue, chaosPlan, fixedPlan } from '../../bench/k8s/chaos-run';
import { CI_CHAOS_SEED, CI_CHAOS_SEQUENCE } from '../../bench/k8s/chaos-short';
import { ScenarioContext } from '../../e2e/support/scenario';
import type { Database } from '../../e2e/k8s/database';
import { chartFor, parseChaosArgs } from '../../bench/k8s/chaos';

describe('the chaos run on the real cluster', () => {
  it('draws the same faults for the same seed, from every fault the real cluster injects', () => {
    const keys = (seed: number) => chaosPlan(seed, 40).map((s) => s.fault.key);
    expect(keys(16)).toEqual(keys(16));
    expect(keys(16)).not.toEqual(keys(17));
    expect(new Set(CHAOS_FAULTS.map((f) => f.key))).toEqual(new Set([
      'graceful-delete', 'kill-pod', 'kill-postmaster', 'switchover', 'kill-agent', 'kill-standby-pod',
      'primary-silent', 'primary-api-cut', 'api-frozen', 'member-partition', 'hung-postgres', 'hung-agent', 'node-lost',
      'volume-full', 'volume-full-standby', 'oom-backend', 'oom-postmaster', 'clock-jump',
      'lease-deleted', 'role-label-flip', 'auth-secret-deleted', 'switchover-to-ghost',
    ]));
    expect(new Set(keys(16).concat(keys(17), keys(18), keys(19))).size).toBe(CHAOS_FAULTS.length);
  });

  it('runs on the example users commit unless the draw holds a production fault, which needs the chaos chart', () => {
    expect(chartFor({ faults: 3, seed: 1, only: ['kill-pod', 'switchover'] })).toBe('sync-postgres');
    expect(chartFor({ faults: 1, seed: 1, sequence: ['kill-pod', 'oom-backend'] })).toBe('chaos-postgres');
    expect(chartFor({ faults: 5, seed: 1, only: ['volume-full'] })).toBe('chaos-postgres');
    expect(chartFor({ faults: CI_CHAOS_SEQUENCE.length, seed: CI_CHAOS_SEED, sequence: CI_CHAOS_SEQUENCE })).toBe('sync-postgres');
  });

  it('reads its arguments', () => {
    expect(parseChaosArgs(['--faults', '200', '--seed=7', '--out', 'r.txt'], 1)).toEqual({ faults: 200, seed: 7, dryRun: false, out: 'r.txt' });
    expect(parseChaosArgs(['--dry-run', '--only', 'api-frozen,kill-pod'], 3)).toEqual({ faults: 25, seed: 3, dryRun: true, out: undefined, only: ['api-frozen', 'kill-pod'] });
  });

  it('fails on a fault count that is not a whole number', () => {
    expect(() => parseChaosArgs(['--faults', '0'], 1)).toThrow('--faults must be a whole number ≥ 1, got 0');
  });
});

describe("the kubelet's crash-loop back-off", () => {
  it('reads Go durations as the kubelet prints them', () => {
    expect(goDurationMs('40s')).toBe(40_000);
    expect(goDurationMs('2m40s')).toBe(160_000);
    expect(goDurationMs('5m0s')).toBe(300_000);
    expect(goDurationMs('')).toBeUndefined();
    expect(goDurationMs('soon')).toBeUndefined();
  });

  it('finds the containers waiting out a back-off and when each ends', () => {
    const pods = [
      {
        metadata: { name: 'sync-postgres-1' },
        status: {
          containerStatuses: [
            { name: 'postgres', restartCount: 0, state: {} },
            {
              name: 'agent',
              restartCount: 6,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=agent pod=sync-postgres-1_demo(…)' } },
              lastState: { terminated: { finishedAt: '2026-12-04T20:00:00Z' } },
            },
          ],
        },
      },
      { metadata: { name: 'sync-postgres-2' }, status: { containerStatuses: [{ name: 'agent', restartCount: 1, state: { waiting: { reason: 'ContainerCreating' } } }] } },
    ];
    expect(pendingBackOffs(pods)).toEqual([
      { pod: 'sync-postgres-1', container: 'agent', restarts: 6, backOffMs: 300_000, endsAt: Date.parse('2026-12-04T20:05:00Z') },
    ]);
  });
});

describe('the chaos run limited to some faults', () => {
  it('draws only the faults --only names', () => {
    expect(new Set(chaosPlan(5, 20, catalogue(['api-frozen', 'kill-pod'])).map((s) => s.fault.key))).toEqual(new Set(['api-frozen', 'kill-pod']));
  });

  it('fails on a fault it does not know', () => {
    expect(() => parseChaosArgs(['--only', 'kill-everything'], 1)).toThrow(/^--only names unknown fault\(s\) kill-everything; known: graceful-delete, /);
  });
});

describe('waits during the chaos run', () => {
  const print = () => undefined;
  function waitsSeeing(message: string | null) {
    const items = message === null ? [] : [{
      metadata: { name: 'sync-postgres-1' },
      status: { containerStatuses: [{ name: 'agent', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message } }, lastState: { terminated: { finishedAt: new Date().toISOString() } } }] },
    }];
    const db = { namespace: 'demo', selector: 'app.kubernetes.io/instance=sync-postgres', cluster: { kubectl: { json: async () => ({ items }) } } } as unknown as Database;
    return new BackOffAwareWaits(new ScenarioContext(undefined, print), db, print);
  }
  const readyAfter = (ms: number) => {
    const started = Date.now();
    return () => (Date.now() - started >= ms ? 'healed' : undefined);
  };

  it('waits past its timeout while the kubelet holds a container in crash-loop back-off, and reports it', async () => {
    const waits = waitsSeeing('back-off 40s restarting failed container=agent pod=sync-postgres-1_demo(…)');
    await expect(waits.waitFor('healed', readyAfter(1500), 300)).resolves.toBe('healed');
    expect([...waits.seen.values()]).toEqual([expect.objectContaining({ pod: 'sync-postgres-1', container: 'agent', backOffMs: 40_000 })]);
  });

  it('fails at its timeout when no container is in back-off', async () => {
    await expect(waitsSeeing(null).waitFor('healed', readyAfter(60_000), 300)).rejects.toThrow(/timed out after .* waiting for healed/);
  });
});

describe("kube-controller-manager's leadership, read from its Lease", () => {
  const at = (iso: string) => Date.parse(iso);
  const lease = (acquireTime: string, renewTime: string) => ({ spec: { holderIdentity: 'node-1_abc', acquireTime, renewTime } });

  it('leads when it renewed within 5 s and acquired the Lease at least 3 s ago', () => {
    expect(controllerManagerState(lease('2026-12-05T00:16:28.309Z', '2026-12-05T00:18:00.000Z'), at('2026-12-05T00:18:01.000Z'))).toBe('leading');
  });

  it('is starting its controllers in the first 3 s after acquiring it', () => {
    expect(controllerManagerState(lease('2026-12-05T00:18:28.648Z', '2026-12-05T00:18:28.648Z'), at('2026-12-05T00:18:29.000Z'))).toBe('starting its controllers');
  });

  it('has no leader when the holder stopped renewing (it exited after losing the Lease) or there is no Lease yet', () => {
    expect(controllerManagerState(lease('2026-12-05T00:16:28.309Z', '2026-12-05T00:17:52.000Z'), at('2026-12-05T00:18:10.000Z'))).toBe('without a leader');
    expect(controllerManagerState({}, at('2026-12-05T00:18:10.000Z'))).toBe('without a leader');
  });
});

describe("CI's short chaos run", () => {
  it('runs its fixed faults in order whatever the catalogue holds, the seed picking only the standbys', () => {
    const plan = fixedPlan(CI_CHAOS_SEED, CI_CHAOS_SEQUENCE);
    expect(plan.map((s) => s.fault.key)).toEqual(['primary-silent', 'api-frozen', 'switchover', 'member-partition', 'kill-postmaster']);
    expect(fixedPlan(CI_CHAOS_SEED, CI_CHAOS_SEQUENCE).map((s) => s.standbyPick)).toEqual(plan.map((s) => s.standbyPick));
  });

  it('fails on a fault name it does not know', () => {
    expect(() => fixedPlan(1, ['kill-pod', 'unplug-node'])).toThrow(/^no chaos fault named unplug-node; the faults are graceful-delete, kill-pod, /);
  });
});
