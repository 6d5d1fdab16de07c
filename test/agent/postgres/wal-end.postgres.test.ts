import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Lsn, parseLsn } from '../../../agent/postgres/lsn';
import { readControlData } from '../../../agent/postgres/pg-control';
import { hasForkedOff, readTimelineHistory } from '../../../agent/postgres/timeline';
import { WalEndReader, WalPosition } from '../../../agent/postgres/wal-end';
import { describeWithPostgres, PgFixture, PgServer } from '../../support/pg-fixture';
import { lastDumpedRecord } from './waldump';

const SEGMENT_SIZE = 16n << 20n;

/**
 * Reads the WAL end in `walDir` until it equals the position PostgreSQL reports (`reportedSql` on
 * `server`) before and after the read, as it does once nothing is in flight. Background processes
 * write WAL of their own and a standby reports its position a moment after writing, so this tries a
 * few times; a reader that is wrong never matches, and the test's assertion shows the last attempt.
 * `prepare` runs first in every attempt.
 */
async function readMatching(
  walDir: string,
  server: PgServer,
  reportedSql: string,
  prepare: () => Promise<void> = async () => undefined,
): Promise<{ end: WalPosition | null; reported: Lsn }> {
  const reader = new WalEndReader(walDir);
  for (let attempt = 1; ; attempt++) {
    await prepare();
    const before = await server.queryValue<string>(reportedSql);
    const end = await reader.read();
    const after = parseLsn(await server.queryValue<string>(reportedSql));
    if ((parseLsn(before) === after && end?.lsn === after) || attempt === 20) {
      return { end, reported: after };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readEnd(server: PgServer): Promise<WalPosition | null> {
  return new WalEndReader(server.walDir).read();
}

/**
 * Waits until every standby in `names` streams from `primary` and has flushed all WAL the primary has
 * flushed. The fixture's standbys stream without replication slots (the agent gives each standby one;
 * these tests do not need the agent), so nothing on the primary keeps WAL for a standby that lags: a
 * CHECKPOINT removes or recycles every segment before its redo point, also one a walsender has yet to
 * send. That standby's stream then breaks ("requested WAL segment … has already been removed") and it
 * reconnects later, or never. Tests that checkpoint, or that rely on what the standbys received, wait here.
 */
async function standbysCaughtUp(primary: PgServer, names: readonly string[]): Promise<void> {
  await primary.flushWal();
  const list = names.map((name) => `'${name}'`).join(', ');
  await primary.waitUntil(
    `SELECT count(*) = ${names.length} FROM pg_stat_replication
      WHERE application_name IN (${list}) AND state = 'streaming' AND flush_lsn >= pg_current_wal_flush_lsn()`,
  );
}

describeWithPostgres('WalEndReader on PostgreSQL', () => {
  let fixture: PgFixture;
  let primary: PgServer;
  let hotStandby: PgServer;
  let warmStandby: PgServer;
  let oldPrimaryEnd: WalPosition;

  beforeAll(async () => {
    fixture = await PgFixture.create();
    primary = await fixture.createPrimary('primary');
    [hotStandby, warmStandby] = await Promise.all([
      fixture.createStandby('hot', primary),
      fixture.createStandby('warm', primary, { hotStandby: false }),
    ]);
    await primary.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int)');
    await primary.query('INSERT INTO accounts SELECT i, 100 FROM generate_series(1, 10000) i');
  }, 60_000);

  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('on a primary, equals pg_current_wal_flush_lsn() once what was written is flushed', async () => {
    await primary.query('UPDATE accounts SET balance = balance + 1 WHERE id % 7 = 0');

    const { end, reported } = await readMatching(primary.walDir, primary, 'SELECT pg_current_wal_flush_lsn()', () => primary.flushWal());

    expect(end).toEqual({ timeline: 1, lsn: reported });
  });

  it('on a hot standby, equals pg_last_wal_receive_lsn() once it has caught up', async () => {
    await primary.query('UPDATE accounts SET balance = balance - 1 WHERE id % 5 = 0');
    await primary.flushWal();
    const primaryFlush = await primary.queryValue<string>('SELECT pg_current_wal_flush_lsn()');
    await hotStandby.waitUntil(`SELECT pg_last_wal_receive_lsn() >= '${primaryFlush}'`);

    const { end, reported } = await readMatching(hotStandby.walDir, hotStandby, 'SELECT pg_last_wal_receive_lsn()');

    expect(end).toEqual({ timeline: 1, lsn: reported });
    expect(reported).toBeGreaterThanOrEqual(parseLsn(primaryFlush));
  });

  it('on a warm standby, which refuses every connection, equals the flush position it reports to the primary', async () => {
    await expect(warmStandby.query('SELECT 1')).rejects.toThrow(/not accepting connections/);
    await primary.flushWal();
    const primaryFlush = await primary.queryValue<string>('SELECT pg_current_wal_flush_lsn()');
    const reportedSql = "SELECT flush_lsn FROM pg_stat_replication WHERE application_name = 'warm'";
    await primary.waitUntil(`SELECT (${reportedSql}) >= '${primaryFlush}'`);

    const { end, reported } = await readMatching(warmStandby.walDir, primary, reportedSql);

    expect(end).toEqual({ timeline: 1, lsn: reported });
  });

  it('after pg_switch_wal(), ends at the next segment boundary, where the flush position is', async () => {
    let result: { end: WalPosition | null; reported: Lsn };
    do {
      // A background record may follow the switch before we read; then switch again.
      result = await readMatching(primary.walDir, primary, 'SELECT pg_current_wal_flush_lsn()', async () => {
        await primary.query('INSERT INTO accounts VALUES (-1, 0) ON CONFLICT (id) DO UPDATE SET balance = 0');
        await primary.query('SELECT pg_switch_wal()');
      });
    } while (result.reported % SEGMENT_SIZE !== 0n);

    expect(result.end).toEqual({ timeline: 1, lsn: result.reported });
  });

  it('ignores recycled segments, renamed for future use but still full of old WAL', async () => {
    for (let i = 0; i < 4; i++) {
      await primary.query('UPDATE accounts SET balance = balance + 1 WHERE id < 100');
      await primary.query('SELECT pg_switch_wal()');
    }
    // The switches left up to 64 MB for the standbys to receive; the CHECKPOINT below removes the
    // segments it came from. Let them have it first, or their streams break (standbysCaughtUp).
    await standbysCaughtUp(primary, [hotStandby.name, warmStandby.name]);
    await primary.query('CHECKPOINT');
    const current = await primary.queryValue<string>('SELECT pg_walfile_name(pg_current_wal_insert_lsn())');
    const futureNames = (await readdir(primary.walDir)).filter((name) => /^[0-9A-F]{24}$/.test(name) && name > current);
    const staleAddresses = await Promise.all(futureNames.map((name) => firstPageAddress(join(primary.walDir, name))));
    expect(futureNames.length).toBeGreaterThan(0);
    futureNames.forEach((name, i) => expect(staleAddresses[i]).not.toBe(startOfSegmentNamed(name)));

    const { end, reported } = await readMatching(primary.walDir, primary, 'SELECT pg_current_wal_flush_lsn()', () => primary.flushWal());

    expect(end).toEqual({ timeline: 1, lsn: reported });
  });

  it('after a fast shutdown, ends past the shutdown checkpoint, where standbys that received everything end', async () => {
    // A fast shutdown sends the shutdown checkpoint to every standby that is streaming, and waits for
    // each to confirm it before PostgreSQL exits; a standby that is not connected at that moment (say,
    // reconnecting after its stream broke) never gets it. So the standbys must be streaming first.
    await standbysCaughtUp(primary, [hotStandby.name, warmStandby.name]);
    await primary.stop('fast');
    const control = await readControlData(primary.dataDir);
    const end = await readEnd(primary);
    const lastRecord = await lastDumpedRecord(primary.walDir, 1, control!.checkpointRedoLsn);

    expect(control!.state).toBe('shut down');
    expect(lastRecord.description).toMatch(/^CHECKPOINT_SHUTDOWN/);
    expect(lastRecord.start).toBe(control!.checkpointLsn);
    expect(end).toEqual({ timeline: 1, lsn: lastRecord.end });
    expect(parseLsn(await hotStandby.queryValue<string>('SELECT pg_last_wal_receive_lsn()'))).toBe(end!.lsn);
    expect(await readEnd(hotStandby)).toEqual(end);
    expect(await readEnd(warmStandby)).toEqual(end);
    oldPrimaryEnd = end!;
  });

  it('after a promotion, reads the new timeline, whose history starts where the old primary ended', async () => {
    await hotStandby.promote();
    const history = await readTimelineHistory(hotStandby.walDir, 2);
    const switchSegment = (oldPrimaryEnd.lsn / SEGMENT_SIZE).toString(16).toUpperCase().padStart(16, '0');
    const walFiles = await readdir(hotStandby.walDir);

    const { end, reported } = await readMatching(hotStandby.walDir, hotStandby, 'SELECT pg_current_wal_flush_lsn()', () => hotStandby.flushWal());

    expect(history).toEqual([{ timeline: 1, switchpoint: oldPrimaryEnd.lsn }]);
    expect(walFiles).toEqual(expect.arrayContaining([`00000001${switchSegment}`, `00000002${switchSegment}`]));
    expect(end).toEqual({ timeline: 2, lsn: reported });
    expect(hasForkedOff(oldPrimaryEnd, 2, history)).toBe(false);
    expect(hasForkedOff((await readEnd(warmStandby))!, 2, history)).toBe(false);
  });

  it('finds that an old primary which went on writing after the promotion has forked off', async () => {
    await primary.start();
    await primary.query('UPDATE accounts SET balance = 0 WHERE id = 1');
    await primary.stop('immediate');
    const history = await readTimelineHistory(hotStandby.walDir, 2);

    const end = await readEnd(primary);

    expect(end!.timeline).toBe(1);
    expect(end!.lsn).toBeGreaterThan(history[0].switchpoint);
    expect(hasForkedOff(end!, 2, history)).toBe(true);
  });
});

async function firstPageAddress(path: string): Promise<Lsn> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(16);
    await handle.read(header, 0, 16, 0);
    return header.readBigUInt64LE(8);
  } finally {
    await handle.close();
  }
}

function startOfSegmentNamed(name: string): Lsn {
  return (BigInt(`0x${name.slice(8, 16)}`) << 32n) + BigInt(`0x${name.slice(16, 24)}`) * SEGMENT_SIZE;
}
