import { k8s } from 'cdk8s-plus-27';
import { BackupBinding, BackupProps } from './backup';

/**
 * Where recovery stops when a cluster is bootstrapped from a backup (`restore.target`).
 *
 * @see https://www.postgresql.org/docs/current/runtime-config-wal.html#RUNTIME-CONFIG-WAL-RECOVERY-TARGET
 */
export class RecoveryTarget {
  /** Replay every WAL file in the archive, then promote: the latest state the store has. */
  public static latest(): RecoveryTarget {
    return new RecoveryTarget('latest', '');
  }

  /**
   * Stop after the last transaction committed at or before this time: ISO 8601 with seconds and a zone,
   * e.g. `2026-12-04T19:05:07Z` or `2026-12-04T20:05:07.5+01:00`.
   */
  public static time(timestamp: string): RecoveryTarget {
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;
    if (!iso.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
      throw new Error(`restore.target RecoveryTarget.time() needs an ISO 8601 time with seconds and a zone such as 2026-12-04T19:05:07Z, got "${timestamp}"`);
    }
    return new RecoveryTarget('time', timestamp);
  }

  /** Stop right after this WAL position, as PostgreSQL prints it (`0/5000028`). */
  public static lsn(lsn: string): RecoveryTarget {
    if (!/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(lsn)) {
      throw new Error(`restore.target RecoveryTarget.lsn() needs a WAL position such as 0/5000028 (two hex numbers of up to 8 digits), got "${lsn}"`);
    }
    return new RecoveryTarget('lsn', lsn.toUpperCase());
  }

  /** Stop right after this transaction committed (its id, `pg_current_xact_id()`). */
  public static transactionId(xid: number): RecoveryTarget {
    if (!Number.isSafeInteger(xid) || xid < 1) {
      throw new Error(`restore.target RecoveryTarget.transactionId() needs a positive whole number, got ${xid}`);
    }
    return new RecoveryTarget('xid', String(xid));
  }

  /** Stop at a restore point created with `pg_create_restore_point('<name>')`. */
  public static restorePoint(name: string): RecoveryTarget {
    if (name.length < 1 || name.length > 63 || /[\u0000-\u001f]/.test(name)) {
      throw new Error(`restore.target RecoveryTarget.restorePoint() needs a name of 1 to 63 printable characters, got "${name}"`);
    }
    return new RecoveryTarget('name', name);
  }

  private constructor(
    /** `latest`, `time`, `lsn`, `xid` or `name`. */
    public readonly kind: string,
    /** The target's value; empty for `latest`. */
    public readonly value: string,
  ) {}

  /** PGHA_RESTORE_TARGET as the agent reads it (agent/backup/recovery-target.ts). */
  public toString(): string {
    return this.kind === 'latest' ? 'latest' : `${this.kind}:${this.value}`;
  }
}

/**
 * Bootstrap the cluster from base backups and WAL in an object store instead of `initdb`: its latest
 * state, or a point in time. The source is this cluster's own store (after losing it) or another
 * cluster's (a clone). Read only when the cluster has no data yet: once bootstrapped, the prop changes
 * nothing (README.md, "Restore and point-in-time recovery").
 */
export interface RestoreProps {
  /**
   * The store the source's backups and WAL are in. `archiveTimeout` does not apply; reads need no
   * `serverSideEncryption`.
   *
   * @default - the cluster's own `backup` store
   */
  readonly store?: BackupProps;

  /**
   * The source cluster's name: its objects are under `<prefix>/<cluster>/` in the store.
   *
   * @default - this cluster's name
   */
  readonly cluster?: string;

  /**
   * The source cluster's life to restore, by its PostgreSQL system identifier (the folder under
   * `<prefix>/<cluster>/`), when the name was used by more than one cluster.
   *
   * @default - any: the newest backup that fits the target decides
   */
  readonly systemIdentifier?: string;

  /**
   * Where recovery stops.
   *
   * @default RecoveryTarget.latest()
   */
  readonly target?: RecoveryTarget;
}

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** What `restore` renders: the agent's PGHA_RESTORE_* variables, the source store's CA and Secret. */
export class RestoreBinding {
  public static resolve(props: RestoreProps | undefined, clusterName: string, backup: BackupBinding | undefined): RestoreBinding | undefined {
    if (!props) return undefined;
    const store = BackupBinding.resolve(props.store, 'restore.store') ?? backup;
    if (!store) {
      throw new Error('restore.store is required when the cluster has no backup: the source\'s backups are read from an object store; '
        + 'got neither restore.store nor backup');
    }
    const cluster = props.cluster ?? clusterName;
    if (!DNS_1035_LABEL.test(cluster) || cluster.length > 63) {
      throw new Error(`restore.cluster must be a cluster name (a DNS-1035 label), got "${cluster}"`);
    }
    if (props.systemIdentifier !== undefined && !/^\d{1,20}$/.test(props.systemIdentifier)) {
      throw new Error(`restore.systemIdentifier must be a PostgreSQL system identifier (digits, as in the store's folder names), got "${props.systemIdentifier}"`);
    }
    return new RestoreBinding(store, props.store !== undefined, cluster, props.systemIdentifier, props.target ?? RecoveryTarget.latest());
  }

  private constructor(
    private readonly store: BackupBinding,
    /** true: `restore.store`; false: the cluster's own `backup` store, whose CA and Secret are rendered already. */
    private readonly separateStore: boolean,
    private readonly cluster: string,
    private readonly systemIdentifier: string | undefined,
    private readonly target: RecoveryTarget,
  ) {}

  /** A restore-only store's Secret (the agents read it); none when the source is the cluster's own store. */
  public get secretNames(): string[] {
    return this.separateStore ? [this.store.secretName] : [];
  }

  public agentEnv(): k8s.EnvVar[] {
    return [
      ...this.store.agentEnv('PGHA_RESTORE'),
      { name: 'PGHA_RESTORE_CLUSTER', value: this.cluster },
      ...(this.systemIdentifier ? [{ name: 'PGHA_RESTORE_SYSTEM_IDENTIFIER', value: this.systemIdentifier }] : []),
      { name: 'PGHA_RESTORE_TARGET', value: this.target.toString() },
    ];
  }

  public volumes(): k8s.Volume[] {
    return this.separateStore ? this.store.volumes() : [];
  }

  public agentVolumeMounts(): k8s.VolumeMount[] {
    return this.separateStore ? this.store.agentVolumeMounts() : [];
  }
}
