/**
 * Which segment files hold this member's current WAL. pg_wal mixes several kinds of files with valid
 * names: the current timeline's segments; an older timeline's segments up to (and including) the one
 * where a promotion switched timelines, which then exists once per timeline; and recycled or
 * preallocated segments, renamed to future names but still full of old WAL. PostgreSQL follows the
 * newest timeline, so this does too: the current timeline is the highest one with a segment whose
 * first page is valid for its name (a recycled one's page address is its old one), and each segment
 * is read from the newest file for it that is valid, on that timeline or an ancestor.
 */
import { open } from 'node:fs/promises';
import { SegmentFile, segmentNumber, segmentStart } from './segment-files';
import { LONG_PAGE_HEADER_SIZE, readSegmentGeometry, WalGeometry } from './wal-format';

export interface WalLayout {
  readonly geometry: WalGeometry;
  /** The last segment whose first page is valid, on the newest timeline that has one. */
  readonly lastSegmentNo: number;
  /** The files that may hold a segment, newest timeline first. */
  readonly candidates: (segmentNo: number) => readonly SegmentFile[];
}

export async function discoverLayout(files: readonly SegmentFile[]): Promise<WalLayout | null> {
  for (const file of newestFirst(files)) {
    const geometry = await readGeometry(file);
    if (geometry !== null) {
      return {
        geometry,
        lastSegmentNo: segmentNumber(file, geometry.segmentSize),
        candidates: candidatesBySegment(files, geometry.segmentSize),
      };
    }
  }
  return null;
}

/**
 * Where an older timeline has a file for a segment that the current one has not (WAL this member
 * wrote on it past the switchpoint, then abandoned), reading there finds records that do not chain
 * to the current timeline's, and stops: no need to know the switchpoints here.
 */
export function candidatesBySegment(files: readonly SegmentFile[], segmentSize: number): (segmentNo: number) => readonly SegmentFile[] {
  const bySegment = new Map<number, SegmentFile[]>();
  for (const file of newestFirst(files)) {
    const segmentNo = segmentNumber(file, segmentSize);
    bySegment.set(segmentNo, [...(bySegment.get(segmentNo) ?? []), file]);
  }
  return (segmentNo) => bySegment.get(segmentNo) ?? [];
}

/** Names sort by timeline, then segment: newest first is reverse name order. */
function newestFirst(files: readonly SegmentFile[]): SegmentFile[] {
  return [...files].sort((a, b) => (a.name < b.name ? 1 : -1));
}

async function readGeometry(file: SegmentFile): Promise<WalGeometry | null> {
  let handle;
  try {
    handle = await open(file.path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
  try {
    const header = Buffer.alloc(LONG_PAGE_HEADER_SIZE);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    return readSegmentGeometry(header.subarray(0, bytesRead), (segmentSize) =>
      segmentStart(segmentNumber(file, segmentSize), segmentSize),
    );
  } finally {
    await handle.close();
  }
}
