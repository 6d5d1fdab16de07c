// A data volume too full for PostgreSQL's WAL. PostgreSQL creates each WAL segment whole (16 MiB, zero
// filled) before writing into it; on a volume with less room than that, the next segment fails with
// "No space left on device": a primary PANICs and its crash recovery fails the same way, so restarting
// it only loops. The agent reads the volume's free space (statfs) and lets this rule say, without I/O,
// when the volume is full: a holder whose PostgreSQL stopped then hands the lease on, a full member is
// no candidate, and /status says why it is behind.

export interface VolumeSpace {
  /** Bytes an unprivileged writer may still use (statfs bavail × bsize). */
  readonly availableBytes: number;
  readonly sizeBytes: number;
}

/** One WAL segment at PostgreSQL's default wal_segment_size, which the construct keeps. */
export const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;

/** Why the data volume counts as full; null when it has room for a WAL segment (or was not read). */
export function volumeFull(space: VolumeSpace | null | undefined): string | null {
  if (!space || space.availableBytes >= WAL_SEGMENT_BYTES) return null;
  return `the data volume is full (${mib(space.availableBytes)} free of ${mib(space.sizeBytes)}, less than one 16 MiB WAL segment): `
    + 'PostgreSQL cannot write its WAL ("No space left on device"); grow the volume (storageSize) or free space on it';
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
