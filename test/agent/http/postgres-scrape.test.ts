// When and how /metrics asks PostgreSQL: by the mode it runs in, one collection at a time, reused for a
// moment, bounded, and never an exception.
import { COLLECTION_LIMIT_MS, PostgresScraper, REUSE_MS, type ScrapeDeps, type StatsSource } from '../../../agent/http/postgres-scrape';
import type { SupervisorView } from '../../../agent/core/types';
import type { DbState } from '../../../agent/postgres/pg-control';
import type { PostgresStats } from '../../../agent/postgres/stats-sql';
import { observation, peerOk } from '../core/observation-builder';

const STATS = { versionNum: 150000 } as PostgresStats;

class FakeStats implements StatsSource {
  reads = 0;
  closes = 0;
  next: () => Promise<PostgresStats> = async () => STATS;
  read(): Promise<PostgresStats> {
    this.reads++;
    return this.next();
  }
  close(): void {
    this.closes++;
  }
}

function setUp(overrides: Partial<ScrapeDeps> & { supervisorView?: SupervisorView | null; control?: DbState | null } = {}) {
  const clock = { now: 0 };
  const stats = new FakeStats();
  const logged: string[] = [];
  const scraper = new PostgresScraper({
    now: () => clock.now,
    standbyMode: 'hot',
    supervisor: async () => (overrides.supervisorView === undefined ? { postgres: 'running', mode: 'primary' } : overrides.supervisorView),
    controlState: async () => (overrides.control === undefined ? 'in archive recovery' : overrides.control),
    observation: () => null,
    stats,
    log: { info: (event) => logged.push(event), error: (event, fields) => logged.push(`${event}: ${String(fields?.error)}`) },
    ...overrides,
  });
  return { scraper, stats, clock, logged };
}

describe('PostgresScraper', () => {
  it('reads the statistics of a running primary or hot standby over SQL', async () => {
    const { scraper, stats } = setUp();
    expect(await scraper.scrape()).toMatchObject({ up: true, sqlAvailable: true, errors: 0, stats: STATS, warm: null });
    expect(stats.reads).toBe(1);
  });

  it('reports how long the collection took, in seconds to the microsecond', async () => {
    const { scraper, stats, clock } = setUp();
    stats.next = async () => {
      clock.now += 12.3456789;
      return STATS;
    };
    expect((await scraper.scrape()).durationSeconds).toBe(0.012346);
  });

  it('shares one collection between concurrent scrapes', async () => {
    const { scraper, stats } = setUp();
    let finish!: (s: PostgresStats) => void;
    stats.next = () => new Promise((resolve) => (finish = resolve));
    const scrapes = [scraper.scrape(), scraper.scrape()];
    while (stats.reads === 0) await new Promise(setImmediate);
    scrapes.push(scraper.scrape());
    finish(STATS);
    const results = await Promise.all(scrapes);
    expect(stats.reads).toBe(1);
    expect(new Set(results).size).toBe(1);
  });

  it(`serves a collection again for ${REUSE_MS} ms, then collects anew`, async () => {
    const { scraper, stats, clock } = setUp();
    await scraper.scrape();
    clock.now += REUSE_MS - 1;
    await scraper.scrape();
    expect(stats.reads).toBe(1);
    clock.now += 1;
    await scraper.scrape();
    expect(stats.reads).toBe(2);
  });

  it('turns a failed collection into pg_up 0, counts it, drops the connection and logs the error once', async () => {
    const { scraper, stats, clock, logged } = setUp();
    stats.next = async () => {
      throw new Error('connect ECONNREFUSED /run/pgha/socket/.s.PGSQL.5432');
    };
    expect(await scraper.scrape()).toMatchObject({ up: false, sqlAvailable: false, errors: 1, stats: null });
    clock.now += REUSE_MS;
    expect(await scraper.scrape()).toMatchObject({ up: false, errors: 2 });
    expect(stats.closes).toBe(2);
    stats.next = async () => STATS;
    clock.now += REUSE_MS;
    expect(await scraper.scrape()).toMatchObject({ up: true, errors: 2 });
    expect(logged).toEqual(['metrics-failed: connect ECONNREFUSED /run/pgha/socket/.s.PGSQL.5432', 'metrics-recovered']);
  });

  it(`gives up on a collection after ${COLLECTION_LIMIT_MS} ms`, async () => {
    jest.useFakeTimers();
    try {
      const { scraper, stats, logged } = setUp();
      stats.next = () => new Promise(() => undefined);
      const scraping = scraper.scrape();
      await jest.advanceTimersByTimeAsync(COLLECTION_LIMIT_MS);
      expect(await scraping).toMatchObject({ up: false, errors: 1 });
      expect(stats.closes).toBe(1);
      expect(logged).toEqual([`metrics-failed: collection took longer than ${COLLECTION_LIMIT_MS} ms`]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('asks nothing of a stopped or fenced server, and counts no error', async () => {
    for (const view of [null, { postgres: 'stopped', mode: 'none' }, { postgres: 'fenced', mode: 'primary' }] as const) {
      const { scraper, stats } = setUp({ supervisorView: view });
      expect(await scraper.scrape()).toMatchObject({ up: false, sqlAvailable: false, errors: 0, stats: null, warm: null });
      expect(stats.reads).toBe(0);
    }
  });

  it('asks nothing of a warm standby: up from its control file, positions from the last observation', async () => {
    const o = observation({ local: { wal: { timeline: 1, lsn: 0x5000028n } }, peers: [peerOk('pg-0', { streaming: ['pg-1'] })] });
    const { scraper, stats } = setUp({ standbyMode: 'warm', supervisorView: { postgres: 'running', mode: 'standby' }, observation: () => o });
    expect(await scraper.scrape()).toMatchObject({ up: true, sqlAvailable: false, errors: 0, stats: null, warm: { receiveLsn: 0x5000028, streaming: true } });
    expect(stats.reads).toBe(0);
  });

  it('reports a warm standby down while its control file does not say archive recovery', async () => {
    const { scraper } = setUp({ standbyMode: 'warm', supervisorView: { postgres: 'running', mode: 'standby' }, control: 'in crash recovery' });
    expect(await scraper.scrape()).toMatchObject({ up: false, sqlAvailable: false, warm: { receiveLsn: null, streaming: null } });
  });

  it('reports a warm standby the primary does not list as not streaming', async () => {
    const o = observation({ peers: [peerOk('pg-0', { streaming: ['pg-2'] })] });
    const { scraper } = setUp({ standbyMode: 'warm', supervisorView: { postgres: 'running', mode: 'standby' }, observation: () => o });
    expect((await scraper.scrape()).warm).toEqual({ receiveLsn: 0x3000060, streaming: false });
  });

  it('reads a warm cluster\'s primary over SQL', async () => {
    const { scraper, stats } = setUp({ standbyMode: 'warm' });
    expect(await scraper.scrape()).toMatchObject({ up: true, sqlAvailable: true });
    expect(stats.reads).toBe(1);
  });
});
