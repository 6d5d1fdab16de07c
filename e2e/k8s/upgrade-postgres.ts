/**
 * The major-upgrade scenario's second cluster: what README "Major upgrades" tells a user to add beside the
 * old one, `hot-postgres-17`, on the new major, taking the old cluster's credentials (Secret
 * `hot-postgres-auth`, made by the old cluster's agents at its bootstrap) so roles keep their passwords.
 * The same members and storage as the hot-postgres example. Rendered by the scenario (renderedUpgrade()).
 */
import { join } from 'node:path';
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { PostgresCluster, PostgresVersion, StandbyMode } from '../../lib';

export const UPGRADED = 'hot-postgres-17';
export const OLD_AUTH_SECRET = 'hot-postgres-auth';

export class UpgradePostgresChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, UPGRADED, {
      version: PostgresVersion.V17,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
      authSecret: kplus.Secret.fromSecretName(this, 'OldAuth', OLD_AUTH_SECRET),
    });
  }
}

/** Renders the chart into e2e/.work/rendered/major-upgrade/ and returns the file to apply. */
export function renderedUpgrade(): string {
  const outdir = join(__dirname, '..', '.work', 'rendered', 'major-upgrade');
  const app = new App({ outdir });
  new UpgradePostgresChart(app, UPGRADED);
  app.synth();
  return join(outdir, `${UPGRADED}.k8s.yaml`);
}
