/**
 * The WAL's on-disk format, as far as finding the end of the valid WAL needs it. Every field here has
 * had the same place and meaning in PostgreSQL 15 to 18 (src/include/access/xlog_internal.h and
 * xlogrecord.h); what does change between majors is XLOG_PAGE_MAGIC, so it is never hard-coded but
 * taken from the files themselves. Little-endian, as written on amd64/arm64.
 *
 * XLogPageHeaderData, at the start of every page (SizeOfXLogShortPHD = MAXALIGN(20) = 24):
 *    0 uint16 xlp_magic   2 uint16 xlp_info   4 uint32 xlp_tli   8 uint64 xlp_pageaddr   16 uint32 xlp_rem_len
 * XLogLongPageHeaderData, on the first page of a segment (SizeOfXLogLongPHD = 40):
 *   24 uint64 xlp_sysid  32 uint32 xlp_seg_size  36 uint32 xlp_xlog_blcksz
 * XLogRecord, at every record's start (SizeOfXLogRecord = 24), MAXALIGNed (8):
 *    0 uint32 xl_tot_len  4 uint32 xl_xid  8 uint64 xl_prev  16 uint8 xl_info  17 uint8 xl_rmid
 *   18 2 bytes padding   20 uint32 xl_crc (CRC-32C over bytes 24..xl_tot_len, then bytes 0..20)
 */
import { Lsn } from '../lsn';

/** The page starts with the rest of a record begun on an earlier page. */
export const XLP_FIRST_IS_CONTRECORD = 0x0001;
/** The page has the long header (only the first page of a segment does). */
export const XLP_LONG_HEADER = 0x0002;
/**
 * Crash recovery found a record whose continuation was never written, and wrote new WAL where the
 * continuation should have been. Readers skip the unfinished record (since 15; back-patched to 10).
 */
export const XLP_FIRST_IS_OVERWRITE_CONTRECORD = 0x0008;
/** Every xlp_info bit PostgreSQL 15 to 18 define (XLP_ALL_FLAGS); a page with others is not theirs. */
const XLP_ALL_FLAGS = 0x000f;

export const SHORT_PAGE_HEADER_SIZE = 24;
export const LONG_PAGE_HEADER_SIZE = 40;
export const RECORD_HEADER_SIZE = 24;
export const RECORD_CRC_OFFSET = 20;

/** PostgreSQL rejects records longer than this (MaxAllocSize; 16+ say 1020 MB, which is within it). */
export const MAX_RECORD_LENGTH = 0x3fffffff;

const RM_XLOG_ID = 0;
const XLOG_SWITCH = 0x40;
const XLR_INFO_MASK = 0x0f;

/** MAXALIGN on the 64-bit platforms PostgreSQL images run on. */
export function maxAlign(length: number): number {
  return (length + 7) & ~7;
}

/** Facts every page of one cluster's WAL shares, taken from a segment's long header. */
export interface WalGeometry {
  readonly magic: number;
  readonly systemIdentifier: bigint;
  readonly segmentSize: number;
  readonly blockSize: number;
}

export interface PageHeader {
  readonly info: number;
  readonly remainingLength: number;
  readonly size: number;
}

/**
 * The geometry a segment's first page declares, or null when the page is not the valid first page of
 * the segment starting at `segmentStartFor(segmentSize)`. The segment size is needed to turn a file
 * name into an LSN and is only known from the header, hence the callback. A recycled segment fails
 * here: its header still carries the address it had before it was renamed.
 */
export function readSegmentGeometry(page: Buffer, segmentStartFor: (segmentSize: number) => Lsn): WalGeometry | null {
  if (page.length < LONG_PAGE_HEADER_SIZE || (page.readUInt16LE(2) & XLP_LONG_HEADER) === 0) {
    return null;
  }
  const segmentSize = page.readUInt32LE(32);
  const blockSize = page.readUInt32LE(36);
  // initdb allows segments of 1 MB to 1 GB and configure WAL blocks of 1 to 64 kB, powers of 2.
  if (!isPowerOfTwoBetween(segmentSize, 1 << 20, 1 << 30) || !isPowerOfTwoBetween(blockSize, 1 << 10, 1 << 16)) {
    return null;
  }
  if (page.readBigUInt64LE(8) !== segmentStartFor(segmentSize)) {
    return null;
  }
  return { magic: page.readUInt16LE(0), systemIdentifier: page.readBigUInt64LE(24), segmentSize, blockSize };
}

/**
 * The header of the page at `pageLsn`, or null unless it is a valid page of this WAL at that address
 * (the checks of xlogreader's XLogReaderValidatePageHeader, minus its timeline ordering, which the
 * choice of segment files and the records' prev-links cover).
 */
export function readPageHeader(page: Buffer, pageLsn: Lsn, geometry: WalGeometry): PageHeader | null {
  const info = page.readUInt16LE(2);
  if (page.readUInt16LE(0) !== geometry.magic || (info & ~XLP_ALL_FLAGS) !== 0) {
    return null;
  }
  if (page.readBigUInt64LE(8) !== pageLsn) {
    return null;
  }
  const isSegmentStart = pageLsn % BigInt(geometry.segmentSize) === 0n;
  if (isSegmentStart !== ((info & XLP_LONG_HEADER) !== 0)) {
    return null;
  }
  if (
    isSegmentStart &&
    (page.readBigUInt64LE(24) !== geometry.systemIdentifier ||
      page.readUInt32LE(32) !== geometry.segmentSize ||
      page.readUInt32LE(36) !== geometry.blockSize)
  ) {
    return null;
  }
  return {
    info,
    remainingLength: page.readUInt32LE(16),
    size: isSegmentStart ? LONG_PAGE_HEADER_SIZE : SHORT_PAGE_HEADER_SIZE,
  };
}

/**
 * Whether the record whose header starts at `offset` is an XLOG_SWITCH, which ends its segment: the
 * rest of the segment is skipped, and so counts as WAL.
 */
export function isSegmentSwitch(bytes: Buffer, offset: number): boolean {
  return bytes[offset + 17] === RM_XLOG_ID && (bytes[offset + 16] & ~XLR_INFO_MASK) === XLOG_SWITCH;
}

function isPowerOfTwoBetween(value: number, min: number, max: number): boolean {
  return value >= min && value <= max && (value & (value - 1)) === 0;
}
