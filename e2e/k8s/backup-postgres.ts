/**
 * The backup scenario's chart: three members archiving their WAL to a real S3 server (versitygw) that
 * the scenario runs on the host, at node-1's CNI bridge address, which every pod can reach (the host
 * routes between the nodes' bridges). The store is a private endpoint on HTTPS: its certificate is signed
 * by a CA made with openssl (test/support/store-certificates.ts), whose `ca.crt` the chart carries in
 * ConfigMap `backup-store-ca` for `caConfigMap`, as a user commits a private CA; every object is written
 * with `ServerSideEncryption.S3_MANAGED` (versitygw checks the signed header and ignores it: README.md,
 * "Backups", Limits). Credentials come from Secret `backup-s3`, which the scenario creates with kubectl
 * as a user would. Base backups on request only, the newest one kept (base-backup.ts); as
 * `scheduled-postgres`, every minute (backup-schedule.ts).
 * Synchronous replication, so the restore scenario can hold a restore to the latest state to every commit
 * acknowledged across a failover. Rendered on every major, like tls-postgres.ts.
 */
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { PostgresCluster, ReplicationMode, ServerSideEncryption, StandbyMode, type PostgresVersion } from '../../lib';
import { StoreCertificates } from '../../test/support/store-certificates';
import { nodePlan } from '../cluster/plan';

export const BACKUP_POSTGRES = 'backup-postgres';
export const BACKUP_SECRET = 'backup-s3';
export const BACKUP_BUCKET = 'e2e-backups';
/** The host's address on node-1's bridge (the CNI gateway, `.1` of its pod /24) and a port of ours. */
export const BACKUP_STORE_HOST = nodePlan(1).podSubnet.replace(/\.0\/24$/, '.1');
export const BACKUP_STORE_PORT = 19000;
export const BACKUP_STORE_ENDPOINT = `https://${BACKUP_STORE_HOST}:${BACKUP_STORE_PORT}`;
/** The ConfigMap with the store's CA (key `ca.crt`); restored-postgres refers to it by name. */
export const BACKUP_STORE_CA = 'backup-store-ca';

/**
 * The store's CA and certificate (IP SAN: the bridge address), made once in e2e/.work/backup-store-tls/:
 * the chart's render and the scenario's server read the same files.
 */
export function backupStoreCertificates(): StoreCertificates {
  return StoreCertificates.ensure(join(__dirname, '..', '.work', 'backup-store-tls'), [BACKUP_STORE_HOST], 'cdk8s-postgres-ha-e2e-store-ca');
}

/** The backup-schedule scenario's cluster: backup-postgres with base backups every minute. */
export const SCHEDULED_POSTGRES = 'scheduled-postgres';
export const EVERY_MINUTE = '* * * * *';

export class BackupPostgresChart extends Chart {
  /** `name` and `schedule`: the cluster's name and its backup schedule (backup-postgres: on request only). */
  constructor(scope: Construct, id: string, version: PostgresVersion, name = BACKUP_POSTGRES, schedule?: string) {
    super(scope, id, { namespace: 'demo' });
    const storeCa = new kplus.ConfigMap(this, 'StoreCa', {
      metadata: { name: BACKUP_STORE_CA },
      data: { 'ca.crt': backupStoreCertificates().caPem },
    });
    new PostgresCluster(this, name, {
      version,
      replicas: 3,
      // Hot standbys accept connections, pg_basebackup's too: base backups are taken from one of them.
      standbyMode: StandbyMode.HOT,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 1,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(200),
      backup: {
        bucket: BACKUP_BUCKET,
        credentialsSecret: kplus.Secret.fromSecretName(this, 'S3', BACKUP_SECRET),
        endpoint: BACKUP_STORE_ENDPOINT,
        pathStyle: true,
        caConfigMap: storeCa,
        serverSideEncryption: ServerSideEncryption.S3_MANAGED,
        archiveTimeout: Duration.seconds(5),
        retainCount: 1,
        ...(schedule ? { schedule } : {}),
      },
    });
  }
}
