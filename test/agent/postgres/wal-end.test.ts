import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalEndReader } from '../../../agent/postgres/wal-end';
import { SyntheticWal } from './synthetic-wal';

const SEGMENT_SIZE = 1 << 20;
const BLOCK_SIZE = 8192;

let walDir: string;

beforeEach(async () => {
  walDir = await mkdtemp(join(tmpdir(), 'pgha-wal-'));
});

afterEach(async () => {
  await rm(walDir, { recursive: true, force: true });
});

function readEnd(dir = walDir) {
  return new WalEndReader(dir).read();
}

/** Appends records of `length` bytes until the WAL reaches `lsn`. */
function fillUntil(wal: SyntheticWal, lsn: bigint, length = 1000): void {
  while (wal.end < lsn) {
    wal.append(length);
  }
}

describe('WalEndReader on synthetic WAL', () => {
  it('finds no WAL in a folder that does not exist or holds no segments', async () => {
    expect(await readEnd(join(walDir, 'missing'))).toBeNull();
    await mkdir(join(walDir, 'archive_status'));
    expect(await readEnd()).toBeNull();
  });

  it('ends at the MAXALIGNed end of the last record', async () => {
    const wal = new SyntheticWal();
    wal.append(61);
    wal.append(100);
    const last = wal.append(333);
    await wal.writeTo(walDir);

    expect(last.end).toBe(last.start + 336n);
    expect(await readEnd()).toEqual({ timeline: 1, lsn: last.end });
  });

  it('follows records across pages, and ends at the page boundary when a record fills its page', async () => {
    const wal = new SyntheticWal();
    wal.append(100);
    // From here to the end of the second page, minus the second page's header.
    const offsetInPage = Number(wal.end % BigInt(BLOCK_SIZE));
    const filling = wal.append(BLOCK_SIZE - offsetInPage + BLOCK_SIZE - 24);
    await wal.writeTo(walDir);

    expect(filling.end % BigInt(BLOCK_SIZE)).toBe(0n);
    expect(await readEnd()).toEqual({ timeline: 1, lsn: filling.end });

    const next = wal.append(50);
    await wal.writeTo(walDir);
    expect(next.start).toBe(filling.end + 24n);
    expect(await readEnd()).toEqual({ timeline: 1, lsn: next.end });
  });

  it('follows a record across a segment boundary', async () => {
    const wal = new SyntheticWal();
    fillUntil(wal, BigInt(2 * SEGMENT_SIZE) - 3000n);
    const spanning = wal.append(20_000);
    await wal.writeTo(walDir);

    expect(wal.segmentNumbers()).toEqual([1, 2]);
    expect(await readEnd()).toEqual({ timeline: 1, lsn: spanning.end });
  });

  it('does not count a record cut off by the end of what was written', async () => {
    const wal = new SyntheticWal();
    const complete = wal.append(500);
    const cutOff = wal.append(3 * BLOCK_SIZE);
    const segment = wal.segmentBytes(1);
    segment.fill(0, Number(cutOff.start) - SEGMENT_SIZE + 2 * BLOCK_SIZE);
    await writeFile(join(walDir, wal.fileName(1, 1)), segment);

    expect(await readEnd()).toEqual({ timeline: 1, lsn: complete.end });
  });

  it('does not count a record whose CRC fails', async () => {
    const wal = new SyntheticWal();
    const good = wal.append(200);
    const corrupt = wal.append(200);
    const segment = wal.segmentBytes(1);
    segment[Number(corrupt.start) - SEGMENT_SIZE + 100] ^= 0x01;
    await writeFile(join(walDir, wal.fileName(1, 1)), segment);

    expect(await readEnd()).toEqual({ timeline: 1, lsn: good.end });
  });

  it('does not count a record with a valid CRC whose xl_prev does not name the record before it', async () => {
    const wal = new SyntheticWal();
    wal.append(200);
    const last = wal.append(200);
    wal.append(200, { prevLink: 0x1234n });
    await wal.writeTo(walDir);

    expect(await readEnd()).toEqual({ timeline: 1, lsn: last.end });
  });

  it('ignores the stale tail of a recycled segment, whose old records are valid but chained elsewhere', async () => {
    // The same record sizes from the start of segment 1 (old) and of segment 3 (new) put records at
    // the same offsets: after the new WAL's end, the old bytes hold a complete, CRC-valid record
    // exactly where the next new record would start. A standby's walreceiver leaves such tails.
    const sizes = Array.from({ length: 40 }, (_, i) => 200 + ((i * 37) % 900));
    const old = new SyntheticWal({ firstSegmentNo: 1 });
    const current = new SyntheticWal({ firstSegmentNo: 3 });
    const oldRecords = sizes.map((size, i) => old.append(size, { seed: i }));
    const newRecords = sizes.map((size, i) => current.append(size, { seed: 1000 + i }));
    // Cut the new WAL where the old record that follows lies whole on the same page.
    const cut = oldRecords.findIndex(
      (record, i) => i > 0 && record.start / BigInt(BLOCK_SIZE) === (record.end - 1n) / BigInt(BLOCK_SIZE),
    ) - 1;
    const lastWritten = newRecords[cut];
    const recycled = old.segmentBytes(1);
    current.segmentBytes(3).copy(recycled, 0, 0, Number(lastWritten.end) - 3 * SEGMENT_SIZE);
    await writeFile(join(walDir, current.fileName(3, 1)), recycled);

    expect(oldRecords[cut + 1].start - BigInt(SEGMENT_SIZE)).toBe(lastWritten.end - BigInt(3 * SEGMENT_SIZE));
    expect(await readEnd()).toEqual({ timeline: 1, lsn: lastWritten.end });
  });

  it('ignores recycled segments with future names, whose first page still carries an older address', async () => {
    const wal = new SyntheticWal();
    fillUntil(wal, BigInt(2 * SEGMENT_SIZE) + 5000n);
    await wal.writeTo(walDir);
    await writeFile(join(walDir, wal.fileName(3, 1)), wal.segmentBytes(1));
    await writeFile(join(walDir, wal.fileName(4, 1)), wal.segmentBytes(2));

    expect(await readEnd()).toEqual({ timeline: 1, lsn: wal.end });
  });

  it('does not trust a stale record right after the continuation that opens the last segment', async () => {
    // The last segment begins with the tail of a record from the one before, and has received
    // nothing after it; the bytes there are old WAL with a complete record at that very offset.
    // Read on its own, that record would pass (nothing tells what its xl_prev should be); read on
    // from the previous segment, its xl_prev is wrong.
    const sizes = Array.from({ length: 2000 }, (_, i) => 300 + ((i * 53) % 1200));
    const old = new SyntheticWal({ firstSegmentNo: 1 });
    const current = new SyntheticWal({ firstSegmentNo: 3 });
    sizes.forEach((size, i) => old.append(size, { seed: i }));
    let crossing = current.append(sizes[0], { seed: 5000 });
    for (let i = 1; crossing.end < BigInt(4 * SEGMENT_SIZE); i++) {
      crossing = current.append(sizes[i], { seed: 5000 + i });
    }
    const offsetInSegment = Number(crossing.end) - 4 * SEGMENT_SIZE;
    expect(offsetInSegment).toBeGreaterThan(0);
    const recycled = old.segmentBytes(2);
    current.segmentBytes(4).copy(recycled, 0, 0, offsetInSegment);
    await current.writeTo(walDir, 1, [3]);
    await writeFile(join(walDir, current.fileName(4, 1)), recycled);

    expect(await readEnd()).toEqual({ timeline: 1, lsn: crossing.end });
  });

  it('counts the rest of the segment after an XLOG_SWITCH record as WAL', async () => {
    const wal = new SyntheticWal();
    wal.append(300);
    const switched = wal.switchSegment();
    await wal.writeTo(walDir);

    expect(switched.end).toBe(BigInt(2 * SEGMENT_SIZE));
    expect(await readEnd()).toEqual({ timeline: 1, lsn: BigInt(2 * SEGMENT_SIZE) });

    const next = wal.append(300);
    await wal.writeTo(walDir);
    expect(next.start).toBe(BigInt(2 * SEGMENT_SIZE) + 40n);
    expect(await readEnd()).toEqual({ timeline: 1, lsn: next.end });
  });

  it('skips a record whose continuation a crash lost, where recovery marked the page that replaced it', async () => {
    const wal = new SyntheticWal();
    const beforeCrash = wal.append(3000);
    wal.abandonRecord(20_000);
    await wal.writeTo(walDir);
    expect(await readEnd()).toEqual({ timeline: 1, lsn: beforeCrash.end });

    const overwriting = wal.append(100);
    const after = wal.append(100);
    await wal.writeTo(walDir);
    expect(overwriting.start % BigInt(BLOCK_SIZE)).toBe(24n);
    expect(await readEnd()).toEqual({ timeline: 1, lsn: after.end });
  });

  it('reads the segment and page size from the first page of a segment', async () => {
    const wal = new SyntheticWal({ segmentSize: 1 << 21, blockSize: 1 << 14 });
    fillUntil(wal, BigInt(2 * (1 << 21)) + 30_000n, 7000);
    await wal.writeTo(walDir);

    expect(await readEnd()).toEqual({ timeline: 1, lsn: wal.end });
  });

  describe('after a promotion, when a segment exists on two timelines', () => {
    /**
     * Timeline 1 went on writing past the switchpoint (an old primary's WAL the new one never got);
     * timeline 2's copy of the switch segment holds timeline 1's WAL up to the switchpoint, then its own.
     */
    async function promotedMember(): Promise<{ switchpoint: bigint; oldEnd: bigint; newEnd: bigint; switchSegment: number }> {
      const oldTimeline = new SyntheticWal();
      const newTimeline = new SyntheticWal();
      for (const wal of [oldTimeline, newTimeline]) {
        fillUntil(wal, BigInt(2 * SEGMENT_SIZE) + 40_000n);
      }
      const switchpoint = newTimeline.end;
      fillUntil(oldTimeline, BigInt(3 * SEGMENT_SIZE) + 10_000n, 900);
      newTimeline.continueOnTimeline(2);
      for (let i = 0; i < 30; i++) {
        newTimeline.append(400, { seed: 7000 + i });
      }
      await oldTimeline.writeTo(walDir, 1);
      await newTimeline.writeTo(walDir, 2, [2]);
      return { switchpoint, oldEnd: oldTimeline.end, newEnd: newTimeline.end, switchSegment: 2 };
    }

    it('reads the newest timeline, and ignores the older one past the switch', async () => {
      const { switchpoint, oldEnd, newEnd } = await promotedMember();

      expect(oldEnd).toBeGreaterThan(newEnd);
      expect(newEnd).toBeGreaterThan(switchpoint);
      expect(await readEnd()).toEqual({ timeline: 2, lsn: newEnd });
    });

    it('ignores .partial and .history files and archive_status', async () => {
      const { newEnd } = await promotedMember();
      const oldSwitchSegment = join(walDir, '000000010000000000000002');
      await rename(oldSwitchSegment, `${oldSwitchSegment}.partial`);
      await rm(join(walDir, '000000010000000000000003'));
      await writeFile(join(walDir, '00000002.history'), '1\t0/2009C68\tno recovery target specified\n');
      await mkdir(join(walDir, 'archive_status'));
      await writeFile(join(walDir, 'archive_status', '000000010000000000000002.partial.ready'), '');

      expect(await readEnd()).toEqual({ timeline: 2, lsn: newEnd });
    });
  });

  describe('incremental reads', () => {
    it('resumes after the last record it read, without reading the WAL before it again', async () => {
      const wal = new SyntheticWal();
      const records = Array.from({ length: 20 }, () => wal.append(1000));
      await wal.writeTo(walDir);
      const reader = new WalEndReader(walDir);
      expect(await reader.read()).toEqual({ timeline: 1, lsn: records[19].end });

      // Corrupt a record the reader has already passed, and append two more: a resumed read cannot
      // see the corruption, a read from scratch stops at it.
      const appended = [wal.append(1000), wal.append(1000)];
      const segment = wal.segmentBytes(1);
      segment[Number(records[10].start) - SEGMENT_SIZE + 500] ^= 0xff;
      await writeFile(join(walDir, wal.fileName(1, 1)), segment);

      expect(await reader.read()).toEqual({ timeline: 1, lsn: appended[1].end });
      expect(await readEnd()).toEqual({ timeline: 1, lsn: records[9].end });
    });

    it('picks up a record that was incomplete at the previous read', async () => {
      const wal = new SyntheticWal();
      const complete = wal.append(500);
      const growing = wal.append(3 * BLOCK_SIZE);
      const partial = wal.segmentBytes(1);
      partial.fill(0, Number(growing.start) - SEGMENT_SIZE + BLOCK_SIZE);
      await writeFile(join(walDir, wal.fileName(1, 1)), partial);
      const reader = new WalEndReader(walDir);
      expect(await reader.read()).toEqual({ timeline: 1, lsn: complete.end });

      await wal.writeTo(walDir);
      expect(await reader.read()).toEqual({ timeline: 1, lsn: growing.end });
    });

    it('follows the WAL into the next segment when it was already there as a recycled file', async () => {
      const wal = new SyntheticWal();
      fillUntil(wal, BigInt(SEGMENT_SIZE) + 900_000n);
      await wal.writeTo(walDir);
      await writeFile(join(walDir, wal.fileName(2, 1)), wal.segmentBytes(1));
      const reader = new WalEndReader(walDir);
      const before = wal.end;
      expect(await reader.read()).toEqual({ timeline: 1, lsn: before });

      fillUntil(wal, BigInt(2 * SEGMENT_SIZE) + 10_000n);
      await wal.writeTo(walDir);
      expect(await reader.read()).toEqual({ timeline: 1, lsn: wal.end });
    });

    it('keeps resuming when segments are added, as when the WAL moves on to a new one', async () => {
      const wal = new SyntheticWal();
      const records = Array.from({ length: 20 }, () => wal.append(1000));
      await wal.writeTo(walDir);
      const reader = new WalEndReader(walDir);
      await reader.read();

      fillUntil(wal, BigInt(2 * SEGMENT_SIZE) + 5000n);
      const segment = wal.segmentBytes(1);
      segment[Number(records[10].start) - SEGMENT_SIZE + 500] ^= 0xff;
      await writeFile(join(walDir, wal.fileName(1, 1)), segment);
      await writeFile(join(walDir, wal.fileName(2, 1)), wal.segmentBytes(2));

      expect(await reader.read()).toEqual({ timeline: 1, lsn: wal.end });
      expect(await readEnd()).toEqual({ timeline: 1, lsn: records[9].end });
    });

    it('reads from scratch when a segment of a newer timeline appears', async () => {
      // This member wrote on timeline 1 past the point where another member's timeline 2 began;
      // then timeline 2's WAL arrived (as pg_rewind brings it).
      const oldTimeline = new SyntheticWal();
      const newTimeline = new SyntheticWal();
      for (const wal of [oldTimeline, newTimeline]) {
        fillUntil(wal, BigInt(SEGMENT_SIZE) + 40_000n);
      }
      fillUntil(oldTimeline, BigInt(SEGMENT_SIZE) + 90_000n, 700);
      newTimeline.continueOnTimeline(2);
      fillUntil(newTimeline, BigInt(SEGMENT_SIZE) + 60_000n, 300);
      await oldTimeline.writeTo(walDir, 1);
      const reader = new WalEndReader(walDir);
      expect(await reader.read()).toEqual({ timeline: 1, lsn: oldTimeline.end });

      await newTimeline.writeTo(walDir, 2);
      expect(await reader.read()).toEqual({ timeline: 2, lsn: newTimeline.end });
    });

    it('reads from scratch when the segment it ended in was replaced', async () => {
      const first = new SyntheticWal();
      first.append(5000);
      await first.writeTo(walDir);
      const reader = new WalEndReader(walDir);
      await reader.read();

      // Different WAL under the same name (as pg_rewind or a re-clone leave it), shorter than before.
      const second = new SyntheticWal({ systemIdentifier: 42n });
      const only = second.append(100);
      const path = join(walDir, second.fileName(1, 1));
      await writeFile(`${path}.new`, second.segmentBytes(1));
      await rename(`${path}.new`, path);

      expect(await reader.read()).toEqual({ timeline: 1, lsn: only.end });
    });
  });
});
