/**
 * The member-partition scenario's chart: sync-postgres's cluster (three members, hot standbys, `ANY 1`
 * quorum) in strict synchronous mode (`synchronousStrict: true`), without the ticker. No committed render:
 * the suite renders it on every major.
 */
import { Chart, Size } from 'cdk8s';
import type { Construct } from 'constructs';
import { PostgresCluster, ReplicationMode, StandbyMode, type PostgresVersion } from '../../lib';

export class StrictPostgresChart extends Chart {
  constructor(scope: Construct, id: string, version: PostgresVersion) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, 'strict-postgres', {
      version,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 1,
      synchronousStrict: true,
      storageSize: Size.gibibytes(5),
    });
  }
}
