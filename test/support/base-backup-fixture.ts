/**
 * A test fixture that takes a base backup the way the contract describes (agent/backup/layout.ts,
 * backup-record.ts) and stores it: `pg_basebackup -Ft -X none` with a manifest, base.tar gzip-compressed
 * to base.tar.gz, then backup_manifest, then backup.json last. The restore side is tested against it
 * (and the e2e scenario runs it from the host); the agent's own backups will write the same objects.
 */
import { createHash } from 'node:crypto';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BaseBackupRecord } from '../../agent/backup/backup-record';
import { archiveRoot, backupId, backupKey } from '../../agent/backup/layout';
import { runAsPostgres } from './pg-fixture';

/** Where the fixture stores (S3Store). */
export interface BackupUploader {
  put(key: string, body: Buffer, metadata?: Readonly<Record<string, string>>, contentType?: string): Promise<void>;
}

/** How pg_basebackup reaches the server: a socket folder or a host, and a port. */
export interface BackupSourceServer {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  /** Extra environment for pg_basebackup (PGPASSWORD, PGSSLMODE). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface TakeBackupOptions {
  readonly store: BackupUploader;
  readonly prefix: string;
  readonly cluster: string;
  readonly systemIdentifier: string;
  readonly postgresMajor: number;
  /** A folder pg_basebackup may write into (owned by the postgres user when run as root). */
  readonly workDir: string;
  /** The record's `member`. @default 'test-fixture' */
  readonly member?: string;
  /** Runs pg_basebackup with the server's env (by default as the postgres user, with PG_BIN's, env ignored). */
  readonly run?: (program: string, args: readonly string[], env: Readonly<Record<string, string>>) => Promise<unknown>;
}

const SEGMENT_BYTES = 16n * 1024n * 1024n;

/** The WAL file holding `lsn` on `timeline` (16 MiB segments). */
export function walFileName(timeline: number, lsn: string): string {
  const [hi, lo] = lsn.split('/').map((part) => BigInt(`0x${part}`));
  const segment = ((hi << 32n) | lo) / SEGMENT_BYTES;
  const perId = 0x100000000n / SEGMENT_BYTES;
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segment / perId)}${hex(segment % perId)}`;
}

export async function takeBaseBackup(server: BackupSourceServer, options: TakeBackupOptions): Promise<BaseBackupRecord> {
  const folder = await mkdtemp(join(options.workDir, 'basebackup-'));
  const { uid, gid } = statSync(options.workDir);
  await chown(folder, uid, gid);
  const target = join(folder, 'data');
  await mkdir(target, { mode: 0o700 });
  await chown(target, uid, gid);
  const run = options.run ?? ((program, args) => runAsPostgres(program, args));
  try {
    const startedAt = new Date();
    await run('pg_basebackup', ['--pgdata', target, '--format', 'tar', '--wal-method', 'none', '--checkpoint', 'fast', '--no-sync',
      '--host', server.host, '--port', String(server.port), '--username', server.user ?? 'postgres'], server.env ?? {});
    const tar = await readFile(join(target, 'base.tar'));
    const manifest = await readFile(join(target, 'backup_manifest'));
    const finishedAt = new Date();
    const [range] = (JSON.parse(manifest.toString('utf8')) as { 'WAL-Ranges': Array<{ Timeline: number; 'Start-LSN': string; 'End-LSN': string }> })['WAL-Ranges'];
    const compressed = gzipSync(tar);
    const id = backupId(startedAt);
    const record: BaseBackupRecord = {
      format: 1,
      id,
      cluster: options.cluster,
      systemIdentifier: options.systemIdentifier,
      member: options.member ?? 'test-fixture',
      postgresMajor: options.postgresMajor,
      timeline: range.Timeline,
      startLsn: range['Start-LSN'],
      endLsn: range['End-LSN'],
      startWalFile: walFileName(range.Timeline, range['Start-LSN']),
      endWalFile: walFileName(range.Timeline, range['End-LSN']),
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      bytes: tar.length,
      compressedBytes: compressed.length,
      compressedSha256: createHash('sha256').update(compressed).digest('hex'),
    };
    const root = archiveRoot(options.prefix, options.cluster, options.systemIdentifier);
    await options.store.put(backupKey(root, id, 'base.tar.gz'), compressed, {}, 'application/gzip');
    await options.store.put(backupKey(root, id, 'backup_manifest'), manifest, {}, 'application/json');
    await options.store.put(backupKey(root, id, 'backup.json'), Buffer.from(`${JSON.stringify(record, null, 2)}\n`), {}, 'application/json');
    return record;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
