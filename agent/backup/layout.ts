// The object keys of a cluster's archive (README.md, "Backups"): stable, so a person can read the store
// with any S3 client, and a restore finds a file by its name alone.
//
//   <prefix>/<cluster>/<system identifier>/wal/<timeline>/<file name>.gz    gzip (the default)
//   <prefix>/<cluster>/<system identifier>/wal/<timeline>/<file name>.zst   zstd
//   <prefix>/<cluster>/<system identifier>/wal/<timeline>/<file name>       compression none
//
// The system identifier (initdb's, in pg_control) separates two lives of a cluster with the same name: a
// cluster bootstrapped anew, or restored, never writes over the archive of the one before. The timeline
// folder is the file name's first 8 hex digits (segments, .partial segments, .history and .backup files
// all start with it), so a timeline's files list together and in WAL order.
//
// Base backups, one folder each, named by the backup's id (its start time, UTC, so folders list in the
// order they were taken):
//
//   <prefix>/<cluster>/<system identifier>/base/<id>/base.tar.gz       the data folder, tar (as
//                                                                       pg_basebackup -Ft -X none writes it), gzip
//   <prefix>/<cluster>/<system identifier>/base/<id>/base.tar.zst      the same tar, zstd
//   <prefix>/<cluster>/<system identifier>/base/<id>/base.tar          the same tar, compression none
//   <prefix>/<cluster>/<system identifier>/base/<id>/backup_manifest   PostgreSQL's manifest, as written
//   <prefix>/<cluster>/<system identifier>/base/<id>/backup.json       written last, after the backup was
//                                                                       verified against the manifest
//
// The compression (PGHA_BACKUP_COMPRESSION) is in the key, so a store holds every kind after the setting
// changed: a restore reads a base backup by what its backup.json records, a WAL file under any one's key.
//
// A folder without backup.json is a backup that failed or is still running: never listed as restorable,
// and pruned by retention once it is older than the newest complete backup.

/** The WAL file names PostgreSQL archives: segments, partial segments, timeline histories, backup labels. */
const WAL_FILE = /^[0-9A-F]{8}(?:[0-9A-F]{16}(?:\.partial|\.[0-9A-F]{8}\.backup)?|\.history)$/;

export function isWalFileName(name: string): boolean {
  return WAL_FILE.test(name);
}

/** Where the archive of one cluster's life starts: `<prefix>/<cluster>/<system identifier>/`. */
export function archiveRoot(prefix: string, cluster: string, systemIdentifier: string): string {
  return `${prefix}/${cluster}/${systemIdentifier}/`;
}

/** How WAL files and base backups are stored: gzip (`.gz`, `base.tar.gz`), zstd (`.zst`, `base.tar.zst`), or as they are (`base.tar`). */
export type Compression = 'gzip' | 'none' | 'zstd';

export const COMPRESSIONS: readonly Compression[] = ['gzip', 'none', 'zstd'];

const SUFFIX: Readonly<Record<Compression, string>> = { gzip: '.gz', none: '', zstd: '.zst' };

export function walKey(root: string, fileName: string, compression: Compression): string {
  if (!isWalFileName(fileName)) throw new Error(`'${fileName}' is not a WAL file name`);
  return `${root}wal/${fileName.slice(0, 8)}/${fileName}${SUFFIX[compression]}`;
}

/** The WAL file a key under `wal/` holds, and how it is compressed; null for a key that is none of ours. */
export function walFileOfKey(key: string): { readonly name: string; readonly compression: Compression } | null {
  const last = key.slice(key.lastIndexOf('/') + 1);
  // A WAL file name never ends in a suffix (it ends in hex digits, `.partial`, `.backup` or `.history`).
  const compression = COMPRESSIONS.find((c) => SUFFIX[c] !== '' && last.endsWith(SUFFIX[c])) ?? 'none';
  const name = last.slice(0, last.length - SUFFIX[compression].length);
  return isWalFileName(name) ? { name, compression } : null;
}

/** A base backup's id: its start time in UTC, `YYYYMMDDTHHMMSSZ`, so ids sort as the backups were taken. */
const BACKUP_ID = /^\d{8}T\d{6}Z$/;

export function backupId(startedAt: Date): string {
  return startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function isBackupId(id: string): boolean {
  return BACKUP_ID.test(id);
}

/** The objects of one base backup. */
export type BaseTarObject = 'base.tar.gz' | 'base.tar.zst' | 'base.tar';
export type BackupObject = BaseTarObject | 'backup_manifest' | 'backup.json';

/** The object holding a base backup's tar. */
export function baseTarObject(compression: Compression): BaseTarObject {
  return `base.tar${SUFFIX[compression]}` as BaseTarObject;
}

export function backupFolder(root: string, id: string): string {
  if (!isBackupId(id)) throw new Error(`'${id}' is not a backup id (YYYYMMDDTHHMMSSZ)`);
  return `${root}base/${id}/`;
}

export function backupKey(root: string, id: string, object: BackupObject): string {
  return `${backupFolder(root, id)}${object}`;
}
