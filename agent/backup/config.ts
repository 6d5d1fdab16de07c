// Where the WAL archive is, from the PGHA_BACKUP_* variables the construct renders (lib/backup.ts); null
// when the cluster has no backup configured. The credentials are not here: they live in a Secret the
// agent reads through the API (credentials.ts), never in the pod spec.
import { readFileSync } from 'node:fs';
import type { S3Location } from './s3';

export interface BackupConfig {
  readonly location: S3Location;
  readonly prefix: string;
  /** The Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and optionally AWS_SESSION_TOKEN). */
  readonly secretName: string;
}

type Env = Record<string, string | undefined>;

/** `PGHA_BACKUP_*`, the store the cluster archives to; a restore's source store is `PGHA_RESTORE_*` (restore-config.ts). */
export function readBackupConfig(env: Env, variables: 'PGHA_BACKUP' | 'PGHA_RESTORE' = 'PGHA_BACKUP'): BackupConfig | null {
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
