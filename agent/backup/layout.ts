// The object keys of a cluster's archive (README.md, "Backups"): stable, so a person can read the store
// with any S3 client, and a restore finds a file by its name alone.
//
//   <prefix>/<cluster>/<system identifier>/wal/<timeline>/<file name>.gz
//
// The system identifier (initdb's, in pg_control) separates two lives of a cluster with the same name: a
// cluster bootstrapped anew, or restored, never writes over the archive of the one before. The timeline
// folder is the file name's first 8 hex digits (segments, .partial segments, .history and .backup files
// all start with it), so a timeline's files list together and in WAL order.

/** The WAL file names PostgreSQL archives: segments, partial segments, timeline histories, backup labels. */
const WAL_FILE = /^[0-9A-F]{8}(?:[0-9A-F]{16}(?:\.partial|\.[0-9A-F]{8}\.backup)?|\.history)$/;

export function isWalFileName(name: string): boolean {
  return WAL_FILE.test(name);
}

/** Where the archive of one cluster's life starts: `<prefix>/<cluster>/<system identifier>/`. */
export function archiveRoot(prefix: string, cluster: string, systemIdentifier: string): string {
  return `${prefix}/${cluster}/${systemIdentifier}/`;
}

export function walKey(root: string, fileName: string): string {
  if (!isWalFileName(fileName)) throw new Error(`'${fileName}' is not a WAL file name`);
  return `${root}wal/${fileName.slice(0, 8)}/${fileName}.gz`;
}
