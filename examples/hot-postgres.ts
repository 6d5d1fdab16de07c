import { Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { PostgresCluster, PostgresVersion, StandbyMode } from '../lib';

/**
 * The seed's second object, KubeDB's `hot-postgres`: as `ha-postgres`, but the standbys are hot
 * (they answer read-only queries, through the `hot-postgres-replicas` Service).
 */
export class HotPostgresChart extends Chart {
  public readonly cluster: PostgresCluster;

  public constructor(scope: Construct, id = 'hot-postgres') {
    super(scope, id, { namespace: 'demo' });
    this.cluster = new PostgresCluster(this, 'hot-postgres', {
      // The seed asks for 9.6, out of support since 2021 and not offered here (15 to 18 are).
      version: PostgresVersion.V17,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
    });
  }
}
