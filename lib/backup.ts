import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { CronSchedule } from './cron';
import { CONFIG_DIR } from './pod-layout';

/**
 * Server-side encryption of the objects backups write.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html
 */
export class ServerSideEncryption {
  /** No `x-amz-server-side-encryption` header: the bucket's default encryption applies. */
  public static readonly NONE = new ServerSideEncryption('', '');
  /** `AES256`: keys managed by the store (SSE-S3). */
  public static readonly S3_MANAGED = new ServerSideEncryption('AES256', '');

  /** `aws:kms` with a KMS key (SSE-KMS); without `keyId`, the bucket's or the account's default KMS key. */
  public static kms(keyId?: string): ServerSideEncryption {
    return new ServerSideEncryption('aws:kms', keyId ?? '');
  }

  private constructor(
    /** The `x-amz-server-side-encryption` value; empty for none. */
    public readonly algorithm: string,
    /** The KMS key id or ARN; empty for the default key. */
    public readonly kmsKeyId: string,
  ) {}
}

/** Which member takes the base backups. */
export class BackupSource {
  /**
   * A ready hot standby that streams from the primary, so the primary's I/O is spared; the primary when
   * there is none. Warm standbys accept no connection, pg_basebackup's included: with
   * `StandbyMode.WARM` the primary takes every backup.
   */
  public static readonly PREFER_STANDBY = new BackupSource('standby');
  /** Always the primary. */
  public static readonly PRIMARY = new BackupSource('primary');

  private constructor(
    /** The `PGHA_BACKUP_FROM` value. */
    public readonly value: string,
  ) {}
}

/**
 * How WAL files and base backups are written to the store. README.md ("Backups") has the keys of each.
 * A store may hold every kind after the setting changed: restores read any.
 */
export class BackupCompression {
  /**
   * gzip (level 1 for base backups, compressed in 1 MiB blocks on several threads; level 6 for WAL):
   * `base.tar.gz`, `<file>.gz`. Table data often shrinks to half; the agent's CPU bounds the backup's
   * throughput (bench/README.md).
   */
  public static readonly GZIP = new BackupCompression('gzip');
  /**
   * Stored as written: `base.tar`, `<file>`. No CPU spent compressing, so a base backup runs at the
   * speed of the disk and the network, for more bytes stored and sent.
   */
  public static readonly NONE = new BackupCompression('none');
  /**
   * zstd (level 1 for base backups, one stream; level 3 for WAL): `base.tar.zst`, `<file>.zst`. Stores
   * about as little as gzip at several times its speed, so a base backup runs nearly as fast as with
   * NONE (bench/README.md). Needs an agent on Node.js 22.15 or later (the default agent image,
   * node:24-alpine, is): an older one reports each zstd backup as failed, with the reason. Restoring
   * `base.tar.zst` runs the postgres image's `zstd` program (the official images have it).
   */
  public static readonly ZSTD = new BackupCompression('zstd');

  private constructor(
    /** The `PGHA_BACKUP_COMPRESSION` value. */
    public readonly value: string,
  ) {}
}

/**
 * Continuous archiving of the cluster's WAL to an S3-compatible object store (AWS S3, MinIO, Ceph RGW,
 * Cloudflare R2, GCS's interoperability endpoint). README.md ("Backups") has the object layout.
 */
export interface BackupProps {
  /** The bucket. It must exist; the agents never create or configure buckets (lifecycle rules are yours). */
  readonly bucket: string;

  /**
   * A Secret in the cluster's namespace with the keys `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
   * (and `AWS_SESSION_TOKEN` for temporary credentials). The agents read it through the API; its values
   * never appear in the rendered YAML.
   */
  readonly credentialsSecret: kplus.ISecret;

  /**
   * The store's URL: scheme, host and port.
   *
   * @default - `https://s3.<region>.amazonaws.com`
   */
  readonly endpoint?: string;

  /**
   * The region requests are signed for.
   *
   * @default 'us-east-1'
   */
  readonly region?: string;

  /**
   * Where the cluster's objects start in the bucket: `<prefix>/<cluster name>/<system identifier>/...`.
   * Letters, digits and `-_./`, no leading or trailing `/`.
   *
   * @default 'pgha'
   */
  readonly prefix?: string;

  /**
   * Address the bucket in the path (`https://host/bucket/key`) instead of the host name
   * (`https://bucket.host/key`). MinIO, Ceph RGW and most private stores need it.
   *
   * @default false
   */
  readonly pathStyle?: boolean;

  /**
   * A ConfigMap with the PEM CA certificate (key `ca.crt`) that signed a private endpoint's certificate,
   * mounted into the agent container.
   *
   * @default - the public CAs Node.js carries
   */
  readonly caConfigMap?: kplus.IConfigMap;

  /**
   * Server-side encryption requested for every object.
   *
   * @default ServerSideEncryption.NONE
   */
  readonly serverSideEncryption?: ServerSideEncryption;

  /**
   * The longest a finished transaction waits before its WAL segment is switched and archived: the
   * recovery point objective when writes are rare. A whole number of seconds from 1 to 86400.
   *
   * @default Duration.seconds(60)
   * @see https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-ARCHIVE-TIMEOUT
   */
  readonly archiveTimeout?: Duration;

  /**
   * Base backups on a schedule: a cron expression of 5 fields (minute hour day-of-month month
   * day-of-week), in UTC, e.g. `0 3 * * *` for 03:00 every day. A cluster takes its first backup as soon
   * as it runs, then one per slot. Without a schedule, base backups are taken on request only
   * (`kubectl annotate lease <name>-leader cdk8s-postgres-ha/backup=now`).
   *
   * @default - on request only
   */
  readonly schedule?: string;

  /**
   * Keep this many newest complete base backups; older ones are deleted after each new backup, with the
   * WAL only they needed. With `retainFor` too, a backup is kept only while within both.
   *
   * @default - no limit by count
   */
  readonly retainCount?: number;

  /**
   * Keep complete base backups younger than this (by start time); older ones are deleted after each
   * new backup, with the WAL only they needed. The newest complete backup is always kept.
   *
   * @default - no limit by age
   */
  readonly retainFor?: Duration;

  /**
   * Which member takes base backups.
   *
   * @default BackupSource.PREFER_STANDBY
   */
  readonly backupFrom?: BackupSource;

  /**
   * How WAL files and base backups are written: GZIP, ZSTD (faster, needs an agent image with Node.js
   * 22.15 or later, as the default one) or NONE. Changing it affects what is written from then on;
   * backups and WAL already stored keep their keys and are still restored and pruned, whatever their kind.
   *
   * @default BackupCompression.GZIP
   */
  readonly compression?: BackupCompression;
}

/** What the agent's PGHA_BACKUP_COMPRESSION accepts (agent/backup/layout.ts COMPRESSIONS). */
const COMPRESSION_VALUES: readonly string[] = ['gzip', 'none', 'zstd'];
/** The key of the CA certificate in `caConfigMap`. */
const CA_KEY = 'ca.crt';
const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
/** S3's bucket naming rules (lowercase, 3–63, no leading or trailing dot or dash). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * What `backup` renders: checked once, read by the ConfigMap, StatefulSet and RBAC modules. A restore's
 * source store (`restore.store`, lib/restore.ts) is the same struct, rendered as `PGHA_RESTORE_*`.
 */
export class BackupBinding {
  /** `prop`: the struct's name in messages and what it renders (`backup`, or `restore.store`). */
  public static resolve(props: BackupProps | undefined, prop: 'backup' | 'restore.store' = 'backup'): BackupBinding | undefined {
    return props ? new BackupBinding(props, prop) : undefined;
  }

  private readonly archiveTimeoutSeconds: number;
  private readonly retainForSeconds: number | undefined;
  private readonly endpoint: string;
  private readonly region: string;
  /** `<prefix>/<cluster>/...` in the bucket. */
  public readonly prefix: string;
  private readonly caVolume: string;
  private readonly caDir: string;

  private constructor(
    private readonly props: BackupProps,
    private readonly prop: 'backup' | 'restore.store',
  ) {
    this.caVolume = prop === 'backup' ? 'backup-ca' : 'restore-ca';
    this.caDir = `/etc/pgha-${this.caVolume}`;
    if (!BUCKET.test(props.bucket)) {
      throw new Error(`${prop}.bucket must be an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-', `
        + `starting and ending with a letter or digit), got "${props.bucket}"`);
    }
    this.region = props.region ?? 'us-east-1';
    if (!/^[a-z0-9-]+$/.test(this.region)) {
      throw new Error(`${prop}.region must be a region name such as eu-west-1, got "${this.region}"`);
    }
    this.endpoint = props.endpoint ?? `https://s3.${this.region}.amazonaws.com`;
    if (!/^https?:\/\/[^/\s?#]+$/.test(this.endpoint)) {
      throw new Error(`${prop}.endpoint must be an http:// or https:// URL with a host and an optional port, no path, got "${this.endpoint}"`);
    }
    this.prefix = props.prefix ?? 'pgha';
    if (!PREFIX.test(this.prefix)) {
      throw new Error(`${prop}.prefix must be letters, digits and '-_./' without a leading, trailing or double '/', got "${this.prefix}"`);
    }
    const timeout = (props.archiveTimeout ?? Duration.seconds(60)).toSeconds({ integral: false });
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86_400) {
      throw new Error(`${prop}.archiveTimeout must be a whole number of seconds from 1 to 86400, got ${timeout}s`);
    }
    this.archiveTimeoutSeconds = timeout;
    if (prop === 'restore.store') {
      const set = (['schedule', 'retainCount', 'retainFor', 'backupFrom', 'compression'] as const).find((name) => props[name] !== undefined);
      if (set) throw new Error(`restore.store.${set} has no effect: a restore's source store is only read; set it in backup`);
    }
    // By value: a BackupCompression from another copy of this library (two versions in node_modules) is not
    // one of this copy's instances, and a value the agent does not know would stop its archiving.
    if (props.compression !== undefined && !COMPRESSION_VALUES.includes(props.compression.value)) {
      throw new Error(`backup.compression must be BackupCompression.GZIP, ZSTD or NONE, got "${props.compression.value}"`);
    }
    if (props.schedule !== undefined) CronSchedule.parse(props.schedule, 'backup.schedule');
    if (props.retainCount !== undefined && (!Number.isInteger(props.retainCount) || props.retainCount < 1 || props.retainCount > 10_000)) {
      throw new Error(`backup.retainCount must be a whole number from 1 to 10000, got ${props.retainCount}`);
    }
    const retainFor = props.retainFor?.toSeconds({ integral: false });
    if (retainFor !== undefined && (!Number.isInteger(retainFor) || retainFor < 3600)) {
      throw new Error(`backup.retainFor must be a whole number of seconds of at least one hour, got ${retainFor}s`);
    }
    this.retainForSeconds = retainFor;
  }

  public get secretName(): string {
    return this.props.credentialsSecret.name;
  }

  /**
   * postgresql.conf: every member archives (`always`), so a segment the old primary had not yet archived
   * when it failed is archived by the standbys that received it; the store keeps one copy per name.
   */
  public parameters(): Array<[string, string]> {
    return [
      ['archive_mode', 'always'],
      ['archive_command', `'/bin/bash ${CONFIG_DIR}/wal.sh archive %p %f'`],
      ['archive_timeout', `${this.archiveTimeoutSeconds}`],
    ];
  }

  /**
   * The store for the agent: `PGHA_BACKUP_*`, or with `variables` `PGHA_RESTORE_*` (the cluster's own
   * store, rendered again as the source of a restore that names no other).
   */
  public agentEnv(variables: 'PGHA_BACKUP' | 'PGHA_RESTORE' = this.prop === 'backup' ? 'PGHA_BACKUP' : 'PGHA_RESTORE'): k8s.EnvVar[] {
    const sse = this.props.serverSideEncryption ?? ServerSideEncryption.NONE;
    const env: Array<[string, string]> = [
      ['BUCKET', this.props.bucket],
      ['ENDPOINT', this.endpoint],
      ['REGION', this.region],
      ['PREFIX', this.prefix],
      ['PATH_STYLE', String(this.props.pathStyle ?? false)],
      ['SECRET', this.secretName],
      ...(sse.algorithm ? [['SSE', sse.algorithm] as [string, string]] : []),
      ...(sse.kmsKeyId ? [['SSE_KMS_KEY_ID', sse.kmsKeyId] as [string, string]] : []),
      ...(this.props.caConfigMap ? [['CA_FILE', `${this.caDir}/${CA_KEY}`] as [string, string]] : []),
      // Base backups are taken into the cluster's own store only, never into a restore's source.
      ...(variables === 'PGHA_BACKUP' ? this.baseBackupEnv() : []),
    ];
    return env.map(([name, value]) => ({ name: `${variables}_${name}`, value }));
  }

  private baseBackupEnv(): Array<[string, string]> {
    return [
      ['FROM', (this.props.backupFrom ?? BackupSource.PREFER_STANDBY).value],
      ...(this.props.schedule !== undefined ? [['SCHEDULE', this.props.schedule.trim()] as [string, string]] : []),
      ...(this.props.retainCount !== undefined ? [['RETAIN_COUNT', String(this.props.retainCount)] as [string, string]] : []),
      ...(this.retainForSeconds !== undefined ? [['RETAIN_SECONDS', String(this.retainForSeconds)] as [string, string]] : []),
      // Rendered only when not the default: a library upgrade changes no pod template of a cluster that never set it.
      ...(this.props.compression && this.props.compression.value !== BackupCompression.GZIP.value ? [['COMPRESSION', this.props.compression.value] as [string, string]] : []),
    ];
  }

  public volumes(): k8s.Volume[] {
    const ca = this.props.caConfigMap;
    return ca ? [{ name: this.caVolume, configMap: { name: ca.name, items: [{ key: CA_KEY, path: CA_KEY }] } }] : [];
  }

  public agentVolumeMounts(): k8s.VolumeMount[] {
    return this.props.caConfigMap ? [{ name: this.caVolume, mountPath: this.caDir, readOnly: true }] : [];
  }
}
