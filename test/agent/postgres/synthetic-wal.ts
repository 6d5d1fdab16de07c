/**
 * Builds WAL byte for byte the way PostgreSQL lays it out (page headers, records chained by xl_prev
 * and protected by CRC-32C, records continued across pages and segments), so that tests can make the
 * cases a running server produces only by chance: stale tails, torn records, recycled segments.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Lsn } from '../../../agent/postgres/lsn';
import { CRC32C_INIT, crc32cFinish, crc32cUpdate } from '../../../agent/postgres/wal/crc32c';

export interface SyntheticWalOptions {
  readonly firstSegmentNo?: number;
  readonly segmentSize?: number;
  readonly blockSize?: number;
  readonly timeline?: number;
  readonly systemIdentifier?: bigint;
  /** XLOG_PAGE_MAGIC of PostgreSQL 15. */
  readonly magic?: number;
}

export interface WrittenRecord {
  readonly start: Lsn;
  readonly end: Lsn;
}

export interface RecordOptions {
  /** xl_prev; by default the start of the record before. */
  readonly prevLink?: Lsn;
  readonly rmid?: number;
  readonly info?: number;
  /** Payload bytes are pseudo-random, from this seed. */
  readonly seed?: number;
}

const RM_HEAP_ID = 10;

export class SyntheticWal {
  readonly segmentSize: number;
  readonly blockSize: number;
  readonly systemIdentifier: bigint;
  readonly magic: number;
  readonly records: WrittenRecord[] = [];

  private readonly segments = new Map<number, Buffer>();
  private timeline: number;
  private position: Lsn;
  private previousStart: Lsn = 0n;
  private overwriteNextPage = false;

  constructor(options: SyntheticWalOptions = {}) {
    this.segmentSize = options.segmentSize ?? 1 << 20;
    this.blockSize = options.blockSize ?? 8192;
    this.timeline = options.timeline ?? 1;
    this.systemIdentifier = options.systemIdentifier ?? 7_000_000_000_000_000_001n;
    this.magic = options.magic ?? 0xd110;
    this.position = BigInt((options.firstSegmentNo ?? 1) * this.segmentSize);
  }

  /** Where the next record would start (the end of the last one). */
  get end(): Lsn {
    return this.position;
  }

  /** Pages begun from now on carry `timeline`, as after a promotion. */
  continueOnTimeline(timeline: number): void {
    this.timeline = timeline;
  }

  /** Appends a record of `totalLength` bytes (header included) and returns where it lies. */
  append(totalLength: number, options: RecordOptions = {}): WrittenRecord {
    const bytes = this.recordBytes(totalLength, options);
    const record = this.lay(bytes, bytes.length);
    this.previousStart = record.start;
    this.position = record.end;
    this.records.push(record);
    return record;
  }

  /** Appends an XLOG_SWITCH record: the WAL continues at the next segment. */
  switchSegment(): WrittenRecord {
    const record = this.append(24, { rmid: 0, info: 0x40 });
    const segmentSize = BigInt(this.segmentSize);
    this.position = ((record.end + segmentSize - 1n) / segmentSize) * segmentSize;
    return { start: record.start, end: this.position };
  }

  /**
   * What crash recovery leaves behind when a record's continuation was never written: the record's
   * first page, then WAL that goes on at the next page, marked XLP_FIRST_IS_OVERWRITE_CONTRECORD and
   * chained to the record before the abandoned one.
   */
  abandonRecord(totalLength: number): Lsn {
    const bytes = this.recordBytes(totalLength, {});
    const { start } = this.lay(bytes, this.blockSize - Number(this.position % BigInt(this.blockSize)));
    const blockSize = BigInt(this.blockSize);
    this.position = start - (start % blockSize) + blockSize;
    this.overwriteNextPage = true;
    return start;
  }

  /** A copy of one segment's bytes as built so far. */
  segmentBytes(segmentNo: number): Buffer {
    return Buffer.from(this.segment(segmentNo));
  }

  segmentNumbers(): number[] {
    return [...this.segments.keys()].sort((a, b) => a - b);
  }

  fileName(segmentNo: number, timeline: number): string {
    const perXlogId = 2 ** 32 / this.segmentSize;
    return [timeline, Math.floor(segmentNo / perXlogId), segmentNo % perXlogId]
      .map((part) => part.toString(16).toUpperCase().padStart(8, '0'))
      .join('');
  }

  /** Writes the segments built so far (or those given) into `dir`, named for `timeline`. */
  async writeTo(dir: string, timeline = this.timeline, segmentNos = this.segmentNumbers()): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const segmentNo of segmentNos) {
      await writeFile(join(dir, this.fileName(segmentNo, timeline)), this.segment(segmentNo));
    }
  }

  /**
   * Writes `bytes` from the current position, continuing on following pages, until `limit` bytes are
   * laid; returns the record's start and PostgreSQL's end-of-record pointer.
   */
  private lay(bytes: Buffer, limit: number): WrittenRecord {
    const blockSize = BigInt(this.blockSize);
    let at = this.position;
    if (at % blockSize === 0n) {
      at += BigInt(this.beginPage(at, 0));
    }
    const start = at;
    let written = 0;
    for (;;) {
      const pageEnd = at - (at % blockSize) + blockSize;
      const length = Math.min(limit - written, Number(pageEnd - at));
      this.put(at, bytes.subarray(written, written + length));
      written += length;
      at += BigInt(length);
      if (written === limit) {
        break;
      }
      at += BigInt(this.beginPage(at, bytes.length - written));
    }
    const offsetInPage = Number(at % blockSize);
    return { start, end: at - BigInt(offsetInPage) + BigInt((offsetInPage + 7) & ~7) };
  }

  /** Writes a page header; returns its size. */
  private beginPage(pageLsn: Lsn, remaining: number): number {
    const isSegmentStart = pageLsn % BigInt(this.segmentSize) === 0n;
    const header = Buffer.alloc(isSegmentStart ? 40 : 24);
    let info = isSegmentStart ? 0x0002 : 0;
    if (remaining > 0) {
      info |= 0x0001;
    }
    if (this.overwriteNextPage) {
      info |= 0x0008;
      this.overwriteNextPage = false;
    }
    header.writeUInt16LE(this.magic, 0);
    header.writeUInt16LE(info, 2);
    header.writeUInt32LE(this.timeline, 4);
    header.writeBigUInt64LE(pageLsn, 8);
    header.writeUInt32LE(remaining, 16);
    if (isSegmentStart) {
      header.writeBigUInt64LE(this.systemIdentifier, 24);
      header.writeUInt32LE(this.segmentSize, 32);
      header.writeUInt32LE(this.blockSize, 36);
    }
    this.put(pageLsn, header);
    return header.length;
  }

  private recordBytes(totalLength: number, options: RecordOptions): Buffer {
    const bytes = Buffer.alloc(totalLength);
    let state = options.seed ?? totalLength * 2654435761;
    for (let i = 24; i < totalLength; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      bytes[i] = state >>> 24;
    }
    bytes.writeUInt32LE(totalLength, 0);
    bytes.writeBigUInt64LE(options.prevLink ?? this.previousStart, 8);
    bytes[16] = options.info ?? 0;
    bytes[17] = options.rmid ?? RM_HEAP_ID;
    const crc = crc32cUpdate(crc32cUpdate(CRC32C_INIT, bytes.subarray(24)), bytes.subarray(0, 20));
    bytes.writeUInt32LE(crc32cFinish(crc), 20);
    return bytes;
  }

  private put(lsn: Lsn, bytes: Buffer): void {
    const segmentNo = Number(lsn / BigInt(this.segmentSize));
    bytes.copy(this.segment(segmentNo), Number(lsn % BigInt(this.segmentSize)));
  }

  private segment(segmentNo: number): Buffer {
    let segment = this.segments.get(segmentNo);
    if (segment === undefined) {
      segment = Buffer.alloc(this.segmentSize);
      this.segments.set(segmentNo, segment);
    }
    return segment;
  }
}
