/**
 * How far this member's WAL goes, read from pg_wal itself: the agent needs it for every member, also
 * a warm standby (which refuses SQL) and a stopped server (which answers nothing), to pick the most
 * advanced standby and to tell whether a former primary forked off the new primary's history.
 *
 * The answer is where PostgreSQL's own reading of this WAL would stop: the end of the last record that
 * is complete on disk, passes its CRC and is chained (xl_prev) to the record before it, on the newest
 * timeline. Its LSN follows PostgreSQL's convention for record ends (see WalRecord.end), so it matches:
 * - on a primary, pg_current_wal_flush_lsn() once what was written has been flushed;
 * - on a streaming standby, pg_last_wal_receive_lsn() once it has caught up;
 * - after a clean shutdown, the end of the shutdown checkpoint record (what a standby that received
 *   everything reports).
 * Two differences are by design. It counts WAL written to the files, which may be a moment ahead of
 * what was flushed (fsync) and reported; after a crash of the process (not of the machine) both agree.
 * And it counts only complete records, while PostgreSQL's flush position (and so a standby's receive
 * position) can stop inside a record, for as long as the server stays idle: WAL outside transactions
 * (full-page images for hint bits, with checksums or wal_log_hints on) is flushed a whole page at a
 * time until a commit flushes the rest. Then this LSN lies up to one record before those positions.
 */
import { open } from 'node:fs/promises';
import { Lsn } from './lsn';
import { findFirstRecord, followRecords, WalRecord } from './wal/record-reader';
import { listSegmentFiles, SegmentFile, segmentStart } from './wal/segment-files';
import { LONG_PAGE_HEADER_SIZE, WalGeometry } from './wal/wal-format';
import { candidatesBySegment, discoverLayout } from './wal/wal-layout';
import { WalPages } from './wal/wal-pages';

export interface WalPosition {
  /** The timeline of the segment file the last record ends in. */
  readonly timeline: number;
  /** The end of (the LSN just past) the last complete, valid record on disk. */
  readonly lsn: Lsn;
}

/** What one read established, so that the next reads only what was appended since. */
interface Tip {
  readonly geometry: WalGeometry;
  /** The newest timeline among the segment names when the tip was found by a scan from scratch. */
  readonly newestTimeline: number;
  readonly last: WalRecord;
  readonly lastFile: FileIdentity;
}

/**
 * Reads the end of the WAL in a pg_wal folder, cheaply enough to be called every second: the first
 * read scans the last two segments (the one the WAL ends in, and the one before it, whose first record
 * is certainly on disk: a later segment only receives WAL once the earlier one is full); later reads
 * resume from the last valid record and read only what follows it, into new segments too. New,
 * recycled and removed segments do not disturb that; two things send a read back to scratch: a
 * segment of a newer timeline (a promotion, pg_rewind, a standby following a new primary can put
 * different WAL under names already read) and a change to the file the WAL ended in.
 */
export class WalEndReader {
  private tip: Tip | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly walDir: string) {}

  /** The end of the valid WAL; null when the folder holds none (no cluster, or not yet). */
  read(): Promise<WalPosition | null> {
    // One read at a time, each starting after the previous one ended, so that every caller (the
    // decision loop, peers' /status requests) gets an answer at least as fresh as its call.
    const result = this.queue.then(() => this.readOnce());
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async readOnce(): Promise<WalPosition | null> {
    const files = await listSegmentFiles(this.walDir);
    const tip = this.tip;
    if (tip !== null && newestTimeline(files) === tip.newestTimeline && (await tip.lastFile.isUnchanged())) {
      this.tip = await this.resume(tip, files);
    } else {
      this.tip = await this.scanFromScratch(files);
    }
    return this.tip && { timeline: this.tip.last.file.timeline, lsn: this.tip.last.end };
  }

  private async resume(tip: Tip, files: readonly SegmentFile[]): Promise<Tip> {
    const candidates = candidatesBySegment(files, tip.geometry.segmentSize);
    const pages = new WalPages(tip.geometry, candidates);
    const last = await withPages(pages, () => followRecords(pages, tip.last.end, tip.last));
    if (last === null || last === tip.last) {
      return tip;
    }
    const lastFile = last.file === tip.last.file ? tip.lastFile : await FileIdentity.of(last.file);
    return { ...tip, last, lastFile };
  }

  private async scanFromScratch(files: readonly SegmentFile[]): Promise<Tip | null> {
    const layout = await discoverLayout(files);
    if (layout === null) {
      return null;
    }
    const pages = new WalPages(layout.geometry, layout.candidates);
    const last = await withPages(pages, async () => {
      for (const segmentNo of [layout.lastSegmentNo - 1, layout.lastSegmentNo]) {
        const start = segmentStart(segmentNo, layout.geometry.segmentSize);
        const first = segmentNo < 0 ? null : await findFirstRecord(pages, start);
        const found = first === null ? null : await followRecords(pages, first, null);
        if (found !== null) {
          return found;
        }
      }
      return null;
    });
    if (last === null) {
      return null;
    }
    return { geometry: layout.geometry, newestTimeline: newestTimeline(files), last, lastFile: await FileIdentity.of(last.file) };
  }
}

function newestTimeline(files: readonly SegmentFile[]): number {
  return Math.max(0, ...files.map((file) => file.timeline));
}

/** Runs `use`, then closes the files `pages` opened. */
async function withPages<T>(pages: WalPages, use: () => Promise<T>): Promise<T> {
  try {
    return await use();
  } finally {
    await pages.close();
  }
}

/**
 * A segment file as it was: same inode, same long header. pg_rewind, a restore or a re-clone can put
 * different WAL under the same name; then a resumed read would build on bytes that are gone.
 */
class FileIdentity {
  static async of(file: SegmentFile): Promise<FileIdentity> {
    return new FileIdentity(file.path, await FileIdentity.fingerprint(file.path));
  }

  private static async fingerprint(path: string): Promise<string | null> {
    try {
      const handle = await open(path, 'r');
      try {
        const { ino } = await handle.stat({ bigint: true });
        const header = Buffer.alloc(LONG_PAGE_HEADER_SIZE);
        await handle.read(header, 0, header.length, 0);
        return `${ino}:${header.toString('hex')}`;
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }
  }

  private constructor(
    private readonly path: string,
    private readonly fingerprint: string | null,
  ) {}

  async isUnchanged(): Promise<boolean> {
    return this.fingerprint !== null && (await FileIdentity.fingerprint(this.path)) === this.fingerprint;
  }
}
