/**
 * The restore scenario's new clusters, bootstrapped from backup-postgres's base backup and WAL in the same
 * store (a clone by name) and archiving to their own roots: `restored-postgres` to a time the scenario
 * records, `latest-postgres` to the latest state; over HTTPS with the CA in backup-postgres's ConfigMap
 * `backup-store-ca` (left in the namespace when that cluster was deleted, as a user keeps a CA).
 * Rendered at run time, when the target is known, like a user's manifest after an incident.
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { join } from 'node:path';
import { PostgresCluster, RecoveryTarget, ServerSideEncryption, type PostgresVersion } from '../../lib';
import { BACKUP_BUCKET, BACKUP_POSTGRES, BACKUP_SECRET, BACKUP_STORE_CA, BACKUP_STORE_ENDPOINT } from './backup-postgres';

export const RESTORED_POSTGRES = 'restored-postgres';
export const LATEST_POSTGRES = 'latest-postgres';

/** Renders cluster `name` into e2e/.work/rendered/restore/ and returns the file to `kubectl apply -f`. */
export function renderRestored(name: string, version: PostgresVersion, target: RecoveryTarget): string {
  const outdir = join(__dirname, '..', '.work', 'rendered', 'restore');
  const app = new App({ outdir });
  const chart = new Chart(app, name, { namespace: 'demo' });
  new PostgresCluster(chart, name, {
    version,
    replicas: 3,
    storageClassName: 'standard',
    storageSize: Size.mebibytes(200),
    backup: {
      bucket: BACKUP_BUCKET,
      credentialsSecret: kplus.Secret.fromSecretName(chart, 'S3', BACKUP_SECRET),
      endpoint: BACKUP_STORE_ENDPOINT,
      pathStyle: true,
      caConfigMap: kplus.ConfigMap.fromConfigMapName(chart, 'StoreCa', BACKUP_STORE_CA),
      serverSideEncryption: ServerSideEncryption.S3_MANAGED,
      archiveTimeout: Duration.seconds(5),
    },
    // The store is the cluster's own `backup` store; the source is the deleted cluster, by name.
    restore: { cluster: BACKUP_POSTGRES, target },
  });
  app.synth();
  return join(outdir, `${name}.k8s.yaml`);
}
