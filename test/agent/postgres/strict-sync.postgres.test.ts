// Strict synchronous mode against a real PostgreSQL: the quorum the agent plans (core/sync-standbys.ts),
// written the way the agent writes it (dynamic.conf, included last) and reloaded. With its only standby
// gone, a strict primary's commit does not return: its backend waits in SyncRep and no other session
// sees the row; the standby back, the commit returns and the standby has it. Without strict mode the same
// plan lets the primary commit alone, but only once the Lease records that no standby holds its commits:
// restarted after a crash, it starts with the recorded quorum and commits wait until its first tick.
// A step-down (SIGTERM) no standby confirmed: the fast stop acknowledges no commit that was waiting, so the
// recorded quorum's standby holds every acknowledged commit without the final WAL, and may take over.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'pg';
import { decide } from '../../../agent/core/decide';
import { planSync, startingQuorum, type SyncPlan } from '../../../agent/core/sync-standbys';
import { config, lease, observation } from '../core/observation-builder';
import type { SyncSet } from '../../../agent/core/types';
import { DynamicConfFile } from '../../../agent/postgres/dynamic-conf';
import { LocalSql } from '../../../agent/postgres/local-sql';
import { WalEndReader } from '../../../agent/postgres/wal-end';
import { describeWithPostgres, PgFixture, type PgServer } from '../../support/pg-fixture';

const MEMBERS = ['pg-0', 'pg-1', 'pg-2'];

describeWithPostgres('strict synchronous mode on a real primary', () => {
  let fixture: PgFixture;
  let primary: PgServer;
  let standby: PgServer;
  let conf: DynamicConfFile;
  let sql: LocalSql;
  let applied: SyncSet | null = null;
  let recorded: SyncSet | null = null;
  let pending: SyncPlan['pending'] = null;
  const clients: Client[] = [];

  beforeAll(async () => {
    fixture = await PgFixture.create();
    const runDir = join(fixture.root, 'run');
    // Written by the test (root), readable by the postgres user, as the agent's run folder is in the pod.
    await mkdir(runDir, { mode: 0o755 });
    conf = new DynamicConfFile(runDir);
    await conf.write({ upstreamHost: null, upstreamPort: 5432, applicationName: 'pg-0', passfile: '', sync: { k: 0, members: [] } });
    primary = await fixture.createPrimary('pg-0', { settings: { include_if_exists: `'${join(runDir, 'dynamic.conf')}'` } });
    standby = await fixture.createStandby('pg-1', primary);
    sql = new LocalSql(primary.socketDir, primary.port);
    await primary.query('create table acked (id int)');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await sql?.close();
    await fixture.cleanup();
  });

  /** One tick of the primary's quorum planning from what PostgreSQL reports, applied as the agent applies it. */
  async function tick(strict: boolean): Promise<SyncPlan> {
    const view = await sql.observe();
    const plan = planSync({ self: 'pg-0', members: MEMBERS, k: 1, recorded, applied, replication: view?.replication ?? [], currentLsn: view?.lsn ?? null, pending, strict });
    recorded = plan.record;
    pending = plan.pending;
    await conf.write({ upstreamHost: null, upstreamPort: 5432, applicationName: 'pg-0', passfile: '', sync: plan.apply });
    await primary.query('select pg_reload_conf()');
    applied = plan.apply;
    return plan;
  }

  /** Waits for pg-1 to stream, then ticks until the quorum is recorded (applied, then recorded once pg-1 flushed past where it took effect). */
  async function untilRecorded(strict: boolean): Promise<SyncPlan> {
    await primary.waitUntil("select exists (select 1 from pg_stat_replication where application_name = 'pg-1' and state = 'streaming')");
    let plan = await tick(strict);
    for (let ticks = 1; ticks < 50 && plan.record.members.length === 0; ticks++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      plan = await tick(strict);
    }
    return plan;
  }

  async function insert(id: number): Promise<void> {
    const client = await primary.connect();
    clients.push(client);
    await client.query('insert into acked values ($1)', [id]);
  }

  it('with its standby streaming, commits wait for it and return', async () => {
    const plan = await untilRecorded(true);
    expect(plan).toEqual({ record: { k: 1, members: ['pg-1'] }, apply: { k: 1, members: ['pg-1'] }, pending: null, waiting: null });
    await insert(1);
    await standby.waitUntil('select exists (select 1 from acked where id = 1)');
  }, 30_000);

  it('with no standby left, a strict commit does not return: it waits in SyncRep, invisible to others, until a standby is back', async () => {
    await standby.stop('fast');
    await primary.waitUntil('select not exists (select 1 from pg_stat_replication)');
    const plan = await tick(true);
    expect(plan.apply).toEqual({ k: 1, members: ['pg-1', 'pg-2'] });
    expect(plan.record).toEqual({ k: 1, members: ['pg-1', 'pg-2'] });
    expect(plan.waiting).toBe('commits are waiting: no synchronous standby streams, and in strict mode (synchronousStrict) a commit is acknowledged only once ANY 1 ("pg-1", "pg-2") flushed it');
    expect(await primary.queryValue<string>('show synchronous_standby_names')).toBe('ANY 1 ("pg-1", "pg-2")');

    let returned = false;
    const commit = insert(2).then(() => {
      returned = true;
    });
    await primary.waitUntil("select exists (select 1 from pg_stat_activity where wait_event = 'SyncRep' and query like 'insert into acked%')");
    expect(returned).toBe(false);
    expect(await primary.queryValue<string>('select count(*) from acked where id = 2')).toBe('0');

    await standby.start();
    await commit;
    await standby.waitUntil('select exists (select 1 from acked where id = 2)');
  }, 30_000);

  it('without strict mode the same loss lets the primary commit alone', async () => {
    await primary.waitUntil("select exists (select 1 from pg_stat_replication where application_name = 'pg-1' and state = 'streaming')");
    await tick(false);
    await standby.stop('fast');
    await primary.waitUntil('select not exists (select 1 from pg_stat_replication)');
    const plan = await tick(false);
    expect(plan).toEqual({ record: { k: 0, members: [] }, apply: { k: 0, members: [] }, pending: null, waiting: null });
    await insert(3);
    expect(await primary.queryValue<string>('select count(*) from acked where id = 3')).toBe('1');
  }, 30_000);

  it('without strict mode a primary restarted after a crash starts with the recorded quorum: its first commit waits until its first tick records the empty quorum', async () => {
    await standby.start();
    let plan = await untilRecorded(false);
    expect(plan.record).toEqual({ k: 1, members: ['pg-1'] });

    // The postmaster dies and the standby is gone with it; the agent keeps the Lease, which still names pg-1.
    await standby.stop('fast');
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await sql.close();
    await primary.stop('immediate');
    applied = startingQuorum(config({ podName: 'pg-0', members: MEMBERS, replicationMode: 'sync' }), recorded);
    await conf.write({ upstreamHost: null, upstreamPort: 5432, applicationName: 'pg-0', passfile: '', sync: applied });
    await primary.start();
    sql = new LocalSql(primary.socketDir, primary.port);
    expect(await primary.queryValue<string>('show synchronous_standby_names')).toBe('ANY 1 ("pg-1")');

    let returned = false;
    const commit = insert(4).then(() => {
      returned = true;
    });
    await primary.waitUntil("select exists (select 1 from pg_stat_activity where wait_event = 'SyncRep' and query like 'insert into acked%')");
    expect(returned).toBe(false);

    // The first tick records the empty quorum (with the renewal), and only then lets the primary commit alone.
    plan = await tick(false);
    expect(plan.record).toEqual({ k: 0, members: [] });
    await commit;
    expect(await primary.queryValue<string>('select count(*) from acked where id = 4')).toBe('1');
  }, 30_000);

  it('after a step-down no standby confirmed, the recorded quorum\'s standby has every acknowledged commit, though not the final WAL, and takes over', async () => {
    await standby.start();
    const plan = await untilRecorded(false);
    expect(plan.record).toEqual({ k: 1, members: ['pg-1'] });
    await insert(5);

    // pg-1 goes away, then the primary's pod is deleted while a commit waits for pg-1: the agent steps
    // down (no tick in between) and stops PostgreSQL fast, as Handover.run does.
    await standby.stop('fast');
    await Promise.all(clients.splice(0).map((c) => c.end()));
    const client = await primary.connect();
    const notices: string[] = [];
    client.on('notice', (notice) => notices.push(notice.message ?? ''));
    client.on('error', () => undefined);
    clients.push(client);
    const inFlight = client.query('insert into acked values (6)').then(() => 'acknowledged', (error: Error) => error.message);
    await primary.waitUntil("select exists (select 1 from pg_stat_activity where wait_event = 'SyncRep' and query like 'insert into acked%')");
    await sql.close();
    await primary.stop('fast');
    // Committed locally, never acknowledged: the backend warns and drops the connection without a result.
    expect(await inFlight).toBe('Connection terminated unexpectedly');
    expect(notices).toEqual(['canceling the wait for synchronous replication and terminating connection due to administrator command']);

    const final = await new WalEndReader(primary.walDir).read();
    const theirs = await new WalEndReader(standby.walDir).read();
    expect(theirs!.lsn).toBeLessThan(final!.lsn);

    // The Lease as the step-down released it (keeping the recorded quorum), seen by pg-1 on its own WAL.
    const sync = config({ podName: 'pg-1', members: MEMBERS, replicationMode: 'sync' });
    const released = lease({ holder: null, previousHolder: 'pg-0', syncStandbys: recorded, primaryLsn: final!.lsn });
    const action = decide(observation({ config: sync, lease: released, local: { wal: theirs }, peers: [] }));
    expect(action).toMatchObject({ type: 'acquire' });

    await standby.start();
    await standby.promote();
    // Every acknowledged commit (1 to 5), and not 6, which its client never saw acknowledged.
    expect(await standby.queryValue<string>('select string_agg(id::text, \',\' order by id) from acked')).toBe('1,2,3,4,5');
  }, 30_000);
});
