/**
 * Reading WAL records the way PostgreSQL's xlogreader does (src/backend/access/transam/xlogreader.c:
 * XLogDecodeNextRecord, ValidXLogRecordHeader, ValidXLogRecord, XLogFindNextRecord), keeping only what
 * tells where the valid WAL ends: a record counts when it is complete on disk, its CRC matches, and its
 * xl_prev names the record before it. The last check is what rejects stale records: the rest of a
 * page after the last record holds zeros, or, in a recycled segment that a standby's walreceiver
 * wrote only partly, bytes of old WAL whose records are internally valid but point elsewhere.
 */
import { Lsn } from '../lsn';
import { CRC32C_INIT, crc32cFinish, crc32cUpdate } from './crc32c';
import { SegmentFile } from './segment-files';
import {
  isSegmentSwitch,
  MAX_RECORD_LENGTH,
  maxAlign,
  RECORD_CRC_OFFSET,
  RECORD_HEADER_SIZE,
  XLP_FIRST_IS_CONTRECORD,
  XLP_FIRST_IS_OVERWRITE_CONTRECORD,
} from './wal-format';
import { WalPage, WalPages } from './wal-pages';

export interface WalRecord {
  readonly start: Lsn;
  /**
   * Where the next record may start: the MAXALIGNed end, which is a page boundary itself (not past
   * the next page's header) when the record fills its page, and the end of the segment for an
   * XLOG_SWITCH. This is PostgreSQL's convention for end-of-record pointers (xlogreader's EndRecPtr,
   * XLogInsert's return value) and therefore for the flush and receive positions it reports.
   */
  readonly end: Lsn;
  /** The file holding the record's last byte. */
  readonly file: SegmentFile;
}

type ReadResult =
  | { readonly kind: 'record'; readonly record: WalRecord }
  /** The record was never finished before a crash; recovery wrote new WAL at `resumeAt` instead. */
  | { readonly kind: 'overwritten'; readonly resumeAt: Lsn }
  /** No complete, valid record there (yet). */
  | { readonly kind: 'none' };

const NONE: ReadResult = { kind: 'none' };

/**
 * The record at `at` (a record start, or a page boundary meaning the first record on that page).
 * `previousStart` is the start of the record before it; null when unknown (the first record of a
 * scan), then only "xl_prev lies before the record" is checked, as xlogreader does for random access.
 */
async function readRecord(pages: WalPages, at: Lsn, previousStart: Lsn | null): Promise<ReadResult> {
  const blockSize = pages.geometry.blockSize;
  const pageLsn = at - (at % BigInt(blockSize));
  // Most records start on the page in hand; taking it without `await` saves a turn of the event loop
  // per record, which is a good part of the time a scan takes.
  const page = pages.current(pageLsn) ?? (await pages.page(pageLsn));
  if (page === null) {
    return NONE;
  }
  const offset = at === pageLsn ? page.header.size : Number(at - pageLsn);
  // A record cannot start inside the header, nor where the page says a continuation sits.
  const atContinuation = offset === page.header.size && (page.header.info & XLP_FIRST_IS_CONTRECORD) !== 0;
  if (offset < page.header.size || atContinuation) {
    return NONE;
  }
  const start = pageLsn + BigInt(offset);
  const totalLength = page.bytes.readUInt32LE(offset);
  if (totalLength < RECORD_HEADER_SIZE || totalLength > MAX_RECORD_LENGTH) {
    return NONE;
  }
  if (offset + totalLength > blockSize) {
    return readSpanningRecord(pages, page, offset, start, totalLength, previousStart);
  }
  // Most records fit on their page: check them where they lie.
  const bytes = page.bytes;
  if (!isValidPrevLink(bytes.readBigUInt64LE(offset + 8), start, previousStart)) {
    return NONE;
  }
  const dataCrc = crc32cUpdate(CRC32C_INIT, bytes, offset + RECORD_HEADER_SIZE, offset + totalLength);
  const crc = crc32cFinish(crc32cUpdate(dataCrc, bytes, offset, offset + RECORD_CRC_OFFSET));
  if (crc !== bytes.readUInt32LE(offset + RECORD_CRC_OFFSET)) {
    return NONE;
  }
  const end = start + BigInt(maxAlign(totalLength));
  return record(start, isSegmentSwitch(bytes, offset) ? roundUp(end, BigInt(pages.geometry.segmentSize)) : end, page.file);
}

/** A record continued on following pages: each must say it continues it, by as much as is missing. */
async function readSpanningRecord(
  pages: WalPages,
  firstPage: WalPage,
  offset: number,
  start: Lsn,
  totalLength: number,
  previousStart: Lsn | null,
): Promise<ReadResult> {
  const assembly = new RecordAssembly(start, totalLength, previousStart);
  if (!assembly.add(firstPage.bytes.subarray(offset))) {
    return NONE;
  }
  let page = firstPage;
  let endInPage = 0;
  while (assembly.missing > 0) {
    const pageLsn: Lsn = page.lsn + BigInt(pages.geometry.blockSize);
    const next = await pages.page(pageLsn);
    if (next === null) {
      return NONE;
    }
    if ((next.header.info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) !== 0) {
      return { kind: 'overwritten', resumeAt: pageLsn };
    }
    if ((next.header.info & XLP_FIRST_IS_CONTRECORD) === 0 || next.header.remainingLength !== assembly.missing) {
      return NONE;
    }
    endInPage = next.header.size + Math.min(assembly.missing, next.bytes.length - next.header.size);
    if (!assembly.add(next.bytes.subarray(next.header.size, endInPage))) {
      return NONE;
    }
    page = next;
  }
  if (!assembly.hasValidCrc()) {
    return NONE;
  }
  const end = page.lsn + BigInt(maxAlign(endInPage));
  return record(start, assembly.isSegmentSwitch() ? roundUp(end, BigInt(pages.geometry.segmentSize)) : end, page.file);
}

function record(start: Lsn, end: Lsn, file: SegmentFile): ReadResult {
  return { kind: 'record', record: { start, end, file } };
}

function isValidPrevLink(prevLink: Lsn, start: Lsn, previousStart: Lsn | null): boolean {
  return previousStart === null ? prevLink < start : prevLink === previousStart;
}

/**
 * Where the first record that starts in the segment beginning at `segmentStartLsn` is, skipping the
 * tail of a record begun in an earlier segment (which may fill whole pages); null when those pages
 * are not on disk.
 */
export async function findFirstRecord(pages: WalPages, segmentStartLsn: Lsn): Promise<Lsn | null> {
  const blockSize = pages.geometry.blockSize;
  for (let pageLsn = segmentStartLsn; ; pageLsn += BigInt(blockSize)) {
    const page = await pages.page(pageLsn);
    if (page === null) {
      return null;
    }
    const { info, size, remainingLength } = page.header;
    if ((info & XLP_FIRST_IS_CONTRECORD) === 0) {
      return pageLsn + BigInt(size);
    }
    if (maxAlign(remainingLength) < blockSize - size) {
      return pageLsn + BigInt(size + maxAlign(remainingLength));
    }
  }
}

/**
 * Reads records one after the other from `at`, and returns the last valid one; `previous` when none
 * follows it. A record abandoned by a crash (see XLP_FIRST_IS_OVERWRITE_CONTRECORD) is skipped the
 * way xlogreader skips it: the WAL resumes at the overwriting page, chained to the record before.
 */
export async function followRecords(pages: WalPages, at: Lsn, previous: WalRecord | null): Promise<WalRecord | null> {
  let last = previous;
  let next = at;
  for (;;) {
    const result = await readRecord(pages, next, last?.start ?? null);
    if (result.kind === 'none') {
      return last;
    }
    if (result.kind === 'overwritten') {
      next = result.resumeAt;
    } else {
      last = result.record;
      next = last.end;
    }
  }
}

/**
 * Collects a spanning record's bytes as they come page by page: the header is kept, everything after
 * it goes straight into the CRC, so even a huge record costs no memory.
 */
class RecordAssembly {
  private readonly header = Buffer.alloc(RECORD_HEADER_SIZE);
  private crc = CRC32C_INIT;
  private received = 0;

  constructor(
    private readonly start: Lsn,
    private readonly totalLength: number,
    private readonly previousStart: Lsn | null,
  ) {}

  get missing(): number {
    return this.totalLength - this.received;
  }

  /** Takes the next bytes; false as soon as the completed header shows this is not the next record. */
  add(bytes: Buffer): boolean {
    let rest = bytes;
    if (this.received < RECORD_HEADER_SIZE) {
      const headerBytes = Math.min(RECORD_HEADER_SIZE - this.received, rest.length);
      rest.copy(this.header, this.received, 0, headerBytes);
      this.received += headerBytes;
      rest = rest.subarray(headerBytes);
      const prevLink = this.received === RECORD_HEADER_SIZE ? this.header.readBigUInt64LE(8) : null;
      if (prevLink !== null && !isValidPrevLink(prevLink, this.start, this.previousStart)) {
        return false;
      }
    }
    this.crc = crc32cUpdate(this.crc, rest);
    this.received += rest.length;
    return true;
  }

  hasValidCrc(): boolean {
    const crc = crc32cFinish(crc32cUpdate(this.crc, this.header, 0, RECORD_CRC_OFFSET));
    return crc === this.header.readUInt32LE(RECORD_CRC_OFFSET);
  }

  isSegmentSwitch(): boolean {
    return isSegmentSwitch(this.header, 0);
  }
}

function roundUp(lsn: Lsn, multiple: bigint): Lsn {
  return ((lsn + multiple - 1n) / multiple) * multiple;
}
