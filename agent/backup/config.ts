// Where the WAL archive and the base backups are, from the PGHA_BACKUP_* variables the construct renders
// (lib/backup.ts); null when the cluster has no backup configured. The credentials are not here: they live in a Secret the
// agent reads through the API (credentials.ts), never in the pod spec.
import { readFileSync } from 'node:fs';
import { CronSchedule } from '../../lib/cron';
import { COMPRESSIONS, type Compression } from './layout';
import type { RetentionPolicy } from './retention';
import type { S3Location } from './s3';

/** An object store and where a cluster's objects start in it: the archive's (`PGHA_BACKUP_*`) or a restore's source (`PGHA_RESTORE_*`). */
export interface StoreConfig {
  readonly location: S3Location;
  readonly prefix: string;
  /** The Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and optionally AWS_SESSION_TOKEN). */
  readonly secretName: string;
}

/** The cluster's own store, with the base backups it takes there. */
export interface BackupConfig extends StoreConfig {
  /** PGHA_BACKUP_SCHEDULE: base backups on this cron schedule (UTC); null: on request only. */
  readonly schedule: CronSchedule | null;
  /** PGHA_BACKUP_FROM `standby` (default) or `primary`. */
  readonly preferStandby: boolean;
  /** PGHA_BACKUP_RETAIN_COUNT, PGHA_BACKUP_RETAIN_SECONDS; both absent: nothing is ever deleted. */
  readonly retention: RetentionPolicy;
  /** PGHA_BACKUP_COMPRESSION: how WAL files and base backups are written (layout.ts); absent: gzip. */
  readonly compression: Compression;
}

type Env = Record<string, string | undefined>;

export function readBackupConfig(env: Env): BackupConfig | null {
  const store = readStoreConfig(env, 'PGHA_BACKUP');
  if (!store) return null;
  const from = env.PGHA_BACKUP_FROM ?? 'standby';
  if (from !== 'standby' && from !== 'primary') {
    throw new Error(`environment variable PGHA_BACKUP_FROM must be one of standby, primary, got '${from}'`);
  }
  const compression = env.PGHA_BACKUP_COMPRESSION ?? 'gzip';
  if (!COMPRESSIONS.includes(compression as Compression)) {
    throw new Error(`environment variable PGHA_BACKUP_COMPRESSION must be one of ${COMPRESSIONS.join(', ')}, got '${compression}'`);
  }
  const whole = (name: string): number | null => {
    const value = env[name];
    if (value === undefined) return null;
    if (!/^[1-9]\d*$/.test(value)) throw new Error(`environment variable ${name} must be a whole number of at least 1, got '${value}'`);
    return Number(value);
  };
  const retainSeconds = whole('PGHA_BACKUP_RETAIN_SECONDS');
  return {
    ...store,
    schedule: env.PGHA_BACKUP_SCHEDULE ? CronSchedule.parse(env.PGHA_BACKUP_SCHEDULE, 'environment variable PGHA_BACKUP_SCHEDULE') : null,
    preferStandby: from === 'standby',
    retention: { retainCount: whole('PGHA_BACKUP_RETAIN_COUNT'), retainForMs: retainSeconds === null ? null : retainSeconds * 1000 },
    compression: compression as Compression,
  };
}

/** `PGHA_BACKUP_*`, the store the cluster archives to, or `PGHA_RESTORE_*`, a restore's source store (restore-config.ts). */
export function readStoreConfig(env: Env, variables: 'PGHA_BACKUP' | 'PGHA_RESTORE'): StoreConfig | null {
  const bucket = env[`${variables}_BUCKET`];
  if (!bucket) return null;
  const text = (suffix: string): string => {
    const name = `${variables}_${suffix}`;
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is required when ${variables}_BUCKET is set`);
    return value;
  };
  const pathStyle = text('PATH_STYLE');
  if (pathStyle !== 'true' && pathStyle !== 'false') {
    throw new Error(`environment variable ${variables}_PATH_STYLE must be one of true, false, got '${pathStyle}'`);
  }
  const sse = env[`${variables}_SSE`];
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') {
    throw new Error(`environment variable ${variables}_SSE must be one of AES256, aws:kms, got '${sse}'`);
  }
  const caFile = env[`${variables}_CA_FILE`];
  const kmsKeyId = env[`${variables}_SSE_KMS_KEY_ID`];
  return {
    location: {
      endpoint: text('ENDPOINT'),
      region: text('REGION'),
      bucket,
      pathStyle: pathStyle === 'true',
      ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}),
      ...(sse ? { serverSideEncryption: sse } : {}),
      ...(kmsKeyId ? { kmsKeyId } : {}),
    },
    prefix: text('PREFIX'),
    secretName: text('SECRET'),
  };
}
