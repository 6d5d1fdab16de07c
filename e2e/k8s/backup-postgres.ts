/**
 * The backup scenario's chart: three members archiving their WAL to a real S3 server (versitygw) that
 * the scenario runs on the host, at node-1's CNI bridge address, which every pod can reach (the host
 * routes between the nodes' bridges). Credentials come from Secret `backup-s3`, which the scenario
 * creates with kubectl as a user would. Base backups on request only, the newest one kept (base-backup.ts).
 * Synchronous replication, so the restore scenario can hold a restore to the latest state to every commit
 * acknowledged across a failover. Rendered on every major, like tls-postgres.ts.
 */
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { PostgresCluster, ReplicationMode, StandbyMode, type PostgresVersion } from '../../lib';
import { nodePlan } from '../cluster/plan';

export const BACKUP_POSTGRES = 'backup-postgres';
export const BACKUP_SECRET = 'backup-s3';
export const BACKUP_BUCKET = 'e2e-backups';
/** The host's address on node-1's bridge (the CNI gateway, `.1` of its pod /24) and a port of ours. */
export const BACKUP_STORE_HOST = nodePlan(1).podSubnet.replace(/\.0\/24$/, '.1');
export const BACKUP_STORE_PORT = 19000;

export class BackupPostgresChart extends Chart {
  constructor(scope: Construct, id: string, version: PostgresVersion) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, BACKUP_POSTGRES, {
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
        endpoint: `http://${BACKUP_STORE_HOST}:${BACKUP_STORE_PORT}`,
        pathStyle: true,
        archiveTimeout: Duration.seconds(5),
        retainCount: 1,
      },
    });
  }
}
