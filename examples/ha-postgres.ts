import { Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { PostgresCluster, PostgresVersion } from '../lib';

/**
 * The seed's first object, KubeDB's `ha-postgres`: three members, one primary and two warm standbys
 * (the default standby mode), 50Mi volumes of the `standard` StorageClass (ReadWriteOnce, as every
 * member's claim is).
 */
export class HaPostgresChart extends Chart {
  public readonly cluster: PostgresCluster;

  /** `version` is for the e2e suite, which runs the same chart on 15 and 18 too. */
  public constructor(scope: Construct, id = 'ha-postgres', version = PostgresVersion.V17) {
    super(scope, id, { namespace: 'demo' });
    this.cluster = new PostgresCluster(this, 'ha-postgres', {
      // The seed asks for 9.6, out of support since 2021 and not offered here (15 to 18 are).
      version,
      replicas: 3,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
    });
  }
}
