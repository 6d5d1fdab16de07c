import type { ActorDeps } from '../../../agent/runtime/actor-deps';
import type { Effects } from '../../../agent/runtime/effects';
import { HolderSteps } from '../../../agent/runtime/holder-steps';
import type { LeaseWrites } from '../../../agent/runtime/lease-writes';
import { config } from '../core/observation-builder';

/** HolderSteps over a local PostgreSQL that starts accepting connections after `readyAfterMs`. */
function steps(readyAfterMs: number): { steps: HolderSteps; queries: () => number } {
  const started = Date.now();
  let queries = 0;
  const sql = {
    query: async () => {
      queries++;
      if (Date.now() - started < readyAfterMs) throw new Error('connect ENOENT /run/pgha/socket/.s.PGSQL.5432');
      return [{ '?column?': 1 }];
    },
  };
  const deps = { config: config({ retryPeriodMs: 1000 }), now: () => Date.now(), sql } as unknown as ActorDeps;
  return { steps: new HolderSteps(deps, {} as Effects, {} as LeaseWrites), queries: () => queries };
}

describe('a starting primary waiting for its PostgreSQL', () => {
  it('reports as soon as PostgreSQL accepts connections, not at the next tick', async () => {
    const { steps: holder } = steps(300);
    const started = Date.now();
    await expect(holder.waitReady()).resolves.toBe('lease renewed; PostgreSQL accepts connections');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(900);
  });

  it('gives up after a retry period, so the loop renews the lease again', async () => {
    const { steps: holder, queries } = steps(60_000);
    const started = Date.now();
    await expect(holder.waitReady()).resolves.toBe('lease renewed; waiting for PostgreSQL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(queries()).toBeGreaterThan(5);
  });
});
