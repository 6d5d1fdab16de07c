// /metrics' PostgreSQL part against real servers: a primary (archiving, with a physical slot), a hot
// standby and a warm standby streaming from it. PGHA_PG_BIN picks the major (15 by default; CI runs it on
// 17 and 18 through e2e/images/postgres-bin.ts).
import { renderMetrics } from '../../../agent/http/metrics';
import { POSTGRES_METRICS } from '../../../agent/http/metric-names';
import { postgresFamilies } from '../../../agent/http/postgres-metrics';
import { PostgresScraper, type PostgresScrape } from '../../../agent/http/postgres-scrape';
import type { Observation, SupervisorView } from '../../../agent/core/types';
import { LocalSql } from '../../../agent/postgres/local-sql';
import { readControlData } from '../../../agent/postgres/pg-control';
import { PostgresStatsReader, STATS_APPLICATION_NAME } from '../../../agent/postgres/stats-reader';
import type { PostgresStats } from '../../../agent/postgres/stats-sql';
import { WalEndReader } from '../../../agent/postgres/wal-end';
import { config, observation, peerOk } from '../core/observation-builder';
import { parseExposition } from '../../support/exposition-parser';
import { describeWithPostgres, PgFixture, type PgServer } from '../../support/pg-fixture';

const quiet = { info: () => undefined, error: () => undefined };

describeWithPostgres('PostgreSQL metrics on a real primary and standbys', () => {
  let fixture: PgFixture;
  let primary: PgServer;
  let hot: PgServer;
  let warm: PgServer;
  const readers: PostgresStatsReader[] = [];

  const readerFor = (server: PgServer) => {
    const reader = new PostgresStatsReader(server.socketDir, server.port);
    readers.push(reader);
    return reader;
  };
  const db = (stats: PostgresStats, name = 'postgres') => stats.databases.find((d) => d.datname === name)!;

  /** A scraper whose clock the test moves, so that no result is reused between the test's scrapes. */
  const scraperFor = (server: PgServer, mode: SupervisorView['mode'], standbyMode: 'warm' | 'hot', o: () => Observation | null = () => null) => {
    let clock = 0;
    const scraper = new PostgresScraper({
      now: () => (clock += 10_000),
      standbyMode,
      supervisor: async () => ({ postgres: 'running', mode }),
      controlState: async () => (await readControlData(server.dataDir))?.state ?? null,
      observation: o,
      stats: readerFor(server),
      log: quiet,
    });
    return scraper;
  };

  beforeAll(async () => {
    fixture = await PgFixture.create();
    primary = await fixture.createPrimary('primary', { settings: { archive_mode: 'on', archive_command: "'true'" } });
    await primary.query("select pg_create_physical_replication_slot('kept', true)");
    hot = await fixture.createStandby('hot1', primary);
    warm = await fixture.createStandby('warm1', primary, { hotStandby: false });
    await primary.waitUntil("select count(*) = 2 from pg_stat_replication where state = 'streaming'");
  }, 120_000);

  afterAll(async () => {
    readers.forEach((r) => r.close());
    await fixture?.cleanup();
  });

  it('reads the version it chose its queries by', async () => {
    const stats = await readerFor(primary).read();
    expect(stats.versionNum).toBe(Number(await primary.queryValue('show server_version_num')));
  });

  it('counts commits, rollbacks, rows and WAL that grow with a write', async () => {
    const reader = readerFor(primary);
    const before = await reader.read();
    await primary.query('create table if not exists grow (id int)');
    await primary.query('insert into grow select generate_series(1, 100)');
    const client = await primary.connect();
    await client.query('begin');
    await client.query('insert into grow values (0)');
    await client.query('rollback');
    await client.end();
    const after = await reader.read();
    expect(db(after).xact_commit).toBeGreaterThanOrEqual(db(before).xact_commit + 2);
    expect(db(after).xact_rollback).toBeGreaterThanOrEqual(db(before).xact_rollback + 1);
    expect(db(after).tup_inserted).toBeGreaterThanOrEqual(db(before).tup_inserted + 100);
    expect(after.server.wal_bytes).toBeGreaterThan(before.server.wal_bytes);
    expect(after.server.wal_lsn!).toBeGreaterThan(before.server.wal_lsn!);
    expect(db(after).size_bytes!).toBeGreaterThan(1_000_000);
    expect(after.databases.map((d) => d.datname)).not.toContain('template0');
  });

  it('counts a requested checkpoint and its time', async () => {
    const reader = readerFor(primary);
    const before = await reader.read();
    await primary.query('checkpoint');
    const after = await reader.read();
    expect(after.server.checkpoints_requested).toBe(before.server.checkpoints_requested + 1);
    expect(after.server.checkpoint_write_seconds).toBeGreaterThanOrEqual(before.server.checkpoint_write_seconds);
  });

  it('lists both standbys as streaming, with lag in bytes and seconds, and the slot retaining WAL', async () => {
    await primary.query('insert into grow select generate_series(1, 1000)');
    await primary.flushWal();
    const stats = await readerFor(primary).read();
    expect(stats.standbys.map((s) => [s.application_name, s.state, s.sync_state])).toEqual([
      ['hot1', 'streaming', 'async'],
      ['warm1', 'streaming', 'async'],
    ]);
    for (const standby of stats.standbys) {
      expect(standby.write_lag_bytes).toBeGreaterThanOrEqual(0);
      expect(standby.replay_lag_bytes!).toBeGreaterThanOrEqual(standby.flush_lag_bytes!);
      expect(standby.replay_lag_seconds).toBeGreaterThanOrEqual(0);
    }
    const [slot] = stats.slots;
    expect(slot.slot_name).toBe('kept');
    // Nothing consumes the slot: it holds everything since it was created.
    expect(slot.retained_bytes).toBeGreaterThan(100_000);
  });

  it('counts connections by state, the oldest open transaction and the wraparound margin', async () => {
    const open = await primary.connect();
    await open.query('begin');
    await open.query('select pg_current_xact_id()');
    await open.query('select pg_sleep(0.2)');
    const stats = await readerFor(primary).read();
    await open.query('rollback');
    await open.end();
    const count = (state: string) => stats.connections.find((c) => c.state === state)?.n ?? 0;
    expect(count('active')).toBeGreaterThanOrEqual(1);
    expect(count('idle in transaction')).toBeGreaterThanOrEqual(1);
    expect(stats.server.max_connections).toBe(Number(await primary.queryValue('show max_connections')));
    expect(stats.server.oldest_xact_age).toBeGreaterThanOrEqual(0.2);
    const age = Number(await primary.queryValue('select max(age(datfrozenxid)) from pg_database'));
    expect(stats.server.xid_remaining).toBeLessThanOrEqual(2 ** 31 - 1 - 3_000_000 - age);
    expect(stats.server.xid_remaining).toBeGreaterThan(2_000_000_000);
  });

  it('counts archived WAL files and the backlog', async () => {
    const reader = readerFor(primary);
    const before = await reader.read();
    expect(before.server.archiving).toBe(true);
    await primary.query('select pg_switch_wal()');
    await primary.waitUntil(`select archived_count > ${before.server.archived} from pg_stat_archiver`);
    const after = await reader.read();
    expect(after.server.archived).toBeGreaterThan(before.server.archived);
    expect(after.server.archive_failed).toBe(0);
    expect(after.server.last_archive_age).toBeGreaterThanOrEqual(0);
    expect(after.server.archive_pending).toBe(Number(await primary.queryValue("select count(*) from pg_ls_archive_statusdir() where name like '%.ready'")));
  });

  it("reads a hot standby's receive and replay positions, which reach the primary's after a write", async () => {
    await primary.query('insert into grow values (1)');
    await primary.flushWal();
    const target = Number(await primary.queryValue("select pg_current_wal_lsn() - '0/0'"));
    await hot.waitUntil(`select pg_last_wal_replay_lsn() - '0/0' >= ${target}`);
    const stats = await readerFor(hot).read();
    expect(stats.server.in_recovery).toBe(true);
    expect(stats.server.receiver_streaming).toBe(true);
    expect(stats.server.receive_lsn!).toBeGreaterThanOrEqual(target);
    expect(stats.server.replay_lsn!).toBeGreaterThanOrEqual(target);
    expect(stats.server.wal_lsn).toBe(stats.server.replay_lsn);
    expect(stats.server.last_replay_age!).toBeGreaterThanOrEqual(0);
    expect(stats.standbys).toEqual([]);
  });

  it('renders every pg_* family of the contract across the primary, the hot and the warm standby', async () => {
    const walEnd = new WalEndReader(warm.walDir);
    const wal = await walEnd.read();
    const warmObservation = observation({
      config: config({ podName: 'warm1' }),
      local: { wal },
      peers: [peerOk('pg-0', { streaming: ['hot1', 'warm1'] })],
    });
    const scrapes: PostgresScrape[] = [
      await scraperFor(primary, 'primary', 'hot').scrape(),
      await scraperFor(hot, 'standby', 'hot').scrape(),
      await scraperFor(warm, 'standby', 'warm', () => warmObservation).scrape(),
    ];
    const emitted = new Set<string>();
    for (const scrape of scrapes) {
      const families = parseExposition(renderMetrics('m', postgresFamilies(scrape)));
      for (const name of families.keys()) emitted.add(name);
      expect([...families.keys()].filter((name) => !(POSTGRES_METRICS as readonly string[]).includes(name))).toEqual([]);
    }
    expect(POSTGRES_METRICS.filter((name) => !emitted.has(name))).toEqual([]);

    const [, , warmScrape] = scrapes;
    expect(warmScrape).toMatchObject({ up: true, sqlAvailable: false, errors: 0, warm: { receiveLsn: Number(wal!.lsn), streaming: true } });
  });

  it('fails a scrape that waits on a lock, counts it, and recovers when the lock is gone', async () => {
    const scraper = scraperFor(primary, 'primary', 'hot');
    expect((await scraper.scrape()).up).toBe(true);
    const locker = await primary.connect();
    await locker.query('begin');
    await locker.query('lock table pg_database in access exclusive mode');
    try {
      const failed = await scraper.scrape();
      expect(failed).toMatchObject({ up: false, sqlAvailable: false, errors: 1, stats: null });
      const text = renderMetrics('m', postgresFamilies(failed));
      expect(text).toContain('pg_up{member="m"} 0\n');
      expect(text).toContain('pg_sql_available{member="m"} 0\n');
      expect(text).toContain('pg_scrape_errors_total{member="m"} 1\n');
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    expect(await scraper.scrape()).toMatchObject({ up: true, errors: 1 });
  });

  it("gives up on a wedged session within its limit while the loop's connection keeps answering", async () => {
    const scraper = scraperFor(primary, 'primary', 'hot');
    expect((await scraper.scrape()).up).toBe(true);
    const [{ pid }] = await primary.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1 order by backend_start desc limit 1', [STATS_APPLICATION_NAME]);
    const loopSql = new LocalSql(primary.socketDir, primary.port);
    // A stopped backend answers nothing: only the client's own limit ends the wait.
    process.kill(pid, 'SIGSTOP');
    try {
      const scraping = scraper.scrape();
      expect(await loopSql.observe()).toMatchObject({ inRecovery: false });
      expect(await scraping).toMatchObject({ up: false, errors: 1 });
    } finally {
      process.kill(pid, 'SIGCONT');
      await loopSql.close();
    }
    expect(await scraper.scrape()).toMatchObject({ up: true, errors: 1 });
  });

  it('keeps one session of its own, named, between scrapes', async () => {
    const sessions = async () => Number(await primary.queryValue('select count(*) from pg_stat_activity where application_name = $1', [STATS_APPLICATION_NAME]));
    const before = await sessions();
    const reader = readerFor(primary);
    await reader.read();
    await reader.read();
    expect(await sessions()).toBe(before + 1);
  });
});
