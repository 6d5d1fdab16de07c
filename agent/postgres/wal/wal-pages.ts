/**
 * Page-by-page access to the WAL during one scan. For each segment number it opens the first
 * candidate file (highest timeline first) whose first page is that segment's valid first page, and
 * reads it in chunks: a scan touches each byte once, and an incremental scan only the chunk where the
 * WAL ended last time plus what follows. Nothing is cached between scans: PostgreSQL may be writing
 * these files, and the next scan must see what it wrote since.
 */
import { FileHandle, open } from 'node:fs/promises';
import { Lsn } from '../lsn';
import { SegmentFile, segmentStart } from './segment-files';
import { PageHeader, readPageHeader, WalGeometry } from './wal-format';

export interface WalPage {
  readonly lsn: Lsn;
  readonly bytes: Buffer;
  readonly header: PageHeader;
  /** The file it was read from; its name carries the timeline the WAL there belongs to. */
  readonly file: SegmentFile;
}

/** A multiple of every WAL block size PostgreSQL allows (1 to 64 kB). */
const CHUNK_SIZE = 64 * 1024;

export class WalPages {
  private readonly segments = new Map<number, OpenSegment | null>();
  /** Most records start on the page the previous one ended on. */
  private lastPage: WalPage | null = null;

  constructor(
    readonly geometry: WalGeometry,
    private readonly candidates: (segmentNo: number) => readonly SegmentFile[],
  ) {}

  /** The page at `pageLsn` if it is the one last read: no need to wait for it. */
  current(pageLsn: Lsn): WalPage | null {
    return this.lastPage !== null && this.lastPage.lsn === pageLsn ? this.lastPage : null;
  }

  /** The valid page that starts at `pageLsn`, or null when there is none (yet) on disk. */
  async page(pageLsn: Lsn): Promise<WalPage | null> {
    const current = this.current(pageLsn);
    if (current !== null) {
      return current;
    }
    const { segmentSize, blockSize } = this.geometry;
    const segmentNo = Number(pageLsn / BigInt(segmentSize));
    const segment = await this.segment(segmentNo);
    const bytes = segment === null ? null : await segment.read(Number(pageLsn % BigInt(segmentSize)), blockSize);
    if (segment === null || bytes === null) {
      return null;
    }
    const header = readPageHeader(bytes, pageLsn, this.geometry);
    this.lastPage = header === null ? null : { lsn: pageLsn, bytes, header, file: segment.file };
    return this.lastPage;
  }

  async close(): Promise<void> {
    await Promise.all([...this.segments.values()].map((segment) => segment?.close()));
    this.segments.clear();
  }

  private async segment(segmentNo: number): Promise<OpenSegment | null> {
    if (!this.segments.has(segmentNo)) {
      this.segments.set(segmentNo, await this.openSegment(segmentNo));
    }
    return this.segments.get(segmentNo) ?? null;
  }

  private async openSegment(segmentNo: number): Promise<OpenSegment | null> {
    const start = segmentStart(segmentNo, this.geometry.segmentSize);
    for (const file of this.candidates(segmentNo)) {
      const segment = await OpenSegment.open(file, this.geometry.segmentSize);
      const firstPage = await segment?.read(0, this.geometry.blockSize);
      if (segment && firstPage && readPageHeader(firstPage, start, this.geometry) !== null) {
        return segment;
      }
      await segment?.close();
    }
    return null;
  }
}

class OpenSegment {
  /** null when the file is gone: PostgreSQL removes and recycles segments at every checkpoint. */
  static async open(file: SegmentFile, segmentSize: number): Promise<OpenSegment | null> {
    try {
      return new OpenSegment(file, await open(file.path, 'r'), segmentSize);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }
  }

  private chunkOffset = -1;
  private chunk = Buffer.alloc(0);

  private constructor(
    readonly file: SegmentFile,
    private readonly handle: FileHandle,
    private readonly segmentSize: number,
  ) {}

  /** `length` bytes at `offset` (within one chunk), or null when the file is shorter. */
  async read(offset: number, length: number): Promise<Buffer | null> {
    const chunkOffset = offset - (offset % CHUNK_SIZE);
    if (chunkOffset !== this.chunkOffset) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, this.segmentSize - chunkOffset));
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, chunkOffset);
      this.chunk = buffer.subarray(0, bytesRead);
      this.chunkOffset = chunkOffset;
    }
    const start = offset - chunkOffset;
    return start + length <= this.chunk.length ? this.chunk.subarray(start, start + length) : null;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
