// backup.json, the record of one complete base backup (layout.ts): what a restore needs to choose a backup
// for a target and to find the WAL from which to replay. Written last, so its presence means the backup
// is whole and was verified; README.md ("Backups") documents the fields for people reading the store.
import { COMPRESSIONS, type Compression } from './layout';

export interface BaseBackupRecord {
  /** The record's format; a restore refuses a version it does not know. */
  readonly format: 1;
  /** The folder name (layout.ts backupId). */
  readonly id: string;
  readonly cluster: string;
  readonly systemIdentifier: string;
  /** The pod that took it. */
  readonly member: string;
  /** `postgres -V`'s major version (a restore needs the same major). */
  readonly postgresMajor: number;
  /** The timeline of the start position. */
  readonly timeline: number;
  /** LSNs as PostgreSQL prints them (`0/3000028`). */
  readonly startLsn: string;
  readonly endLsn: string;
  /** The WAL file holding the start position: replay starts there. */
  readonly startWalFile: string;
  /** The WAL file holding the end position: recovery is consistent only once it has been replayed. */
  readonly endWalFile: string;
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /**
   * How the tar is stored: `gzip` in base.tar.gz, `zstd` in base.tar.zst, `none` in base.tar. Records written before the setting
   * existed have no such field; they are all gzip, and parseBackupRecord reads them so.
   */
  readonly compression: Compression;
  /** Bytes of the tar, and of the object as stored (the same with compression none). */
  readonly bytes: number;
  readonly compressedBytes: number;
  /** SHA-256 (hex) of the tar's object as stored, so a download can be checked end to end. */
  readonly compressedSha256: string;
}

const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/;
const WAL_SEGMENT = /^[0-9A-F]{24}$/;

/** Parses backup.json; throws naming the field when the object is not a record this agent can restore. */
export function parseBackupRecord(text: string): BaseBackupRecord {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (value.format !== 1) throw new Error(`backup.json format must be 1, got ${JSON.stringify(value.format)}`);
  const str = (name: string, pattern?: RegExp): void => {
    const field = value[name];
    if (typeof field !== 'string' || (pattern && !pattern.test(field))) {
      throw new Error(`backup.json ${name} is not valid, got ${JSON.stringify(field)}`);
    }
  };
  const num = (name: string): void => {
    const field = value[name];
    if (typeof field !== 'number' || !Number.isSafeInteger(field) || field < 0) {
      throw new Error(`backup.json ${name} must be a whole number, got ${JSON.stringify(field)}`);
    }
  };
  for (const name of ['id', 'cluster', 'systemIdentifier', 'member', 'startedAt', 'finishedAt', 'compressedSha256']) str(name);
  str('startLsn', LSN);
  str('endLsn', LSN);
  str('startWalFile', WAL_SEGMENT);
  str('endWalFile', WAL_SEGMENT);
  for (const name of ['postgresMajor', 'timeline', 'bytes', 'compressedBytes']) num(name);
  const compression = value.compression ?? 'gzip';
  if (!COMPRESSIONS.includes(compression as Compression)) {
    throw new Error(`backup.json compression must be one of ${COMPRESSIONS.join(', ')}, got ${JSON.stringify(value.compression)}`);
  }
  return { ...value, compression } as unknown as BaseBackupRecord;
}
