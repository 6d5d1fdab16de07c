// Recovery asks restore_command for one WAL segment at a time and replays it before asking for the next:
// fetched on demand, each segment's round trip (the request file, the GET, gunzip, the copy into pg_wal)
// leaves the replay idle, and that was most of a recovery's time (bench/restore-throughput.ts). So once a
// segment is asked for, the next few are fetched meanwhile into the spool folder, and the request that
// comes for one of them is answered from there. Archived segments never change (the archive refuses to
// overwrite a key with other bytes), so a file fetched ahead is what a later fetch would get; a segment
// found missing ahead may still be archived later (the source is alive), so only hits are kept.
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Segments fetched ahead at most: a few GETs at once keep the replay fed without crowding the store. */
export const PREFETCH_SEGMENTS = 4;
/** Bytes fetched ahead at most: four 16 MiB segments; none for segments over 64 MiB (the pod's /tmp is 256 MiB). */
export const PREFETCH_BYTES = 64 * 1024 * 1024;

/** Fetches `name` into `file`; false when the store has no such file. */
export type Fetch = (name: string, file: string) => Promise<boolean>;

export class WalPrefetch {
  /** Segments being fetched or fetched ahead: the spooled file, or null (missing, or failed). */
  private readonly ahead = new Map<string, Promise<string | null>>();

  constructor(
    private readonly spoolDir: string,
    private readonly fetch: Fetch,
    private readonly budgetBytes = PREFETCH_BYTES,
  ) {}

  /**
   * Moves `name`'s file to `file` when it was fetched ahead (true); false when it was not, or was
   * found missing: the caller fetches it itself.
   */
  async take(name: string, file: string): Promise<boolean> {
    const fetched = this.ahead.get(name);
    if (!fetched) return false;
    this.ahead.delete(name);
    const spooled = await fetched;
    if (!spooled) return false;
    await rename(spooled, file);
    return true;
  }

  /**
   * After `name` (a segment of `segmentBytes`) was asked for: starts fetching the segments after it that
   * are not already on the way, and drops what was fetched for anything else (another timeline, a
   * segment recovery went past).
   */
  fetchAfter(name: string, segmentBytes: number): void {
    const depth = Math.min(PREFETCH_SEGMENTS, Math.floor(this.budgetBytes / segmentBytes));
    const wanted = nextSegments(name, segmentBytes, depth);
    for (const [other, fetched] of this.ahead) {
      if (wanted.includes(other)) continue;
      this.ahead.delete(other);
      void fetched.then(async (spooled) => {
        if (spooled) await rm(spooled, { force: true });
      });
    }
    for (const next of wanted) {
      if (this.ahead.has(next)) continue;
      const spooled = join(this.spoolDir, `${next}.ahead`);
      this.ahead.set(
        next,
        this.fetch(next, spooled).then(
          (found) => (found ? spooled : null),
          () => null, // the request for it fetches again and reports the error
        ),
      );
    }
  }

  /** Removes every file fetched ahead (the server stops). */
  async clear(): Promise<void> {
    const all = [...this.ahead.values()];
    this.ahead.clear();
    for (const spooled of await Promise.all(all)) if (spooled) await rm(spooled, { force: true });
  }
}

/** The `count` segment file names after `name` on its timeline (XLogFileName: 8 hex digits each of timeline, log, segment). */
export function nextSegments(name: string, segmentBytes: number, count: number): string[] {
  const timeline = name.slice(0, 8);
  const perLog = 0x1_0000_0000 / segmentBytes;
  let log = parseInt(name.slice(8, 16), 16);
  let segment = parseInt(name.slice(16, 24), 16);
  const names: string[] = [];
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  for (let i = 0; i < count; i++) {
    segment++;
    if (segment >= perLog) {
      segment = 0;
      log++;
    }
    names.push(`${timeline}${hex(log)}${hex(segment)}`);
  }
  return names;
}

/** xlp_seg_size of a segment's first page (its long header); null when the bytes are not a segment's start. */
export function segmentSize(segment: Buffer): number | null {
  if (segment.length < 40) return null;
  const size = segment.readUInt32LE(32);
  // A power of two from 1 MiB to 1 GiB (initdb --wal-segsize), and the file is that long.
  const valid = size >= 1 << 20 && size <= 1 << 30 && (size & (size - 1)) === 0 && segment.length === size;
  return valid ? size : null;
}
