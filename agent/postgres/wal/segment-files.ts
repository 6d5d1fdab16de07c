/**
 * The WAL segment files in pg_wal. A segment is named TTTTTTTTXXXXXXXXYYYYYYYY: its timeline, then its
 * number split into "xlog id" (high part) and segment within it, in upper-case hex. Everything else
 * there is not a segment to read: `.history` files, `.partial` segments (the old timeline's last
 * segment after a promotion, when archiving is on), `.backup` labels, `archive_status/`, temp files.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Lsn } from '../lsn';

export interface SegmentFile {
  readonly name: string;
  readonly path: string;
  readonly timeline: number;
  readonly xlogId: number;
  readonly segmentInXlogId: number;
}

const SEGMENT_NAME = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;

/** The folder's segment files, sorted by name; none when the folder does not exist (yet). */
export async function listSegmentFiles(walDir: string): Promise<SegmentFile[]> {
  let names: string[];
  try {
    names = await readdir(walDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  const files: SegmentFile[] = [];
  for (const name of names.sort()) {
    const match = SEGMENT_NAME.exec(name);
    const timeline = match === null ? 0 : parseInt(match[1], 16);
    if (match !== null && timeline > 0) {
      files.push({
        name,
        path: join(walDir, name),
        timeline,
        xlogId: parseInt(match[2], 16),
        segmentInXlogId: parseInt(match[3], 16),
      });
    }
  }
  return files;
}

/** The segment's number (the LSN it starts at, divided by the segment size). Below 2^44, so a number. */
export function segmentNumber(file: SegmentFile, segmentSize: number): number {
  return file.xlogId * (2 ** 32 / segmentSize) + file.segmentInXlogId;
}

export function segmentStart(segmentNo: number, segmentSize: number): Lsn {
  return BigInt(segmentNo) * BigInt(segmentSize);
}
