// PostgreSQL's backup manifest (version 1 from PostgreSQL 13, 2 from 17): checked the way pg_verifybackup checks a
// backup, but against the tar as it streamed by (tar-filter.ts), before backup.json may be written.
// https://www.postgresql.org/docs/current/backup-manifest-format.html
import { createHash } from 'node:crypto';
import { parseLsn } from '../postgres/lsn';
import type { TarFile } from './tar-filter';

export interface ManifestFile {
  readonly path: string;
  readonly size: number;
  readonly algorithm: string;
  readonly checksum: string;
}

export interface WalRange {
  readonly timeline: number;
  readonly startLsn: string;
  readonly endLsn: string;
}

export interface Manifest {
  readonly files: readonly ManifestFile[];
  readonly walRanges: readonly WalRange[];
}

const CHECKSUM_KEY = '"Manifest-Checksum"';

/** Parses the manifest after checking its own checksum (SHA-256 of everything before that key). */
export function parseManifest(bytes: Buffer): Manifest {
  const text = bytes.toString('utf8');
  const at = text.lastIndexOf(CHECKSUM_KEY);
  if (at === -1) throw new Error('the backup manifest has no Manifest-Checksum');
  const value = JSON.parse(text) as {
    'PostgreSQL-Backup-Manifest-Version'?: unknown;
    Files?: Array<Record<string, unknown>>;
    'WAL-Ranges'?: Array<Record<string, unknown>>;
    'Manifest-Checksum'?: unknown;
  };
  // Version 2 (PostgreSQL 17) adds the system identifier; the files and WAL ranges are the same.
  const version = value['PostgreSQL-Backup-Manifest-Version'];
  if (version !== 1 && version !== 2) {
    throw new Error(`the backup manifest's version must be 1 or 2, got ${JSON.stringify(version)}`);
  }
  const computed = createHash('sha256').update(bytes.subarray(0, Buffer.byteLength(text.slice(0, at)))).digest('hex');
  if (value['Manifest-Checksum'] !== computed) {
    throw new Error(`the backup manifest fails its own checksum (it says ${String(value['Manifest-Checksum'])}, its content hashes to ${computed})`);
  }
  const files = (value.Files ?? []).map((f) => ({
    path: typeof f.Path === 'string' ? f.Path : Buffer.from(String(f['Encoded-Path']), 'hex').toString('utf8'),
    size: Number(f.Size),
    algorithm: String(f['Checksum-Algorithm'] ?? 'NONE'),
    checksum: String(f.Checksum ?? ''),
  }));
  const walRanges = (value['WAL-Ranges'] ?? []).map((r) => ({
    timeline: Number(r.Timeline),
    startLsn: String(r['Start-LSN']),
    endLsn: String(r['End-LSN']),
  }));
  if (walRanges.length === 0) throw new Error('the backup manifest has no WAL-Ranges');
  for (const r of walRanges) {
    parseLsn(r.startLsn);
    parseLsn(r.endLsn);
  }
  return { files, walRanges };
}

/**
 * Every difference between the manifest and the files the tar held: a file missing from either side, a
 * size or a SHA-256 that differs, a checksum that is not SHA-256 (what the supervisor asks for). Empty
 * when the backup is whole.
 */
export function compareWithManifest(manifest: Manifest, tar: readonly TarFile[]): string[] {
  const problems: string[] = [];
  const seen = new Map(tar.map((f) => [f.path, f]));
  for (const expected of manifest.files) {
    const actual = seen.get(expected.path);
    seen.delete(expected.path);
    if (!actual) problems.push(`${expected.path}: in the manifest, not in the tar`);
    else if (actual.size !== expected.size) problems.push(`${expected.path}: ${actual.size} bytes in the tar, ${expected.size} in the manifest`);
    else if (expected.algorithm !== 'SHA256') problems.push(`${expected.path}: the manifest's checksum is ${expected.algorithm}, not SHA256`);
    else if (actual.sha256 !== expected.checksum.toLowerCase()) problems.push(`${expected.path}: SHA-256 ${actual.sha256} in the tar, ${expected.checksum} in the manifest`);
  }
  for (const path of seen.keys()) problems.push(`${path}: in the tar, not in the manifest`);
  return problems;
}
