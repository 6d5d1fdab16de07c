/**
 * Reads `global/pg_control` without PostgreSQL's help: a warm standby refuses every connection and a
 * stopped server answers nothing, yet the agent must know whose data this is and how it was left.
 *
 * Only the head of ControlFileData is read. Its layout has been the same in every major since 11
 * (which dropped prevCheckPoint), so in all supported ones (15 to 18); later majors add fields only
 * further down:
 *
 *   offset  field (src/include/catalog/pg_control.h)
 *        0  uint64      system_identifier
 *        8  uint32      pg_control_version      1300 in 15 and 16, 1700 in 17, 1800 in 18
 *       12  uint32      catalog_version_no
 *       16  DBState     state                   a C enum: 4 bytes, values below
 *       24  pg_time_t   time                    int64, 8-aligned, so 4 padding bytes before it
 *       32  XLogRecPtr  checkPoint              where the latest checkpoint record starts
 *       40  CheckPoint  checkPointCopy: +0 XLogRecPtr redo, +8 TimeLineID ThisTimeLineID
 *     ...   pg_crc32c   crc                     the last field: CRC-32C of every byte before it
 *
 * Assumes what PostgreSQL's own frontends assume: the file was written by a server of the same byte
 * order and alignment, i.e. a little-endian 64-bit platform (amd64, arm64) like the agent's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Lsn } from './lsn';
import { crc32c } from './wal/crc32c';

export type DbState =
  | 'starting up'
  | 'shut down'
  | 'shut down in recovery'
  | 'shutting down'
  | 'in crash recovery'
  | 'in archive recovery'
  | 'in production';

export interface ControlData {
  /** Decimal, as pg_controldata prints it (a uint64 does not fit a JS number). */
  readonly systemIdentifier: string;
  readonly state: DbState;
  /** "Latest checkpoint location": where the latest checkpoint (or restartpoint) record starts. */
  readonly checkpointLsn: Lsn;
  /** "Latest checkpoint's REDO location". */
  readonly checkpointRedoLsn: Lsn;
  /** "Latest checkpoint's TimeLineID". */
  readonly checkpointTimeline: number;
}

/** DBState in declaration order (its numeric values), named as pg_controldata prints them. */
const DB_STATES: readonly DbState[] = [
  'starting up',
  'shut down',
  'shut down in recovery',
  'shutting down',
  'in crash recovery',
  'in archive recovery',
  'in production',
];

/** pg_control_version of PostgreSQL 11, since when the fields read here have not moved. */
const OLDEST_COMPATIBLE_CONTROL_VERSION = 1100;

const HEAD_SIZE = 56;

/**
 * PostgreSQL keeps ControlFileData under 512 bytes (PG_CONTROL_MAX_SAFE_SIZE, one sector, so that its
 * write is atomic), and its CRC is the last field.
 */
const MAX_CONTROL_DATA_SIZE = 512;

/** Parses the bytes of a pg_control file; throws when they fail their CRC or are not a pg_control. */
export function parseControlFile(buffer: Buffer): ControlData {
  if (buffer.length < HEAD_SIZE) {
    throw new Error(`pg_control is ${buffer.length} bytes long, too short to be one`);
  }
  const controlVersion = buffer.readUInt32LE(8);
  if (controlVersion < OLDEST_COMPATIBLE_CONTROL_VERSION || controlVersion >= 100_000) {
    throw new Error(
      `pg_control version ${controlVersion} is not one this agent reads (PostgreSQL 11 or later on a little-endian machine)`,
    );
  }
  if (!hasValidCrc(buffer)) {
    throw new Error('pg_control fails its CRC check: it is corrupt, or was being rewritten while read');
  }
  const stateCode = buffer.readUInt32LE(16);
  const state = DB_STATES[stateCode];
  if (state === undefined) {
    throw new Error(`pg_control holds unknown cluster state ${stateCode}`);
  }
  return {
    systemIdentifier: buffer.readBigUInt64LE(0).toString(),
    state,
    checkpointLsn: buffer.readBigUInt64LE(32),
    checkpointRedoLsn: buffer.readBigUInt64LE(40),
    checkpointTimeline: buffer.readUInt32LE(48),
  };
}

/**
 * The CRC's offset grows whenever a major adds a field (17 and 18 did), so instead of a table per
 * version this accepts the first 4-aligned offset past the fields read here whose stored CRC matches
 * the bytes before it. A chance match at a wrong offset is about 2^-32 per offset tried.
 */
function hasValidCrc(buffer: Buffer): boolean {
  const limit = Math.min(MAX_CONTROL_DATA_SIZE, buffer.length) - 4;
  for (let offset = HEAD_SIZE; offset <= limit; offset += 4) {
    if (crc32c(buffer.subarray(0, offset)) === buffer.readUInt32LE(offset)) {
      return true;
    }
  }
  return false;
}

/** How often a CRC failure is retried: PostgreSQL rewrites pg_control in place, so a read can be torn. */
const TORN_READ_ATTEMPTS = 3;
const TORN_READ_PAUSE_MS = 10;

/** Reads `<pgdata>/global/pg_control`; null when there is none (no cluster there yet). */
export async function readControlData(pgdata: string): Promise<ControlData | null> {
  const path = join(pgdata, 'global', 'pg_control');
  for (let attempt = 1; ; attempt++) {
    let buffer: Buffer;
    try {
      buffer = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }
    try {
      return parseControlFile(buffer);
    } catch (error) {
      if (attempt >= TORN_READ_ATTEMPTS) {
        throw new Error(`${path}: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, TORN_READ_PAUSE_MS));
    }
  }
}
