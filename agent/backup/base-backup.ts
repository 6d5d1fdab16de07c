// Takes one base backup into the store (layout.ts): the tar pg_basebackup streams passes through the
// tar filter (each file's SHA-256; the appended manifest taken out), gzip (in blocks on several threads,
// parallel-gzip.ts) or zstd (one stream, compression.ts) unless the compression is none, and a SHA-256 of
// what is stored, into a multipart upload of base.tar.gz (base.tar.zst, base.tar). Once pg_basebackup
// has exited 0 (it waited until the WAL the backup needs was archived) and every file matched the
// manifest, backup_manifest is stored, and backup.json last: a backup without it failed or is
// unfinished, and is never restored from.
import { createHash } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseLsn, type Lsn } from '../postgres/lsn';
import { parseControlFile } from '../postgres/pg-control';
import type { BackupSource } from './backup-source';
import type { BaseBackupRecord } from './backup-record';
import { ZSTD_BASE_BACKUP_LEVEL, Zstd } from './compression';
import { backupId, backupKey, baseTarObject, type Compression } from './layout';
import { compareWithManifest, parseManifest } from './manifest';
import { MultipartWriter, type MultipartStore } from './multipart-writer';
import { ParallelGzip } from './parallel-gzip';
import { BackupTarFilter } from './tar-filter';

export interface BaseBackupStore extends MultipartStore {
  put(key: string, body: Buffer, metadata?: Readonly<Record<string, string>>, contentType?: string): Promise<void>;
}

export interface BaseBackupDeps {
  readonly store: BaseBackupStore;
  readonly source: BackupSource;
  /** `<prefix>/<cluster>/<system identifier>/`. */
  readonly archiveRoot: () => Promise<string>;
  readonly cluster: string;
  readonly member: string;
  /** The member's data folder (read-only): the WAL segment size is read from pg_wal. */
  readonly pgdata: string;
  /** gzip: base.tar.gz; zstd: base.tar.zst; none: base.tar, the tar as it came (no CPU spent compressing). */
  readonly compression: Compression;
  /** node:zlib's zstd; tests give one without it (an older Node.js). */
  readonly zstd?: Zstd;
  readonly now?: () => Date;
  /** Smaller parts in tests; FIRST_PART_BYTES otherwise. */
  readonly firstPartBytes?: number;
  /** Called for each chunk of the tar that arrives (the caller tells a stalled stream from a busy one). */
  readonly onData?: () => void;
}

/** gzip level 1: data pages compress nearly as well as at 6, at several times the speed (bench/base-backup.ts). */
const GZIP_LEVEL = 1;
const CONTENT_TYPE: Readonly<Record<Compression, string>> = { gzip: 'application/gzip', zstd: 'application/zstd', none: 'application/x-tar' };

export async function takeBaseBackup(deps: BaseBackupDeps): Promise<BaseBackupRecord> {
  const now = deps.now ?? (() => new Date());
  const zstd = deps.zstd ?? new Zstd();
  // Before pg_basebackup starts: an agent without zstd fails the backup with why, and nothing is stored.
  if (deps.compression === 'zstd') zstd.require();
  const startedAt = now();
  const id = backupId(startedAt);
  const root = await deps.archiveRoot();
  const run = await deps.source.start(id);
  const filter = new BackupTarFilter(deps.onData);
  const stored = new Digest();
  const object = baseTarObject(deps.compression);
  const upload = new MultipartWriter(deps.store, backupKey(root, id, object), {
    contentType: CONTENT_TYPE[deps.compression],
    ...(deps.firstPartBytes ? { firstPartBytes: deps.firstPartBytes } : {}),
  });
  try {
    if (deps.compression === 'gzip') await pipeline(run.stream, filter, new ParallelGzip(GZIP_LEVEL), stored, upload);
    else if (deps.compression === 'zstd') await pipeline(run.stream, filter, zstd.createCompress(ZSTD_BASE_BACKUP_LEVEL), stored, upload);
    else await pipeline(run.stream, filter, stored, upload);
  } catch (error) {
    await run.cancel().catch(() => undefined);
    const exit = await run.finished();
    // When pg_basebackup failed first, its message says more than the broken stream it left; one that
    // printed nothing was ended by the upload's failure (a broken pipe, the cancel).
    throw new Error(exit.message ? `pg_basebackup failed: ${exit.message}` : `uploading ${object} failed: ${(error as Error).message}`);
  }
  const exit = await run.finished();
  if (exit.code !== 0) throw new Error(`pg_basebackup failed: ${exit.message || `exit code ${exit.code}`}`);

  const manifestBytes = filter.kept.get('backup_manifest');
  if (!manifestBytes) throw new Error('the tar had no backup_manifest entry');
  const manifest = parseManifest(manifestBytes);
  const problems = compareWithManifest(manifest, filter.files);
  if (problems.length > 0) {
    throw new Error(`the backup does not match its manifest (${problems.length} difference(s)): ${problems.slice(0, 3).join('; ')}`);
  }
  const label = parseBackupLabel(required(filter, 'backup_label'));
  const control = parseControlFile(required(filter, 'global/pg_control'));
  const last = manifest.walRanges[manifest.walRanges.length - 1];
  const segmentSize = await walSegmentSize(deps.pgdata);
  const record: BaseBackupRecord = {
    format: 1,
    id,
    cluster: deps.cluster,
    systemIdentifier: control.systemIdentifier,
    member: deps.member,
    postgresMajor: Number(required(filter, 'PG_VERSION').toString('utf8').trim()),
    timeline: label.timeline,
    startLsn: label.startLsn,
    endLsn: last.endLsn,
    startWalFile: label.startWalFile,
    // The segment holding the last byte before the end: replaying it makes the backup consistent.
    endWalFile: walFileName(last.timeline, parseLsn(last.endLsn) - 1n, segmentSize),
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    compression: deps.compression,
    bytes: filter.bytes,
    compressedBytes: stored.bytes,
    compressedSha256: stored.hex(),
  };
  await deps.store.put(backupKey(root, id, 'backup_manifest'), manifestBytes, {}, 'application/json');
  await deps.store.put(backupKey(root, id, 'backup.json'), Buffer.from(`${JSON.stringify(record, null, 2)}\n`), {}, 'application/json');
  return record;
}

function required(filter: BackupTarFilter, path: string): Buffer {
  const bytes = filter.kept.get(path);
  if (!bytes) throw new Error(`the tar had no ${path}`);
  return bytes;
}

/** backup_label's `START WAL LOCATION: 0/2000028 (file 000000010000000000000002)` and `START TIMELINE: 1`. */
export function parseBackupLabel(bytes: Buffer): { startLsn: string; startWalFile: string; timeline: number } {
  const text = bytes.toString('utf8');
  const start = /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+) \(file ([0-9A-F]{24})\)$/m.exec(text);
  const timeline = /^START TIMELINE: (\d+)$/m.exec(text);
  if (!start || !timeline) throw new Error(`backup_label has no START WAL LOCATION or START TIMELINE: ${JSON.stringify(text.slice(0, 200))}`);
  return { startLsn: start[1], startWalFile: start[2], timeline: Number(timeline[1]) };
}

/** XLogFileName(): the timeline, then the segment number split at 4 GiB of WAL, 8 hex digits each. */
export function walFileName(timeline: number, lsn: Lsn, segmentSize: number): string {
  const segment = lsn / BigInt(segmentSize);
  const perId = 0x1_0000_0000n / BigInt(segmentSize);
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segment / perId)}${hex(segment % perId)}`;
}

/** xlp_seg_size from the long page header at the start of any segment in pg_wal. */
async function walSegmentSize(pgdata: string): Promise<number> {
  const dir = join(pgdata, 'pg_wal');
  const segment = (await readdir(dir)).find((name) => /^[0-9A-F]{24}$/.test(name));
  if (!segment) throw new Error(`no WAL segment in ${dir} to read the segment size from`);
  const handle = await open(join(dir, segment), 'r');
  try {
    const header = Buffer.alloc(40);
    await handle.read(header, 0, 40, 0);
    return header.readUInt32LE(32);
  } finally {
    await handle.close();
  }
}

/** Counts and hashes the bytes that reach the store. */
class Digest extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error: null, chunk: Buffer) => void): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}
