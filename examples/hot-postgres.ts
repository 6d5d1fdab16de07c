import { Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { PostgresCluster, PostgresClusterProps, PostgresVersion, StandbyMode } from '../lib';

/**
 * The seed's second object, KubeDB's `hot-postgres`: as `ha-postgres`, but the standbys are hot
 * (they answer read-only queries, through the `hot-postgres-replicas` Service).
 */
export class HotPostgresChart extends Chart {
  public readonly cluster: PostgresCluster;

  /**
   * `version` is for the e2e suite, which runs the same chart on 15 and 18 too; `changes` for its
   * day-2 scenarios, which re-apply it with a prop changed (a parameter, the image, the version).
   */
  public constructor(scope: Construct, id = 'hot-postgres', version = PostgresVersion.V17, changes: PostgresClusterProps = {}) {
    super(scope, id, { namespace: 'demo' });
    this.cluster = new PostgresCluster(this, 'hot-postgres', {
      // The seed asks for 9.6, out of support since 2021 and not offered here (15 to 18 are).
      version,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
      ...changes,
    });
  }
}
