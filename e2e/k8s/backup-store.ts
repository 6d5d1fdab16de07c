/**
 * What the backup scenarios share: the S3 server on the host with the bucket and the credentials Secret a
 * user would create, a client to look into the store, and the WAL segment arithmetic that checks an
 * archive for gaps.
 */
import { S3Store } from '../../agent/backup/s3';
import { S3Server } from '../../test/support/s3-server';
import { BACKUP_BUCKET, BACKUP_SECRET, BACKUP_STORE_CA, BACKUP_STORE_ENDPOINT, BACKUP_STORE_HOST, BACKUP_STORE_PORT, backupStoreCertificates } from './backup-postgres';
import type { Database } from './database';
import type { KubeContext } from './scenario';

export async function startStore(t: KubeContext, db: Database): Promise<S3Server> {
  return t.step(`versitygw on the host at ${BACKUP_STORE_ENDPOINT} (a certificate signed by the private CA in ConfigMap ${BACKUP_STORE_CA}), bucket ${BACKUP_BUCKET}; `
    + `kubectl create secret generic ${BACKUP_SECRET} --from-literal=AWS_ACCESS_KEY_ID=… --from-literal=AWS_SECRET_ACCESS_KEY=…`, async () => {
    const server = await S3Server.start({ host: BACKUP_STORE_HOST, port: BACKUP_STORE_PORT, tls: backupStoreCertificates() });
    await server.createBucket(BACKUP_BUCKET);
    await t.cluster.sh(`kubectl create secret generic -n ${db.namespace} ${BACKUP_SECRET} --from-literal=AWS_ACCESS_KEY_ID=${S3Server.ACCESS_KEY_ID} --from-literal=AWS_SECRET_ACCESS_KEY=${S3Server.SECRET_ACCESS_KEY}`);
    return server;
  });
}

export function storeClient(s3: S3Server): S3Store {
  return s3.client(BACKUP_BUCKET);
}

/** `pgha/<cluster>/<system identifier>/wal/`: where the cluster's WAL lands (README.md, "Backups"). */
export async function walRoot(db: Database): Promise<string> {
  const [{ sysid }] = await db.sql<{ sysid: string }>(db.service(), 'select system_identifier::text as sysid from pg_control_system()');
  return `pgha/${db.name}/${sysid}/wal/`;
}

/** A segment's number (16 MiB segments: 256 per "log" id) and back. */
export function segmentNumber(name: string): bigint {
  return (BigInt(`0x${name.slice(8, 16)}`) << 8n) | BigInt(`0x${name.slice(16, 24)}`);
}

export function segmentName(timeline: string, n: bigint): string {
  const hex = (v: bigint) => v.toString(16).toUpperCase().padStart(8, '0');
  return `${timeline}${hex(n >> 8n)}${hex(n & 0xffn)}`;
}

/** The segments of `timeline` from number `from` to `to` (inclusive) that `keys` (relative to the root) lacks. */
export function missingSegments(keys: ReadonlySet<string>, timeline: string, from: bigint, to: bigint): string[] {
  const missing: string[] = [];
  for (let n = from; n <= to; n++) {
    const name = segmentName(timeline, n);
    if (!keys.has(`${timeline}/${name}.gz`)) missing.push(name);
  }
  return missing;
}

/** Inserts some rows and switches to a new segment; the name of the segment just completed. */
export async function writeAndSwitch(db: Database, table: string): Promise<string> {
  await db.sql(db.service(), `create table if not exists ${table} (id serial primary key, payload text)`);
  await db.sql(db.service(), `insert into ${table} (payload) select repeat('x', 100) from generate_series(1, 1000)`);
  const [row] = await db.sql<{ name: string }>(db.service(), 'select pg_walfile_name(pg_switch_wal()) as name');
  return row.name;
}
