import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Lsn, parseLsn } from '../../../agent/postgres/lsn';
import { readControlData } from '../../../agent/postgres/pg-control';
import { WalEndReader } from '../../../agent/postgres/wal-end';
import { describeWithPostgres, PgFixture, startWriteLoad } from '../../support/pg-fixture';
import { dumpRecords } from './waldump';

describeWithPostgres('WalEndReader after crashes of PostgreSQL', () => {
  let fixture: PgFixture;

  beforeAll(async () => {
    fixture = await PgFixture.create();
  });

  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('while PostgreSQL writes, and after an immediate stop under write load, ends at record ends PostgreSQL reads too', async () => {
    const primary = await fixture.createPrimary('loaded');
    const reader = new WalEndReader(primary.walDir);
    const load = await startWriteLoad(primary);
    const endsWhileWriting: Lsn[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      endsWhileWriting.push((await reader.read())!.lsn);
    }

    await primary.stop('immediate');
    await load.stop();
    const control = await readControlData(primary.dataDir);
    const records = await dumpRecords(primary.walDir, 1, control!.checkpointRedoLsn);
    const recordEnds = new Set(records.map((record) => record.end));
    const lastEnd = records[records.length - 1].end;

    expect(control!.state).toBe('in production');
    expect(await reader.read()).toEqual({ timeline: 1, lsn: lastEnd });
    expect(await new WalEndReader(primary.walDir).read()).toEqual({ timeline: 1, lsn: lastEnd });
    expect(endsWhileWriting.filter((end) => !recordEnds.has(end))).toEqual([]);
    expect([...endsWhileWriting].sort((a, b) => (a < b ? -1 : 1))).toEqual(endsWhileWriting);
  }, 30_000);

  it('reads past a record whose continuation a crash lost, once recovery has written over it', async () => {
    // As PostgreSQL's own test 026_overwrite_contrecord: fill a segment (1 MB here) almost to its end,
    // write a record that spans into the next segment, stop at once, delete that next segment. On
    // restart, recovery writes new WAL where the continuation was and marks the page for readers.
    // wal_keep_size keeps the segment where the lost record starts past recovery's checkpoint, so
    // that reading has to go through the lost record.
    const segmentSize = 1 << 20;
    const primary = await fixture.createPrimary('overwritten', { walSegmentSizeMb: 1, settings: { wal_keep_size: "'32MB'" } });
    await primary.query('CREATE TABLE filler (a int, b text)');
    await primary.query(`
      DO $$
      BEGIN
        WHILE ${segmentSize} - (pg_current_wal_insert_lsn() - '0/0') % ${segmentSize} >= 2 * 8192 LOOP
          INSERT INTO filler SELECT g, repeat(encode(sha256(g::text::bytea), 'hex'), (random() * 15 + 1)::int)
          FROM generate_series(1, 10) g;
        END LOOP;
      END $$`);
    const beforeLostRecord = parseLsn(await primary.queryValue<string>('SELECT pg_current_wal_insert_lsn()'));
    await primary.query("SELECT pg_logical_emit_message(true, 'lost', repeat('xyzxz', 123456))");
    const afterLostRecord = parseLsn(await primary.queryValue<string>('SELECT pg_current_wal_insert_lsn()'));
    const lostSegmentStart = afterLostRecord - (afterLostRecord % BigInt(segmentSize));
    const lostSegment = await primary.queryValue<string>('SELECT pg_walfile_name(pg_current_wal_insert_lsn())');
    await primary.stop('immediate');
    await unlink(join(primary.walDir, lostSegment));

    expect(await new WalEndReader(primary.walDir).read()).toEqual({ timeline: 1, lsn: beforeLostRecord });

    await primary.start();
    // Recovery wrote over the lost continuation before accepting connections. Stop (cleanly, so all of
    // it is on disk) before reading: a running server appends WAL on its own at any moment (seen here:
    // hint-bit full-page images of catalog pages and a commit, from background processes), and a record
    // appended between pg_waldump's read and the reader's makes them disagree, both being right.
    await primary.stop('fast');
    const records = await dumpRecords(primary.walDir, 1, lostSegmentStart, segmentSize);

    expect(records[0].description).toMatch(/^OVERWRITE_CONTRECORD/);
    expect(await new WalEndReader(primary.walDir).read()).toEqual({ timeline: 1, lsn: records[records.length - 1].end });
  }, 30_000);
});
